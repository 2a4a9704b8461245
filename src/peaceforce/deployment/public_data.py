"""Refresh the transport network's airfields and seaports from public data files.

The nodes of ``transport.yaml`` carry the keys of two public datasets: an
airfield's ICAO ident (OurAirports runways, read by
:func:`peaceforce.sources.runways.longest_runways`) and a seaport's UN/LOCODE
(NGA World Port Index, read by :func:`peaceforce.sources.ports.port_facts`).
Given files of that shape — such as ``runways_europe.csv`` and
``world_port_index_europe.csv`` — a planner brings the network up to date, or
checks it, from the latest download.
"""

from __future__ import annotations

from pathlib import Path

from peaceforce.scenario.transport import Node, NodeKind, TransportNetwork
from peaceforce.sources.ports import PortFacts, port_facts
from peaceforce.sources.runways import longest_runways


def _refreshed(node: Node, runways: dict[str, int], ports: dict[str, PortFacts]) -> Node:
    if node.kind is NodeKind.AIRFIELD and node.icao in runways:
        return node.model_copy(update={"runway_length_ft": runways[node.icao]})
    if node.kind is NodeKind.SEAPORT and node.unlocode:
        found = ports.get(node.unlocode.replace(" ", ""))
        if found is not None:
            return node.model_copy(
                update={
                    "channel_depth_m": found.channel_depth_m or node.channel_depth_m,
                    "roro": node.roro if found.roro is None else found.roro,
                }
            )
    return node


def refresh_network(
    network: TransportNetwork, *, runways: Path | None = None, ports: Path | None = None
) -> TransportNetwork:
    """The network with runway lengths and port facts taken from public data files.

    Nodes the files do not mention keep their values; a World Port Index
    'Unknown' Ro-Ro entry keeps the scenario's own value.
    """
    lengths = longest_runways(runways) if runways else {}
    facts = port_facts(ports) if ports else {}
    return network.model_copy(
        update={"nodes": tuple(_refreshed(n, lengths, facts) for n in network.nodes)}
    )

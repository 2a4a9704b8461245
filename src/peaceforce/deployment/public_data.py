"""Refresh the transport network's airfields and seaports from public data files.

The nodes of ``transport.yaml`` carry the keys of two public datasets: an
airfield's ICAO ident (OurAirports ``runways.csv``: ``airport_ident``,
``length_ft``, ``closed``) and a seaport's UN/LOCODE (NGA World Port Index:
``UN/LOCODE``, ``Channel Depth (m)``, ``Facilities - Ro-Ro``). These readers
take files of that shape — such as ``runways_europe.csv`` and
``world_port_index_europe.csv`` — so a planner can bring the network up to
date, or check it, from the latest download.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from peaceforce.errors import InputError, Problem
from peaceforce.scenario.transport import Node, NodeKind, TransportNetwork

_RUNWAY_COLUMNS = ("airport_ident", "length_ft", "closed")
_PORT_COLUMNS = ("UN/LOCODE", "Channel Depth (m)", "Facilities - Ro-Ro")


@dataclass(frozen=True)
class PortFacts:
    """What the World Port Index says of a port that matters for sealift."""

    channel_depth_m: float | None
    roro: bool | None


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as stream:
            reader = csv.DictReader(stream)
            missing = [c for c in columns if c not in (reader.fieldnames or ())]
            if missing:
                raise InputError(
                    [
                        Problem(
                            str(path),
                            "line 1",
                            ", ".join(missing) + " missing",
                            "columns " + ", ".join(columns),
                        )
                    ]
                )
            return [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), "-", str(exc), "a readable UTF-8 CSV file")]) from None


def longest_runways(path: Path) -> dict[str, int]:
    """The longest open runway (ft) of every airfield in an OurAirports runways file."""
    longest: dict[str, int] = {}
    problems: list[Problem] = []
    for line, row in _rows(path, _RUNWAY_COLUMNS):
        if row["closed"].strip() == "1" or not row["length_ft"].strip():
            continue
        try:
            length = int(float(row["length_ft"]))
        except ValueError:
            problems.append(
                Problem(
                    str(path), f"line {line}, length_ft", repr(row["length_ft"]), "a number of feet"
                )
            )
            continue
        ident = row["airport_ident"].strip()
        longest[ident] = max(length, longest.get(ident, 0))
    if problems:
        raise InputError(problems)
    return longest


def port_facts(path: Path) -> dict[str, PortFacts]:
    """Channel depth and Ro-Ro facilities of every port in a World Port Index file, by UN/LOCODE."""
    facts: dict[str, PortFacts] = {}
    for _, row in _rows(path, _PORT_COLUMNS):
        code = row["UN/LOCODE"].replace(" ", "")
        if not code:
            continue
        depth = row["Channel Depth (m)"].strip()
        roro = row["Facilities - Ro-Ro"].strip().lower()
        facts[code] = PortFacts(
            channel_depth_m=float(depth) if depth and float(depth) > 0 else None,
            roro={"yes": True, "no": False}.get(roro),
        )
    return facts


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

"""Refreshing the transport network from a public runway file (the readers: test_sources_*)."""

from __future__ import annotations

from pathlib import Path

from peaceforce.deployment.public_data import refresh_network
from peaceforce.scenario.loader import load_scenario


def test_refresh_takes_runway_lengths_from_the_file(shared_data: Path, tmp_path: Path) -> None:
    network = load_scenario().transport
    assert network is not None
    runways = tmp_path / "runways.csv"
    runways.write_text(
        "airport_ident,length_ft,closed\nEPRZ,12000,0\nEPRZ,9000,0\nEPRZ,15000,1\n",
        encoding="utf-8",
    )
    refreshed = refresh_network(network, runways=runways)
    [rzeszow] = [n for n in refreshed.nodes if n.icao == "EPRZ"]
    assert rzeszow.runway_length_ft == 12000  # longest open runway; the closed one is ignored
    assert [n for n in refreshed.nodes if n.icao == "LRCK"] == [
        n for n in network.nodes if n.icao == "LRCK"
    ]

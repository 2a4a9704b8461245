"""The transport network agrees with the public runway and port files it claims to come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from peaceforce.deployment.public_data import longest_runways, port_facts, refresh_network
from peaceforce.errors import InputError
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.transport import NodeKind


def test_builtin_airfields_match_ourairports(shared_data: Path) -> None:
    network = load_scenario().transport
    assert network is not None
    lengths = longest_runways(shared_data / "transport" / "runways_europe.csv")
    for node in network.nodes:
        if node.kind is NodeKind.AIRFIELD:
            assert node.icao is not None
            assert node.runway_length_ft == lengths[node.icao], node.icao


def test_builtin_ports_match_the_world_port_index(shared_data: Path) -> None:
    network = load_scenario().transport
    assert network is not None
    facts = port_facts(shared_data / "transport" / "world_port_index_europe.csv")
    for node in network.nodes:
        if node.kind is NodeKind.SEAPORT:
            assert node.unlocode is not None
            assert node.channel_depth_m == facts[node.unlocode.replace(" ", "")].channel_depth_m


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


def test_bad_runway_file_names_line_and_value(tmp_path: Path) -> None:
    runways = tmp_path / "runways.csv"
    runways.write_text("airport_ident,length_ft,closed\nEPRZ,long,0\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        longest_runways(runways)
    [problem] = caught.value.problems
    assert (problem.location, problem.value, problem.expected) == (
        "line 2, length_ft",
        "'long'",
        "a number of feet",
    )


def test_missing_columns_are_named(tmp_path: Path) -> None:
    ports = tmp_path / "ports.csv"
    ports.write_text("name\nx\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        port_facts(ports)
    assert "UN/LOCODE" in caught.value.problems[0].value

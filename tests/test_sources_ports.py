"""World Port Index: the built-in seaports agree with the file they claim to come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from peaceforce.errors import InputError
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.transport import NodeKind
from peaceforce.sources.ports import port_facts


def test_builtin_ports_match_the_world_port_index(shared_data: Path) -> None:
    network = load_scenario().transport
    assert network is not None
    facts = port_facts(shared_data / "transport" / "world_port_index_europe.csv")
    for node in network.nodes:
        if node.kind is NodeKind.SEAPORT:
            assert node.unlocode is not None
            assert node.channel_depth_m == facts[node.unlocode.replace(" ", "")].channel_depth_m


def test_missing_columns_are_named(tmp_path: Path) -> None:
    ports = tmp_path / "ports.csv"
    ports.write_text("name\nx\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        port_facts(ports)
    assert "UN/LOCODE" in caught.value.problems[0].value


def test_ro_ro_answers_and_unknown_depths(tmp_path: Path) -> None:
    ports = tmp_path / "ports.csv"
    ports.write_text(
        "UN/LOCODE,Channel Depth (m),Facilities - Ro-Ro\n"
        "UA ODS,13.5,Yes\nRO CND,0,Unknown\nBG VAR,,No\n,9,Yes\n",
        encoding="utf-8",
    )
    facts = port_facts(ports)
    assert set(facts) == {"UAODS", "ROCND", "BGVAR"}  # a row without a code is skipped
    assert (facts["UAODS"].channel_depth_m, facts["UAODS"].roro) == (13.5, True)
    assert (facts["ROCND"].channel_depth_m, facts["ROCND"].roro) == (None, None)
    assert (facts["BGVAR"].channel_depth_m, facts["BGVAR"].roro) == (None, False)


def test_bad_depths_name_line_and_value(tmp_path: Path) -> None:
    ports = tmp_path / "ports.csv"
    ports.write_text(
        "UN/LOCODE,Channel Depth (m),Facilities - Ro-Ro\nUA ODS,deep,Yes\nRO CND,-3,No\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        port_facts(ports)
    assert [(p.location, p.value) for p in caught.value.problems] == [
        ("line 2, Channel Depth (m)", "'deep'"),
        ("line 3, Channel Depth (m)", "'-3'"),
    ]

"""OurAirports runways: the built-in airfields agree with the file they claim to come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from peaceforce.errors import InputError
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.transport import NodeKind
from peaceforce.sources.runways import longest_runways


def test_builtin_airfields_match_ourairports(shared_data: Path) -> None:
    network = load_scenario().transport
    assert network is not None
    lengths = longest_runways(shared_data / "transport" / "runways_europe.csv")
    for node in network.nodes:
        if node.kind is NodeKind.AIRFIELD:
            assert node.icao is not None
            assert node.runway_length_ft == lengths[node.icao], node.icao


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

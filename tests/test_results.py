"""Run keys and the labelled stage-result base."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from peaceforce.labels import Classification, Label
from peaceforce.mandate.analysis import MandateReport, analyse_mandate
from peaceforce.protection.data import ProtectionData
from peaceforce.results import StageResult, code_version, run_key
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.model import Scenario
from scenario_copies import append, copy_builtin


def test_run_key_is_stable_and_sensitive() -> None:
    key = run_key({"b": [1, 2], "a": "x"}, {"rotation_ratio": 4})
    assert re.fullmatch(r"[0-9a-f]{16}", key)
    assert (
        run_key({"a": "x", "b": [1, 2]}, {"rotation_ratio": 4}) == key
    )  # key order is not content
    assert run_key({"a": "x", "b": [2, 1]}, {"rotation_ratio": 4}) != key
    assert run_key({"a": "x", "b": [1, 2]}, {"rotation_ratio": 3}) != key


def test_code_version_names_release_and_source_digest() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+\+[0-9a-f]{12}", code_version())


def test_same_files_same_key_and_any_edit_changes_it(tmp_path: Path) -> None:
    folder = copy_builtin(tmp_path)
    assert load_scenario(folder).run_key == load_scenario().run_key
    append(folder / "nations.yaml", "")  # whitespace is not content
    assert load_scenario(folder).run_key == load_scenario().run_key
    text = (folder / "missions.yaml").read_text(encoding="utf-8")
    (folder / "missions.yaml").write_text(text.replace("quantity: 4", "quantity: 5", 1), "utf-8")
    assert load_scenario(folder).run_key != load_scenario().run_key


def test_stage_result_round_trips_with_label_and_key() -> None:
    report = analyse_mandate(load_scenario())
    assert report.run_key == load_scenario().run_key
    assert report.label.classification is Classification.UNCLASSIFIED
    assert report.label.releasable_to == {"COALITION"}
    assert MandateReport.model_validate_json(report.model_dump_json()) == report


def test_stage_result_needs_a_well_formed_key() -> None:
    label = Label(classification=Classification.SECRET, releasable_to={"GBR"})
    with pytest.raises(ValidationError):
        StageResult(label=label, run_key="not-a-key")
    with pytest.raises(ValidationError):
        StageResult(run_key="0123456789abcdef")  # type: ignore[call-arg]


def test_what_a_stage_reads_besides_the_scenario_joins_the_run_key(
    scenario: Scenario, protection_data: ProtectionData
) -> None:
    """Two runs that differ only in protection.yaml must not share a run key (or folder)."""
    alone = scenario.stamp()
    with_data = scenario.stamp(protection_data)
    assert alone["run_key"] == scenario.run_key and scenario.stamp(None) == alone
    assert with_data["run_key"] != alone["run_key"]
    assert with_data == scenario.stamp(protection_data)  # stable
    moved = protection_data.model_copy(update={"min_distance_from_line_km": 99.0})
    assert scenario.stamp(moved)["run_key"] != with_data["run_key"]
    assert with_data["label"] == alone["label"]

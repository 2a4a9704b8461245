"""A plan run's files: written whole into a fresh folder that replaces the earlier run's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peaceforce.errors import InputError
from peaceforce.plan import PlanResult, run_plan
from peaceforce.presentation import plan_files
from peaceforce.presentation.plan_files import write_plan_files
from peaceforce.scenario.model import Scenario
from tiny_scenario import line, pledge, tiny_scenario


@pytest.fixture(scope="module")
def planned() -> tuple[PlanResult, Scenario]:
    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 2)], [line("l", "inf", 2, "far")])
    return run_plan(scenario), scenario


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_writes_plan_and_scenario_with_label_and_run_key(
    planned: tuple[PlanResult, Scenario], tmp_path: Path
) -> None:
    plan, scenario = planned
    out = tmp_path / "out"
    written = write_plan_files(plan, scenario, None, out)
    assert sorted(p.name for p in written) == ["plan.json", "scenario.json"]
    stored = PlanResult.model_validate_json((out / "plan.json").read_text(encoding="utf-8"))
    assert stored == plan
    assert stored.run_key == scenario.run_key
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["label"] == {
        "policy": "PEACEFORCE",
        "classification": "UNCLASSIFIED",
        "releasable_to": ["COALITION"],
        "caveats": [],
        "originator": None,
        "created": None,
        "review": None,
    }
    assert _listing(tmp_path) == ["out"]


def test_a_new_run_replaces_the_earlier_folder_whole(
    planned: tuple[PlanResult, Scenario], tmp_path: Path
) -> None:
    plan, scenario = planned
    out = tmp_path / "out"
    write_plan_files(plan, scenario, None, out)
    (out / "deploy-stale.json").write_text("{}", encoding="utf-8")  # from an earlier scenario
    write_plan_files(plan, scenario, None, out)
    assert _listing(out) == ["plan.json", "scenario.json"]
    assert _listing(tmp_path) == ["out"]


def test_a_failed_run_leaves_the_earlier_folder_as_it_was(
    planned: tuple[PlanResult, Scenario], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan, scenario = planned
    out = tmp_path / "out"
    write_plan_files(plan, scenario, None, out)
    before = (out / "plan.json").read_bytes()

    def disk_full(*_: object) -> None:
        raise InputError([])

    monkeypatch.setattr(plan_files, "write_atomic", disk_full)
    with pytest.raises(InputError):
        write_plan_files(plan, scenario, None, out)
    assert (out / "plan.json").read_bytes() == before
    assert _listing(tmp_path) == ["out"]  # no half-written folder left beside it


def test_refuses_to_replace_a_folder_of_other_files(
    planned: tuple[PlanResult, Scenario], tmp_path: Path
) -> None:
    plan, scenario = planned
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        write_plan_files(plan, scenario, None, tmp_path)
    assert "an earlier plan wrote" in caught.value.problems[0].expected
    assert _listing(tmp_path) == ["notes.txt"]

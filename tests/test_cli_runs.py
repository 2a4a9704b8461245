"""``peaceforce diff`` on two small runs: JSON that round-trips, tables, clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peaceforce.cli import app
from peaceforce.plan import run_plan
from peaceforce.presentation.plan_files import write_plan_files
from peaceforce.runs import RunDiff, diff_runs, load_plan_run
from peaceforce.scenario.whatif import WhatIf, apply_what_if
from tiny_scenario import line, pledge, tiny_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Two runs of a small scenario under ``out``: as it is, and with a rotation ratio of 2.

    France holds the line for three six-month tours, so the rule of thirds commits three
    companies per company deployed, and a ratio of 2 two.
    """
    out = tmp_path_factory.mktemp("runs") / "out"
    scenario = tiny_scenario(
        [pledge("fra", "FRA", "inf", 2, sustain_months=18)],
        [line("l", "inf", 2, "far")],
        duration_months=18,
    )
    changed = apply_what_if(scenario, WhatIf(rotation_ratio=2))
    first = write_plan_files(run_plan(scenario), scenario, None, out)
    second = write_plan_files(run_plan(changed), changed, None, out)
    return out, first.folder, second.folder


def test_diff_json_round_trips_and_matches_the_library(runs: tuple[Path, Path, Path]) -> None:
    out, first, second = runs
    result = runner.invoke(app, ["diff", str(first), "latest", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    shown = RunDiff.model_validate_json(result.stdout)
    assert shown == diff_runs(load_plan_run(first), load_plan_run(second))
    assert json.loads(shown.model_dump_json()) == json.loads(result.stdout)
    [coalition, nato] = shown.outcomes
    assert [(c.figure, c.before, c.after) for c in coalition.figures] == [("rotation_ratio", 3, 2)]
    [fra] = coalition.contributions
    assert [(c.figure, c.before, c.after, c.delta) for c in fra.changes] == [
        ("committed_personnel", 3000, 2000, -1000)  # 2 companies of 500, × 3 then × 2
    ]
    assert nato.contributions == coalition.contributions


def test_diff_prints_both_runs_and_the_changes(runs: tuple[Path, Path, Path]) -> None:
    out, first, second = runs
    result = runner.invoke(app, ["diff", first.name, f"tiny/{second.name[:5]}", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for text in (
        "Runs compared",
        "rotation_ratio=2",
        "What-if settings that differ",
        "as in the files",
        "m under coalition",
        "committed_personnel",
        "3,000",
        "-1,000",
        "marked: UNCLASSIFIED REL COALITION",
    ):
        assert text in result.stdout


def test_diff_of_a_run_with_itself_says_no_change(runs: tuple[Path, Path, Path]) -> None:
    out, first, _ = runs
    result = runner.invoke(app, ["diff", str(first), str(first), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "no change: every figure is the same in both runs" in result.stdout
    assert "What-if settings that differ" not in result.stdout


def test_diff_of_a_folder_that_is_not_a_run_is_a_clean_error(
    runs: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    out, first, _ = runs
    (tmp_path / "plan.json").write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["diff", str(tmp_path), str(first), "--out", str(out)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "run.json" in result.output and "Traceback" not in result.output
    document = json.loads(runner.invoke(app, ["diff", str(tmp_path), str(first), "--json"]).stdout)
    assert document["ok"] is False and document["status"] == 2
    assert document["problems"][0]["file"] == str(tmp_path / "run.json")


def test_diff_of_an_unknown_key_is_a_clean_error(runs: tuple[Path, Path, Path]) -> None:
    out, first, _ = runs
    result = runner.invoke(app, ["diff", "0123abcd", str(first), "--out", str(out), "--json"])
    assert result.exit_code == 2
    [problem] = json.loads(result.stdout)["problems"]
    assert (problem["file"], problem["value"]) == ("0123abcd", "no plan run")

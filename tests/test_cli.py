"""The command line: exit codes, JSON output, files written, documentation kept current."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from peaceforce.cli import app
from peaceforce.plan import PlanResult
from peaceforce.presentation.summary import executive_summary
from peaceforce.runs import RunDiff
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario

runner = CliRunner()
DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_schema_prints_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "Scenario"


def test_validate_builtin_folder(tmp_path: Path) -> None:
    from peaceforce.scenario.loader import builtin_scenario_dir

    result = runner.invoke(app, ["validate", str(builtin_scenario_dir()), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"ok": True, "scenario": "coalition-2025", "problems": []}


def test_mandate_json() -> None:
    result = runner.invoke(app, ["mandate", "--json"])
    assert result.exit_code == 0
    frameworks = {f["framework_id"]: f["outcome"] for f in json.loads(result.stdout)["frameworks"]}
    assert frameworks == {
        "nato": "blocked",
        "eu": "blocked",
        "unsc": "blocked",
        "osce": "blocked",
        "coalition": "authorisable",
    }


def test_mandate_table_names_blockers() -> None:
    result = runner.invoke(app, ["mandate"])
    assert result.exit_code == 0
    assert "HUN opposed" in result.stdout
    assert "Limits before the peacekeeping mission" in result.stdout


def test_plan_writes_runs_side_by_side_and_diff_compares_them(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", "--out", str(out)])
    assert result.exit_code == 0, result.stdout
    [first] = [p for p in (out / "coalition-2025").iterdir() if not p.name.startswith((".", "l"))]
    plan = PlanResult.model_validate_json((first / "plan.json").read_text(encoding="utf-8"))
    assert first.name == plan.run_key
    assert f"written to {first}/" in " ".join(result.stdout.split())
    assert plan.scenario_id == "coalition-2025"
    assert {s.mission_id for s in plan.sourcing} == {"reassurance", "monitoring", "air_shield"}
    assert {r.nation for r in plan.withdrawals} >= {"GBR", "FRA"}
    assert len({(r.framework_id, r.mission_id) for r in plan.sweep}) == 15
    assert "Gaps and why: (b) Ceasefire monitoring" in " ".join(result.stdout.split())
    assert "N-1: fills if one nation withdrew" in result.stdout
    assert "Fills by framework × mission (personnel)" in " ".join(result.stdout.split())
    assert {d.mission_id for d in plan.deployments} == {"reassurance", "monitoring", "air_shield"}
    # Every mission is short of some line: FOC is not reached, and the plan says what is missing.
    assert all(d.foc.day is not None or d.foc.missing for d in plan.deployments)
    [shield] = [p for p in plan.protection if p.mission_id == "air_shield"]
    assert shield.coverage.totals.population_covered > 0 and shield.coverage.totals.mw_covered > 0
    assert (first / "deploy-air_shield-coalition.tpfdd.xlsx").is_file()
    assert (first / "scenario.json").is_file()
    assert not list(out.rglob(".*.tmp"))
    # the executive summary comes first: at most 25 lines, every mission's fills and readiness
    assert result.stdout.lstrip().startswith("Executive summary:")
    summary = executive_summary(plan, load_scenario(builtin_scenario_dir())).plain.splitlines()
    assert len(summary) <= 25
    assert sum(line.strip().startswith("fill: ") for line in summary) == 3
    assert sum(line.strip().startswith("IOC: not reached") for line in summary) == 3
    assert "worst gaps: SAMP/T battery at Odesa" in "\n".join(summary)

    # a what-if run lands beside the first; the diff of the two shows the rotation ratio
    result = runner.invoke(app, ["plan", "--out", str(out), "--rotation-ratio", "2", "--json"])
    assert result.exit_code == 0, result.output
    second = PlanResult.model_validate_json(result.stdout)
    assert second.run_key != plan.run_key
    assert (out / "coalition-2025" / second.run_key / "plan.json").is_file()
    assert (first / "plan.json").is_file()
    shown = runner.invoke(app, ["diff", first.name[:6], "latest", "--out", str(out), "--json"])
    assert shown.exit_code == 0, shown.output
    diff = RunDiff.model_validate_json(shown.stdout)
    assert (diff.run_a.run_key, diff.run_b.run_key) == (plan.run_key, second.run_key)
    assert [(c.figure, c.before, c.after) for c in diff.what_if] == [("rotation_ratio", None, 2)]
    changed = {(o.mission_id, o.framework_id): o for o in diff.outcomes}
    assert {f.figure: (f.before, f.after) for f in changed["reassurance", "coalition"].figures}[
        "rotation_ratio"
    ] == (3, 2)
    table = runner.invoke(app, ["diff", str(first), "latest", "--out", str(out)])
    assert table.exit_code == 0, table.output
    assert "reassurance under coalition" in table.stdout
    assert f"marked: {plan.label}" in table.stdout


def _commands(group: object, prefix: str = "") -> list[str]:
    names = []
    for name, command in getattr(group, "commands", {}).items():
        full = f"{prefix}{name}"
        if getattr(command, "commands", None):
            names.extend(_commands(command, full + " "))
        else:
            names.append(full)
    return names


@pytest.mark.parametrize("command", _commands(get_command(app)))
def test_every_command_is_documented(command: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert re.search(rf"^## `peaceforce {re.escape(command)}", text, re.MULTILINE), (
        f"docs/cli.md has no section for 'peaceforce {command}'"
    )


def test_source_json_and_mps(tmp_path: Path) -> None:
    mps = tmp_path / "m.mps"
    result = runner.invoke(
        app,
        [
            "source",
            "--mission",
            "air_shield",
            "--framework",
            "coalition",
            "--json",
            "--export-mps",
            str(mps),
        ],
    )
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["sourcing"]["mission_id"] == "air_shield"
    assert {row["nation"] for row in report["withdrawals"]} >= {"FRA", "NLD"}
    assert mps.read_text(encoding="utf-8").startswith("NAME")


def test_source_table_explains_gaps() -> None:
    result = runner.invoke(app, ["source", "-m", "monitoring", "-f", "coalition"])
    assert result.exit_code == 0
    assert "Gaps and why" in result.stdout
    assert "no pledge of uas_bty" in result.stdout


def test_source_unknown_mission_is_a_clean_error() -> None:
    result = runner.invoke(app, ["source", "-m", "invasion", "-f", "coalition"])
    assert result.exit_code == 2
    assert "'invasion'" in result.output
    assert "one of: reassurance, monitoring, air_shield" in result.output


def test_errors_have_one_json_shape() -> None:
    result = runner.invoke(app, ["source", "-m", "invasion", "-f", "coalition", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "ok": False,
        "status": 2,
        "kind": "input",
        "error": "1 problem(s) found",
        "problems": [
            {
                "file": "scenario coalition-2025",
                "location": "mission option",
                "value": "'invasion'",
                "expected": "one of: reassurance, monitoring, air_shield",
            }
        ],
    }


def test_written_files_are_readable_by_others(tmp_path: Path) -> None:
    import os

    from peaceforce.outputs import write_atomic

    path = tmp_path / "shared.json"
    previous = os.umask(0o022)
    try:
        write_atomic(path, "{}")
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o644  # as a plain open() gives under umask 022


def test_what_if_switches_reach_the_optimiser() -> None:
    base = json.loads(
        runner.invoke(app, ["source", "-m", "reassurance", "-f", "coalition", "--json"]).stdout
    )
    what_if = json.loads(
        runner.invoke(
            app,
            [
                "source",
                "-m",
                "reassurance",
                "-f",
                "coalition",
                "--json",
                "--us-backstop",
                "--rotation-ratio",
                "4",
            ],
        ).stdout
    )
    # France holds its first-tour lines for all 24 months in 4-month tours (6 tours): the
    # whole rotation is committed, ratio × deployed, plus any line it takes over later;
    # the US backstop brings the UK's ground units in
    for report, ratio in ((base, 3), (what_if, 4)):
        assert report["sourcing"]["rotation_ratio"] == ratio
        fra = next(c for c in report["sourcing"]["contributions"] if c["nation"] == "FRA")
        assert fra["committed_personnel"] >= ratio * fra["deployed_personnel"]
    nations = {c["nation"]: c for c in what_if["sourcing"]["contributions"]}
    base_gbr = next(c for c in base["sourcing"]["contributions"] if c["nation"] == "GBR")
    assert nations["GBR"]["deployed_personnel"] > base_gbr["deployed_personnel"]


def test_us_backstop_switch_lifts_the_italian_caveat() -> None:
    from peaceforce.cli.common import load_what_if
    from peaceforce.mandate.analysis import analyse_mandate
    from peaceforce.sourcing.optimise import build_problem

    def backstop_obstacles(us_backstop: bool) -> int:
        scenario = load_what_if(None, us_backstop=us_backstop)
        assessment = analyse_mandate(scenario).assessment("coalition")
        problem = build_problem(scenario, scenario.mission("reassurance"), assessment)
        return sum(
            1
            for pair in problem.pairs
            if pair.pledge.nation == "ITA"
            for obstacle in pair.obstacles
            if obstacle.kind.value == "requires_us_backstop"
        )

    assert backstop_obstacles(False) == 3
    assert backstop_obstacles(True) == 0


def test_unwritable_output_is_a_clean_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    args = ["deploy", "-m", "air_shield", "-f", "coalition", "--out", str(blocker)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "a folder for the results" in result.output  # a problem table, no traceback
    assert result.exception is None or isinstance(result.exception, SystemExit)
    document = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert document["problems"][0]["expected"] == "a folder for the results"


def test_mps_export_needs_an_mps_or_lp_name(tmp_path: Path) -> None:
    args = [
        "source",
        "-m",
        "air_shield",
        "-f",
        "coalition",
        "--export-mps",
        str(tmp_path),
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    problem = json.loads(result.stdout)["problems"][0]
    assert problem["expected"] == "a file name ending in .mps or .lp"


def test_validate_checks_protection_yaml(tmp_path: Path) -> None:
    from scenario_copies import copy_builtin

    folder = copy_builtin(tmp_path)
    text = (folder / "protection.yaml").read_text(encoding="utf-8")
    (folder / "protection.yaml").write_text(text + "\nno_such_section: 1\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(folder), "--json"])
    assert result.exit_code == 2
    [problem] = json.loads(result.stdout)["problems"]
    assert problem["file"] == "protection.yaml"
    assert problem["expected"] == "no such field (misspelt or unknown)"


def test_source_json_is_all_json_even_where_highs_prints_to_standard_output() -> None:
    """HiGHS 1.12 prints debug lines from C++ during the reassurance MIP, past Python's stdout."""
    import subprocess
    import sys

    command = ["source", "-m", "reassurance", "-f", "coalition", "--json"]
    done = subprocess.run(
        [sys.executable, "-c", "from peaceforce.cli import main; main()", *command],
        capture_output=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["sourcing"]["mission_id"] == "reassurance"
    assert b"HighsMipSolverData" not in done.stdout


def test_the_peaceforce_script_imports_the_command_line_only_when_it_runs() -> None:
    # A sweep's local Dask workers import the parent's main script again (multiprocessing's
    # rule), so the script's own imports must stay light: the command line takes ~1.4 s.
    import subprocess
    import sys
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    module, function = pyproject["project"]["scripts"]["peaceforce"].split(":")
    code = f"import sys, {module}; print('peaceforce.cli' in sys.modules, {module}.{function})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("False <function main")

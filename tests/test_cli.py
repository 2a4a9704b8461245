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


def test_plan_writes_results_that_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["plan", "--out", str(out)])
    assert result.exit_code == 0, result.stdout
    plan = PlanResult.model_validate_json((out / "plan.json").read_text(encoding="utf-8"))
    assert plan.scenario_id == "coalition-2025"
    assert (out / "scenario.json").is_file()
    assert not list(out.glob(".*.tmp"))


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

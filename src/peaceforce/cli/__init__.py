"""The ``peaceforce`` command line: thin wrappers that call the library and print.

Every command that prints a table also takes ``--json``. Bad input ends with a
list of problems and exit code 2, never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from peaceforce.cli import render
from peaceforce.cli.common import JsonOption, ScenarioOption, console, errors, print_json
from peaceforce.errors import InputError, PeaceforceError
from peaceforce.mandate.analysis import analyse_mandate
from peaceforce.outputs import write_atomic
from peaceforce.plan import run_plan
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario
from peaceforce.scenario.model import Scenario

app = typer.Typer(
    name="peaceforce",
    help="Plan, generate, deploy and monitor a multinational peacekeeping force.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a scenario (the single source of truth for its files)."""
    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2) + "\n")


@app.command()
def validate(
    folder: Annotated[Path, typer.Argument(help="Scenario folder to check.")],
    as_json: JsonOption = False,
) -> None:
    """Check a scenario folder and report every problem at once (exit code 2 if any)."""
    try:
        scenario = load_scenario(folder)
    except InputError as exc:
        if not as_json:
            raise
        problems = [dataclasses.asdict(p) for p in exc.problems]
        sys.stdout.write(json.dumps({"ok": False, "problems": problems}, indent=2) + "\n")
        raise SystemExit(2) from None
    if as_json:
        sys.stdout.write(json.dumps({"ok": True, "scenario": scenario.id, "problems": []}) + "\n")
    else:
        console.print(f"[green]ok[/green]: {folder} is a valid scenario ({scenario.id})")


@app.command()
def mandate(scenario: ScenarioOption = None, as_json: JsonOption = False) -> None:
    """Which framework can authorise the mission, who blocks, which pledges survive."""
    report = analyse_mandate(load_scenario(scenario))
    if as_json:
        print_json(report)
        return
    console.print(render.mandate_table(report))
    console.print(render.blockers_table(report))
    for assessment in report.authorisable():
        console.print(render.pledges_table(assessment))


@app.command()
def plan(
    scenario: ScenarioOption = None,
    out: Annotated[Path, typer.Option(help="Folder for the JSON results.")] = Path("out"),
    as_json: JsonOption = False,
) -> None:
    """The main job: validate the scenario, run every stage, print a summary, write out/."""
    folder = scenario or builtin_scenario_dir()
    with console.status("loading and validating the scenario"):
        loaded = load_scenario(folder)
    with console.status("analysing the mandate"):
        result = run_plan(loaded)
    write_atomic(out / "scenario.json", loaded.model_dump_json(indent=2))
    write_atomic(out / "plan.json", result.model_dump_json(indent=2))
    if as_json:
        print_json(result)
        return
    console.print(render.scenario_summary(loaded))
    console.print(render.mandate_table(result.mandate))
    console.print(render.blockers_table(result.mandate))
    for assessment in result.mandate.authorisable():
        console.print(render.pledges_table(assessment, only_affected=True))
    console.print(f"results written to {out}/scenario.json and {out}/plan.json")


def main() -> None:
    """Entry point: run the app, turning our own errors into clean messages and exit code 2."""
    try:
        app()
    except InputError as exc:
        errors.print(render.problems_table(exc.problems, f"{len(exc.problems)} problem(s) found"))
        raise SystemExit(2) from None
    except PeaceforceError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise SystemExit(2) from None

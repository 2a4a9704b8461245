"""The ``peaceforce`` command line: thin wrappers that call the library and print.

Every command that prints a table also takes ``--json``. Bad input ends with a
list of problems and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from peaceforce.cli.briefing import brief
from peaceforce.cli.common import (
    AfterPeaceOption,
    BackstopOption,
    JoinsOption,
    JsonOption,
    OutOption,
    ReportingGroup,
    RotationOption,
    ScenarioOption,
    TimeLimitOption,
    WithdrawsOption,
    console,
    load_what_if,
    out_of_time,
    print_json,
    run_written,
)
from peaceforce.cli.cot import cot_app
from peaceforce.cli.monitoring import agreement_app, geo_app, monitor_app
from peaceforce.cli.protection import protect
from peaceforce.cli.runs import diff
from peaceforce.cli.server import serve, user_app
from peaceforce.cli.sweep import sweep
from peaceforce.cli.workbook import export_xlsx, import_xlsx
from peaceforce.deployment.planner import RecordKind, deploy_mission
from peaceforce.deployment.public_data import refresh_network
from peaceforce.mandate.analysis import Outcome, analyse_mandate
from peaceforce.plan import run_plan
from peaceforce.presentation import tables
from peaceforce.presentation.figures import FigurePool
from peaceforce.presentation.geojson_layers import write_deployment_layers
from peaceforce.presentation.plan_files import PlanFiles
from peaceforce.presentation.protection_tables import protection_summary_table
from peaceforce.presentation.summary import executive_summary
from peaceforce.presentation.text import plain
from peaceforce.presentation.tpfdd import Calendar, write_deployment_files
from peaceforce.protection.data import load_protection_data
from peaceforce.runs import RunCommand, write_run
from peaceforce.runs.folders import Setting
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.names import Names
from peaceforce.solvers.budget import DEPLOYMENT, SOURCING, limit
from peaceforce.sourcing.engine import source_mission, source_report
from peaceforce.sourcing.optimise import export_mps as export_mps_file

app = typer.Typer(
    name="peaceforce",
    help="Plan, generate, deploy and monitor a multinational peacekeeping force.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=ReportingGroup,
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
    """Check a scenario folder and report every problem at once (exit code 2 if any).

    The optional ``protection.yaml`` is checked too, once the scenario it refers to is sound.
    """
    scenario = load_scenario(folder)
    load_protection_data(scenario, folder)
    if as_json:
        sys.stdout.write(json.dumps({"ok": True, "scenario": scenario.id, "problems": []}) + "\n")
    else:
        console.print(tables.headed("ok", f"{folder} is a valid scenario ({scenario.id})", "green"))


@app.command()
def mandate(scenario: ScenarioOption = None, as_json: JsonOption = False) -> None:
    """Which framework can authorise the mission, who blocks, which pledges survive."""
    loaded = load_scenario(scenario)
    report = analyse_mandate(loaded)
    if as_json:
        print_json(report)
        return
    console.print(tables.mandate_table(report))
    console.print(tables.blockers_table(report))
    for assessment in report.authorisable():
        console.print(tables.pledges_table(assessment, names=Names.of(loaded)))


@app.command()
def plan(
    scenario: ScenarioOption = None,
    rotation_ratio: RotationOption = None,
    us_backstop: BackstopOption = None,
    joins: JoinsOption = None,
    withdraws: WithdrawsOption = None,
    after_peace: AfterPeaceOption = None,
    out: OutOption = Path("out"),
    time_limit: TimeLimitOption = None,
    as_json: JsonOption = False,
) -> None:
    """The main job: validate the scenario, run every stage, print a summary, write out/.

    The run's files go to OUT/<scenario id>/<run key>/, beside earlier runs;
    OUT/<scenario id>/latest-plan.json names the newest.
    """
    folder = scenario or builtin_scenario_dir()
    with console.status("loading and validating the scenario") as status:
        loaded = load_what_if(
            folder,
            rotation_ratio,
            us_backstop,
            joins=joins,
            withdraws=withdraws,
            after_peace=after_peace,
        )
        protection = load_protection_data(loaded, folder)
        with FigurePool() as figures:
            files = PlanFiles(loaded, protection, figures)
            result = run_plan(
                loaded,
                progress=status.update,
                protection=protection,
                time_limit_s=time_limit,
                stage_done=files.stage_done,
            )
            status.update(f"writing the results to {out}")
            run = files.write(result, out)
    if as_json:
        print_json(result)
        return
    console.print(executive_summary(result, loaded))
    stalled = [
        f"sourcing {s.mission_id} under {s.framework_id}"
        for s in result.sourcing
        if not s.status.has_solution
    ] + [
        f"deployment of {d.mission_id} under {d.framework_id}"
        for d in result.deployments
        if not d.status.has_solution
    ]
    if stalled:
        advice = (
            f"no solution within the time limit for {', '.join(stalled)}: raise --time-limit "
            "(the seconds each solve may take; by default scaled to its size)"
        )
        console.print(tables.headed("warning", advice, "yellow"))
    names = Names.of(loaded, protection)
    console.print(tables.scenario_summary(loaded))
    console.print(tables.mandate_table(result.mandate))
    console.print(tables.blockers_table(result.mandate))
    for assessment in result.mandate.authorisable():
        console.print(tables.pledges_table(assessment, only_affected=True, names=names))
    console.print(tables.sweep_table(result.sweep))
    if result.sourcing:
        console.print(tables.headed("Sourcing objective", result.sourcing[0].objective.statement))
        console.print(tables.fills_table(result.sourcing, names))
    for sourced in result.sourcing:
        console.print(tables.notes_text(sourced))
        console.print(tables.contributions_table(sourced, names))
        console.print(tables.gaps_table(sourced, names))
    console.print(tables.withdrawals_table(result.withdrawals))
    if result.deployments:
        console.print(tables.deployments_table(result.deployments, names))
    for deployment in result.deployments:
        console.print(tables.routes_table(deployment, names))
        console.print(tables.bottlenecks_table(deployment, names=names))
        if deployment.late:
            console.print(tables.late_table(deployment, names=names))
    if result.protection:
        console.print(protection_summary_table(result.protection, names))
    console.print(plain(f"run {result.run_key}, marked {result.label}"))
    console.print(run_written(run, "plan.json, TPFDD, charts, maps, briefing pack"))


@app.command()
def source(
    mission: Annotated[str, typer.Option("--mission", "-m", help="Mission option id.")],
    framework: Annotated[str, typer.Option("--framework", "-f", help="Framework id.")],
    scenario: ScenarioOption = None,
    rotation_ratio: RotationOption = None,
    us_backstop: BackstopOption = None,
    joins: JoinsOption = None,
    withdraws: WithdrawsOption = None,
    after_peace: AfterPeaceOption = None,
    export_mps: Annotated[
        Path | None, typer.Option("--export-mps", help="Also write the shortfall-stage MIP as MPS.")
    ] = None,
    time_limit: TimeLimitOption = None,
    as_json: JsonOption = False,
) -> None:
    """Source one mission option under one framework, explaining every gap, with N-1."""
    loaded = load_what_if(
        scenario,
        rotation_ratio,
        us_backstop,
        joins=joins,
        withdraws=withdraws,
        after_peace=after_peace,
    )
    with console.status(f"sourcing {mission} under {framework}"):
        report, problem = source_report(loaded, mission, framework, time_limit_s=time_limit)
    if export_mps is not None:
        export_mps_file(problem, export_mps)
    if as_json:
        print_json(report)
        return
    result, assessment = report.sourcing, report.assessment
    if assessment.outcome is not Outcome.AUTHORISABLE:
        blockers = ", ".join(b.nation for b in assessment.blockers) or "undecided members"
        state = f"{framework} is {assessment.outcome.value} ({blockers}); what-if only"
        console.print(tables.headed("note", state, "yellow"))
    if not result.status.has_solution:
        used = limit(SOURCING, len(problem.candidates), time_limit)
        advice = out_of_time("plan", used, result.status.value)
        console.print(tables.headed("warning", advice, "yellow"))
    console.print(tables.headed("Objective", result.objective.statement))
    names = Names.of(loaded)
    console.print(tables.fills_table((result,), names))
    console.print(tables.notes_text(result))
    console.print(tables.lines_table(result, names))
    console.print(tables.contributions_table(result, names))
    if result.gaps():
        console.print(tables.gaps_table(result, names))
    console.print(tables.withdrawals_table(report.withdrawals))
    if export_mps is not None:
        console.print(plain(f"MPS model written to {export_mps}"))


app.add_typer(geo_app)
app.add_typer(agreement_app)
app.add_typer(monitor_app)


#: ``deploy --time-limit``: the routing solve's limit is deterministic time, so it repeats.
DeployTimeLimitOption = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        min=0.1,
        help="Deterministic seconds the routing solve may take: CP-SAT's count of work, "
        "about a second each on a typical machine, so the same input gives the same plan on "
        "any machine and load (default: scaled to the number of movements, see "
        "docs/robustness.md); when it runs out without a plan, raise it.",
        show_default=False,
    ),
]


@app.command()
def deploy(
    mission: Annotated[str, typer.Option("--mission", "-m", help="Mission option id.")],
    framework: Annotated[str, typer.Option("--framework", "-f", help="Framework id.")],
    scenario: ScenarioOption = None,
    us_backstop: BackstopOption = None,
    out: OutOption = Path("out"),
    ioc_share: Annotated[
        float | None,
        typer.Option(
            min=0.05,
            max=1.0,
            help="Share of the required personnel in place that makes IOC "
            "(default: the scenario's ioc_share).",
        ),
    ] = None,
    runways: Annotated[
        Path | None, typer.Option(help="OurAirports runways CSV: refresh airfield runway lengths.")
    ] = None,
    ports: Annotated[
        Path | None, typer.Option(help="World Port Index CSV: refresh port depth and Ro-Ro.")
    ] = None,
    time_limit: DeployTimeLimitOption = None,
    as_json: JsonOption = False,
) -> None:
    """Schedule the movement of a sourced mission: TPFDD, IOC/FOC, bottlenecks, charts.

    The files go to OUT/<scenario id>/<key>/, a key over the run key and these options.
    """
    loaded = load_what_if(scenario, us_backstop=us_backstop)
    if loaded.transport is not None and (runways or ports):
        loaded = loaded.replace(
            transport=refresh_network(loaded.transport, runways=runways, ports=ports)
        )
    loaded.mission(mission)
    loaded.framework(framework)
    with console.status(f"sourcing {mission} under {framework}") as status:
        sourced = source_mission(loaded, mission, framework, explain=False)
        status.update("scheduling the deployment")
        result = deploy_mission(loaded, sourced, ioc_share=ioc_share, time_limit_s=time_limit)
        status.update("writing the TPFDD and charts")
        settings: dict[str, Setting] = {
            "mission": mission,
            "framework": framework,
            "ioc_share": ioc_share,
            "time_limit_s": time_limit,
        }
        calendar = Calendar.of(loaded)

        def write_files(folder: Path) -> list[Path]:
            return [
                *write_deployment_files(result, folder, calendar, names=Names.of(loaded)),
                *write_deployment_layers(result, loaded, folder, calendar),
            ]

        run = write_run(out, loaded, RunCommand.DEPLOY, write_files, settings)
    if as_json:
        print_json(result)
        return
    if not result.status.has_solution:
        moved = {r.unit for r in result.records if r.kind is RecordKind.DEPLOYMENT}
        used = limit(DEPLOYMENT, len(moved), time_limit)
        advice = out_of_time("schedule", used, result.status.value)
        console.print(tables.headed("warning", advice, "yellow"))
    console.print(tables.headed("Objective", result.objective))
    names = Names.of(loaded)
    console.print(tables.deployments_table((result,), names))
    console.print(tables.routes_table(result, names))
    console.print(tables.bottlenecks_table(result, names=names))
    if result.late:
        console.print(tables.late_table(result, names=names))
    console.print(run_written(run, "TPFDD, charts, map layers, JSON"))


app.command()(protect)
app.command()(diff)
app.command()(brief)
app.command("export-xlsx")(export_xlsx)
app.command("import-xlsx")(import_xlsx)
app.command()(serve)
app.command()(sweep)
app.add_typer(user_app)
app.add_typer(cot_app)


def main() -> None:
    """Entry point (of the ``peaceforce`` script, via :mod:`peaceforce.command`); errors are
    reported by :class:`ReportingGroup`."""
    app()

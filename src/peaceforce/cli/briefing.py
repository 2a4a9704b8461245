"""``peaceforce brief``: the briefing pack of a stored plan run, written into its folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peaceforce.briefing import PackAgreement, build_briefing, write_briefing
from peaceforce.cli.common import JsonOption, console, print_json
from peaceforce.cli.monitoring import LineOption, OccupiedOption, OutlineOption, SitesOption
from peaceforce.cli.runs import RUN_HELP
from peaceforce.monitoring.workflow import ZoneFiles
from peaceforce.presentation.text import plain
from peaceforce.runs import load_plan_run, resolve_run
from peaceforce.runs.folders import add_run_files, load_run_scenario


def brief(
    run: Annotated[str, typer.Argument(metavar="RUN", help=f"The plan run: {RUN_HELP}.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder of the runs, where keys and latest are looked up.")
    ] = Path("out"),
    agreement: Annotated[
        str | None,
        typer.Option(
            "--agreement",
            "-a",
            help="agreement.yaml, or a built-in one (ceasefire-2025, ...): its zones are drawn "
            "and listed.",
        ),
    ] = None,
    occupied: OccupiedOption = None,
    line: LineOption = None,
    outline: OutlineOption = None,
    sites: SitesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the briefing pack (briefing.html, .pdf, .xlsx) of a stored plan run into its folder.

    `peaceforce plan` writes the pack itself; this renders it again for a run kept in
    OUT, dated the day the run was written. With --agreement the pack draws the
    agreement's zones on the line of --line/--occupied (as `agreement zones` takes
    them), else on the scenario's own line. --json prints the pack's figures and sources.
    """
    saved = load_plan_run(resolve_run(run, out))
    scenario = load_run_scenario(saved.folder)
    dated = saved.manifest.written_at.date()
    files = ZoneFiles(line=line, occupied=occupied, outline=outline, sites=sites)
    with console.status(f"writing the briefing pack of run {saved.plan.run_key}"):
        chosen = None if agreement is None else PackAgreement.compile(agreement, files, scenario)
        written = write_briefing(saved.plan, scenario, saved.folder, dated, agreement=chosen)
        add_run_files(saved.folder, written)
    if as_json:
        section = chosen.section() if chosen is not None else None
        print_json(build_briefing(saved.plan, scenario, dated, saved.folder, section))
        return
    names = ", ".join(path.name for path in written)
    console.print(plain(f"{names} written to {saved.folder}/ (run {saved.plan.run_key})"))

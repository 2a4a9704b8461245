"""``peaceforce brief``: the briefing pack of a stored plan run, written into its folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peaceforce.briefing import build_briefing, write_briefing
from peaceforce.cli.common import JsonOption, console, print_json
from peaceforce.cli.runs import RUN_HELP
from peaceforce.presentation.text import plain
from peaceforce.runs import load_plan_run, resolve_run
from peaceforce.runs.folders import add_run_files, load_run_scenario


def brief(
    run: Annotated[str, typer.Argument(metavar="RUN", help=f"The plan run: {RUN_HELP}.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder of the runs, where keys and latest are looked up.")
    ] = Path("out"),
    as_json: JsonOption = False,
) -> None:
    """Write the briefing pack (briefing.html, .pdf, .xlsx) of a stored plan run into its folder.

    `peaceforce plan` writes the pack itself; this renders it again for a run kept in
    OUT, dated the day the run was written. --json prints the pack's figures and sources.
    """
    saved = load_plan_run(resolve_run(run, out))
    scenario = load_run_scenario(saved.folder)
    dated = saved.manifest.written_at.date()
    with console.status(f"writing the briefing pack of run {saved.plan.run_key}"):
        written = write_briefing(saved.plan, scenario, saved.folder, dated)
        add_run_files(saved.folder, written)
    if as_json:
        print_json(build_briefing(saved.plan, scenario, dated, saved.folder))
        return
    names = ", ".join(path.name for path in written)
    console.print(plain(f"{names} written to {saved.folder}/ (run {saved.plan.run_key})"))

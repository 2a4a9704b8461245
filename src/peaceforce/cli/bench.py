"""``peaceforce bench``: run the solver cores on published benchmark files.

The PSPLIB files load into the deployment scheduling core, so a user can check
it against known optima. (GAP files: ``python benchmarks/gap.py``.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from peaceforce.cli.common import JsonOption, console, new_group, print_json
from peaceforce.deployment import read_optima, render_rcpsp_bench, run_rcpsp_bench

bench_app = new_group("bench", "Run the solver cores on benchmark files with known optima.")

Files = Annotated[list[Path], typer.Argument(help="Benchmark files.", exists=True, dir_okay=False)]
TimeLimit = Annotated[float, typer.Option("--time-limit", min=0.1, help="Seconds per instance.")]


def _sibling(paths: list[Path], name: str) -> Path | None:
    """A file of known bounds next to the first benchmark file, if there is one."""
    candidate = paths[0].parent / name
    return candidate if candidate.is_file() else None


@bench_app.command("rcpsp")
def bench_rcpsp(
    files: Files,
    time_limit: TimeLimit = 10.0,
    optima: Annotated[
        Path | None,
        typer.Option(help="optimum.csv of known makespans (default: beside the files)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Solve PSPLIB .sm files with the deployment scheduling core: makespan, bound, time."""
    optima_file = optima or _sibling(files, "optimum.csv")
    known = read_optima(optima_file) if optima_file else None
    with Progress(console=console, transient=True, disable=as_json) as progress:
        task = progress.add_task("scheduling PSPLIB instances", total=len(files))
        report = run_rcpsp_bench(files, time_limit, known, on_row=lambda _: progress.advance(task))
    if as_json:
        print_json(report)
        return
    console.print(render_rcpsp_bench(report))

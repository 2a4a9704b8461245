"""``peaceforce bench``: run the solver cores on published benchmark files.

The GAP files load into the sourcing engine, so a user can check it against
known optima. (PSPLIB files: ``python benchmarks/rcpsp.py``.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from peaceforce.cli.common import JsonOption, console, new_group, print_json
from peaceforce.sourcing.gap import export_mps, read_gap_bounds, read_orlib_gap
from peaceforce.sourcing.gap_bench import render_gap_bench, run_gap_bench

bench_app = new_group("bench", "Run the solver cores on benchmark files with known optima.")

Files = Annotated[list[Path], typer.Argument(help="Benchmark files.", exists=True, dir_okay=False)]
TimeLimit = Annotated[float, typer.Option("--time-limit", min=0.1, help="Seconds per instance.")]


def _sibling(paths: list[Path], name: str) -> Path | None:
    """A file of known bounds next to the first benchmark file, if there is one."""
    candidate = paths[0].parent / name
    return candidate if candidate.is_file() else None


@bench_app.command("gap")
def bench_gap(
    files: Files,
    time_limit: TimeLimit = 30.0,
    bounds: Annotated[
        Path | None, typer.Option(help="bounds.tsv of known values (default: beside the files).")
    ] = None,
    export_mps_to: Annotated[
        Path | None,
        typer.Option("--export-mps", help="Write each instance as MPS into this folder."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Solve OR-Library GAP files with the sourcing engine: objective, bound, gap, time."""
    bounds_file = bounds or _sibling(files, "bounds.tsv")
    known = read_gap_bounds(bounds_file) if bounds_file else None
    instances = [instance for path in files for instance in read_orlib_gap(path)]
    if export_mps_to is not None:
        for instance in instances:
            export_mps(instance, export_mps_to / f"{instance.name}.mps")
    with Progress(console=console, transient=True, disable=as_json) as progress:
        task = progress.add_task("solving GAP instances", total=len(instances))
        report = run_gap_bench(files, time_limit, known, progress=lambda _: progress.advance(task))
    if as_json:
        print_json(report)
        return
    console.print(render_gap_bench(report))
    if export_mps_to is not None:
        console.print(f"MPS models written to {export_mps_to}/")

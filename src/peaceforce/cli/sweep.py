"""``peaceforce sweep SPEC.yaml``: many what-if cases, stored by content, analysed in plain words.

A thin wrapper: it reads the spec, runs :func:`peaceforce.sweeps.run.run_sweep`
with a progress bar, analyses the table and writes the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from peaceforce.cli.common import JsonOption, console, errors, print_json
from peaceforce.presentation.text import add_plain_row, plain
from peaceforce.sweeps.analysis import analyse
from peaceforce.sweeps.cases import context_for
from peaceforce.sweeps.report import SweepResult, sweep_result, write_report
from peaceforce.sweeps.run import run_sweep
from peaceforce.sweeps.spec import builtin_spec_dir, load_spec


def sweep(
    spec: Annotated[
        Path,
        typer.Argument(
            help="Sweep spec (YAML); a bare name (turkey-germany-backstop) is a built-in spec."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="Output folder: the sweep goes to OUT/sweeps/<spec name>/."),
    ] = Path("out"),
    store: Annotated[
        Path | None,
        typer.Option(help="Case store (default: OUT/sweeps/store, shared by every sweep)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Run on a local Dask cluster of this many one-thread workers."),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(help="Run on a running Dask scheduler, e.g. tcp://10.0.0.5:8786."),
    ] = None,
    cases: Annotated[
        int | None,
        typer.Option(min=1, help="Override the design's size (cases, or base samples)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a what-if sweep: resumable, each case solved once, failures found in plain words.

    The table, analysis and HTML report go to OUT/sweeps/<spec name>/.
    """
    path = spec if spec.suffix or spec.exists() else builtin_spec_dir() / f"{spec}.yaml"
    loaded = load_spec(path)
    if cases is not None:
        loaded = loaded.model_copy(
            update={"design": loaded.design.model_copy(update={"cases": cases})}
        )
    context = context_for(loaded)
    folder = out / "sweeps" / loaded.name
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task(f"sweep {loaded.name}", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        run = run_sweep(
            loaded,
            store or out / "sweeps" / "store",
            workers=workers,
            cluster=cluster,
            progress=advance,
        )
    analysis = analyse(loaded, context.scenario, run.table)
    files = write_report(run, analysis, folder)
    result = sweep_result(run, analysis, files, context.scenario)
    if as_json:
        print_json(result)
        return
    _print(result)


def _print(result: SweepResult) -> None:
    summary = Table(title=f"Sweep {result.name}", show_header=False)
    for label, value in (
        ("cases", f"{result.cases:,} ({result.distinct_cases:,} distinct)"),
        ("found in the store", f"{result.stored_before:,}"),
        ("solved", f"{result.solved_cases:,} as {result.subproblems_solved:,} sub-problems"),
        ("where", result.where),
        ("time", f"{result.seconds:.1f} s ({result.cases_per_second:,.1f} cases/s)"),
        ("failure", result.analysis.failure_sentence),
        ("errors", f"{result.analysis.errors:,}"),
    ):
        add_plain_row(summary, label, value)
    console.print(summary)
    for box in result.analysis.prim:
        console.print(plain(f"PRIM: {box.sentence}"))
    for box in result.analysis.cart:
        console.print(plain(f"CART: {box.sentence}"))
    swings = Table(title="What moves the outcomes most (tornado)")
    for column in ("outcome", "input", "worst value", "mean", "best value", "mean"):
        swings.add_column(column)
    for swing in result.analysis.swings[:12]:
        add_plain_row(
            swings,
            swing.outcome.value,
            swing.input,
            swing.low_value,
            f"{swing.low_mean:.3g}",
            swing.high_value,
            f"{swing.high_mean:.3g}",
        )
    console.print(swings)
    console.print(
        plain(f"{len(result.files)} files (table, charts, report.html) in {result.folder}")
    )

"""``peaceforce diff``: what changed between two plan runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peaceforce.cli.common import JsonOption, console, print_json
from peaceforce.presentation.run_diff import run_diff_report
from peaceforce.runs import diff_runs, load_plan_run, resolve_run

RUN_HELP = (
    "a run folder, 'latest' (or SCENARIO/latest), or a run key or a unique prefix of one "
    "(SCENARIO/PREFIX to look in one scenario)"
)


def diff(
    run_a: Annotated[str, typer.Argument(metavar="RUN_A", help=f"The run before: {RUN_HELP}.")],
    run_b: Annotated[str, typer.Argument(metavar="RUN_B", help=f"The run after: {RUN_HELP}.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder of the runs, where keys and latest are looked up.")
    ] = Path("out"),
    as_json: JsonOption = False,
) -> None:
    """What changed between two plan runs: fills, shortfalls, contributions, IOC/FOC, what-ifs.

    Every figure of the saved results is compared; only those that differ are shown.
    The output is marked with the combined label of both runs.
    """
    before = load_plan_run(resolve_run(run_a, out))
    after = load_plan_run(resolve_run(run_b, out))
    result = diff_runs(before, after)
    if as_json:
        print_json(result)
        return
    for part in run_diff_report(result):
        console.print(part)

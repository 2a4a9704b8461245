"""Run the GAP engine (or a plain solver) over OR-Library files and report against known bounds."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from rich.table import Table

from gap_engine.gap import PlainSolver, solve_gap, solve_gap_plain
from gap_engine.gap_io import read_orlib_gap
from gap_engine.gap_model import (
    Component,
    GapStatus,
    KnownBounds,
    Sense,
    gap_to_best_known,
)
from peaceforce.results import Result


class GapBenchRow(Result):
    """One instance's outcome next to its published best known value."""

    instance: str
    sense: Sense
    status: GapStatus
    objective: float | None
    best_bound: float | None
    best_known: float | None
    gap_to_best_known: float | None
    proven_optimal: bool
    wall_time_s: float
    found_by: Component | None


class GapBenchReport(Result):
    """All rows of one run; ``solver`` is ``None`` for our engine."""

    solver: PlainSolver | None
    time_limit_s: float
    rows: tuple[GapBenchRow, ...]


def run_gap_bench(
    paths: list[Path],
    time_limit_s: float,
    bounds: Mapping[tuple[str, Sense], KnownBounds] | None = None,
    *,
    sense: Sense = Sense.MIN,
    threads: int = 2,
    solver: PlainSolver | None = None,
    progress: Callable[[GapBenchRow], None] | None = None,
) -> GapBenchReport:
    """Solve every instance of every file (``solver=None``: our engine) for ``time_limit_s`` each.

    ``bounds`` (from :func:`read_gap_bounds`) adds the gap to the best known
    value; ``progress`` is called after each instance, e.g. to advance a bar.
    """
    rows = []
    for path in paths:
        for instance in read_orlib_gap(path, sense):
            if solver is None:
                result = solve_gap(instance, time_limit_s, threads)
            else:
                result = solve_gap_plain(instance, time_limit_s, solver, threads)
            known = (bounds or {}).get((instance.name, sense))
            best_known = None if known is None else known.best_known(sense)
            gap = None
            if best_known is not None and result.objective is not None:
                gap = gap_to_best_known(result.objective, best_known, sense)
            row = GapBenchRow(
                instance=instance.name,
                sense=sense,
                status=result.status,
                objective=result.objective,
                best_bound=result.best_bound,
                best_known=best_known,
                gap_to_best_known=gap,
                proven_optimal=result.proven_optimal,
                wall_time_s=result.wall_time_s,
                found_by=result.found_by,
            )
            rows.append(row)
            if progress is not None:
                progress(row)
    return GapBenchReport(solver=solver, time_limit_s=time_limit_s, rows=tuple(rows))


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def render_gap_bench(report: GapBenchReport) -> Table:
    """The report as a table a person can read."""
    who = "peaceforce engine" if report.solver is None else f"plain {report.solver.value}"
    table = Table(title=f"GAP benchmark — {who}, {report.time_limit_s:g} s per instance")
    for header in ("instance", "status", "objective", "best bound", "best known", "gap"):
        table.add_column(header, justify="left" if header in ("instance", "status") else "right")
    table.add_column("proven")
    table.add_column("time (s)", justify="right")
    for row in report.rows:
        gap = "—" if row.gap_to_best_known is None else f"{row.gap_to_best_known:.3%}"
        table.add_row(
            row.instance,
            row.status.value,
            _number(row.objective),
            _number(row.best_bound),
            _number(row.best_known),
            gap,
            "yes" if row.proven_optimal else "no",
            f"{row.wall_time_s:.2f}",
        )
    return table

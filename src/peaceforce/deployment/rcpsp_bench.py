"""Benchmark report for PSPLIB instances: solve each file, compare with the
known optimum, and show the result as JSON or a rich table.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from rich.table import Table

from peaceforce.deployment.psplib import read_sm
from peaceforce.deployment.schedule import SolveStatus
from peaceforce.deployment.scheduling import solve_schedule
from peaceforce.results import Result


class RcpspBenchRow(Result):
    """One instance: what we found, what we proved, what is known.

    ``proven``: the solver proved the makespan optimal; ``at_optimum``: it
    equals the known optimum (``None`` when none is known).
    """

    instance: str
    tasks: int
    status: SolveStatus
    makespan: int | None
    bound: int
    optimum: int | None
    proven: bool
    at_optimum: bool | None
    time_s: float


class RcpspBenchSummary(Result):
    """Counts and solve times over all rows."""

    instances: int
    at_optimum: int
    proven: int
    median_time_s: float
    max_time_s: float
    total_time_s: float


class RcpspBenchReport(Result):
    """All rows of one benchmark run, with its settings and a summary."""

    time_limit_s: float
    threads: int
    rows: tuple[RcpspBenchRow, ...]
    summary: RcpspBenchSummary


def run_rcpsp_bench(
    paths: Sequence[Path | str],
    time_limit_s: float,
    optima: Mapping[str, int] | None = None,
    *,
    threads: int = 2,
    on_row: Callable[[RcpspBenchRow], None] | None = None,
) -> RcpspBenchReport:
    """Solve each PSPLIB ``.sm`` file for minimum makespan.

    ``optima`` maps file names (``j301_1.sm``) to known optimal makespans, as
    read by ``read_optima``; ``on_row`` is called after each instance (for
    progress bars). Bad files raise ``InputError`` before anything is solved.
    """
    problems = [(Path(p), read_sm(p)) for p in paths]
    known = optima or {}
    rows: list[RcpspBenchRow] = []
    for path, problem in problems:
        result = solve_schedule(problem, time_limit_s, threads=threads)
        optimum = known.get(path.name)
        row = RcpspBenchRow(
            instance=path.name,
            tasks=len(problem.tasks),
            status=result.status,
            makespan=result.makespan,
            bound=result.lower_bound,
            optimum=optimum,
            proven=result.status is SolveStatus.OPTIMAL,
            at_optimum=None if optimum is None else result.makespan == optimum,
            time_s=round(result.time_s, 3),
        )
        rows.append(row)
        if on_row is not None:
            on_row(row)
    times = [r.time_s for r in rows]
    summary = RcpspBenchSummary(
        instances=len(rows),
        at_optimum=sum(1 for r in rows if r.at_optimum),
        proven=sum(1 for r in rows if r.proven),
        median_time_s=statistics.median(times) if times else 0.0,
        max_time_s=max(times, default=0.0),
        total_time_s=round(sum(times), 3),
    )
    return RcpspBenchReport(
        time_limit_s=time_limit_s, threads=threads, rows=tuple(rows), summary=summary
    )


def render_rcpsp_bench(report: RcpspBenchReport) -> Table:
    """One line per instance and a summary caption, for a terminal."""
    s = report.summary
    table = Table(
        title=f"RCPSP, {report.time_limit_s:g} s limit, {report.threads} threads",
        caption=(
            f"at known optimum {s.at_optimum}/{s.instances}, proven {s.proven}/{s.instances}; "
            f"time median {s.median_time_s:.2f} s, max {s.max_time_s:.2f} s, "
            f"total {s.total_time_s:.1f} s"
        ),
    )
    for name in ("instance", "tasks", "makespan", "bound", "optimum", "proven", "time s"):
        table.add_column(name, justify="left" if name == "instance" else "right")
    for r in report.rows:
        table.add_row(
            r.instance,
            str(r.tasks),
            "-" if r.makespan is None else str(r.makespan),
            str(r.bound),
            "-" if r.optimum is None else str(r.optimum),
            "yes" if r.proven else "no",
            f"{r.time_s:.2f}",
            style=None if r.at_optimum is not False else "yellow",
        )
    return table

"""Benchmark report for PSPLIB instances: solve each file, compare with the
known optimum, and show the result as JSON or a rich table.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, computed_field
from rich.table import Table

from peaceforce.deployment.psplib import read_sm
from peaceforce.deployment.schedule import SolveStatus
from peaceforce.deployment.scheduling import solve_schedule


class RcpspBenchRow(BaseModel):
    """One instance: what we found, what we proved, what is known."""

    model_config = ConfigDict(frozen=True)

    instance: str
    tasks: int
    status: SolveStatus
    makespan: int | None
    bound: int
    optimum: int | None
    time_s: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def proven(self) -> bool:
        """Optimality proven by the solver (bound meets makespan)."""
        return self.status is SolveStatus.OPTIMAL

    @computed_field  # type: ignore[prop-decorator]
    @property
    def at_optimum(self) -> bool | None:
        """Makespan equals the known optimum; ``None`` when none is known."""
        if self.optimum is None:
            return None
        return self.makespan == self.optimum


class RcpspBenchReport(BaseModel):
    """All rows of one benchmark run, with its settings and a summary."""

    model_config = ConfigDict(frozen=True)

    time_limit_s: float
    threads: int
    rows: tuple[RcpspBenchRow, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def n_at_optimum(self) -> int:
        """Instances whose makespan equals the known optimum."""
        return sum(1 for r in self.rows if r.at_optimum)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def n_proven(self) -> int:
        """Instances proven optimal within the time limit."""
        return sum(1 for r in self.rows if r.proven)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def median_time_s(self) -> float:
        """Median solve time per instance."""
        return statistics.median(r.time_s for r in self.rows) if self.rows else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def max_time_s(self) -> float:
        """Longest solve time of one instance."""
        return max((r.time_s for r in self.rows), default=0.0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_time_s(self) -> float:
        """Sum of the solve times."""
        return sum(r.time_s for r in self.rows)


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
        row = RcpspBenchRow(
            instance=path.name,
            tasks=len(problem.tasks),
            status=result.status,
            makespan=result.makespan,
            bound=result.lower_bound,
            optimum=known.get(path.name),
            time_s=round(result.time_s, 3),
        )
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return RcpspBenchReport(time_limit_s=time_limit_s, threads=threads, rows=tuple(rows))


def render_rcpsp_bench(report: RcpspBenchReport) -> Table:
    """One line per instance and a summary caption, for a terminal."""
    table = Table(
        title=f"RCPSP, {report.time_limit_s:g} s limit, {report.threads} threads",
        caption=(
            f"at known optimum {report.n_at_optimum}/{len(report.rows)}, "
            f"proven {report.n_proven}/{len(report.rows)}; time median "
            f"{report.median_time_s:.2f} s, max {report.max_time_s:.2f} s, "
            f"total {report.total_time_s:.1f} s"
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

"""PSPLIB benchmark of the RCPSP core that the deployment planner schedules with.

Each instance (a PSPLIB single-mode ``.sm`` file; a folder stands for its
``.sm`` files) is solved for minimum makespan by ``solve_schedule`` and, in the
same run with the same time limit and threads, by the textbook CP-SAT model
(``solve_plain``). Makespans are compared with the known optima of the
``optimum.csv`` beside the files, or of ``--optima``. Prints a markdown table
with a summary, or the report as JSON::

    .venv/bin/python benchmarks/rcpsp.py ../shared/data/benchmarks/rcpsp-j30 --time-limit 10
    .venv/bin/python benchmarks/rcpsp.py FILE... --time-limit 10 --json [--no-plain]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from rich import box
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from peaceforce import solvers
from peaceforce.errors import PeaceforceError, SolverError
from peaceforce.results import Result
from peaceforce.solvers.rcpsp import SchedulingProblem, schedule_violations, solve_schedule
from peaceforce.solvers.status import SolveStatus
from psplib import instance_paths, optima_beside, read_optima, read_sm


class PlainRun(Result):
    """Outcome of the plain CP-SAT model on one instance."""

    makespan: int | None
    bound: int
    proven: bool
    time_s: float


class RcpspBenchRow(Result):
    """One instance: what we found, what we proved, what is known.

    ``proven``: the solver proved the makespan optimal; ``at_optimum``: it
    equals the known optimum (``None`` when none is known); ``plain``: the
    plain CP-SAT model on the same instance, when it was run.
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
    plain: PlainRun | None = None


class RcpspBenchSummary(Result):
    """Counts and solve times over all rows, for one model."""

    instances: int
    at_optimum: int
    proven: int
    median_time_s: float
    max_time_s: float
    total_time_s: float


class RcpspBenchReport(Result):
    """All rows of one benchmark run, with its settings and a summary per model."""

    time_limit_s: float
    threads: int
    rows: tuple[RcpspBenchRow, ...]
    summary: RcpspBenchSummary
    plain_summary: RcpspBenchSummary | None = None


def solve_plain(problem: SchedulingProblem, time_limit_s: float, threads: int) -> PlainRun:
    """The textbook CP-SAT RCPSP model: the baseline we must beat.

    Intervals, precedences with lags, one cumulative per resource at its peak
    capacity with each day of lower capacity blocked by a fixed interval;
    horizon = every task in a row after the last release. No bounds, no hints,
    no heuristic.
    """
    cp = solvers.cp_sat()
    t0 = time.monotonic()
    model = cp.CpModel()
    settle = max(
        [0, *(t.release for t in problem.tasks), *(r.profile_length for r in problem.resources)]
    )
    horizon = (
        settle + sum(t.duration for t in problem.tasks) + sum(p.lag for p in problem.precedences)
    )
    start = {t.id: model.new_int_var(t.release, horizon, t.id) for t in problem.tasks}
    dur = {t.id: t.duration for t in problem.tasks}
    interval = {
        t.id: model.new_fixed_size_interval_var(start[t.id], t.duration, f"i{t.id}")
        for t in problem.tasks
    }
    for p in problem.precedences:
        model.add(start[p.after] >= start[p.before] + dur[p.before] + p.lag)
    for res in problem.resources:
        users = [t for t in problem.tasks if t.demands.get(res.id, 0) > 0]
        top = max(res.capacity_on(d) for d in range(res.profile_length))
        dips = [
            (model.new_fixed_size_interval_var(d, 1, f"{res.id}-{d}"), top - res.capacity_on(d))
            for d in range(res.profile_length)
            if res.capacity_on(d) < top
        ]
        model.add_cumulative(
            [interval[t.id] for t in users] + [i for i, _ in dips],
            [t.demands[res.id] for t in users] + [q for _, q in dips],
            top,
        )
    makespan = model.new_int_var(0, horizon, "makespan")
    for t in problem.tasks:
        model.add(makespan >= start[t.id] + t.duration)
    model.minimize(makespan)
    solver = cp.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = threads
    code = solver.solve(model)
    found = code in (cp.OPTIMAL, cp.FEASIBLE)
    return PlainRun(
        makespan=int(solver.objective_value) if found else None,
        bound=math.ceil(solver.best_objective_bound - 1e-6) if found else 0,
        proven=code == cp.OPTIMAL,
        time_s=round(time.monotonic() - t0, 3),
    )


def _summary(rows: Sequence[tuple[bool | None, bool, float]]) -> RcpspBenchSummary:
    """Summary of (at optimum, proven, seconds) per instance."""
    times = [t for _, _, t in rows]
    return RcpspBenchSummary(
        instances=len(rows),
        at_optimum=sum(1 for at, _, _ in rows if at),
        proven=sum(1 for _, proven, _ in rows if proven),
        median_time_s=statistics.median(times) if times else 0.0,
        max_time_s=max(times, default=0.0),
        total_time_s=round(sum(times), 3),
    )


def run_rcpsp_bench(
    paths: Sequence[Path | str],
    time_limit_s: float,
    optima: Mapping[str, int] | None = None,
    *,
    threads: int = 2,
    plain: bool = False,
    on_row: Callable[[RcpspBenchRow], None] | None = None,
) -> RcpspBenchReport:
    """Solve each PSPLIB ``.sm`` file for minimum makespan (and with the plain model if asked).

    ``optima`` maps file names (``j301_1.sm``) to known optimal makespans, as
    read by ``read_optima``; ``on_row`` is called after each instance (for
    progress bars). Bad files raise ``InputError`` before anything is solved;
    a schedule that breaks its instance raises ``SolverError``.
    """
    problems = [(Path(p), read_sm(p)) for p in paths]
    known = optima or {}
    rows: list[RcpspBenchRow] = []
    for path, problem in problems:
        result = solve_schedule(problem, time_limit_s, threads=threads)
        faults = schedule_violations(problem, result.starts) if result.starts else []
        if faults:
            raise SolverError(f"{path}: the schedule found breaks the instance: {faults[0]}")
        optimum = known.get(path.name)
        peer = solve_plain(problem, time_limit_s, threads) if plain else None
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
            plain=peer,
        )
        rows.append(row)
        if on_row is not None:
            on_row(row)
    plain_rows = [
        (
            None if r.optimum is None else r.plain.makespan == r.optimum,
            r.plain.proven,
            r.plain.time_s,
        )
        for r in rows
        if r.plain is not None
    ]
    return RcpspBenchReport(
        time_limit_s=time_limit_s,
        threads=threads,
        rows=tuple(rows),
        summary=_summary([(r.at_optimum, r.proven, r.time_s) for r in rows]),
        plain_summary=_summary(plain_rows) if plain else None,
    )


def _describe(name: str, s: RcpspBenchSummary) -> str:
    return (
        f"{name}: at known optimum {s.at_optimum}/{s.instances}, proven {s.proven}/{s.instances}; "
        f"time median {s.median_time_s:.2f} s, max {s.max_time_s:.2f} s, "
        f"total {s.total_time_s:.1f} s"
    )


def render_rcpsp_bench(report: RcpspBenchReport) -> Table:
    """One markdown line per instance (ours, then the plain model if run) and a summary caption."""
    caption = [_describe("ours", report.summary)]
    if report.plain_summary is not None:
        caption.append(_describe("plain CP-SAT", report.plain_summary))
    table = Table(
        title=f"RCPSP, {report.time_limit_s:g} s limit, {report.threads} threads",
        caption="\n".join(caption),
        caption_justify="left",
        box=box.MARKDOWN,
    )
    columns = ["instance", "tasks", "optimum", "makespan", "bound", "proven", "time s"]
    if report.plain_summary is not None:
        columns += ["plain makespan", "plain proven", "plain s"]
    for name in columns:
        table.add_column(name, justify="left" if name == "instance" else "right")
    for r in report.rows:
        cells: list[str | Text] = [
            Text(r.instance),
            str(r.tasks),
            _or_dash(r.optimum),
            _or_dash(r.makespan),
            str(r.bound),
            _yes(r.proven),
            f"{r.time_s:.2f}",
        ]
        if r.plain is not None:
            cells += [_or_dash(r.plain.makespan), _yes(r.plain.proven), f"{r.plain.time_s:.2f}"]
        table.add_row(*cells, style=None if r.at_optimum is not False else "yellow")
    return table


def _or_dash(value: int | None) -> str:
    return "-" if value is None else str(value)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, solve every instance, print the table or the JSON report; 2 on bad input."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="PSPLIB .sm files or folders of them")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--optima", type=Path, help="optimum.csv of known makespans (default: beside the files)"
    )
    parser.add_argument(
        "--plain",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also solve with the plain CP-SAT model (default: yes)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    out, err = Console(), Console(stderr=True)
    if not out.is_terminal:  # a file or a pipe: keep table rows whole, to paste as markdown
        out = Console(width=160)
    try:
        paths = instance_paths(args.files)
        optima = read_optima(args.optima) if args.optima else optima_beside(paths)
        load = os.getloadavg()
        with Progress(console=err, transient=True, disable=args.json) as progress:
            task = progress.add_task("scheduling PSPLIB instances", total=len(paths))
            report = run_rcpsp_bench(
                paths,
                args.time_limit,
                optima,
                threads=args.threads,
                plain=args.plain,
                on_row=lambda _: progress.advance(task),
            )
    except PeaceforceError as exc:
        err.print(str(exc), markup=False, highlight=False)
        return 2
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    after = os.getloadavg()
    out.print(
        f"load average {load[0]:.2f} before, {after[0]:.2f} after ({os.cpu_count()} cores)\n",
        markup=False,
    )
    out.print(render_rcpsp_bench(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

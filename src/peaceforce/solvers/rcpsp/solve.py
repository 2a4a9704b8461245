"""Resource-constrained scheduling on CP-SAT; the deployment planner schedules its legs here.

The pipeline of ``solve_schedule``: index the problem (an empty one is
``NOTHING_TO_SOLVE``) → lower bounds (proof of infeasibility, or of optimality
when the heuristic meets them) → multi-pass serial and parallel SGS (horizon,
fallback, hint) → CP-SAT model with interval variables and one
``add_cumulative`` per resource → solve → result with usage and lateness
reasons.

The SGS schedule is given to CP-SAT with ``add_hint`` only for the lateness
objective. For the makespan it measurably hurts (``benchmarks/rcpsp.py``,
``benchmarks/rcpsp_scale.py``): on j30 hinted solves proved optimality later,
and on 5,000 lines CP-SAT's search stayed at the hinted makespan (120) where it
reached 118 on its own. The SGS
makespan still sets the horizon and every start's latest value, and the SGS
schedule is kept whenever CP-SAT ends with nothing better. For weighted
lateness CP-SAT on its own finds schedules twice as late as the hint, so
there it is hinted.

Lexicographic objective (``Objective.LATENESS``): two solves. The first
minimises weighted lateness; the second fixes lateness at most the value found
and minimises the makespan, hinted with the first schedule. Two solves instead
of one weighted sum because the weight that makes a sum lexicographic (the
horizon + 1) inflates coefficients and weakens CP-SAT's bounds, and the bound
we report would then mix the two quantities.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from peaceforce import solvers
from peaceforce.errors import SolverError
from peaceforce.solvers.rcpsp.bounds import lateness_lower_bound, makespan_lower_bound
from peaceforce.solvers.rcpsp.heuristics import Candidate, construct, evaluate
from peaceforce.solvers.rcpsp.network import IndexedProblem, index_problem
from peaceforce.solvers.rcpsp.problem import SchedulingProblem
from peaceforce.solvers.rcpsp.schedule import (
    Objective,
    ScheduleResult,
    build_result,
    schedule_violations,
)
from peaceforce.solvers.status import SolveStatus

#: Share of the time limit the construction heuristic may use, and its cap. On
#: 5,000 lines sampling SGS passes gains as much per second as CP-SAT does.
HEURISTIC_SHARE = 0.25
HEURISTIC_CAP_S = 20.0
#: Share of the remaining time the first (lateness) solve may use.
LATENESS_PHASE_SHARE = 2 / 3


def solve_schedule(
    problem: SchedulingProblem,
    time_limit_s: float,
    threads: int = 2,
    objective: Objective = Objective.MAKESPAN,
    *,
    hint: Mapping[str, int] | None = None,
) -> ScheduleResult:
    """Schedule ``problem`` within ``time_limit_s`` seconds on ``threads`` workers.

    ``hint`` is a known schedule (e.g. a previous solve); it is used when it is
    feasible and better than the heuristic. Infeasibility and time-outs come
    back as a status, never as an exception.

    >>> from peaceforce.solvers.rcpsp import Task, Resource, SchedulingProblem
    >>> p = SchedulingProblem(
    ...     tasks=(Task(id="a", duration=2, demands={"r": 1}),
    ...            Task(id="b", duration=3, demands={"r": 1})),
    ...     resources=(Resource(id="r", capacity=1),))
    >>> solve_schedule(p, time_limit_s=5).makespan
    5
    """
    t0 = time.monotonic()
    ix = index_problem(problem)
    lateness_first = objective is Objective.LATENESS

    def finish(
        starts: Sequence[int] | None, status: SolveStatus, bound: int, heuristic: int | None
    ) -> ScheduleResult:
        return build_result(
            ix,
            starts,
            objective=objective,
            status=status,
            lower_bound=bound,
            heuristic_value=heuristic,
            time_s=time.monotonic() - t0,
        )

    if ix.n == 0:
        return finish((), SolveStatus.NOTHING_TO_SOLVE, 0, None)
    makespan_lb = makespan_lower_bound(ix)
    if makespan_lb is None:
        return finish(None, SolveStatus.INFEASIBLE, 0, None)
    lb = lateness_lower_bound(ix) if lateness_first else makespan_lb

    budget = min(HEURISTIC_SHARE * time_limit_s, HEURISTIC_CAP_S)
    best = construct(ix, lateness_first=lateness_first, budget_s=budget)
    heuristic_value = None if best is None else _primary(best, objective)
    if hint is not None and not schedule_violations(problem, hint):
        given = evaluate(ix, [hint[i] for i in ix.ids])
        if best is None or _key(given, objective) < _key(best, objective):
            best = given
    if best is not None and _key(best, objective) == (lb, makespan_lb):
        return finish(best.starts, SolveStatus.OPTIMAL, lb, heuristic_value)

    def remaining() -> float:
        return max(0.0, time_limit_s - (time.monotonic() - t0))

    cp = solvers.cp_sat()
    if not lateness_first:
        horizon = ix.safe_horizon if best is None else best.makespan
        model = _build(cp, ix, _latest_ends_for_makespan(ix, horizon), makespan_lb, lateness=False)
        model.cp.minimize(model.makespan)
        run = _run(cp, ix, model, best, time_limit_s=remaining(), threads=threads, guide=False)
        if run.starts is None:
            return finish(None, run.status, lb, heuristic_value)
        return finish(run.starts, run.status, max(lb, run.bound), heuristic_value)

    ends = _latest_ends_for_lateness(ix, best)
    model = _build(cp, ix, ends, makespan_lb, lateness=True)
    model.cp.minimize(model.lateness)
    first = _run(
        cp,
        ix,
        model,
        best,
        time_limit_s=LATENESS_PHASE_SHARE * remaining(),
        threads=threads,
        guide=True,
    )
    if first.starts is None:
        return finish(None, first.status, lb, heuristic_value)
    found = evaluate(ix, first.starts)
    if best is not None and _key(best, objective) < _key(found, objective):
        found = best
    model.cp.add(model.lateness <= found.weighted_lateness)
    model.cp.add(model.makespan <= found.makespan)
    model.cp.minimize(model.makespan)
    second = _run(cp, ix, model, found, time_limit_s=remaining(), threads=threads, guide=True)
    starts = found.starts if second.starts is None else second.starts
    status = (
        SolveStatus.OPTIMAL
        if first.status is SolveStatus.OPTIMAL and second.status is SolveStatus.OPTIMAL
        else SolveStatus.FEASIBLE
    )
    return finish(starts, status, max(lb, first.bound), heuristic_value)


def _primary(c: Candidate, objective: Objective) -> int:
    return c.makespan if objective is Objective.MAKESPAN else c.weighted_lateness


def _key(c: Candidate, objective: Objective) -> tuple[int, int]:
    """(primary, secondary) objective of a candidate: lower is better."""
    if objective is Objective.MAKESPAN:
        return (c.makespan, c.makespan)
    return (c.weighted_lateness, c.makespan)


@dataclass
class _Model:
    cp: Any  # cp_model.CpModel: ortools ships no type stubs
    starts: list[Any]
    makespan: Any
    lateness: Any
    late: dict[int, Any]


@dataclass(frozen=True)
class _Run:
    status: SolveStatus
    starts: tuple[int, ...] | None
    bound: int


def _latest_ends_for_makespan(ix: IndexedProblem, horizon: int) -> list[int]:
    """Within a makespan of ``horizon``, task j must leave room for its tail."""
    return [horizon - (t - d) for t, d in zip(ix.tail, ix.duration, strict=True)]


def _latest_ends_for_lateness(ix: IndexedProblem, best: Candidate | None) -> list[int]:
    """Latest ends that keep every schedule at most as late as ``best``.

    A task of weight w cannot end more than ``lateness(best) / w`` days after
    its due day; everything is within the safe horizon; predecessors must end
    in time for their successors' latest starts.
    """
    ends = [ix.safe_horizon - (t - d) for t, d in zip(ix.tail, ix.duration, strict=True)]
    if best is not None:
        ends = [max(ends[j], best.starts[j] + ix.duration[j]) for j in range(ix.n)]
        for j in range(ix.n):
            due, w = ix.due[j], ix.weight[j]
            if due is not None and w > 0:
                ends[j] = min(ends[j], due + best.weighted_lateness // w)
    for i in reversed(ix.topo):
        for j, lag in ix.succs[i]:
            ends[i] = min(ends[i], ends[j] - ix.duration[j] - lag)
    return ends


def _build(
    cp: Any, ix: IndexedProblem, latest_end: list[int], makespan_lb: int, *, lateness: bool
) -> _Model:
    """Interval per task, precedences with lags, one cumulative per resource
    (capacity dips as fixed intervals), makespan and, if asked, weighted lateness.
    """
    model = cp.CpModel()
    horizon = max([makespan_lb, *latest_end])
    dur = ix.duration
    starts = [
        model.new_int_var(ix.head[j], max(ix.head[j], latest_end[j] - dur[j]), f"s{j}")
        for j in range(ix.n)
    ]
    intervals = [model.new_fixed_size_interval_var(starts[j], dur[j], f"i{j}") for j in range(ix.n)]
    for j in range(ix.n):
        for i, lag in ix.preds[j]:
            model.add(starts[j] >= starts[i] + dur[i] + lag)
    cap = ix.capacity(horizon)
    for r in range(len(ix.resource_ids)):
        users = [(j, q) for j in range(ix.n) for rr, q in ix.demands[j] if rr == r]
        if not users:
            continue
        top = int(cap[r].max())
        dips = _capacity_dips(top - cap[r])
        model.add_cumulative(
            [intervals[j] for j, _ in users]
            + [model.new_fixed_size_interval_var(a, b - a, f"dip{r}_{a}") for a, b, _ in dips],
            [q for _, q in users] + [deficit for _, _, deficit in dips],
            top,
        )
    makespan = model.new_int_var(makespan_lb, max(makespan_lb, horizon), "makespan")
    for j in range(ix.n):
        if not ix.succs[j]:
            model.add(makespan >= starts[j] + dur[j])
    late: dict[int, Any] = {}
    for j in range(ix.n):
        due, w = ix.due[j], ix.weight[j]
        if not lateness or due is None or w == 0:
            continue
        lo = max(0, ix.head[j] + dur[j] - due)
        late[j] = model.new_int_var(lo, max(lo, latest_end[j] - due), f"late{j}")
        model.add(late[j] >= starts[j] + dur[j] - due)
    weighted = sum(ix.weight[j] * v for j, v in late.items())
    return _Model(model, starts, makespan, weighted, late)


def _capacity_dips(deficit: Sequence[int]) -> list[tuple[int, int, int]]:
    """Runs ``(first day, end day, units)`` of equal positive capacity deficit."""
    runs: list[tuple[int, int, int]] = []
    day = 0
    while day < len(deficit):
        end = day
        while end < len(deficit) and deficit[end] == deficit[day]:
            end += 1
        if deficit[day] > 0:
            runs.append((day, end, int(deficit[day])))
        day = end
    return runs


def _run(
    cp: Any,
    ix: IndexedProblem,
    model: _Model,
    best: Candidate | None,
    *,
    time_limit_s: float,
    threads: int,
    guide: bool,
) -> _Run:
    """Solve the model with its current objective and read it back; ``best``
    is the fallback when CP-SAT finds nothing, and its hint when ``guide``.
    """
    m = model.cp
    m.clear_hints()
    if best is not None and guide:
        for var, value in zip(model.starts, best.starts, strict=True):
            m.add_hint(var, value)
        m.add_hint(model.makespan, best.makespan)
        for j, var in model.late.items():
            due = ix.due[j]
            assert due is not None
            m.add_hint(var, max(0, best.starts[j] + ix.duration[j] - due))
    solver = cp.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
    solver.parameters.num_workers = threads
    code = solver.solve(m)
    if code == cp.MODEL_INVALID:
        raise SolverError(f"CP-SAT rejected the scheduling model: {m.validate()}")
    if code == cp.INFEASIBLE:
        return _Run(SolveStatus.INFEASIBLE, None, 0)
    raw = solver.best_objective_bound
    bound = math.ceil(raw - 1e-6) if math.isfinite(raw) else 0
    if code in (cp.OPTIMAL, cp.FEASIBLE):
        starts = tuple(int(solver.value(s)) for s in model.starts)
        status = SolveStatus.OPTIMAL if code == cp.OPTIMAL else SolveStatus.FEASIBLE
        return _Run(status, starts, bound)
    if best is not None:
        return _Run(SolveStatus.FEASIBLE, best.starts, bound)
    return _Run(SolveStatus.NO_SOLUTION, None, bound)

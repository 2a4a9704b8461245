"""The result of a scheduling solve, and what a schedule says about itself.

Everything here is computed from a problem and a start day per task, so a
schedule from any source (CP-SAT, a heuristic, a file) is checked and explained
the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

import numpy as np

from peaceforce.results import Result
from peaceforce.solvers.rcpsp.heuristics import evaluate
from peaceforce.solvers.rcpsp.network import IndexedProblem, IntArray, index_problem
from peaceforce.solvers.rcpsp.problem import SchedulingProblem
from peaceforce.solvers.status import SolveStatus


class Objective(StrEnum):
    """What ``solve_schedule`` minimises."""

    MAKESPAN = "makespan"  # classical RCPSP
    LATENESS = "lateness"  # weighted lateness, then makespan among the best


class LatenessReason(StrEnum):
    """Why a task ends after its due day, as far as the schedule shows."""

    # It starts as early as any schedule allows:
    RELEASE = "release"  # on its release day, already too late
    PRECEDENCE = "precedence"  # when ``blocked_by`` predecessors end at the earliest (+ lag)
    # It starts later than that (the ``unavoidable_days`` part stays unavoidable):
    RESOURCE = "resource"  # ``blocked_by`` resources were full on every earlier day
    PREDECESSOR = "predecessor"  # right after ``blocked_by`` predecessors, themselves delayed
    SCHEDULE = "schedule"  # it could start earlier; the schedule chose not to


class LateTask(Result):
    """A task that misses its due day, by how much and why."""

    task: str
    due: int
    end: int
    days_late: int
    weight: int
    #: days late even with unlimited resources (release, predecessors, lags)
    unavoidable_days: int
    reason: LatenessReason
    blocked_by: tuple[str, ...] = ()


class ScheduleResult(Result):
    """A schedule and what is known about its quality.

    ``lower_bound`` bounds the primary objective (makespan, or weighted lateness
    for ``Objective.LATENESS``); ``heuristic_value`` is that objective for the
    construction heuristic alone. ``usage`` is the daily use of each resource
    from day 0 to the makespan.
    """

    problem: str
    objective: Objective
    status: SolveStatus
    starts: dict[str, int]
    makespan: int | None
    weighted_lateness: int | None
    lower_bound: int
    heuristic_value: int | None
    time_s: float
    usage: dict[str, tuple[int, ...]]
    late_tasks: tuple[LateTask, ...]

    @property
    def value(self) -> int | None:
        """The primary objective value of the schedule."""
        if self.objective is Objective.MAKESPAN:
            return self.makespan
        return self.weighted_lateness

    @property
    def gap(self) -> float | None:
        """Relative distance to the lower bound (0 when proven optimal)."""
        if self.value is None:
            return None
        if self.value == self.lower_bound:
            return 0.0
        return (self.value - self.lower_bound) / max(self.value, 1)


def usage_matrix(ix: IndexedProblem, starts: Sequence[int], length: int) -> IntArray:
    """Units of each resource in use on days ``0 .. length-1``."""
    use = np.zeros((len(ix.resource_ids), length), dtype=np.int64)
    for j, s in enumerate(starts):
        for r, q in ix.demands[j]:
            use[r, s : s + ix.duration[j]] += q
    return use


def schedule_violations(problem: SchedulingProblem, starts: Mapping[str, int]) -> list[str]:
    """Every way ``starts`` breaks the problem: missing tasks, releases,
    precedences with lags, capacity on any day. Empty means feasible.
    """
    ix = index_problem(problem)
    missing = [i for i in ix.ids if i not in starts]
    if missing:
        return [f"no start for task {i}" for i in missing]
    s = [starts[i] for i in ix.ids]
    faults = [
        f"task {ix.ids[j]} starts day {s[j]} before its release day {ix.release[j]}"
        for j in range(ix.n)
        if s[j] < ix.release[j]
    ]
    pos = problem.task_index()
    for prec in problem.precedences:
        a, b = pos[prec.before], pos[prec.after]
        if s[b] < s[a] + ix.duration[a] + prec.lag:
            faults.append(
                f"task {prec.after} starts day {s[b]}, before {prec.before} ends "
                f"(day {s[a] + ix.duration[a]}) plus lag {prec.lag}"
            )
    length = max((sj + d for sj, d in zip(s, ix.duration, strict=True)), default=0)
    over = usage_matrix(ix, s, length) - ix.capacity(length)
    for r, day in zip(*np.nonzero(over > 0), strict=True):
        faults.append(f"resource {ix.resource_ids[r]} over capacity by {over[r, day]} on day {day}")
    return faults


def explain_lateness(ix: IndexedProblem, starts: Sequence[int]) -> tuple[LateTask, ...]:
    """A ``LateTask`` for every task that ends after its due day."""
    length = max((s + d for s, d in zip(starts, ix.duration, strict=True)), default=0)
    use = usage_matrix(ix, starts, length)
    cap = ix.capacity(length)
    late: list[LateTask] = []
    for j, s in enumerate(starts):
        due, d = ix.due[j], ix.duration[j]
        if due is None or s + d <= due:
            continue
        reason, blocked = _why_late(ix, starts, use, cap, j)
        late.append(
            LateTask(
                task=ix.ids[j],
                due=due,
                end=s + d,
                days_late=s + d - due,
                weight=ix.weight[j],
                unavoidable_days=max(0, ix.head[j] + d - due),
                reason=reason,
                blocked_by=blocked,
            )
        )
    return tuple(late)


def _why_late(
    ix: IndexedProblem, starts: Sequence[int], use: IntArray, cap: IntArray, j: int
) -> tuple[LatenessReason, tuple[str, ...]]:
    """The cause of the delay beyond the unavoidable, if any, else of the rest."""
    d, s = ix.duration[j], starts[j]
    if s == ix.head[j]:
        if ix.head[j] == ix.release[j]:
            return LatenessReason.RELEASE, ()
        chain = [i for i, lag in ix.preds[j] if ix.head[i] + ix.duration[i] + lag == ix.head[j]]
        return LatenessReason.PRECEDENCE, tuple(ix.ids[i] for i in chain)
    ready = max([ix.release[j], *(starts[i] + ix.duration[i] + lag for i, lag in ix.preds[j])])
    if s == ready:
        tight = [i for i, lag in ix.preds[j] if starts[i] + ix.duration[i] + lag == s]
        return LatenessReason.PREDECESSOR, tuple(ix.ids[i] for i in tight)
    # Could j have started on any day in ready .. s-1 with the others where they are?
    lo, hi = ready, s + d - 1
    full: list[str] = []
    blocked_days = np.zeros(hi - lo, dtype=bool)
    for r, q in ix.demands[j]:
        own = np.zeros(hi - lo, dtype=np.int64)
        own[max(s, lo) - lo :] = q
        bad = use[r, lo:hi] - own + q > cap[r, lo:hi]
        if bad.any():
            full.append(ix.resource_ids[r])
        blocked_days |= bad
    if not full:
        return LatenessReason.SCHEDULE, ()
    window = np.convolve(blocked_days.astype(np.int64), np.ones(d, dtype=np.int64), "valid")
    if (window > 0).all():
        return LatenessReason.RESOURCE, tuple(full)
    return LatenessReason.SCHEDULE, ()


def build_result(
    ix: IndexedProblem,
    starts: Sequence[int] | None,
    *,
    objective: Objective,
    status: SolveStatus,
    lower_bound: int,
    heuristic_value: int | None,
    time_s: float,
) -> ScheduleResult:
    """Assemble a ``ScheduleResult`` from a start day per task (or none)."""
    if starts is None:
        return ScheduleResult(
            problem=ix.problem.name,
            objective=objective,
            status=status,
            starts={},
            makespan=None,
            weighted_lateness=None,
            lower_bound=lower_bound,
            heuristic_value=heuristic_value,
            time_s=time_s,
            usage={},
            late_tasks=(),
        )
    cand = evaluate(ix, starts)
    use = usage_matrix(ix, starts, cand.makespan)
    return ScheduleResult(
        problem=ix.problem.name,
        objective=objective,
        status=status,
        starts=dict(zip(ix.ids, starts, strict=True)),
        makespan=cand.makespan,
        weighted_lateness=cand.weighted_lateness,
        lower_bound=lower_bound,
        heuristic_value=heuristic_value,
        time_s=time_s,
        usage={rid: tuple(int(u) for u in use[r]) for r, rid in enumerate(ix.resource_ids)},
        late_tasks=explain_lateness(ix, starts),
    )

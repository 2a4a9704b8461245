"""Which resources decide a schedule, and what one more unit of each would buy.

Walking back from the tasks that set the objective (those ending at the
makespan, or the late ones), each task either starts at its release, right
after a predecessor (plus lag), or could not start one day earlier because a
resource was full that day. Those (resource, day) pairs are the decisive days;
every resource with one is then re-solved with one more unit of capacity on
every day, hinted with the current schedule, within a time limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from peaceforce.deployment.network import IndexedProblem, index_problem
from peaceforce.deployment.problem import Resource, SchedulingProblem
from peaceforce.deployment.schedule import Objective, ScheduleResult, SolveStatus, usage_matrix
from peaceforce.deployment.scheduling import solve_schedule
from peaceforce.errors import InputError, Problem
from peaceforce.results import Result


class ResourceGain(Result):
    """What one more unit of a resource's daily capacity gains.

    ``gain`` is achieved (a schedule with the extra unit is that much better);
    ``max_gain`` is the most it could gain, from the re-solve's lower bound.
    When the base schedule was not proven optimal, part of a gain may come
    from the extra search rather than the extra unit.
    """

    resource: str
    decisive_days: tuple[int, ...]
    value_with_one_more: int | None
    gain: int
    max_gain: int
    status: SolveStatus


class BindingAnalysis(Result):
    """The decisive tasks and resources of a schedule, best gain first."""

    problem: str
    objective: Objective
    value: int
    decisive_tasks: tuple[str, ...]
    resources: tuple[ResourceGain, ...]


def decisive_days(
    ix: IndexedProblem, starts: Sequence[int], objective: Objective
) -> tuple[list[int], dict[int, set[int]]]:
    """Tasks on the chains that set the objective, and per resource index the
    days on which it was full and so held one of those tasks back.
    """
    dur = ix.duration
    ends = [s + d for s, d in zip(starts, dur, strict=True)]
    if objective is Objective.MAKESPAN:
        top = max(ends, default=0)
        stack = [j for j in range(ix.n) if ends[j] == top]
    else:
        stack = [
            j
            for j in range(ix.n)
            if ix.due[j] is not None and ix.weight[j] > 0 and ends[j] > (ix.due[j] or 0)
        ]
    length = max(ends, default=0)
    use = usage_matrix(ix, starts, length)
    cap = ix.capacity(length)
    finishing: dict[int, list[int]] = {}
    for j, e in enumerate(ends):
        finishing.setdefault(e, []).append(j)
    seen: set[int] = set(stack)
    days: dict[int, set[int]] = {}
    while stack:
        j = stack.pop()
        s = starts[j]
        if s <= ix.release[j]:
            continue
        behind = [i for i, lag in ix.preds[j] if ends[i] + lag == s]
        if not behind:
            full = [r for r, q in ix.demands[j] if use[r, s - 1] + q > cap[r, s - 1]]
            for r in full:
                days.setdefault(r, set()).add(s - 1)
            # The tasks that free the full resources on day s held j back.
            behind = [k for k in finishing.get(s, []) if any(rr in full for rr, _ in ix.demands[k])]
        for i in behind:
            if i not in seen:
                seen.add(i)
                stack.append(i)
    return sorted(seen), days


def analyse_binding(
    problem: SchedulingProblem,
    result: ScheduleResult,
    time_limit_s: float = 10.0,
    threads: int = 2,
    resources: Sequence[str] | None = None,
) -> BindingAnalysis:
    """Decisive tasks and resources of ``result``, and the gain of +1 unit on
    each decisive resource (or on each of ``resources``), re-solved for up to
    ``time_limit_s`` seconds each with the same objective.
    """
    base = result.value
    if base is None:
        raise InputError(
            [Problem(problem.name, "result.status", result.status.value, "a solved schedule")]
        )
    ix = index_problem(problem)
    starts = [result.starts[i] for i in ix.ids]
    tasks, days = decisive_days(ix, starts, result.objective)
    known = set(ix.resource_ids)
    unknown = [r for r in resources or () if r not in known]
    if unknown:
        raise InputError(
            [
                Problem(problem.name, "resources", repr(r), "a resource of the problem")
                for r in unknown
            ]
        )
    by_id = {rid: days.get(r, set()) for r, rid in enumerate(ix.resource_ids)}
    chosen = list(resources) if resources is not None else [rid for rid in by_id if by_id[rid]]
    gains = []
    for rid in chosen:
        again = solve_schedule(
            _one_more(problem, rid),
            time_limit_s,
            threads=threads,
            objective=result.objective,
            hint=result.starts,
        )
        value = again.value
        gains.append(
            ResourceGain(
                resource=rid,
                decisive_days=tuple(sorted(by_id[rid])),
                value_with_one_more=value,
                gain=0 if value is None else max(0, base - value),
                max_gain=max(0, base - again.lower_bound),
                status=again.status,
            )
        )
    gains.sort(key=lambda g: (-g.gain, -len(g.decisive_days), g.resource))
    return BindingAnalysis(
        problem=problem.name,
        objective=result.objective,
        value=base,
        decisive_tasks=tuple(ix.ids[j] for j in tasks),
        resources=tuple(gains),
    )


def _one_more(problem: SchedulingProblem, rid: str) -> SchedulingProblem:
    """``problem`` with one more unit of ``rid`` on every day."""

    def grow(res: Resource) -> Resource:
        if res.id != rid:
            return res
        cap = res.capacity
        more = cap + 1 if isinstance(cap, int) else tuple(c + 1 for c in cap)
        return Resource(id=res.id, capacity=more)

    return problem.model_copy(update={"resources": tuple(grow(r) for r in problem.resources)})

"""The precedence network in index form, with time windows that ignore resources.

Heuristics, bounds and the CP-SAT model all work on integer task and resource
indices; ``IndexedProblem`` is built once per solve so none of them re-derives
the network, the earliest starts (heads) or the tails.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from peaceforce.solvers.rcpsp.problem import SchedulingProblem

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class IndexedProblem:
    """``SchedulingProblem`` as arrays, plus resource-free time windows.

    ``head[i]`` is the earliest start of task i from releases, durations and lags;
    ``tail[i]`` the least time from the start of i to the end of the project
    (its duration plus the longest successor chain with lags).
    """

    problem: SchedulingProblem
    ids: tuple[str, ...]
    duration: tuple[int, ...]
    release: tuple[int, ...]
    due: tuple[int | None, ...]
    weight: tuple[int, ...]
    #: per task: (resource index, units) for each positive demand of a task that lasts
    demands: tuple[tuple[tuple[int, int], ...], ...]
    #: per task: (other task index, lag)
    preds: tuple[tuple[tuple[int, int], ...], ...]
    succs: tuple[tuple[tuple[int, int], ...], ...]
    topo: tuple[int, ...]
    head: tuple[int, ...]
    tail: tuple[int, ...]
    resource_ids: tuple[str, ...]

    @property
    def n(self) -> int:
        """Number of tasks."""
        return len(self.ids)

    @property
    def safe_horizon(self) -> int:
        """A day by which some schedule ends, whenever any schedule exists.

        After the last release and the end of every capacity profile, running the
        tasks one after another fits whenever each demand fits the steady-state
        capacity; lags are non-negative, so the serial order keeps precedences.
        """
        settle = max(
            [0, *self.release, *(r.profile_length for r in self.problem.resources)],
        )
        lags = sum(lag for ps in self.preds for _, lag in ps)
        return settle + sum(self.duration) + lags + 1

    def capacity(self, length: int) -> IntArray:
        """Capacity matrix, resources x days ``0 .. length-1``."""
        cap = np.empty((len(self.resource_ids), length), dtype=np.int64)
        for r, res in enumerate(self.problem.resources):
            if isinstance(res.capacity, int):
                cap[r, :] = res.capacity
            else:
                prof = np.asarray(res.capacity[:length], dtype=np.int64)
                cap[r, : len(prof)] = prof
                cap[r, len(prof) :] = res.capacity[-1]
        return cap


def index_problem(problem: SchedulingProblem) -> IndexedProblem:
    """Index ``problem`` and compute its heads and tails."""
    pos = problem.task_index()
    rpos = {r.id: k for k, r in enumerate(problem.resources)}
    n = len(problem.tasks)
    preds: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    succs: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for prec in problem.precedences:
        a, b = pos[prec.before], pos[prec.after]
        succs[a].append((b, prec.lag))
        preds[b].append((a, prec.lag))
    topo = _topological_order(preds, succs)
    dur = [t.duration for t in problem.tasks]
    head = [t.release for t in problem.tasks]
    for j in topo:
        for i, lag in preds[j]:
            head[j] = max(head[j], head[i] + dur[i] + lag)
    tail = list(dur)
    for i in reversed(topo):
        for j, lag in succs[i]:
            tail[i] = max(tail[i], dur[i] + lag + tail[j])
    demands = tuple(
        tuple((rpos[rid], q) for rid, q in sorted(t.demands.items()) if q > 0 and t.duration > 0)
        for t in problem.tasks
    )
    return IndexedProblem(
        problem=problem,
        ids=tuple(t.id for t in problem.tasks),
        duration=tuple(dur),
        release=tuple(t.release for t in problem.tasks),
        due=tuple(t.due for t in problem.tasks),
        weight=tuple(t.weight for t in problem.tasks),
        demands=demands,
        preds=tuple(tuple(p) for p in preds),
        succs=tuple(tuple(s) for s in succs),
        topo=tuple(topo),
        head=tuple(head),
        tail=tuple(tail),
        resource_ids=tuple(r.id for r in problem.resources),
    )


def _topological_order(
    preds: list[list[tuple[int, int]]], succs: list[list[tuple[int, int]]]
) -> list[int]:
    """Kahn's order; the problem validator has already ruled out cycles."""
    indeg = [len(p) for p in preds]
    order = [i for i, d in enumerate(indeg) if d == 0]
    k = 0
    while k < len(order):
        for j, _ in succs[order[k]]:
            indeg[j] -= 1
            if indeg[j] == 0:
                order.append(j)
        k += 1
    return order

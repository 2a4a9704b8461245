"""Lower bounds that need no search: they prove optimality early, tighten the
CP-SAT model, and measure the gap of schedules too large to prove.
"""

from __future__ import annotations

import math

import numpy as np

from peaceforce.deployment.network import IndexedProblem


def makespan_lower_bound(ix: IndexedProblem) -> int | None:
    """Largest of the critical-path bound (release + longest chain with lags)
    and, per resource, the energy bound with releases and tails.

    Returns ``None`` when capacity can never hold some task or all the work:
    the problem is then proven infeasible.
    """
    bound = max((h + t for h, t in zip(ix.head, ix.tail, strict=True)), default=0)
    for r in range(len(ix.resource_ids)):
        energy = _energy_bound(ix, r)
        if energy is None:
            return None
        bound = max(bound, energy)
    return bound


def lateness_lower_bound(ix: IndexedProblem) -> int:
    """Weighted lateness that no schedule avoids: each task's earliest end
    (release, predecessors, lags) against its due day.
    """
    return sum(
        w * max(0, h + d - due)
        for h, d, due, w in zip(ix.head, ix.duration, ix.due, ix.weight, strict=True)
        if due is not None
    )


def _energy_bound(ix: IndexedProblem, r: int) -> int | None:
    """For every head ``t``: the work of tasks that cannot start before ``t``
    must fit into capacity from ``t`` on, and the last of them still has its
    successors to run. The best such end over all ``t`` bounds the makespan.
    """
    items = [
        (ix.head[j], q * ix.duration[j], ix.tail[j] - ix.duration[j], q, j)
        for j in range(ix.n)
        for rr, q in ix.demands[j]
        if rr == r
    ]
    if not items:
        return 0
    res = ix.problem.resources[r]
    length = max(res.profile_length, *(it[0] for it in items)) + 1
    cap = ix.capacity(length)[r]
    steady = res.tail_capacity
    for head, _, _, q, j in items:
        if q > steady and not _window_exists(cap[head:] >= q, ix.duration[j]):
            return None
    cum = np.concatenate(([0], np.cumsum(cap)))
    items.sort(key=lambda it: -it[0])
    bound = 0
    work = 0
    after = math.inf
    for k, (head, energy, succ_time, _, _) in enumerate(items):
        work += energy
        after = min(after, succ_time)
        if k + 1 < len(items) and items[k + 1][0] == head:
            continue
        target = int(cum[head]) + work
        if target <= cum[-1]:
            done = int(np.searchsorted(cum, target, side="left"))
        elif steady > 0:
            done = length + math.ceil((target - int(cum[-1])) / steady)
        else:
            return None
        bound = max(bound, done + int(after))
    return bound


def _window_exists(ok: np.ndarray[tuple[int], np.dtype[np.bool_]], length: int) -> bool:
    """Whether ``ok`` holds ``length`` consecutive True values."""
    run = 0
    for v in ok:
        run = run + 1 if v else 0
        if run >= length:
            return True
    return False

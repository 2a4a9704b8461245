"""Lower bounds that need no search: they prove optimality early, tighten the
CP-SAT model, and measure the gap of schedules too large to prove.
"""

from __future__ import annotations

import numpy as np

from peaceforce.solvers.rcpsp.network import IndexedProblem


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
    """For every head ``t`` and wait ``q``: the tasks that cannot start before
    ``t`` and have at least ``q`` days of successors after their end must do
    their work within capacity from ``t`` on, and the last of them to end still
    has ``q`` days to go. The best such end over all ``(t, q)`` bounds the
    makespan (``q`` = the least wait of all tasks from ``t`` is the classical
    energy bound with releases and tails; larger ``q`` trades work for wait).
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
    heads = np.array([it[0] for it in items], dtype=np.int64)
    energy = np.array([it[1] for it in items], dtype=np.int64)
    after = np.array([it[2] for it in items], dtype=np.int64)
    bound = 0
    for head in np.unique(heads):
        mask = heads >= head
        # Subsets {head_j >= head, after_j >= q}: the larger q, the less work but
        # the longer the wait behind the last of them.
        order = np.argsort(-after[mask], kind="stable")
        q_desc = after[mask][order]
        work = np.cumsum(energy[mask][order])
        last = np.r_[q_desc[1:] != q_desc[:-1], True]
        targets = int(cum[head]) + work[last]
        done = np.searchsorted(cum, targets, side="left").astype(np.int64)
        beyond = targets > cum[-1]
        if beyond.any():
            if steady <= 0:
                return None
            done[beyond] = length + -((int(cum[-1]) - targets[beyond]) // steady)
        bound = max(bound, int((done + q_desc[last]).max()))
    return bound


def _window_exists(ok: np.ndarray[tuple[int], np.dtype[np.bool_]], length: int) -> bool:
    """Whether ``ok`` holds ``length`` consecutive True values."""
    run = 0
    for v in ok:
        run = run + 1 if v else 0
        if run >= length:
            return True
    return False

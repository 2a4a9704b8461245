"""Construction heuristics: priority-rule serial and parallel schedule generation,
justification.

They give CP-SAT a horizon (an upper bound) and a complete hint, and on large
deployment instances they carry most of the weight: CP-SAT then improves a good
schedule instead of searching for a first one.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from peaceforce.solvers.rcpsp.network import IndexedProblem, IntArray

#: Days scanned at once when looking for the earliest fitting start.
_CHUNK = 64
#: Largest random shift of a priority in sampling passes, as a share of the
#: critical path (0.2 sampled better than 0.1 on the 5,000-line benchmark).
SAMPLING_SPREAD = 0.2


@dataclass(frozen=True)
class Candidate:
    """A complete schedule from a heuristic, with its two objective values."""

    starts: tuple[int, ...]
    makespan: int
    weighted_lateness: int


def serial_sgs(ix: IndexedProblem, priority: Sequence[float], horizon: int) -> list[int] | None:
    """Serial schedule generation: take the eligible task of least ``priority``
    and start it at the earliest day where releases, lags and capacity allow.

    Returns ``None`` when some task finds no room before ``horizon``.
    """
    free = ix.capacity(horizon)
    indeg = [len(p) for p in ix.preds]
    heap = [(priority[i], i) for i in range(ix.n) if indeg[i] == 0]
    heapq.heapify(heap)
    start = [0] * ix.n
    while heap:
        _, j = heapq.heappop(heap)
        es = ix.release[j]
        for i, lag in ix.preds[j]:
            es = max(es, start[i] + ix.duration[i] + lag)
        t = _earliest_fit(free, ix.demands[j], ix.duration[j], es, horizon)
        if t is None:
            return None
        start[j] = t
        _book(free, ix.demands[j], t, ix.duration[j], -1)
        for k, _ in ix.succs[j]:
            indeg[k] -= 1
            if indeg[k] == 0:
                heapq.heappush(heap, (priority[k], k))
    return start


def parallel_sgs(ix: IndexedProblem, priority: Sequence[float], horizon: int) -> list[int] | None:
    """Parallel schedule generation: walk the days in order and on each day start,
    in order of least ``priority``, every released task whose predecessors (with
    lags) are done and that fits from that day for its whole duration.

    It builds non-delay schedules. On large, heavily loaded instances with many
    tasks per resource these pack capacity dips better than the serial scheme
    (``benchmarks/rcpsp_scale.py``: 115 against 117 days on 5,000 lines); on
    small ones the serial scheme, which can reach every active schedule, is
    often better, so ``construct`` runs both. Returns ``None`` when some task finds no room
    before ``horizon``.
    """
    free = ix.capacity(horizon)
    indeg = [len(p) for p in ix.preds]
    es = list(ix.release)
    start = [-1] * ix.n
    # Eligible tasks (every predecessor scheduled) by earliest start, then priority.
    waiting = [(es[i], priority[i], i) for i in range(ix.n) if indeg[i] == 0]
    heapq.heapify(waiting)
    ready: list[tuple[float, int]] = []
    left = ix.n
    t = 0
    while left:
        while waiting and waiting[0][0] <= t:
            _, p, j = heapq.heappop(waiting)
            ready.append((p, j))
        if not ready:
            t = waiting[0][0]
            continue
        if t >= horizon:
            return None
        ready.sort()
        kept: list[tuple[float, int]] = []
        started = False
        for p, j in ready:
            d = ix.duration[j]
            if t + d > horizon or not _fits(free, ix.demands[j], t, t + d).all():
                kept.append((p, j))
                continue
            start[j] = t
            left -= 1
            started = True
            _book(free, ix.demands[j], t, d, -1)
            for k, lag in ix.succs[j]:
                es[k] = max(es[k], t + d + lag)
                indeg[k] -= 1
                if indeg[k] == 0:
                    heapq.heappush(waiting, (es[k], priority[k], k))
        ready = kept
        # A zero-length task with zero lag frees its successors on the same day.
        if not (started and waiting and waiting[0][0] <= t):
            t += 1
    return start


def justify(ix: IndexedProblem, starts: Sequence[int]) -> list[int]:
    """Double justification (Valls et al. 2005): shift every task right as far as
    the current makespan allows, latest end first, then left, earliest start
    first. The makespan never grows and often shrinks.
    """
    start = list(starts)
    makespan = max((s + d for s, d in zip(start, ix.duration, strict=True)), default=0)
    free = ix.capacity(makespan + 1)
    for j in range(ix.n):
        _book(free, ix.demands[j], start[j], ix.duration[j], -1)
    for j in sorted(range(ix.n), key=lambda i: -(start[i] + ix.duration[i])):
        d = ix.duration[j]
        latest = makespan - d
        for k, lag in ix.succs[j]:
            latest = min(latest, start[k] - lag - d)
        start[j] = _shift(free, ix.demands[j], d, start[j], latest, right=True)
    for j in sorted(range(ix.n), key=lambda i: start[i]):
        earliest = ix.release[j]
        for i, lag in ix.preds[j]:
            earliest = max(earliest, start[i] + ix.duration[i] + lag)
        start[j] = _shift(free, ix.demands[j], ix.duration[j], start[j], earliest, right=False)
    return start


def evaluate(ix: IndexedProblem, starts: Sequence[int]) -> Candidate:
    """Makespan and weighted lateness of a schedule."""
    makespan = 0
    lateness = 0
    for j, s in enumerate(starts):
        end = s + ix.duration[j]
        makespan = max(makespan, end)
        due = ix.due[j]
        if due is not None and end > due:
            lateness += ix.weight[j] * (end - due)
    return Candidate(tuple(starts), makespan, lateness)


def deadlines(ix: IndexedProblem) -> list[float]:
    """Latest end of each task that keeps it and every successor on its due day
    (infinite where nothing downstream has a due day).
    """
    dl = [math.inf if d is None else float(d) for d in ix.due]
    for i in reversed(ix.topo):
        for j, lag in ix.succs[i]:
            dl[i] = min(dl[i], dl[j] - ix.duration[j] - lag)
    return dl


def construct(
    ix: IndexedProblem,
    *,
    lateness_first: bool,
    budget_s: float,
    max_passes: int = 10,
    seed: int = 0,
) -> Candidate | None:
    """Best schedule of a multi-pass serial and parallel SGS within ``budget_s``
    seconds.

    Deterministic rules go first (latest start by tail, then for lateness the
    latest on-time start), each with both schemes; then the same rules with
    random noise, alternating the schemes. Sampling stops when the budget is
    spent, or once ``max_passes`` passes are done and the last ``max_passes``
    found nothing better. Makespan-only schedules are double-justified.
    """
    t_end = time.monotonic() + budget_s
    rng = random.Random(seed)
    horizon = ix.safe_horizon
    bound = max(ix.tail) if ix.n else 0
    dl = deadlines(ix)
    # Latest start before the critical-path horizon: the classical LST/LFT rule.
    lst = [float(bound - t) for t in ix.tail]
    on_time = [lst[i] if math.isinf(dl[i]) else dl[i] - ix.duration[i] for i in range(ix.n)]
    rules = [on_time, lst] if lateness_first else [lst, on_time]
    schemes = (serial_sgs, parallel_sgs)
    first = [(rule, scheme) for rule in rules for scheme in schemes]

    def key(c: Candidate) -> tuple[int, int]:
        if lateness_first:
            return (c.weighted_lateness, c.makespan)
        return (c.makespan, c.weighted_lateness)

    best: Candidate | None = None
    spread = max(1.0, SAMPLING_SPREAD * bound)
    n_pass = 0
    last_gain = 0
    while True:
        if n_pass < len(first):
            base, scheme = first[n_pass]
            prio = list(base)
        else:
            base = rules[n_pass % len(rules)]
            scheme = schemes[(n_pass // len(rules)) % len(schemes)]
            noise = spread * rng.random()
            # Ties broken by weight: heavier lines first among equal latest starts.
            prio = [p + noise * rng.random() - 1e-6 * ix.weight[i] for i, p in enumerate(base)]
        n_pass += 1
        starts = scheme(ix, prio, horizon)
        if starts is None:
            # Every rule meets the same capacity profile; none will fit.
            return best
        cand = evaluate(ix, starts)
        if not lateness_first:
            cand = evaluate(ix, justify(ix, starts))
        if best is None or key(cand) < key(best):
            best = cand
            last_gain = n_pass
        if n_pass < len(first):
            continue
        if time.monotonic() >= t_end or (n_pass >= max_passes and n_pass - last_gain >= max_passes):
            break
    return best


def _fits(
    free: IntArray, demands: Sequence[tuple[int, int]], lo: int, hi: int
) -> npt.NDArray[np.bool_]:
    """Days ``lo .. hi-1`` on which every demanded resource has room."""
    ok = np.ones(hi - lo, dtype=bool)
    for r, q in demands:
        ok &= free[r, lo:hi] >= q
    return ok


def _runs(ok: npt.NDArray[np.bool_], length: int) -> tuple[IntArray, IntArray]:
    """Offsets and lengths of the runs of True in ``ok`` at least ``length`` long."""
    bad = np.flatnonzero(~ok)
    edges = np.concatenate(([-1], bad, [len(ok)]))
    gap_starts = edges[:-1] + 1
    gap_len = edges[1:] - gap_starts
    keep = gap_len >= length
    return gap_starts[keep].astype(np.int64), gap_len[keep].astype(np.int64)


def _earliest_fit(
    free: IntArray, demands: Sequence[tuple[int, int]], duration: int, es: int, horizon: int
) -> int | None:
    if duration == 0 or not demands:
        return es if es + duration <= horizon else None
    t = es
    while t + duration <= horizon:
        hi = min(horizon, t + duration + _CHUNK)
        ok = _fits(free, demands, t, hi)
        offsets, _ = _runs(ok, duration)
        if len(offsets):
            return t + int(offsets[0])
        bad = np.flatnonzero(~ok)
        # Resume just after the last blocked day: no run can start before it.
        t += int(bad[-1]) + 1 if len(bad) else hi - t
    return None


def _shift(
    free: IntArray,
    demands: Sequence[tuple[int, int]],
    duration: int,
    current: int,
    limit: int,
    *,
    right: bool,
) -> int:
    """Move a booked task as far towards ``limit`` as capacity allows.

    The current position is feasible, so the search window always holds it.
    """
    if limit == current or (right and limit < current) or (not right and limit > current):
        return current
    _book(free, demands, current, duration, +1)
    if duration == 0 or not demands:
        new = limit
    else:
        lo, hi = (current, limit + duration) if right else (limit, current + duration)
        offsets, lengths = _runs(_fits(free, demands, lo, hi), duration)
        # Rightmost start in the last run, or the first start of the first run.
        new = lo + int(offsets[-1] + lengths[-1] - duration if right else offsets[0])
    _book(free, demands, new, duration, -1)
    return new


def _book(
    free: IntArray, demands: Sequence[tuple[int, int]], start: int, duration: int, sign: int
) -> None:
    for r, q in demands:
        free[r, start : start + duration] += sign * q

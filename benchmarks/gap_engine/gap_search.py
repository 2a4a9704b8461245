"""Bounds and heuristics for the GAP, in minimisation form, without a solver.

Everything here works on ``cost`` (the instance's costs, negated when
maximising), ``use`` (resources) and ``cap`` (capacities); forbidden pairs carry
an infinite cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gap_engine.gap_model import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class Lagrangian:
    """Best Lagrangian bound found with the capacity constraints relaxed.

    ``multipliers`` price each agent's capacity; ``regret[i, j]`` is how much the
    bound rises if job ``j`` is forced onto agent ``i`` — a pair whose regret
    lifts the bound past the incumbent cannot be in any better solution.
    """

    bound: float
    multipliers: FloatArray
    regret: FloatArray


def lagrangian_value(
    cost: FloatArray, use: FloatArray, cap: FloatArray, multipliers: FloatArray
) -> tuple[float, IntArray, FloatArray]:
    """Bound, relaxed assignment (each job to its cheapest priced agent) and priced costs."""
    priced = cost + multipliers[:, None] * use
    choice = priced.argmin(axis=0)
    value = float(priced[choice, np.arange(cost.shape[1])].sum() - multipliers @ cap)
    return value, choice, priced


def lagrangian(
    cost: FloatArray,
    use: FloatArray,
    cap: FloatArray,
    target: float,
    iterations: int = 400,
) -> tuple[Lagrangian, list[FloatArray]]:
    """Subgradient ascent on the capacity multipliers, Polyak steps towards ``target``.

    ``target`` is the value of a known solution, or ``inf`` to aim a little above the bound.

    Returns the best bound and a handful of intermediate multiplier vectors,
    whose priced costs seed diverse greedy solutions.
    """
    m, n = cost.shape
    multipliers = np.zeros(m)
    best_value, best_multipliers = -np.inf, multipliers
    samples: list[FloatArray] = []
    scale, stalled = 2.0, 0
    for iteration in range(iterations):
        value, choice, _ = lagrangian_value(cost, use, cap, multipliers)
        if value > best_value + 1e-9 * max(1.0, abs(value)):
            best_value, best_multipliers, stalled = value, multipliers, 0
        else:
            stalled += 1
            if stalled >= 20:
                scale, stalled = scale / 2, 0
        if iteration % 40 == 0:
            samples.append(multipliers)
        loads = np.bincount(choice, weights=use[choice, np.arange(n)], minlength=m)
        subgradient = loads - cap
        subgradient[(multipliers <= 0) & (subgradient < 0)] = 0.0
        norm = float(subgradient @ subgradient)
        if norm == 0.0 or scale < 1e-4:
            break  # the relaxed solution is feasible, or the steps have died out
        goal = target if np.isfinite(target) else best_value + 0.05 * abs(best_value) + 1.0
        step = scale * (max(goal, best_value + 1e-6) - value) / norm
        multipliers = np.maximum(0.0, multipliers + step * subgradient)
    samples.append(best_multipliers)
    _, choice, priced = lagrangian_value(cost, use, cap, best_multipliers)
    regret = priced - priced[choice, np.arange(n)]
    return Lagrangian(best_value, best_multipliers, regret), samples


def _two_smallest(scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Smallest and second-smallest score of each column (inf when there is none)."""
    padded = np.vstack([scores, np.full((1, scores.shape[1]), np.inf)])
    two = np.partition(padded, 1, axis=0)
    return two[0], two[1]


def greedy(priority: FloatArray, use: FloatArray, cap: FloatArray) -> IntArray | None:
    """Regret greedy: repeatedly place the job that loses most if it misses its best agent.

    ``priority`` ranks agents per job (lower is better). Scores only ever rise
    (an agent fills up), so after each placement only the jobs that just lost
    that agent are re-ranked. Returns ``None`` when some job fits nowhere.
    """
    n = priority.shape[1]
    room = cap.astype(np.float64).copy()
    scores = np.where(use <= room[:, None], priority, np.inf)
    best, second = _two_smallest(scores)
    assignment = np.full(n, -1, dtype=np.int64)
    for _ in range(n):
        open_jobs = assignment < 0
        if np.isinf(best[open_jobs]).any():
            return None
        regret = np.where(open_jobs, second - best, -np.inf)
        job = int(regret.argmax())
        agent = int(scores[:, job].argmin())
        assignment[job] = agent
        room[agent] -= use[agent, job]
        lost = open_jobs & np.isfinite(scores[agent]) & (use[agent] > room[agent])
        lost[job] = False
        if lost.any():
            scores[agent, lost] = np.inf
            best[lost], second[lost] = _two_smallest(scores[:, lost])
    return assignment


def local_search(
    cost: FloatArray, use: FloatArray, cap: FloatArray, assignment: IntArray, deadline: float
) -> IntArray:
    """Best-improvement descent over shifts (one job changes agent) and swaps (two jobs trade).

    Each round evaluates the whole neighbourhood as arrays and applies the best
    move; stops at a local optimum or at ``deadline`` (``time.monotonic``).
    """
    n = cost.shape[1]
    jobs = np.arange(n)
    current = assignment.copy()
    load = np.bincount(current, weights=use[current, jobs], minlength=cost.shape[0])
    while time.monotonic() < deadline:
        now_cost, now_use = cost[current, jobs], use[current, jobs]
        shift = np.where(use <= (cap - load)[:, None], cost - now_cost, np.inf)
        # swap[j, k]: job j goes to k's agent and k to j's
        cost_there = cost[current[None, :], jobs[:, None]]
        use_there = use[current[None, :], jobs[:, None]]
        room_here = (cap - load)[current] + now_use
        swap = cost_there + cost_there.T - now_cost[:, None] - now_cost[None, :]
        fits = (use_there <= room_here[None, :]) & (room_here[:, None] >= use_there.T)
        swap = np.where(fits & (current[:, None] != current[None, :]), swap, np.inf)
        best_shift, best_swap = shift.min(), swap.min()
        if min(best_shift, best_swap) >= -1e-9:
            break
        if best_shift <= best_swap:
            to, j = np.unravel_index(shift.argmin(), shift.shape)
            moves = [(int(j), int(to))]
        else:
            j, k = np.unravel_index(swap.argmin(), swap.shape)
            moves = [(int(j), int(current[k])), (int(k), int(current[j]))]
        for job, agent in moves:
            load[current[job]] -= use[current[job], job]
            load[agent] += use[agent, job]
        for job, agent in moves:
            current[job] = agent
    return current


def _knapsack_table(profit: FloatArray, use: IntArray, cap: IntArray) -> FloatArray:
    """``table[j, i, w]``: agent i's best profit from jobs ``< j`` within capacity ``w``.

    Dynamic programming over integer capacities, all agents advancing together,
    so the work is ``n`` array operations of size ``m × (max(cap) + 1)``.
    """
    m, n = profit.shape
    width = np.arange(int(cap.max()) + 1)
    agents = np.arange(m)[:, None]
    table = np.zeros((n + 1, m, width.size))
    for j in range(n):
        rest = width[None, :] - use[:, j, None]
        gained = table[j][agents, np.maximum(rest, 0)] + profit[:, j, None]
        table[j + 1] = np.where(rest >= 0, np.maximum(table[j], gained), table[j])
    return table


def knapsacks(profit: FloatArray, use: IntArray, cap: IntArray) -> BoolArray:
    """Each agent's optimal 0-1 knapsack (max profit within capacity), as an m×n selection."""
    m, n = profit.shape
    table = _knapsack_table(profit, use, cap)
    agents = np.arange(m)
    selected = np.zeros((m, n), dtype=bool)
    room = cap.copy()
    for j in range(n - 1, -1, -1):
        selected[:, j] = table[j + 1, agents, room] > table[j, agents, room]
        room -= np.where(selected[:, j], use[:, j], 0)
    return selected


@dataclass(frozen=True)
class KnapsackRelaxation:
    """Lagrangian bound with the one-agent-per-job constraints relaxed (m knapsacks).

    Stronger than the capacity relaxation (it keeps each agent's integrality);
    ``forced[i, j]`` is the bound when job ``j`` is forced onto agent ``i``.
    """

    bound: float
    forced: FloatArray


def knapsack_lagrangian(
    cost: FloatArray,
    use: IntArray,
    cap: IntArray,
    start: FloatArray,
    *,
    target: float,
    enough: float,
    deadline: float,
    on_selection: Callable[[BoolArray], None],
) -> KnapsackRelaxation:
    """Subgradient ascent on the job multipliers from ``start`` (e.g. the LP duals).

    Every knapsack selection is handed to ``on_selection`` so a caller can
    repair it into a solution. Steps aim at ``target`` (an incumbent's value);
    stops at ``deadline``, when the steps die out or when the bound reaches
    ``enough`` (e.g. just above ``target - 1`` when every value is an integer).
    """
    n = cost.shape[1]
    multipliers, best_value, best_multipliers = start.copy(), -np.inf, start
    scale, stalled = 1.0, 0
    # below a twentieth of the first step the bound creeps up by less than a unit
    while time.monotonic() < deadline and scale > 0.05:
        profit = multipliers[None, :] - cost
        selected = knapsacks(profit, use, cap)
        value = float(multipliers.sum() - (profit * selected).sum())
        if value > best_value + 1e-9 * max(1.0, abs(value)):
            best_value, best_multipliers, stalled = value, multipliers, 0
        else:
            stalled += 1
            if stalled >= 8:
                scale, stalled = scale / 2, 0
        on_selection(selected)
        subgradient = 1.0 - selected.sum(axis=0)
        norm = float(subgradient @ subgradient)
        if norm == 0.0 or best_value >= enough:
            break  # the knapsacks form an assignment, or the bound meets the incumbent
        multipliers = multipliers + scale * (target - value) / norm * subgradient
    profit = best_multipliers[None, :] - cost
    ahead = _knapsack_table(profit, use, cap)
    behind = _knapsack_table(profit[:, ::-1], use[:, ::-1], cap)[::-1]
    agents = np.arange(cost.shape[0])
    best_profit = ahead[n, agents, cap]
    # best profit of agent i without job j within capacity c: max over w of ahead + behind
    room = cap[None, :] - use.T  # n×m capacity left once job j is in
    width = np.arange(ahead.shape[2])
    split = np.clip(room[:, :, None] - width, 0, None)
    combined = ahead[:n] + np.take_along_axis(behind[:n], split, axis=2)
    without = np.where(width <= room[:, :, None], combined, -np.inf).max(axis=2)
    with_job = np.where(room >= 0, profit.T + without, -np.inf)
    forced = best_value + (best_profit[None, :] - with_job).T
    return KnapsackRelaxation(best_value, forced)


def repair_selection(
    cost: FloatArray, use: FloatArray, cap: FloatArray, selected: BoolArray
) -> IntArray | None:
    """Turn knapsack selections into an assignment: a job chosen by several agents goes
    to the cheapest, jobs chosen by none are placed greedily in the room left."""
    n = cost.shape[1]
    jobs = np.arange(n)
    assignment: IntArray = np.where(selected, cost, np.inf).argmin(axis=0).astype(np.int64)
    assignment[~selected.any(axis=0)] = -1
    placed = assignment >= 0
    load = np.bincount(
        assignment[placed], weights=use[assignment[placed], jobs[placed]], minlength=cost.shape[0]
    )
    if placed.all():
        return assignment
    rest = greedy(cost[:, ~placed], use[:, ~placed], cap - load)
    if rest is None:
        return None
    assignment[~placed] = rest
    return assignment

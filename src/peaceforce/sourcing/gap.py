"""The generalized assignment engine at the core of force sourcing.

:func:`solve_gap` is a short pipeline:

1. Lagrangian relaxation of the capacities (subgradient): a lower bound and
   priced costs that seed regret-greedy solutions, polished by local search;
2. the arcs that cannot appear in any solution better than that incumbent
   (their Lagrangian regret exceeds the gap) are dropped;
3. HiGHS solves the remaining MIP on one thread, warm-started, proving the
   bound; beside it, large-neighbourhood search re-optimises a few agents or a
   few contested jobs at a time with CP-SAT. The two trade incumbents through
   HiGHS's callbacks, and the search stops as soon as HiGHS proves optimality.

Plain single-solver baselines (:func:`solve_gap_plain`) share the same models.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from peaceforce.sourcing.gap_io import (
    format_orlib_gap,
    parse_orlib_gap,
    read_gap_bounds,
    read_orlib_gap,
)
from peaceforce.sourcing.gap_mip import (
    MipOutcome,
    export_mps,
    fits_alone,
    solve_cp_sat,
    solve_highs,
    solve_mps,
)
from peaceforce.sourcing.gap_model import (
    BoolArray,
    Component,
    FloatArray,
    GapInstance,
    GapResult,
    GapStatus,
    IntArray,
    KnownBounds,
    Sense,
    gap_to_best_known,
)
from peaceforce.sourcing.gap_search import (
    greedy,
    knapsack_lagrangian,
    lagrangian,
    local_search,
    repair_selection,
)

__all__ = [
    "Component",
    "GapInstance",
    "GapResult",
    "GapStatus",
    "KnownBounds",
    "PlainSolver",
    "Sense",
    "export_mps",
    "format_orlib_gap",
    "gap_to_best_known",
    "parse_orlib_gap",
    "read_gap_bounds",
    "read_orlib_gap",
    "solve_gap",
    "solve_gap_plain",
    "solve_mps",
]


class PlainSolver(StrEnum):
    """A single solver on the plain MIP, as a baseline."""

    HIGHS = "highs"
    CP_SAT = "cp_sat"


def solve_gap_plain(
    instance: GapInstance, time_limit_s: float, solver: PlainSolver, threads: int = 2
) -> GapResult:
    """Solve with one solver alone, no warm start: the baseline the engine must beat.

    ``threads`` sets CP-SAT's workers; HiGHS's branch and bound is serial.
    """
    started = time.monotonic()
    if solver is PlainSolver.HIGHS:
        outcome = solve_highs(instance, time_limit_s)
    else:
        outcome = solve_cp_sat(instance, time_limit_s, threads=threads)
    return GapResult.build(
        instance,
        outcome.assignment,
        _proven_bound(instance, outcome),
        time.monotonic() - started,
        Component(solver.value),
        infeasible=outcome.infeasible,
    )


def _proven_bound(instance: GapInstance, outcome: MipOutcome) -> float | None:
    if outcome.optimal and outcome.assignment is not None:
        return instance.objective(outcome.assignment)
    return outcome.bound


# ------------------------------------------------------------------ the engine


@dataclass
class _Incumbent:
    """Best solution so far, shared by the search thread and the HiGHS thread.

    Values are in minimisation form (costs negated when maximising).
    """

    cost: FloatArray
    assignment: IntArray | None = None
    value: float = np.inf
    found_by: Component | None = None
    unsent: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def offer(self, assignment: IntArray, found_by: Component) -> bool:
        """Keep ``assignment`` if it is better; True when it was."""
        value = float(self.cost[assignment, np.arange(assignment.size)].sum())
        with self.lock:
            if value >= self.value - 1e-9:
                return False
            self.assignment, self.value, self.found_by = assignment.copy(), value, found_by
            self.unsent = found_by is not Component.HIGHS
            return True

    def best(self) -> IntArray | None:
        with self.lock:
            return None if self.assignment is None else self.assignment.copy()

    # SolutionExchange, called from the HiGHS thread
    def found(self, assignment: IntArray) -> None:
        if np.all(assignment >= 0):
            self.offer(assignment, Component.HIGHS)

    def incoming(self) -> IntArray | None:
        with self.lock:
            if not self.unsent or self.assignment is None:
                return None
            self.unsent = False
            return self.assignment.copy()

    def stopped(self) -> bool:
        return self.done.is_set()


def solve_gap(
    instance: GapInstance,
    time_limit_s: float,
    threads: int = 2,
    *,
    seed: int = 0,
) -> GapResult:
    """Solve a GAP instance as well as possible within ``time_limit_s`` seconds.

    HiGHS and the neighbourhood search run side by side, so two threads are
    used; ``threads`` is the CP-SAT worker count of the plain baseline's peer
    and only matters here when it is 1 (then the search pauses for HiGHS).
    The result carries the best assignment, a proven bound and whether the two
    meet (``proven_optimal``); an instance with no feasible assignment comes
    back with status ``INFEASIBLE``, not an exception.
    """
    started = time.monotonic()
    deadline = started + time_limit_s
    fits = fits_alone(instance)
    if not fits.any(axis=0).all():  # some job fits no agent at all
        return _infeasible(instance, started)
    sign = 1.0 if instance.sense is Sense.MIN else -1.0
    cost = np.where(fits, sign * instance.costs, np.inf)
    # forbidden pairs priced out of reach, for the arithmetic of the relaxations
    finite = np.where(fits, cost, np.abs(cost[fits]).max() * instance.n + 1.0)
    shared = _Incumbent(cost)

    bound, allowed, regret = _bound_and_start(
        instance, finite, shared, started + 0.25 * time_limit_s
    )
    if shared.value <= bound + 1e-9:
        return _result(instance, shared, bound, started)

    highs_outcome: list[MipOutcome] = []
    mip = threading.Thread(
        target=lambda: highs_outcome.append(
            solve_highs(
                instance,
                deadline - time.monotonic(),
                start=shared.best(),
                allowed=allowed,
                seed=seed,
                exchange=shared,
            )
        ),
        daemon=True,
    )
    mip.start()
    proven = threads > 1 and _neighbourhood_search(
        instance, regret, allowed, shared, deadline=deadline, mip=mip, seed=seed
    )
    shared.done.set()
    mip.join()
    outcome = highs_outcome[0]
    if outcome.infeasible and shared.assignment is None:
        return _infeasible(instance, started)
    if outcome.assignment is not None:
        shared.offer(outcome.assignment, Component.HIGHS)
    if outcome.optimal or proven:
        bound = shared.value
    elif outcome.bound is not None:
        bound = max(bound, sign * outcome.bound)
    return _result(instance, shared, bound, started)


def _infeasible(instance: GapInstance, started: float) -> GapResult:
    return GapResult.build(instance, None, None, time.monotonic() - started, None, infeasible=True)


def _result(instance: GapInstance, shared: _Incumbent, bound: float, started: float) -> GapResult:
    sign = 1.0 if instance.sense is Sense.MIN else -1.0
    return GapResult.build(
        instance,
        shared.assignment,
        sign * min(bound, shared.value),
        time.monotonic() - started,
        shared.found_by,
    )


#: Largest knapsack table (jobs × agents × capacity) worth building; beyond it the
#: capacity relaxation is already tight on the instances we know (OR-Library c-type).
_KNAPSACK_CELLS = 4_000_000


def _bound_and_start(
    instance: GapInstance, finite: FloatArray, shared: _Incumbent, deadline: float
) -> tuple[float, BoolArray | None, FloatArray]:
    """Lagrangian bounds and first solutions.

    Returns the bound, the pairs that can still appear in a solution at least
    as good as the incumbent, and each pair's Lagrangian regret (to steer the
    neighbourhood search). Any solution using pair (i, j) costs at least the
    bound with job j forced onto agent i, which is what prunes the pairs.
    """
    use, cap, n = instance.resources, instance.capacities, instance.n
    first = greedy(finite, use, cap)
    target = np.inf if first is None else float(finite[first, np.arange(n)].sum())
    relaxation, samples = lagrangian(finite, use, cap, target)
    for multipliers in reversed(samples):
        start = greedy(finite + multipliers[:, None] * use, use, cap)
        if start is not None:
            shared.offer(start, Component.LAGRANGIAN_REPAIR)
            polished = local_search(finite, use, cap, start, deadline)
            shared.offer(polished, Component.LOCAL_SEARCH)
    bound = _round_up(instance, relaxation.bound)
    if shared.assignment is None:
        return bound, None, relaxation.regret
    slack = 1e-6 * max(1.0, abs(shared.value))
    allowed = relaxation.bound + relaxation.regret <= shared.value + slack
    cells = instance.n * instance.m * (cap.max() + 1)
    if shared.value <= bound + 1e-9 or not instance.integral or cells > _KNAPSACK_CELLS:
        return bound, allowed, relaxation.regret

    def repair(selected: BoolArray) -> None:
        assignment = repair_selection(finite, use, cap, selected)
        if assignment is not None and shared.offer(assignment, Component.LAGRANGIAN_REPAIR):
            polished = local_search(finite, use, cap, assignment, deadline)
            shared.offer(polished, Component.LOCAL_SEARCH)

    priced = finite + relaxation.multipliers[:, None] * use
    knapsack = knapsack_lagrangian(
        finite,
        use.astype(np.int64),
        cap.astype(np.int64),
        priced.min(axis=0),  # the LP duals of the assignment rows
        target=shared.value,
        enough=shared.value - (1.0 - 1e-6 if instance.integral_costs else 1e-9),
        deadline=deadline,
        on_selection=repair,
    )
    bound = max(bound, _round_up(instance, knapsack.bound))
    return bound, allowed & (knapsack.forced <= shared.value + slack), relaxation.regret


def _round_up(instance: GapInstance, bound: float) -> float:
    """Integral costs make every objective an integer, so a bound can be rounded up."""
    return float(np.ceil(bound - 1e-6)) if instance.integral_costs else bound


def _neighbourhood_search(
    instance: GapInstance,
    regret: FloatArray,
    allowed: BoolArray | None,
    shared: _Incumbent,
    *,
    deadline: float,
    mip: threading.Thread,
    seed: int,
) -> bool:
    """Re-optimise parts of the incumbent exactly until time runs out or HiGHS is done.

    The first part is the whole pruned model, for a tenth of the time: on easy
    instances that alone proves optimality (returns True). Then a part is
    either every job of a few agents, or a few jobs chosen with probability
    rising as their second-best agent gets closer in Lagrangian terms; all
    other jobs stay where they are, and the freed jobs may go to any agent.
    """
    rng = np.random.default_rng(seed)
    m, n = instance.m, instance.n
    jobs = np.arange(n)
    subsolve = solve_cp_sat if instance.integral else solve_highs
    whole_budget = 0.1 * (deadline - time.monotonic())
    while mip.is_alive() and time.monotonic() < deadline - 0.05:
        current = shared.best()
        if current is None:
            mip.join(0.05)  # nothing to improve yet: wait for HiGHS's first solution
            continue
        budget = min(0.5, deadline - time.monotonic())
        if whole_budget > 0:
            part, budget, whole_budget = jobs, whole_budget, 0.0
        elif m > 2 and rng.random() < 0.5:
            agents = rng.choice(m, size=min(m - 1, int(rng.integers(2, 5))), replace=False)
            part = np.flatnonzero(np.isin(current, agents))
        else:
            others = regret.copy()
            others[current, jobs] = np.inf
            weight = 1.0 / (1.0 + others.min(axis=0))
            size = min(n, max(15, 500 // m))  # about 500 pairs: solved in a blink
            part = rng.choice(n, size=size, replace=False, p=weight / weight.sum())
        kept = np.setdiff1d(jobs, part)
        load = np.bincount(
            current[kept], weights=instance.resources[current[kept], kept], minlength=m
        )
        sub = GapInstance(
            instance.name,
            instance.costs[:, part],
            instance.resources[:, part],
            np.maximum(instance.capacities - load, 0.0),
            instance.sense,
        )
        outcome = subsolve(
            sub,
            budget,
            start=current[part],
            allowed=None if allowed is None else allowed[:, part],
            seed=int(rng.integers(1 << 30)),
        )
        if outcome.assignment is not None:
            candidate = current.copy()
            candidate[part] = outcome.assignment
            shared.offer(candidate, Component.LNS)
            if outcome.optimal and part.size == n:
                return True
    return False

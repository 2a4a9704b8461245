"""A generalized assignment (GAP) engine, measured on OR-Library instances.

The product's force sourcing does not use it: a sourcing line takes several
units from several pledges, may stay partly unfilled, and is solved
lexicographically (``peaceforce.sourcing.optimise``), none of which is a GAP.
``benchmarks/sourcing_scale.py`` measures the product's own model at scale.

:func:`solve_gap` is a short pipeline:

1. Lagrangian relaxations of the capacities and, with integral data, of the
   assignment rows (m knapsacks): a lower bound, priced costs that seed
   regret-greedy solutions polished by local search, and for every pair a
   bound on any solution that uses it (``forced``);
2. on one thread HiGHS solves, round after round, the MIP restricted to the
   pairs a solution within a target may use (the target halfway
   from bound to incumbent), so its models are small and each round either
   improves the incumbent or lifts the bound (:func:`gap_lns.highs_rounds`);
3. beside it CP-SAT first probes the whole pruned model (the bound value by
   value while the gap is small: that proves most small instances optimal at
   once), then re-optimises a few related agents or contested jobs at a time
   (:mod:`gap_lns`). The two trade incumbents through HiGHS's callbacks and a
   shared bound, and stop as soon as bound and incumbent meet.

Plain single-solver baselines (:func:`solve_gap_plain`) share the same models.
"""

from __future__ import annotations

import threading
import time
from enum import StrEnum

import numpy as np

from gap_engine.gap_io import (
    format_orlib_gap,
    parse_orlib_gap,
    read_gap_bounds,
    read_orlib_gap,
)
from gap_engine.gap_lns import (
    Incumbent,
    highs_rounds,
    neighbourhood_search,
)
from gap_engine.gap_lns import (
    round_up as _round_up,
)
from gap_engine.gap_mip import (
    MipOutcome,
    export_mps,
    fits_alone,
    solve_cp_sat,
    solve_highs,
    solve_mps,
)
from gap_engine.gap_model import (
    BoolArray,
    Component,
    FloatArray,
    GapInstance,
    GapResult,
    GapStatus,
    KnownBounds,
    Sense,
    gap_to_best_known,
)
from gap_engine.gap_search import (
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


def solve_gap(
    instance: GapInstance,
    time_limit_s: float,
    threads: int = 2,
    *,
    seed: int = 0,
) -> GapResult:
    """Solve a GAP instance as well as possible within ``time_limit_s`` seconds.

    HiGHS and the CP-SAT search run side by side, so two threads are used;
    ``threads`` is the CP-SAT worker count of the plain baseline's peer and
    only matters here when it is 1 (then HiGHS works alone).
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
    shared = Incumbent(cost)

    forced, regret = _bound_and_start(instance, finite, shared, started + 0.25 * time_limit_s)
    if shared.value > shared.lower + 1e-9:
        mip = threading.Thread(
            target=highs_rounds, args=(instance, forced, shared, deadline, seed), daemon=True
        )
        mip.start()
        if threads > 1:
            neighbourhood_search(
                instance, regret, forced, shared, deadline=deadline, mip=mip, seed=seed
            )
            shared.done.set()  # interrupts HiGHS if it is still running
        mip.join()
    if shared.assignment is None and shared.lower == np.inf:
        return _infeasible(instance, started)
    return _result(instance, shared, started)


def _infeasible(instance: GapInstance, started: float) -> GapResult:
    return GapResult.build(instance, None, None, time.monotonic() - started, None, infeasible=True)


def _result(instance: GapInstance, shared: Incumbent, started: float) -> GapResult:
    sign = 1.0 if instance.sense is Sense.MIN else -1.0
    return GapResult.build(
        instance,
        shared.assignment,
        sign * min(shared.lower, shared.value),
        time.monotonic() - started,
        shared.found_by,
    )


#: Largest knapsack table (jobs × agents × capacity) worth building; beyond it the
#: capacity relaxation is already tight on the instances we know (OR-Library c-type).
_KNAPSACK_CELLS = 4_000_000


def _bound_and_start(
    instance: GapInstance, finite: FloatArray, shared: Incumbent, deadline: float
) -> tuple[FloatArray, FloatArray]:
    """Lagrangian bounds (raised on ``shared``) and first solutions.

    Returns ``forced`` (a lower bound on every solution that uses
    pair (i, j): the bound with job j forced onto agent i, which is what prunes
    the pairs) and each pair's Lagrangian regret (to steer the neighbourhood
    search).
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
    shared.raise_lower(_round_up(instance, relaxation.bound))
    forced = relaxation.bound + relaxation.regret
    cells = instance.n * instance.m * (cap.max() + 1)
    if (
        shared.assignment is None
        or shared.value <= shared.lower + 1e-9
        or not instance.integral
        or cells > _KNAPSACK_CELLS
    ):
        return forced, relaxation.regret

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
    shared.raise_lower(_round_up(instance, knapsack.bound))
    return np.maximum(forced, knapsack.forced), relaxation.regret

"""Exact search on parts of a GAP: the shared incumbent, improve-or-prove, neighbourhoods.

Everything works in minimisation form (costs negated when maximising) on the
incumbent that the search thread and the HiGHS thread share. ``forced[i, j]``
is a proven lower bound on every solution that puts job ``j`` on agent ``i``
(from the Lagrangian relaxations); it decides which pairs a better solution
may still use.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from peaceforce.sourcing.gap_mip import MipOutcome, solve_cp_sat, solve_highs
from peaceforce.sourcing.gap_model import (
    BoolArray,
    Component,
    FloatArray,
    GapInstance,
    IntArray,
    Sense,
)


@dataclass
class Incumbent:
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
        """A copy of the best assignment, if any."""
        with self.lock:
            return None if self.assignment is None else self.assignment.copy()

    # SolutionExchange, called from the HiGHS thread
    def found(self, assignment: IntArray) -> None:
        """HiGHS found an improving solution."""
        if np.all(assignment >= 0):
            self.offer(assignment, Component.HIGHS)

    def incoming(self) -> IntArray | None:
        """The incumbent, once, if HiGHS has not seen it yet."""
        with self.lock:
            if not self.unsent or self.assignment is None:
                return None
            self.unsent = False
            return self.assignment.copy()

    def stopped(self) -> bool:
        """True once the solve is over."""
        return self.done.is_set()


def improving_pairs(instance: GapInstance, forced: FloatArray, value: float) -> BoolArray:
    """Pairs that a solution better than ``value`` may use (all of them while ``value`` is inf).

    With integral costs "better" means at least one lower, which prunes far
    more than "no worse"; the incumbent itself may then use excluded pairs.
    """
    step = 1.0 if instance.integral_costs else 0.0
    return forced <= value - step + 1e-6 * max(1.0, abs(value))


def _sub_instance(instance: GapInstance, current: IntArray, part: IntArray) -> GapInstance:
    """The jobs of ``part`` alone, in the room the other jobs leave under ``current``."""
    kept = np.setdiff1d(np.arange(instance.n), part)
    load = np.bincount(
        current[kept], weights=instance.resources[current[kept], kept], minlength=instance.m
    )
    return GapInstance(
        instance.name,
        instance.costs[:, part],
        instance.resources[:, part],
        np.maximum(instance.capacities - load, 0.0),
        instance.sense,
    )


def _solve_exactly(
    instance: GapInstance,
    budget: float,
    start: IntArray,
    allowed: BoolArray,
    seed: int,
) -> MipOutcome:
    """Best solution better than ``start`` (CP-SAT, integral data) or from it (HiGHS)."""
    if instance.integral:
        return solve_cp_sat(
            instance,
            budget,
            start=start,
            allowed=allowed,
            seed=seed,
            better_than=instance.objective(start),
        )
    return solve_highs(instance, budget, start=start, allowed=allowed, seed=seed)


#: With integral costs and an incumbent at most this far above the bound, probe
#: the bound value by value: each probe's model keeps only the few pairs whose
#: forced bound is within it, so it is tiny and either meets the bound or lifts it.
_PROBE_GAP = 10.0


def prove_or_improve(
    instance: GapInstance,
    forced: FloatArray,
    shared: Incumbent,
    bound: float,
    deadline: float,
) -> float:
    """Close the gap between ``bound`` and the incumbent with exact solves on the whole model.

    Each round looks for a solution of value at most a target, on the pairs
    whose forced bound allows it: the bound itself while the gap is small
    (success is optimal, failure lifts the bound by one), otherwise one below
    the incumbent (the model shrinks as the incumbent improves). Returns the
    proven lower bound, which meets the incumbent's value once it is optimal.
    """
    sign = 1.0 if instance.sense is Sense.MIN else -1.0
    probing = instance.integral_costs
    while time.monotonic() < deadline - 0.01 and not shared.stopped():
        current, value = shared.best(), shared.value
        if current is None or bound >= value - 1e-9:
            break
        probing = probing and value - bound <= _PROBE_GAP
        target = bound if probing else value - 1.0
        outcome = solve_cp_sat(
            instance,
            deadline - time.monotonic(),
            start=current,
            allowed=forced <= target + 1e-6 * max(1.0, abs(target)),
            seed=0,
            better_than=sign * (target + 1.0),
        )
        if outcome.assignment is not None:
            shared.offer(outcome.assignment, Component.LNS)
        if outcome.optimal:
            return max(bound, shared.value)  # best of all solutions within the target
        if outcome.infeasible:
            bound = target + 1.0
        elif outcome.assignment is None:
            if not probing:
                break  # out of time without a better solution
            probing = False
    return bound


@dataclass
class _Neighbourhoods:
    """Chooses the part of the incumbent to re-optimise, adapting its size.

    A part is either every job of a few related agents (re-split among those
    agents only), or a few contested jobs (free to go anywhere). The agent
    count grows while parts are solved to optimality without gain (the
    neighbourhood is exhausted) and shrinks when they time out.
    """

    instance: GapInstance
    regret: FloatArray
    rng: np.random.Generator
    agents: float = 3.0

    def choose(self, current: IntArray) -> tuple[IntArray, BoolArray, bool]:
        """Jobs to free, the agents each may go to, and whether this is an agent part."""
        m, n = self.instance.m, self.instance.n
        if m > 2 and self.rng.random() < 0.7:
            chosen = self._related_agents(current, min(m, int(self.agents)))
            part = np.flatnonzero(np.isin(current, chosen))
            targets = np.zeros((m, part.size), dtype=bool)
            targets[chosen] = True
            return part, targets, True
        others = self.regret.copy()
        others[current, np.arange(n)] = np.inf
        weight = 1.0 / (1.0 + others.min(axis=0))
        size = min(n, max(15, 500 // m))  # about 500 pairs: solved in a blink
        part = self.rng.choice(n, size=size, replace=False, p=weight / weight.sum())
        return part, np.ones((m, part.size), dtype=bool), False

    def _related_agents(self, current: IntArray, count: int) -> IntArray:
        """A random agent and those its jobs could move to most cheaply (Lagrangian regret)."""
        m = self.instance.m
        first = int(self.rng.integers(m))
        mine = current == first
        closeness = self.regret[:, mine].min(axis=1) if mine.any() else np.zeros(m)
        positive = self.regret[self.regret > 0]
        noise = float(np.median(positive)) if positive.size else 1.0
        closeness = closeness + self.rng.random(m) * noise
        closeness[first] = -np.inf
        return np.argsort(closeness)[:count]

    def learn(self, outcome: MipOutcome, improved: bool) -> None:
        """Grow agent parts once they stop paying, shrink them when they are too hard."""
        m = self.instance.m
        if outcome.optimal or outcome.infeasible:
            if not improved:
                self.agents = min(float(m), self.agents + 0.2)
        else:
            self.agents = max(2.0, self.agents - 0.5)


def neighbourhood_search(
    instance: GapInstance,
    regret: FloatArray,
    forced: FloatArray,
    shared: Incumbent,
    *,
    deadline: float,
    bound: float,
    mip: threading.Thread,
    seed: int,
) -> float:
    """Re-optimise parts of the incumbent exactly until time runs out or HiGHS is done.

    First the whole pruned model for a tenth of the time (:func:`prove_or_improve`;
    on easy instances that proves optimality), then parts chosen by
    :class:`_Neighbourhoods`, the other jobs staying where they are. Returns
    the lower bound proven on the way (minimisation form).
    """
    if instance.integral:
        budget = 0.1 * (deadline - time.monotonic())
        bound = prove_or_improve(instance, forced, shared, bound, time.monotonic() + budget)
        if bound >= shared.value - 1e-9:
            return bound
    rng = np.random.default_rng(seed)
    neighbourhoods = _Neighbourhoods(instance, regret, rng)
    while mip.is_alive() and time.monotonic() < deadline - 0.05:
        current = shared.best()
        if current is None:
            mip.join(0.05)  # nothing to improve yet: wait for HiGHS's first solution
            continue
        part, targets, by_agents = neighbourhoods.choose(current)
        allowed = improving_pairs(instance, forced, shared.value)[:, part] & targets
        outcome = _solve_exactly(
            _sub_instance(instance, current, part),
            min(0.5, deadline - time.monotonic()),
            current[part],
            allowed,
            seed=int(rng.integers(1 << 30)),
        )
        improved = False
        if outcome.assignment is not None:
            candidate = current.copy()
            candidate[part] = outcome.assignment
            improved = shared.offer(candidate, Component.LNS)
        if by_agents:
            neighbourhoods.learn(outcome, improved)
    return bound

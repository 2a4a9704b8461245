"""Exact solves on pruned models and on parts of a GAP, around a shared incumbent and bound.

CP-SAT probes the bound (:func:`prove_or_improve`) and then re-optimises parts
of the incumbent (:func:`neighbourhood_search`); HiGHS works beside it on
target-pruned models (:func:`highs_rounds`). Everything works in minimisation
form (costs negated when maximising) on the incumbent and bound the two
threads share. ``forced[i, j]``
is a proven lower bound on every solution that puts job ``j`` on agent ``i``
(from the Lagrangian relaxations); it decides which pairs a better solution
may still use.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from gap_engine.gap_mip import MipOutcome, solve_cp_sat, solve_highs
from gap_engine.gap_model import (
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
    lower: float = -np.inf
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

    def raise_lower(self, bound: float) -> None:
        """Record a proven lower bound on the optimum (inf: no solution exists)."""
        with self.lock:
            self.lower = max(self.lower, bound)

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
        """True once the solve is over or the incumbent is proven optimal."""
        return self.done.is_set() or self.lower >= self.value - 1e-9


def round_up(instance: GapInstance, bound: float) -> float:
    """Integral costs make every objective an integer, so a bound can be rounded up."""
    return float(np.ceil(bound - 1e-6)) if instance.integral_costs else bound


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
    instance: GapInstance, forced: FloatArray, shared: Incumbent, deadline: float
) -> None:
    """Close the gap between the bound and the incumbent with exact solves on the whole model.

    Each round looks for a solution of value at most a target, on the pairs
    whose forced bound allows it: the bound itself while the gap is small
    (success is optimal, failure lifts the bound by one), otherwise one below
    the incumbent (the model shrinks as the incumbent improves).
    """
    sign = 1.0 if instance.sense is Sense.MIN else -1.0
    probing = instance.integral_costs
    while time.monotonic() < deadline - 0.01 and not shared.stopped():
        current, value, lower = shared.best(), shared.value, shared.lower
        if current is None:
            return
        probing = probing and value - lower <= _PROBE_GAP
        target = lower if probing else value - 1.0
        outcome = solve_cp_sat(
            instance,
            deadline - time.monotonic(),
            start=current,
            allowed=_within(forced, target),
            seed=0,
            better_than=sign * (target + 1.0),
        )
        if outcome.assignment is not None:
            shared.offer(outcome.assignment, Component.LNS)
        if outcome.optimal:
            shared.raise_lower(shared.value)  # the best of all solutions within the target
        elif outcome.infeasible:
            shared.raise_lower(target + 1.0)
        elif outcome.assignment is None:
            if not probing:
                return  # out of time without a better solution
            probing = False


def _within(forced: FloatArray, target: float) -> BoolArray:
    """Pairs that a solution of value at most ``target`` may use."""
    return forced <= target + 1e-6 * max(1.0, abs(target))


#: Share of the gap between bound and incumbent that a HiGHS round's target
#: sits above the bound: the model keeps only the pairs a solution that good can
#: use, a fraction of them, so HiGHS searches it much faster.
_TARGET_SHARE = 0.5

#: Share of the remaining time a probe of the bound may take: a slow probe is
#: seldom worth finishing.
_PROBE_SHARE = 0.05

#: Restarting HiGHS throws its search tree away, so a round is only cut short
#: (and a new one aimed lower) once the new model would keep at most this share
#: of the current one's pairs.
_SHRINK = 0.8


def _round_pairs(
    instance: GapInstance, forced: FloatArray, value: float, lower: float, *, probing: bool
) -> tuple[float, BoolArray]:
    """The target of a HiGHS round and the pairs its model keeps.

    The target is the bound when probing, else halfway from bound to incumbent;
    it falls back to "anything better than the incumbent" when costs are not
    integral, there is no incumbent yet, or aiming lower would hardly shrink the model.
    """
    better = value - (1.0 if instance.integral_costs else 0.0)
    every = _within(forced, better)
    if not instance.integral_costs or not np.isfinite(value):
        return better, every
    share = 0.0 if probing else _TARGET_SHARE
    target = max(lower, float(np.floor(lower + share * (value - 1.0 - lower))))
    kept = _within(forced, target)
    if kept.sum() > _SHRINK * every.sum():
        return better, every
    return target, kept


@dataclass
class _Round:
    """The solution exchange of one HiGHS round.

    Passes incumbents both ways and ends the round once a better incumbent
    would let a new round work on a model with far fewer pairs.
    """

    instance: GapInstance
    forced: FloatArray
    shared: Incumbent
    pairs: int
    seen: float

    def found(self, assignment: IntArray) -> None:
        """HiGHS found an improving solution."""
        self.shared.found(assignment)

    def incoming(self) -> IntArray | None:
        """A better solution found by the search, once."""
        return self.shared.incoming()

    def stopped(self) -> bool:
        """True once the solve is over or a re-pruned model would be much smaller."""
        if self.shared.stopped():
            return True
        value = self.shared.value
        if value >= self.seen:
            return False
        self.seen = value
        _, kept = _round_pairs(self.instance, self.forced, value, self.shared.lower, probing=False)
        return bool(kept.sum() <= _SHRINK * self.pairs)


def highs_rounds(
    instance: GapInstance, forced: FloatArray, shared: Incumbent, deadline: float, seed: int
) -> None:
    """HiGHS on ever smaller models, each keeping the pairs a solution within a target may use.

    With integral costs the target sits halfway from the bound to the
    incumbent, or at the bound once they are close (probing, as CP-SAT does:
    the two race): a solution found is real whatever its value; an optimum
    within the target is the optimum; an optimum above it (or no solution)
    proves that nothing is that good, lifting the bound to target + 1. A round
    ends early once the incumbent has improved enough to prune a fifth of its
    pairs. Otherwise HiGHS runs once on the pairs a better solution may use.
    """
    sign = 1.0 if instance.sense is Sense.MIN else -1.0
    step = 1.0 if instance.integral_costs else 0.0
    probing = instance.integral_costs
    while time.monotonic() < deadline - 0.01 and not shared.stopped():
        value, lower, start = shared.value, shared.lower, shared.best()
        probing = probing and value - lower <= _PROBE_GAP
        target, allowed = _round_pairs(instance, forced, value, lower, probing=probing)
        budget = deadline - time.monotonic()
        if probing and target < value - step:
            budget = min(budget, max(0.5, _PROBE_SHARE * budget))
        if start is not None and not allowed[start, np.arange(instance.n)].all():
            start = None
        exchange = _Round(instance, forced, shared, int(allowed.sum()), seen=value)
        outcome = solve_highs(
            instance, budget, start=start, allowed=allowed, seed=seed, exchange=exchange
        )
        if outcome.assignment is not None:
            shared.offer(outcome.assignment, Component.HIGHS)
        best = np.inf
        if outcome.assignment is not None:
            best = sign * instance.objective(outcome.assignment)
        if outcome.infeasible or (outcome.optimal and best > target):
            shared.raise_lower(target + step)
        elif outcome.optimal:
            shared.raise_lower(best)
        else:
            probing = False  # a probe that runs out of time is too hard: aim higher
            if outcome.bound is not None:
                shared.raise_lower(min(round_up(instance, sign * outcome.bound), target + step))


@dataclass
class _Neighbourhoods:
    """Chooses the part of the incumbent to re-optimise, adapting its size.

    A part is either every job of a few related agents (re-split among those
    agents only), or a few contested jobs (free to go anywhere). Each kind
    grows while its parts are solved without gain (the neighbourhood is
    exhausted) and shrinks when they time out, so sub-solves stay short.
    """

    instance: GapInstance
    regret: FloatArray
    rng: np.random.Generator
    agents: float = 3.0
    jobs: float = 0.0

    def __post_init__(self) -> None:
        # about 500 pairs, which CP-SAT usually settles within the half-second budget
        self.jobs = float(min(self.instance.n, max(12, 500 // self.instance.m)))

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
        size = min(n, int(self.jobs))
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

    def learn(self, outcome: MipOutcome, improved: bool, *, by_agents: bool) -> None:
        """Grow a kind of part once it stops paying, shrink it when it is too hard."""
        exhausted = (outcome.optimal or outcome.infeasible) and not improved
        timed_out = not (outcome.optimal or outcome.infeasible)
        if by_agents:
            grown = self.agents + 0.2 * exhausted - 0.5 * timed_out
            self.agents = float(np.clip(grown, 2.0, self.instance.m))
        else:
            grown = self.jobs + 1.0 * exhausted - 3.0 * timed_out
            self.jobs = float(np.clip(grown, 5.0, self.instance.n))


#: Fruitless sub-solves in a row after which the search starts pausing.
_PATIENCE = 10


def neighbourhood_search(
    instance: GapInstance,
    regret: FloatArray,
    forced: FloatArray,
    shared: Incumbent,
    *,
    deadline: float,
    mip: threading.Thread,
    seed: int,
) -> None:
    """Re-optimise parts of the incumbent exactly until time runs out or HiGHS is done.

    First the whole pruned model for a tenth of the time (:func:`prove_or_improve`;
    on easy instances that proves optimality), then parts chosen by
    :class:`_Neighbourhoods`, the other jobs staying where they are.
    """
    if instance.integral:
        budget = 0.1 * (deadline - time.monotonic())
        prove_or_improve(instance, forced, shared, time.monotonic() + budget)
    rng = np.random.default_rng(seed)
    neighbourhoods = _Neighbourhoods(instance, regret, rng)
    failures = 0
    while mip.is_alive() and time.monotonic() < deadline - 0.05 and not shared.stopped():
        current = shared.best()
        if current is None:
            mip.join(0.05)  # nothing to improve yet: wait for HiGHS's first solution
            continue
        part, targets, by_agents = neighbourhoods.choose(current)
        allowed = improving_pairs(instance, forced, shared.value)[:, part] & targets
        began = time.monotonic()
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
        neighbourhoods.learn(outcome, improved, by_agents=by_agents)
        failures = 0 if improved else failures + 1
        if failures >= _PATIENCE:
            # a search that keeps failing yields half its time to HiGHS (on a busy machine
            # the two threads share less than two cores)
            mip.join(min(time.monotonic() - began, deadline - time.monotonic()))

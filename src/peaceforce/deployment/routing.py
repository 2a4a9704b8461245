"""Choose every movement's route and days together, on CP-SAT.

The model (one per solve, built in :func:`_build`): per step of a movement a
start day and one chosen option (node); each option's resource holds are
optional intervals present only when it is chosen, and one cumulative
constraint per node or lift pool keeps every day within capacity. Links
between steps carry a lag per pair of options (the road from the chosen
gateway to the chosen staging area). A movement arrives when its last final
step ends plus the onward drive; a final step starts no earlier than the
movements it waits for have arrived.

Objective, lexicographic in three solves, each hinted with the best schedule
so far and bounded by the values found before it:

1. priority-weighted days late against each line's required delivery day;
2. movement cost: kilometres of the detours through the chosen nodes;
3. the sum of arrival days (everything as early as the first two allow).

A greedy schedule (movements one by one, most urgent first, each on its best
route given what is already booked) gives the first hint and the horizon, and
is kept if CP-SAT finds nothing better within the time limit.

The same input gives the same schedule: the time limit is CP-SAT's
*deterministic* time (a count of work calibrated to about a second on a
typical machine, ``max_deterministic_time``), the search is interleaved
(``interleave_search``, deterministic for any worker count) with a fixed seed
and worker count, and the share of the limit left for the later solves is
counted in the same units. A slow or loaded machine takes longer in wall time
but finds the same plan; only the wall-clock guard (:data:`WALL_GUARD`, times the
limit), reached when the machine is many times slower than that, ends a solve
early, and then the plan may differ.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from peaceforce import solvers
from peaceforce.deployment.movements import Movement, Step
from peaceforce.errors import SolverError
from peaceforce.solvers.status import SolveStatus

IntArray = np.ndarray[tuple[int], np.dtype[np.int64]]

#: The three objectives in order, and the share of the time limit each solve may use.
OBJECTIVES = ("lateness", "cost", "arrivals")
STAGE_SHARES = {"lateness": 0.5, "cost": 0.25, "arrivals": 0.25}
#: CP-SAT's random seed: fixed, so a solve repeats exactly.
SEED = 20250901
#: A solve may take this many times its deterministic limit in wall seconds before it
#: is stopped (a guard against a machine far slower than the calibration).
WALL_GUARD = 30.0


@dataclass(frozen=True)
class Choice:
    """The option a step takes and the day it starts."""

    option: int
    start: int


#: For each movement key, a choice per step.
Schedule = dict[str, tuple[Choice, ...]]


@dataclass(frozen=True)
class Routing:
    """A solved schedule and what is known of its quality."""

    schedule: Schedule
    status: SolveStatus
    weighted_lateness: int
    #: no schedule is less late than this (CP-SAT's bound, or the capacity-free bound)
    lateness_bound: int
    cost_km: int
    seconds: float


# --- reading a schedule -----------------------------------------------------------------


def step_end(step: Step, choice: Choice) -> int:
    """Day the step no longer holds anything."""
    return choice.start + step.options[choice.option].duration


def arrival(movement: Movement, choices: Sequence[Choice]) -> int:
    """Day the movement is in its area: its last final step's end plus the onward drive."""
    return max(
        step_end(step, c) + step.options[c.option].onward
        for step, c in zip(movement.steps, choices, strict=True)
        if step.final
    )


def weighted_lateness(movements: Sequence[Movement], schedule: Schedule) -> int:
    """Priority-weighted days late of a schedule."""
    return sum(m.weight * max(0, arrival(m, schedule[m.key]) - m.due) for m in movements)


def cost_km(movements: Sequence[Movement], schedule: Schedule) -> int:
    """Kilometres of the detours through every chosen node."""
    return sum(
        step.options[c.option].km
        for m in movements
        for step, c in zip(m.steps, schedule[m.key], strict=True)
    )


def usage(
    movements: Sequence[Movement], schedule: Schedule, resources: Sequence[str], length: int
) -> dict[str, IntArray]:
    """Units of each resource in use on days ``0 .. length-1``."""
    use = {r: np.zeros(length, dtype=np.int64) for r in resources}
    for m in movements:
        for step, c in zip(m.steps, schedule[m.key], strict=True):
            for hold in step.options[c.option].holds:
                if hold.resource in use:
                    first = c.start + hold.offset
                    use[hold.resource][first : first + hold.days] += hold.units
    return use


def schedule_length(movements: Sequence[Movement], schedule: Schedule) -> int:
    """Days until the last resource hold of a schedule ends."""
    return max(
        (
            c.start + h.offset + h.days
            for m in movements
            for s, c in zip(m.steps, schedule[m.key], strict=True)
            for h in s.options[c.option].holds
        ),
        default=0,
    )


def earliest_arrivals(movements: Sequence[Movement]) -> dict[str, int]:
    """Each movement's arrival with unlimited capacity on its best route: a lower bound.

    Releases, travel days, lags and the arrival bounds of the movements it
    waits for are kept; every node and lift pool is taken as unlimited.
    """
    by_key = {m.key: m for m in movements}
    bound: dict[str, int] = {}

    def visit(m: Movement) -> int:
        if m.key in bound:
            return bound[m.key]
        wait = max((visit(by_key[w]) for w in m.waits_for if w in by_key), default=0)
        ends: list[list[int]] = []
        final_arrivals = []
        for k, step in enumerate(m.steps):
            own = []
            for o, option in enumerate(step.options):
                start = option.release
                for link in (lk for lk in m.links if lk.after == k):
                    start = max(
                        start,
                        min(e + link.lags[p][o] for p, e in enumerate(ends[link.before])),
                    )
                if step.final:
                    start = max(start, wait)
                own.append(start + option.duration)
            ends.append(own)
            if step.final:
                final_arrivals.append(min(e + step.options[o].onward for o, e in enumerate(own)))
        bound[m.key] = max(final_arrivals)
        return bound[m.key]

    for m in movements:
        visit(m)
    return bound


# --- greedy ---------------------------------------------------------------------------


class _Book:
    """Daily use of every resource against its capacity, growing as needed."""

    def __init__(self, capacity: Mapping[str, int], used: Mapping[str, IntArray]) -> None:
        self.capacity = dict(capacity)
        self.free = {r: np.full(512, c, dtype=np.int64) for r, c in capacity.items()}
        for r, u in used.items():
            self._grow(r, len(u))
            self.free[r][: len(u)] -= u

    def _grow(self, r: str, length: int) -> None:
        have = self.free[r]
        if len(have) < length:
            more = np.full(max(length, 2 * len(have)) - len(have), self.capacity[r], np.int64)
            self.free[r] = np.concatenate((have, more))

    def fits(self, holds: Sequence[Any], start: int) -> bool:
        for h in holds:
            first = start + h.offset
            self._grow(h.resource, first + h.days)
            if (self.free[h.resource][first : first + h.days] < h.units).any():
                return False
        return True

    def earliest(self, holds: Sequence[Any], lower: int) -> int:
        start = lower
        while not self.fits(holds, start):
            start += 1
        return start

    def take(self, holds: Sequence[Any], start: int) -> None:
        for h in holds:
            first = start + h.offset
            self.free[h.resource][first : first + h.days] -= h.units


def _urgency_order(movements: Sequence[Movement]) -> list[Movement]:
    """Most urgent first (due day, then weight), never before what a movement waits for."""
    by_key = {m.key: m for m in movements}
    waiting = {m.key: {w for w in m.waits_for if w in by_key} for m in movements}
    heap = [(m.due, -m.weight, m.key) for m in movements if not waiting[m.key]]
    heapq.heapify(heap)
    order = []
    while heap:
        _, _, key = heapq.heappop(heap)
        order.append(by_key[key])
        for m in movements:
            if key in waiting[m.key]:
                waiting[m.key].discard(key)
                if not waiting[m.key]:
                    heapq.heappush(heap, (m.due, -m.weight, m.key))
    return order


def greedy(
    movements: Sequence[Movement],
    capacity: Mapping[str, int],
    used: Mapping[str, IntArray] | None = None,
) -> Schedule:
    """Movements one by one, most urgent first, each on its least late, then cheapest,
    then earliest route given what is already booked.
    """
    book = _Book(capacity, used or {})
    schedule: Schedule = {}
    arrived: dict[str, int] = {}
    for m in _urgency_order(movements):
        wait = max((arrived[w] for w in m.waits_for if w in arrived), default=0)
        best: tuple[tuple[int, int, int], tuple[Choice, ...]] | None = None
        placed: dict[tuple[int, int, int], int] = {}
        for combo in itertools.product(*(range(len(s.options)) for s in m.steps)):
            choices = _place(m, combo, book, wait, placed)
            a = arrival(m, choices)
            km = sum(s.options[o].km for s, o in zip(m.steps, combo, strict=True))
            key = (m.weight * max(0, a - m.due), km, a)
            if best is None or key < best[0]:
                best = (key, choices)
        assert best is not None
        for step, c in zip(m.steps, best[1], strict=True):
            book.take(step.options[c.option].holds, c.start)
        schedule[m.key] = best[1]
        arrived[m.key] = arrival(m, best[1])
    return schedule


def _place(
    m: Movement,
    combo: Sequence[int],
    book: _Book,
    wait: int,
    placed: dict[tuple[int, int, int], int],
) -> tuple[Choice, ...]:
    """Each step of one route at its earliest day with room on every node it holds
    (``placed`` remembers the answer for a step, option and earliest day).
    """
    choices: list[Choice] = []
    for k, (step, o) in enumerate(zip(m.steps, combo, strict=True)):
        option = step.options[o]
        lower = option.release
        for link in (lk for lk in m.links if lk.after == k):
            before = choices[link.before]
            lower = max(lower, step_end(m.steps[link.before], before) + link.lags[before.option][o])
        if step.final:
            lower = max(lower, wait)
        if (k, o, lower) not in placed:
            placed[k, o, lower] = book.earliest(option.holds, lower)
        choices.append(Choice(o, placed[k, o, lower]))
    return tuple(choices)


# --- CP-SAT ---------------------------------------------------------------------------


@dataclass
class _Model:
    cp: Any  # cp_model.CpModel: ortools ships no type stubs
    starts: dict[tuple[str, int], Any]
    picks: dict[tuple[str, int], list[Any]]
    lateness: Any
    cost: Any
    arrivals: Any


def _literal(model: Any, step: Step, name: str) -> Any:
    """The literal that a step takes an option: fixed true when it has only one."""
    return model.new_constant(1) if len(step.options) == 1 else model.new_bool_var(name)


def _build(
    movements: Sequence[Movement],
    capacity: Mapping[str, int],
    used: Mapping[str, IntArray],
    horizon: int,
    latest_arrival: Mapping[str, int],
) -> _Model:
    cp = solvers.cp_sat()
    model = cp.CpModel()
    starts: dict[tuple[str, int], Any] = {}
    picks: dict[tuple[str, int], list[Any]] = {}
    ends: dict[tuple[str, int], Any] = {}
    arrive: dict[str, Any] = {}
    by_resource: dict[str, list[tuple[Any, int]]] = {r: [] for r in capacity}
    late_terms, cost_terms = [], []
    for m in movements:
        finals = []
        for k, step in enumerate(m.steps):
            lo = min(o.release for o in step.options)
            longest = max(o.duration for o in step.options)
            s = model.new_int_var(lo, max(lo, horizon), f"s[{m.key}:{k}]")
            xs = [_literal(model, step, f"x[{m.key}:{k}:{o}]") for o in range(len(step.options))]
            model.add_exactly_one(xs)
            e = model.new_int_var(lo, max(lo, horizon) + longest, f"e[{m.key}:{k}]")
            model.add(e == s + sum(x * o.duration for x, o in zip(xs, step.options, strict=True)))
            for x, option in zip(xs, step.options, strict=True):
                if option.release > lo:
                    model.add(s >= option.release).only_enforce_if(x)
                cost_terms.append(x * option.km)
                for hold in option.holds:
                    if hold.resource not in by_resource or hold.days == 0:
                        continue
                    interval = model.new_optional_fixed_size_interval_var(
                        s + hold.offset, hold.days, x, f"h[{m.key}:{k}:{hold.resource}]"
                    )
                    by_resource[hold.resource].append((interval, hold.units))
            starts[m.key, k], picks[m.key, k], ends[m.key, k] = s, xs, e
            if step.final:
                onward = sum(x * o.onward for x, o in zip(xs, step.options, strict=True))
                finals.append(e + onward)
        for link in m.links:
            lags = link.lags
            before, after = (m.key, link.before), (m.key, link.after)
            least = min(min(row) for row in lags)
            model.add(starts[after] >= ends[before] + least)
            for p, q in itertools.product(range(len(lags)), range(len(lags[0]))):
                if lags[p][q] > least:
                    model.add(starts[after] >= ends[before] + lags[p][q]).only_enforce_if(
                        [picks[before][p], picks[after][q]]
                    )
        top = latest_arrival.get(m.key, horizon + 400)
        a = model.new_int_var(0, max(top, horizon + 400), f"a[{m.key}]")
        model.add_max_equality(a, finals)
        arrive[m.key] = a
        late = model.new_int_var(0, max(0, top - m.due), f"late[{m.key}]")
        model.add(late >= a - m.due)
        late_terms.append(m.weight * late)
    for m in movements:
        for w in m.waits_for:
            if w in arrive:
                for k, step in enumerate(m.steps):
                    if step.final:
                        model.add(starts[m.key, k] >= arrive[w])
    for rid, items in by_resource.items():
        if not items:
            continue
        cap = capacity[rid]
        dips = _used_intervals(model, used.get(rid))
        model.add_cumulative(
            [i for i, _ in [*items, *dips]], [q for _, q in [*items, *dips]],
            cap,
        )  # fmt: skip
    return _Model(model, starts, picks, sum(late_terms), sum(cost_terms), sum(arrive.values()))


def _used_intervals(model: Any, used: IntArray | None) -> list[tuple[Any, int]]:
    """Fixed intervals standing for capacity already booked (runs of equal daily use)."""
    if used is None:
        return []
    runs: list[tuple[Any, int]] = []
    day = 0
    while day < len(used):
        end = day
        while end < len(used) and used[end] == used[day]:
            end += 1
        if used[day] > 0:
            runs.append(
                (model.new_fixed_size_interval_var(day, end - day, f"u{day}"), int(used[day]))
            )
        day = end
    return runs


def _hint(model: _Model, movements: Sequence[Movement], schedule: Schedule) -> None:
    model.cp.clear_hints()
    for m in movements:
        for k, c in enumerate(schedule[m.key]):
            model.cp.add_hint(model.starts[m.key, k], c.start)
            xs = model.picks[m.key, k]
            if len(xs) > 1:
                for o, x in enumerate(xs):
                    model.cp.add_hint(x, int(o == c.option))


def _read(solver: Any, model: _Model, movements: Sequence[Movement]) -> Schedule:
    schedule: Schedule = {}
    for m in movements:
        choices = []
        for k in range(len(m.steps)):
            xs = model.picks[m.key, k]
            option = (
                next(o for o, x in enumerate(xs) if solver.boolean_value(x)) if len(xs) > 1 else 0
            )
            choices.append(Choice(option, int(solver.value(model.starts[m.key, k]))))
        schedule[m.key] = tuple(choices)
    return schedule


def solve_routes(
    movements: Sequence[Movement],
    capacity: Mapping[str, int],
    *,
    time_limit_s: float,
    threads: int = 2,
    used: Mapping[str, IntArray] | None = None,
    hint: Schedule | None = None,
    objectives: Sequence[str] = OBJECTIVES,
) -> Routing:
    """Routes and days for every movement, lexicographically least late, cheapest, earliest.

    ``used`` is capacity already booked (the deployment, when reliefs are
    scheduled); ``hint`` a feasible schedule to start from instead of the
    greedy one (e.g. the plan a bottleneck re-solve improves on); ``objectives``
    a subset of :data:`OBJECTIVES`, in that order. ``time_limit_s`` is deterministic
    time (see the module docstring), so the result depends on the input alone.
    """
    t0 = time.monotonic()
    spent = 0.0
    used = used or {}
    bound = earliest_arrivals(movements)
    capacity_free_bound = sum(m.weight * max(0, bound[m.key] - m.due) for m in movements)
    usable_hint = (
        hint is not None
        and set(hint) == {m.key for m in movements}
        and _feasible(movements, hint, capacity, used)
    )
    best = hint if hint is not None and usable_hint else greedy(movements, capacity, used)
    if not movements:
        return Routing({}, SolveStatus.NOTHING_TO_SOLVE, 0, 0, 0, time.monotonic() - t0)
    lateness = weighted_lateness(movements, best)
    lateness_bound = capacity_free_bound
    latest = {m.key: m.due + lateness // max(1, m.weight) for m in movements}
    horizon = max(*(arrival(m, best[m.key]) for m in movements), *latest.values()) + 1
    model = _build(movements, capacity, used, horizon, latest)
    cp = solvers.cp_sat()
    statuses: list[bool] = []
    for n, objective in enumerate(objectives):
        expression = getattr(model, objective)
        if objective == "lateness" and lateness == capacity_free_bound:
            # the hint meets the capacity-free bound: no schedule is less late
            statuses.append(True)
            model.cp.add(expression <= lateness)
            continue
        model.cp.minimize(expression)
        _hint(model, movements, best)
        remaining = time_limit_s - spent
        share = STAGE_SHARES[objective] / sum(STAGE_SHARES[o] for o in objectives[n:])
        limit = max(0.05, remaining * share)
        solver = cp.CpSolver()
        solver.parameters.max_deterministic_time = limit
        solver.parameters.max_time_in_seconds = WALL_GUARD * limit
        solver.parameters.interleave_search = True
        solver.parameters.num_workers = threads
        solver.parameters.random_seed = SEED
        code = solver.solve(model.cp)
        spent += solver.deterministic_time
        if code == cp.MODEL_INVALID:
            raise SolverError(f"CP-SAT rejected the routing model: {model.cp.validate()}")
        if code in (cp.OPTIMAL, cp.FEASIBLE):
            found = _read(solver, model, movements)
            if _key(movements, found, objectives) <= _key(movements, best, objectives):
                best = found
        statuses.append(code == cp.OPTIMAL)
        if objective == "lateness":
            raw = solver.best_objective_bound
            if code == cp.OPTIMAL:
                lateness_bound = weighted_lateness(movements, best)
            elif math.isfinite(raw):
                lateness_bound = max(lateness_bound, math.ceil(raw - 1e-6))
        model.cp.add(expression <= _value(objective, movements, best))
    return Routing(
        schedule=best,
        status=SolveStatus.OPTIMAL if all(statuses) else SolveStatus.FEASIBLE,
        weighted_lateness=weighted_lateness(movements, best),
        lateness_bound=min(lateness_bound, weighted_lateness(movements, best)),
        cost_km=cost_km(movements, best),
        seconds=time.monotonic() - t0,
    )


def _value(objective: str, movements: Sequence[Movement], schedule: Schedule) -> int:
    if objective == "lateness":
        return weighted_lateness(movements, schedule)
    if objective == "cost":
        return cost_km(movements, schedule)
    return sum(arrival(m, schedule[m.key]) for m in movements)


def _key(
    movements: Sequence[Movement], schedule: Schedule, objectives: Sequence[str]
) -> tuple[int, ...]:
    return tuple(_value(o, movements, schedule) for o in objectives)


def _feasible(
    movements: Sequence[Movement],
    schedule: Schedule,
    capacity: Mapping[str, int],
    used: Mapping[str, IntArray],
) -> bool:
    """Whether a schedule keeps every capacity, release, link and wait."""
    by_key = {m.key: m for m in movements}
    for m in movements:
        choices = schedule[m.key]
        if len(choices) != len(m.steps):
            return False
        for k, (step, c) in enumerate(zip(m.steps, choices, strict=True)):
            if not 0 <= c.option < len(step.options) or c.start < step.options[c.option].release:
                return False
            for link in (lk for lk in m.links if lk.after == k):
                b = choices[link.before]
                if c.start < step_end(m.steps[link.before], b) + link.lags[b.option][c.option]:
                    return False
            if step.final and any(
                c.start < arrival(by_key[w], schedule[w]) for w in m.waits_for if w in by_key
            ):
                return False
    use = usage(movements, schedule, list(capacity), schedule_length(movements, schedule))
    for rid, daily in use.items():
        before = used.get(rid)
        total = daily.copy()
        if before is not None:
            n = min(len(before), len(total))
            total[:n] += before[:n]
        if (total > capacity[rid]).any():
            return False
    return True

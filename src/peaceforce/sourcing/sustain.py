"""Sustained presence: who holds each line month by month for the whole mission.

A MIP on HiGHS decides who holds each line in every month:

* ``y[k, t]`` units of usable pair k (a pledge on a line) in month t, each
  half a station where units take turns under a stay limit; ``s[r, t]``
  stations missing on line r in month t; ``e[k, t]`` units the pair takes up
  in month t (its entries);
* a pledge never has more units in place than it offers, in any month, and
  offers ``count × sustain_months`` unit-months in all, each unit entering
  once (so its months on a line are consecutive: a nation covers consecutive
  periods up to what it sustains, rotating its own units behind them);
* a nation stays under its personnel ceiling, and ships within an access
  regime's limits (tonnage in all and per state, vessels in transit), in
  every month;
* nothing is in place outside the pledge's availability window.

:func:`sustain` keeps month 1 as the first-tour sourcing decided it (the
sequential plan). :func:`source_jointly` chooses month 1 in the same model
(the first tour and who holds the lines later, together), lexicographically:
the first tour's priority-weighted shortfall is held at the first-tour
optimum (a row), then the sustained shortfall is minimised; the first tour is
then the sequential one (fairest, moving least) when it meets that optimum,
else the one the LP relaxation leans to (fairness and movement are not
weighed again: a fairer one among those may hold fewer months); then a line
changes hands as seldom as it can (month 1 kept). A
first tour chosen alone can strand a unit that sustains the mission for long
on a line that short-lived units could have held first; the joint model does
not.

The joint model is solved from the sequential plan. Its LP relaxation is
tight on these models: when the sequential plan meets the LP bound it is
jointly optimal as it stands; otherwise the first tour the relaxation leans
to (``optimise(..., prefer=)``) is held on in turn, and a plan that meets the
bound is optimal without a MIP. Only then does the joint MIP run, for at most
``_JOINT_TIME_LIMIT_S`` (its best plan, never worse than the start, stands).
The sequential plan, the slowest MIP of the lot, is solved only when it could
matter: when the LP bound of its own model is more than a step above the joint
bound, the leaning first tour is tried first, and when that meets the bound
the sequential plan could neither stand nor win (see :class:`_Start`).

Objective weights: a missing personnel-month weighs at least the smallest
unit's personnel (tens); an entry after month 1 ``_ENTRY_WEIGHT``. Hand-overs
are counted afterwards, per line and month, as the units that enter while
others leave.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from peaceforce.scenario.model import DAYS_PER_MONTH
from peaceforce.solvers import SolveStatus, highs
from peaceforce.solvers.highs_mip import HighsOutcome, new_highs, outcome
from peaceforce.solvers.highs_mip import run as run_highs
from peaceforce.solvers.proven import ProvenRuns, digest
from peaceforce.sourcing.candidates import FloatArray, IntArray
from peaceforce.sourcing.optimise import (
    Solution,
    SourcingProblem,
    fair_shares,
    optimise,
    priority_weight,
)
from peaceforce.sourcing.result import LineSustainment, Stint

#: Weight of one entry after month 1 against one missing personnel-month (the
#: smallest of which weighs 1 × the smallest unit's personnel, far above it).
_ENTRY_WEIGHT = 1e-3
#: Seconds at most for the tie-breaks (hand-overs) once the shortfall is proven optimal.
_TIE_BREAK_TIME_S = 0.3
#: Seconds at most for the joint model, started from the sequential plan: its
#: root bound is tight, but HiGHS's heuristics may take long to find the plan
#: that meets it; past this the best plan found stands (never worse than the start).
_JOINT_TIME_LIMIT_S = 2.0
#: Seconds at most for the small MIP over what the joint LP relaxation leaves unsettled.
_SETTLE_TIME_LIMIT_S = 1.0


@dataclass(frozen=True)
class Sustainment:
    """Stations per usable pair and month, as solved; and how the solve ended."""

    status: SolveStatus
    months: int
    pairs: IntArray  # candidate index of each row of ``stations``
    stations: IntArray  # (pairs, months)
    seconds: float


def _months_available(problem: SourcingProblem, pledge_index: IntArray, months: int) -> Any:
    """Per pair and month, whether the pledge is available the whole month.

    Month 1 always is: the first tour is decided by the first-tour sourcing.
    """
    d_day = problem.scenario.d_day
    first = np.array([(p.available.start - d_day).days for p in problem.scenario.pledges])
    last = np.array([(p.available.end - d_day).days for p in problem.scenario.pledges])
    start = np.arange(months) * DAYS_PER_MONTH
    end = np.arange(1, months + 1) * DAYS_PER_MONTH - 1
    available = (first[pledge_index][:, None] <= start[None, :]) & (
        last[pledge_index][:, None] >= end[None, :]
    )
    available[:, 0] = True
    return available


class _Rows:
    """Constraint rows as (lower, upper) bounds and coefficient triplets, built up in turn."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.row: list[IntArray] = []
        self.col: list[IntArray] = []
        self.value: list[FloatArray] = []

    def add(
        self, lower: FloatArray, upper: FloatArray, row: IntArray, col: IntArray, value: FloatArray
    ) -> None:
        """Rows numbered 0.. within this batch; ``row`` indexes them."""
        first = len(self.lower)
        self.lower.extend(lower.tolist())
        self.upper.extend(upper.tolist())
        self.row.append(row + first)
        self.col.append(col)
        self.value.append(value)


def sustain(
    problem: SourcingProblem,
    first_tour: Solution,
    *,
    time_limit_s: float = 10.0,
    tie_breaks: bool = True,
) -> Sustainment:
    """Hold every line month by month from the first tour on; see the module docstring.

    Without ``tie_breaks`` only the missing personnel-months are minimised
    (enough for a fill; hand-overs are then not the fewest).
    """
    held = _hold(problem, first_tour, joint=False, time_limit_s=time_limit_s, tie_breaks=tie_breaks)
    assert held is not None  # only a start given can stand
    return held[0]


def source_jointly(
    problem: SourcingProblem,
    first_tour: Solution,
    *,
    time_limit_s: float = 10.0,
    tie_breaks: bool = True,
) -> tuple[Solution, Sustainment]:
    """The first tour and who holds the lines later, chosen together; see the module docstring.

    ``first_tour`` is the first-tour sourcing (its shortfall is held, its
    units are the tie-break). The first tour comes back as a solution of its
    own; without a joint solution in time, the first tour is kept and held on.
    Without ``tie_breaks`` hand-overs are not made the fewest (enough for fills).
    """
    started = time.perf_counter()
    sequential = _HoldModel.build(problem, first_tour, joint=False)
    start = _Start(
        sequential.shortfall_bound(started + time_limit_s),
        lambda: _solved(sequential, time_limit_s),
    )
    pairs, months = problem.usable_index, problem.mission.duration_months

    def guide(relaxed: FloatArray) -> FloatArray | None:
        """The plan made in turn from the first tour the joint LP relaxation leans to."""
        prefer = np.zeros(len(problem.candidates))
        prefer[pairs] = relaxed[np.arange(len(pairs)) * months]
        leaning = optimise(problem, stages=2, prefer=prefer, time_limit_s=time_limit_s)
        guided = _hold(problem, leaning, joint=False, time_limit_s=time_limit_s, tie_breaks=False)
        if guided is None or not len(guided[1]):
            return None
        return guided[1]

    joint = _hold(
        problem,
        first_tour,
        joint=True,
        time_limit_s=min(time_limit_s, _JOINT_TIME_LIMIT_S),
        start=start,
        guide=guide,
        tie_breaks=tie_breaks,
    )
    if joint is None or not joint[0].status.has_solution:
        plan, values = start.solved
        if not len(values) or not tie_breaks:
            return first_tour, plan
        # the plan made in turn stands: its hand-overs are now made the fewest
        polished = _hold(
            problem, first_tour, joint=False, time_limit_s=time_limit_s, polish=(plan, values)
        )
        return first_tour, polished[0] if polished is not None else plan
    held = joint[0]
    cand, pledges, lines = (
        problem.candidates,
        problem.scenario.pledges,
        problem.mission.requirements,
    )
    units: dict[tuple[str, str], int] = {}
    filled = np.zeros(len(lines))
    hulls = problem.hulls[held.pairs]
    for row in np.flatnonzero(held.stations[:, 0]).tolist():
        k = int(held.pairs[row])
        key = (pledges[int(cand.pledge[k])].id, lines[int(cand.line[k])].id)
        units[key] = int(held.stations[row, 0])
        filled[int(cand.line[k])] += held.stations[row, 0] / hulls[row]
    shortfall = {
        line.id: line.quantity - math.floor(filled[r] + 1e-9) for r, line in enumerate(lines)
    }
    if units == first_tour.units:
        return first_tour, held
    status = (
        SolveStatus.OPTIMAL
        if first_tour.status is SolveStatus.OPTIMAL and held.status is SolveStatus.OPTIMAL
        else SolveStatus.FEASIBLE
    )
    chosen = Solution(
        units,
        shortfall,
        first_tour_objectives(problem, units),
        status,
        first_tour.seconds + time.perf_counter() - started,
    )
    return chosen, held


def first_tour_objectives(
    problem: SourcingProblem, units: dict[tuple[str, str], int]
) -> tuple[float, float, float]:
    """The three first-tour objectives of a first tour: shortfall, burden deviation, movement."""
    pledges = {p.id: p for p in problem.scenario.pledges}
    lines = {line.id: line for line in problem.mission.requirements}
    filled = dict.fromkeys(lines, 0.0)
    personnel: dict[str, float] = {}
    movement = 0.0
    for (pledge_id, line_id), n in units.items():
        k = problem.candidate_index(pledge_id, line_id)
        filled[line_id] += n / int(problem.hulls[k])
        size = n * problem.unit_personnel(pledges[pledge_id].unit_type)
        personnel[pledges[pledge_id].nation] = personnel.get(pledges[pledge_id].nation, 0) + size
        movement += size * float(problem.candidates.distance_km[k])
    weighted = sum(
        priority_weight(line.priority)
        * problem.unit_personnel(line.capability)
        * (line.quantity - math.floor(filled[line.id] + 1e-9))
        for line in lines.values()
    )
    total = sum(personnel.values())
    burden = sum(
        abs(personnel.get(nation, 0.0) - share * total)
        for nation, share in fair_shares(problem).items()
    )
    return float(weighted), float(burden), movement


class _Start:
    """A plan of the model to start from, solved only when its values are needed.

    ``lower`` is no more than the plan's weighted shortfall (its model's LP
    bound; None if unknown). When it is more than a step above the joint LP
    bound, the plan can neither stand nor beat a proposal that meets that
    bound, so :func:`_solve_in_two_stages` asks the guide first, and the plan,
    most of a joint solve's time, is solved only if the proposal falls short.
    Either way the joint model ends as it would have from the solved plan.
    """

    def __init__(
        self, lower: float | None, solve: Callable[[], tuple[Sustainment, FloatArray]]
    ) -> None:
        self.lower = lower
        self._solve = solve
        self.seconds = 0.0

    @cached_property
    def solved(self) -> tuple[Sustainment, FloatArray]:
        """The plan and its column values (empty without a solution), solved on first use."""
        started = time.perf_counter()
        solved = self._solve()
        self.seconds = time.perf_counter() - started
        return solved

    def short_of(self, bound: float, step: float) -> bool:
        """Whether the plan is surely more than ``step`` above ``bound`` (LP noise aside)."""
        return self.lower is not None and self.lower > bound + step + 1e-6 * max(1.0, abs(bound))


def _solved(model: _HoldModel, time_limit_s: float) -> tuple[Sustainment, FloatArray]:
    """A model without a start solved for its shortfall alone (no tie-breaks)."""
    held = model.solve(started=time.perf_counter(), time_limit_s=time_limit_s, tie_breaks=False)
    assert held is not None  # only a start given can stand
    return held


def _hold(
    problem: SourcingProblem,
    first_tour: Solution,
    *,
    joint: bool,
    time_limit_s: float,
    start: FloatArray | _Start | None = None,
    guide: Guide | None = None,
    tie_breaks: bool = True,
    polish: tuple[Sustainment, FloatArray] | None = None,
) -> tuple[Sustainment, FloatArray] | None:
    """The month-by-month model, month 1 fixed to ``first_tour`` or (``joint``) chosen too.

    Returns the plan and the model's column values (empty without a solution),
    which start the joint model from the sequential plan; None when such a
    ``start`` stands (nothing better found). Without ``tie_breaks`` only the
    shortfall is minimised; with ``polish`` (a plan of this model, solved
    without them) only the tie-breaks are.
    """
    started = time.perf_counter()
    model = _HoldModel.build(problem, first_tour, joint=joint)
    return model.solve(
        started=started,
        time_limit_s=time_limit_s,
        start=start,
        guide=guide,
        tie_breaks=tie_breaks,
        polish=polish,
    )


@dataclass(frozen=True)
class _HoldModel:
    """The month-by-month model as HiGHS takes it, and where its columns sit."""

    lp: Any
    months: int
    pairs: IntArray
    first: FloatArray  # the first tour's units per pair (month 1 of the sequential model)
    shortfall_cols: IntArray
    shortfall_cost: FloatArray
    #: A digest of the model but its costs, which the solves change (see :data:`_PROVEN`).
    layout: bytes

    @classmethod
    def build(cls, problem: SourcingProblem, first_tour: Solution, *, joint: bool) -> _HoldModel:
        """Lay out the model; see :func:`_hold`."""
        return _build_hold_model(problem, first_tour, joint=joint)

    def shortfall_bound(self, deadline: float) -> float | None:
        """The LP relaxation's missing personnel-months: no plan of this model misses fewer."""
        costs = np.zeros(self.lp.num_col_)
        costs[self.shortfall_cols] = self.shortfall_cost
        return _relaxation(self.lp, self.layout, deadline, costs=costs)[0]

    def solve(
        self,
        *,
        started: float,
        time_limit_s: float,
        start: FloatArray | _Start | None = None,
        guide: Guide | None = None,
        tie_breaks: bool = True,
        polish: tuple[Sustainment, FloatArray] | None = None,
    ) -> tuple[Sustainment, FloatArray] | None:
        """Solve in two stages (see :func:`_solve_in_two_stages`) and read the plan back."""
        months, n_pairs = self.months, len(self.pairs)
        result, values = _solve_in_two_stages(
            self.lp,
            self.layout,
            self.shortfall_cols,
            self.shortfall_cost,
            start=start if polish is None else polish[1],
            guide=guide,
            tie_breaks=tie_breaks,
            deadline=started + time_limit_s,
            polish=None if polish is None else polish[0].status,
            month_one=np.arange(n_pairs) * months,
        )
        if result is None:
            return None
        if not result.has_solution:
            stations = np.zeros((n_pairs, months), dtype=np.int64)
            stations[:, 0] = self.first.astype(np.int64)
        else:
            stations = np.rint(values[: n_pairs * months]).astype(np.int64).reshape(n_pairs, months)
        held = Sustainment(
            result.status, months, self.pairs, stations, time.perf_counter() - started
        )
        return held, values


def _build_hold_model(problem: SourcingProblem, first_tour: Solution, *, joint: bool) -> _HoldModel:
    months = problem.mission.duration_months
    cand, pledges, lines = (
        problem.candidates,
        problem.scenario.pledges,
        problem.mission.requirements,
    )
    pairs = problem.usable_index
    n_pairs, n_lines = len(pairs), len(lines)
    pledge_of, line_of = cand.pledge[pairs], cand.line[pairs]
    hulls = problem.hulls[pairs].astype(float)  # units taking turns on one station
    unit_personnel = np.array([problem.unit_personnel(p.unit_type) for p in pledges], dtype=float)
    personnel = unit_personnel[pledge_of]
    offered = np.array([problem.units_offered(p.id, p.count) for p in pledges], dtype=float)
    sustain_months = np.array([p.sustained_months() for p in pledges], dtype=float)
    quantity = np.array([line.quantity for line in lines], dtype=float)
    first = np.zeros(n_pairs)
    position = {int(k): j for j, k in enumerate(pairs.tolist())}
    for (pledge_id, line_id), units in first_tour.units.items():
        first[position[problem.candidate_index(pledge_id, line_id)]] = units
    available = _months_available(problem, pledge_of, months)

    # columns: y (pairs × months), e (pairs × months), s (lines × months), d (pairs, if joint)
    def y(j: Any, t: Any) -> Any:
        return j * months + t

    def e(j: Any, t: Any) -> Any:
        return n_pairs * months + j * months + t

    def s(r: Any, t: Any) -> Any:
        return 2 * n_pairs * months + r * months + t

    n_cols = 2 * n_pairs * months + n_lines * months
    upper_y = np.minimum(offered[pledge_of], quantity[line_of] * hulls)[:, None] * available
    lower_y = np.zeros((n_pairs, months))
    if not joint:
        upper_y[:, 0] = lower_y[:, 0] = first
    col_lower = np.concatenate([lower_y.ravel(), np.zeros(n_pairs * months + n_lines * months)])
    col_upper = np.concatenate(
        [upper_y.ravel(), np.full(n_pairs * months, math.inf), np.repeat(quantity, months)]
    )
    weight = np.array(
        [priority_weight(x.priority) * problem.unit_personnel(x.capability) for x in lines]
    )
    entry_cost = np.full((n_pairs, months), _ENTRY_WEIGHT)
    entry_cost[:, 0] = 0.0
    cost = np.concatenate(
        [np.zeros(n_pairs * months), entry_cost.ravel(), np.repeat(weight, months)]
    )

    rows = _Rows()
    j_all, t_all = np.meshgrid(np.arange(n_pairs), np.arange(months), indexing="ij")
    j_flat, t_flat = j_all.ravel(), t_all.ravel()
    # every line and month: stations + missing = required
    lt = np.arange(n_lines * months)
    rows.add(
        np.repeat(quantity, months),
        np.repeat(quantity, months),
        np.concatenate([line_of[j_flat] * months + t_flat, lt]),
        np.concatenate([y(j_flat, t_flat), s(lt // months, lt % months)]),
        np.concatenate([1.0 / hulls[j_flat], np.ones(n_lines * months)]),
    )
    # every pledge and month: units in place ≤ offered; in all: unit-months and entries
    n_pl = len(pledges)
    rows.add(
        np.full(n_pl * months, -math.inf),
        np.repeat(offered, months),
        pledge_of[j_flat] * months + t_flat,
        y(j_flat, t_flat),
        np.ones(n_pairs * months),
    )
    rows.add(
        np.full(n_pl, -math.inf),
        offered * sustain_months,
        pledge_of[j_flat],
        y(j_flat, t_flat),
        np.ones(n_pairs * months),
    )
    rows.add(
        np.full(n_pl, -math.inf),
        offered,
        pledge_of[j_flat],
        e(j_flat, t_flat),
        np.ones(n_pairs * months),
    )
    # entries: e[j, t] ≥ y[j, t] − y[j, t−1] (y[j, −1] = 0)
    later = t_flat > 0
    rows.add(
        np.zeros(n_pairs * months),
        np.full(n_pairs * months, math.inf),
        np.concatenate([np.arange(n_pairs * months)] * 2 + [np.flatnonzero(later)]),
        np.concatenate([e(j_flat, t_flat), y(j_flat, t_flat), y(j_flat[later], t_flat[later] - 1)]),
        np.concatenate(
            [np.ones(n_pairs * months), -np.ones(n_pairs * months), np.ones(int(later.sum()))]
        ),
    )
    # every nation and month under its ceiling
    nation_codes = sorted(problem.ceilings)
    nation_of = {n: i for i, n in enumerate(nation_codes)}
    capped = np.array([nation_of.get(pledges[int(p)].nation, -1) for p in pledge_of.tolist()])
    keep = capped[j_flat] >= 0
    rows.add(
        np.full(len(nation_codes) * months, -math.inf),
        np.repeat([float(problem.ceilings[n]) for n in nation_codes], months),
        capped[j_flat[keep]] * months + t_flat[keep],
        y(j_flat[keep], t_flat[keep]),
        personnel[j_flat[keep]],
    )
    # every access row (tonnage in all and per state, vessels in transit) and month within its limit
    access = problem.access_rows
    row_of, share = access.row[pairs][j_flat], access.value[pairs][j_flat]  # (pairs × months, 3)
    at, slot = np.nonzero(row_of >= 0)
    rows.add(
        np.full(len(access.limit) * months, -math.inf),
        np.repeat(access.limit, months),
        row_of[at, slot] * months + t_flat[at],
        y(j_flat[at], t_flat[at]),
        share[at, slot],
    )

    if joint:
        # the first tour's weighted shortfall held at the first-tour optimum
        held_at = sum(weight[r] * first_tour.shortfall[line.id] for r, line in enumerate(lines))
        rows.add(
            np.array([-math.inf]),
            np.array([held_at + 1e-6 * max(1.0, held_at)]),
            np.zeros(n_lines, dtype=np.int64),
            s(np.arange(n_lines), 0),
            weight,
        )

    hs = highs()
    row, col, value = (np.concatenate(x) for x in (rows.row, rows.col, rows.value))
    order = np.lexsort((row, col))
    row_lower, row_upper = np.array(rows.lower), np.array(rows.upper)
    starts = np.r_[0, np.cumsum(np.bincount(col, minlength=n_cols))].astype(np.int32)
    index, value = row[order].astype(np.int32), value[order]
    # units and missing stations are whole (a lone unit where units take turns holds none);
    # a first tour given may leave such a lone unit in month 1
    whole = np.concatenate(
        [
            np.ones(n_pairs * months, dtype=bool),
            np.zeros(n_pairs * months, dtype=bool),
            np.tile([joint] + [True] * (months - 1), n_lines),
        ]
    )
    lp = hs.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, len(row_lower)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = starts, index, value
    kinds = (hs.HighsVarType.kContinuous, hs.HighsVarType.kInteger)
    lp.integrality_ = [kinds[x] for x in whole.tolist()]
    layout = digest(
        "layout",
        (n_cols, len(row_lower)),
        col_lower,
        col_upper,
        row_lower,
        row_upper,
        starts,
        index,
        value,
        whole,
    )
    shortfall_cols = s(np.arange(n_lines * months) // months, np.arange(n_lines * months) % months)
    return _HoldModel(lp, months, pairs, first, shortfall_cols, np.repeat(weight, months), layout)


#: Proposes a start of the joint model from its LP relaxation's values (None: none found).
Guide = Callable[[FloatArray], FloatArray | None]


def _solve_in_two_stages(
    lp: Any,
    layout: bytes,
    shortfall_cols: IntArray,
    shortfall_cost: FloatArray,
    *,
    start: FloatArray | _Start | None,
    guide: Guide | None,
    tie_breaks: bool,
    deadline: float,
    polish: SolveStatus | None = None,
    month_one: IntArray,
) -> tuple[HighsOutcome | None, FloatArray]:
    """Minimise the missing personnel-months, proven; then, within them, the tie-breaks.

    Missing stations are whole and their costs whole numbers, so stopping once
    the incumbent is within half their greatest common divisor of the bound
    proves the shortfall optimal. The tie-breaks (entries, a first tour moved)
    are then minimised with the shortfall held, for at most
    ``_TIE_BREAK_TIME_S``, month 1 kept: their incumbent stands if the proof takes longer.

    With a ``start`` (a plan of the model), the outcome is None when the start
    stands: it meets the LP bound, or nothing better is found in time. Before
    the MIP, ``guide`` may propose a better start from the LP relaxation; one
    that meets the bound is optimal without the MIP. With ``polish`` (the
    status the start was solved to), the start's shortfall stands and only the
    tie-breaks run.
    """
    later = np.asarray(lp.col_cost_, dtype=float).copy()
    later[shortfall_cols] = 0.0
    first = np.zeros(len(later))
    first[shortfall_cols] = shortfall_cost
    lp.col_cost_ = first
    step = max(1.0, float(np.gcd.reduce(np.rint(shortfall_cost).astype(np.int64))))
    result: HighsOutcome | None = None
    chosen: FloatArray | None = None  # the plan the MIP starts from
    if polish is not None and isinstance(start, np.ndarray):
        chosen = start
        result = HighsOutcome(polish, float(first @ chosen), "solved before the tie-breaks")
    elif start is not None:
        against = _against_the_bound(
            lp, layout, first=first, step=step, start=start, guide=guide, deadline=deadline
        )
        if against.stands:
            return None, against.start
        chosen, result, deadline = against.start, against.outcome, against.deadline
    values = chosen if chosen is not None else np.zeros(0)
    if result is None:
        result, values = _solve_mip(lp, layout, chosen, 0.5 * step, deadline)
        if result.objective is None:
            return result, np.zeros(0)
        if chosen is not None and values is chosen:
            return None, chosen  # no better than the start
    if not tie_breaks or not later.any() or result.objective is None:
        return result, values
    return result, _tie_break(
        lp,
        layout,
        values,
        later,
        held=(first, result.objective + 0.5 * step),
        kept=month_one,
        deadline=deadline,
    )


@dataclass(frozen=True)
class _Against:
    """A start held against the model's LP bound: whether it stands, else what to go on from."""

    stands: bool
    start: FloatArray
    outcome: HighsOutcome | None  # OPTIMAL when the start now meets the bound
    deadline: float  # pushed back by the time a lazy start took to solve


def _against_the_bound(
    lp: Any,
    layout: bytes,
    *,
    first: FloatArray,
    step: float,
    start: FloatArray | _Start,
    guide: Guide | None,
    deadline: float,
) -> _Against:
    """Hold a start against the LP bound; a guide's proposal that beats it takes its place.

    The start stands when it meets the bound (or there is none). Otherwise a
    proposal of the guide better by more than half a step replaces it, and is
    optimal when it meets the bound. A lazy start surely more than a step above
    the bound (see :class:`_Start`) is solved only when the proposal does not
    meet the bound: the outcome is the same, sooner.
    """
    bound, relaxed = _relaxation(lp, layout, deadline)
    lazy = start if isinstance(start, _Start) else None
    sure_short = lazy is not None and bound is not None and lazy.short_of(bound, step)

    def values_of_start() -> tuple[FloatArray, float]:
        if lazy is None:
            assert isinstance(start, np.ndarray)
            return start, deadline
        values = lazy.solved[1]
        return values, deadline + lazy.seconds  # the start's solve is not this model's time

    values = np.zeros(0)
    if not sure_short:
        values, deadline = values_of_start()
        if not len(values) or bound is None or first @ values <= bound + 0.5 * step:
            return _Against(True, values, None, deadline)
    assert bound is not None  # a start surely short of the bound has one
    proposed = guide(relaxed) if guide is not None else None
    meets = proposed is not None and first @ proposed <= bound + 0.5 * step
    if sure_short and meets:
        # the start, more than a step above the bound, is more than half a step worse
        assert proposed is not None
        value = float(first @ proposed)
        return _Against(False, proposed, _meets_bound(value), deadline)
    if sure_short:
        values, deadline = values_of_start()
        if not len(values) or first @ values <= bound + 0.5 * step:
            return _Against(True, values, None, deadline)
    if proposed is not None and first @ proposed < first @ values - 0.5 * step:
        outcome = _meets_bound(float(first @ proposed)) if meets else None
        return _Against(False, proposed, outcome, deadline)
    return _Against(False, values, None, deadline)


def _meets_bound(value: float) -> HighsOutcome:
    return HighsOutcome(SolveStatus.OPTIMAL, value, "meets the LP bound")


@dataclass(frozen=True)
class _Ran:
    """What a HiGHS run of a month-by-month model gave back (see :data:`_PROVEN`)."""

    outcome: HighsOutcome | None
    values: FloatArray | None  # None: the start it was given


def _key(kind: str, layout: bytes, lp: Any, *given: FloatArray | float | None) -> bytes:
    """A digest of a run's kind, its model (``layout``, the digest of all but the costs,
    and the costs it has now) and whatever else it is given."""
    return digest(kind, layout, lp.col_cost_, *given)


def _keep(key: bytes, ran: _Ran, seconds: float) -> None:
    if ran.values is not None:
        ran.values.flags.writeable = False  # every reuse shares them
    _PROVEN.keep(key, ran, seconds)


#: Proven MIP and LP runs of the month-by-month models (see :mod:`peaceforce.solvers.proven`).
#: A run cut by its time limit is not kept, with one exception: the hand-over
#: tie-breaks always end at their own 0.3 s limit, and an equal model given the
#: full 0.3 s again gets the plan that run reached (a fresh run would reach one
#: that depends on the machine's speed; no sweep outcome reads hand-overs).
_PROVEN: ProvenRuns[_Ran] = ProvenRuns(size=2048)  # a sweep of the built-in spec keeps ~700


def _solve_mip(
    lp: Any, layout: bytes, start: FloatArray | None, gap: float, deadline: float
) -> tuple[HighsOutcome, FloatArray]:
    """The MIP within ``gap`` of its bound; the start itself when nothing better is found."""
    key = _key("mip", layout, lp, start, gap)
    ran = _PROVEN.get(key, deadline - time.perf_counter())
    if ran is not None and ran.outcome is not None:
        if ran.values is None:  # the start stood: it is the one given now, value for value
            assert start is not None
            return ran.outcome, start
        return ran.outcome, ran.values
    started = time.perf_counter()
    hs = highs()
    mip = new_highs()
    mip.passModel(lp)
    mip.setOptionValue("mip_abs_gap", gap)
    mip.setOptionValue("time_limit", max(0.01, deadline - time.perf_counter()))
    if start is not None:
        given = hs.HighsSolution()
        given.col_value = start
        mip.setSolution(given)
    run_highs(mip)
    result = outcome(mip)
    seconds = time.perf_counter() - started
    if result.objective is None:
        return result, np.zeros(0)
    cost = np.asarray(lp.col_cost_, dtype=float)
    if start is not None and result.objective > cost @ start - gap:
        values = start
    else:
        values = np.asarray(mip.getSolution().col_value)
    if result.status is SolveStatus.OPTIMAL:
        _keep(key, _Ran(result, None if values is start else values), seconds)
    return result, values


def _tie_break(
    lp: Any,
    layout: bytes,
    values: FloatArray,
    later: FloatArray,
    *,
    held: tuple[FloatArray, float],
    kept: IntArray,
    deadline: float,
) -> FloatArray:
    """Minimise the tie-break costs with the shortfall held at most ``held``, from ``values``.

    The columns ``kept`` (the first tour) keep their values: a time limit may
    cut the tie-breaks short, and what deployment moves must not depend on it.
    """
    costs, most = held
    key = _key("tie-breaks", layout, lp, values, later, costs, most, kept.astype(float))
    ran = _PROVEN.get(key, deadline - time.perf_counter())
    if ran is not None and ran.values is not None:
        return ran.values
    started = time.perf_counter()
    hs = highs()
    mip = new_highs()
    mip.passModel(lp)
    at = np.flatnonzero(costs)
    mip.addRow(-math.inf, most, len(at), at, costs[at])
    mip.changeColsCost(len(later), np.arange(len(later), dtype=np.int32), later)
    mip.changeColsBounds(len(kept), kept.astype(np.int32), values[kept], values[kept])
    mip.setOptionValue("mip_abs_gap", 1e-6)
    seconds = min(_TIE_BREAK_TIME_S, deadline - time.perf_counter())
    mip.setOptionValue("time_limit", max(0.01, seconds))
    given = hs.HighsSolution()
    given.col_value = values
    mip.setSolution(given)
    run_highs(mip)
    ended = outcome(mip)
    if not ended.has_solution:  # no time left even to take the start back
        return values
    broken = np.asarray(mip.getSolution().col_value)
    if ended.status is SolveStatus.OPTIMAL or seconds >= _TIE_BREAK_TIME_S:
        # proven, or cut at the tie-breaks' own limit (not a shorter deadline's): an equal
        # model given as long gets this run's plan (see _PROVEN)
        took = time.perf_counter() - started
        _keep(key, _Ran(ended, broken), took if ended.status is SolveStatus.OPTIMAL else seconds)
    return broken


def _relaxation(
    lp: Any, layout: bytes, deadline: float, *, costs: FloatArray | None = None
) -> tuple[float | None, FloatArray]:
    """The LP relaxation's bound and values (None and nothing when it is not solved).

    ``costs`` replace the model's objective (its own by default).
    """
    key = _key("relaxation", layout, lp, costs)
    ran = _PROVEN.get(key, deadline - time.perf_counter())
    if ran is not None and ran.outcome is not None and ran.values is not None:
        return ran.outcome.objective, ran.values
    started = time.perf_counter()
    hs = highs()
    relaxed = new_highs()
    relaxed.passModel(lp)
    count = len(lp.col_cost_)
    relaxed.changeColsIntegrality(
        count,
        np.arange(count, dtype=np.int32),
        np.array([hs.HighsVarType.kContinuous] * count),
    )
    if costs is not None:
        relaxed.changeColsCost(count, np.arange(count, dtype=np.int32), costs)
    relaxed.setOptionValue("time_limit", max(0.01, deadline - time.perf_counter()))
    run_highs(relaxed)
    solved = outcome(relaxed)
    if solved.status is not SolveStatus.OPTIMAL:
        return None, np.zeros(0)
    value = float(relaxed.getInfo().objective_function_value)
    values = np.asarray(relaxed.getSolution().col_value)
    bound = HighsOutcome(solved.status, value, solved.model_status)
    _keep(key, _Ran(bound, values), time.perf_counter() - started)
    return value, values


def line_sustainment(problem: SourcingProblem, held: Sustainment) -> tuple[LineSustainment, ...]:
    """Per line: months fully held, the first month not held, hand-overs, who held it when."""
    cand, pledges = problem.candidates, problem.scenario.pledges
    line_of = cand.line[held.pairs]
    hulls = problem.hulls[held.pairs]
    result = []
    for r, line in enumerate(problem.mission.requirements):
        rows = np.flatnonzero(line_of == r)
        stations = held.stations[rows]
        # units taking turns hold half a station each: a lone one holds none
        in_place = np.floor((stations / hulls[rows][:, None]).sum(axis=0) + 1e-9).astype(np.int64)
        short = np.flatnonzero(in_place < line.quantity)
        previous = np.concatenate([np.zeros((len(rows), 1), dtype=np.int64), stations[:, :-1]], 1)
        entering = np.maximum(stations - previous, 0).sum(axis=0)
        leaving = np.maximum(previous - stations, 0).sum(axis=0)
        stints = []
        for row, j in zip(rows.tolist(), held.pairs[rows].tolist(), strict=True):
            pledge = pledges[int(cand.pledge[j])]
            for first, last, units in _runs(held.stations[row]):
                stints.append(
                    Stint(
                        pledge_id=pledge.id,
                        nation=pledge.nation,
                        units=units,
                        first_month=first,
                        last_month=last,
                    )
                )
        result.append(
            LineSustainment(
                line_id=line.id,
                required=line.quantity,
                months=held.months,
                held_per_month=tuple(int(x) for x in in_place),
                months_held=int(held.months - len(short)),
                first_unheld_month=int(short[0]) + 1 if len(short) else None,
                hand_overs=int(np.minimum(entering[1:], leaving[1:]).sum()),
                stints=tuple(sorted(stints, key=lambda x: (x.first_month, x.nation, x.pledge_id))),
            )
        )
    return tuple(result)


def _runs(per_month: IntArray) -> list[tuple[int, int, int]]:
    """(first month, last month, units) of each run of equal, non-zero values (months from 1)."""
    runs: list[tuple[int, int, int]] = []
    values = per_month.tolist()
    start = 0
    for t in range(1, len(values) + 1):
        if t == len(values) or values[t] != values[start]:
            if values[start]:
                runs.append((start + 1, t, int(values[start])))
            start = t
    return runs

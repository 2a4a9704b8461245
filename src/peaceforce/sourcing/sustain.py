"""Sustained presence: who holds each line month by month for the whole mission.

The first tour (month 1) is the first-tour sourcing, kept as it is: it is what
deployment moves. From month 2 on, a MIP on HiGHS decides who holds each line:

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

Objective: minimise priority-weighted missing personnel-months, then (a far
smaller weight) entries after month 1, so that a line changes hands only when
it must. Hand-overs are counted afterwards, per line and month, as the units
that enter while others leave.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from peaceforce.scenario.model import DAYS_PER_MONTH
from peaceforce.solvers import SolveStatus, highs
from peaceforce.solvers.highs_mip import new_highs, outcome
from peaceforce.solvers.highs_mip import run as run_highs
from peaceforce.sourcing.candidates import FloatArray, IntArray
from peaceforce.sourcing.optimise import Solution, SourcingProblem, priority_weight
from peaceforce.sourcing.result import LineSustainment, Stint

#: Weight of one entry after month 1 against one missing personnel-month (the
#: smallest of which weighs 1 × the smallest unit's personnel, far above it).
_ENTRY_WEIGHT = 1e-3


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
    problem: SourcingProblem, first_tour: Solution, *, time_limit_s: float = 10.0
) -> Sustainment:
    """Hold every line month by month from the first tour on; see the module docstring."""
    started = time.perf_counter()
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

    # columns: y (pairs × months), e (pairs × months), s (lines × months)
    def y(j: Any, t: Any) -> Any:
        return j * months + t

    def e(j: Any, t: Any) -> Any:
        return n_pairs * months + j * months + t

    def s(r: Any, t: Any) -> Any:
        return 2 * n_pairs * months + r * months + t

    n_cols = 2 * n_pairs * months + n_lines * months
    upper_y = np.minimum(offered[pledge_of], quantity[line_of] * hulls)[:, None] * available
    upper_y[:, 0] = first
    lower_y = np.zeros((n_pairs, months))
    lower_y[:, 0] = first
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

    hs = highs()
    row, col, value = (np.concatenate(x) for x in (rows.row, rows.col, rows.value))
    order = np.lexsort((row, col))
    lp = hs.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, len(rows.lower)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = np.array(rows.lower), np.array(rows.upper)
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.r_[0, np.cumsum(np.bincount(col, minlength=n_cols))].astype(np.int32)
    lp.a_matrix_.index_ = row[order].astype(np.int32)
    lp.a_matrix_.value_ = value[order]
    # units and missing stations are whole (a lone unit where units take turns holds none);
    # month 1 is the first tour as given, which may leave such a lone unit
    whole, part = hs.HighsVarType.kInteger, hs.HighsVarType.kContinuous
    lp.integrality_ = (
        [whole] * (n_pairs * months)
        + [part] * (n_pairs * months)
        + ([part] + [whole] * (months - 1)) * n_lines
    )
    mip = new_highs()
    mip.passModel(lp)
    mip.setOptionValue("time_limit", max(0.01, time_limit_s))
    run_highs(mip)
    result = outcome(mip)
    if not result.has_solution:
        stations = np.zeros((n_pairs, months), dtype=np.int64)
        stations[:, 0] = first.astype(np.int64)
    else:
        values = np.asarray(mip.getSolution().col_value)
        stations = np.rint(values[: n_pairs * months]).astype(np.int64).reshape(n_pairs, months)
    return Sustainment(result.status, months, pairs, stations, time.perf_counter() - started)


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

"""The sourcing optimiser: a MIP on HiGHS with a lexicographic objective.

Pipeline, in the manner of PyPSA: build the problem (candidate pairs, ceilings,
fair shares) → lay out the model (:class:`ModelLayout`: variables, constraints,
objectives, each in its own function) → solve stage by stage → read the
solution back.

Variables: ``x[k]`` integer units of usable pair k (a pledge sent to a line);
``s[r]`` units missing on line r; ``P[n]`` a nation's deployed personnel (its
ceiling is P's upper bound); ``d[n]`` the nation's deviation (personnel) from
its fair share. Objectives, in order, each held at its optimum while the next
is minimised:

1. priority-weighted shortfall: Σ weight(priority) × personnel of the required
   type × ``s[r]``, weight = 2^(5 − priority) (priority 1 counts 16×, 5 counts 1×);
2. deviation from fair burden shares: Σ ``d[n]`` with ``|P[n] − share[n] × Σ P| ≤ d[n]``,
   shares by GDP (or population) among the nations able to contribute;
3. movement: Σ personnel × great-circle km from home base to the area.

Access regimes (e.g. the Montreux Convention) reach into the model twice: on a
line where a stay limit applies, a station takes two units taking turns, from
one contributor or several (each unit sent counts half a station on the line
row), and access rows (:class:`AccessRows`) keep the tonnage present at once
(half of each unit's standard displacement: one of the two is in the area) in
all and per state, and the vessels in transit at once, within their limits.
Pairs a closed regime refuses are never usable.

A NATO-scale mission has about a million usable pairs; every step below is
exact, so the stages keep their lexicographic optimum:

* pledges the model cannot tell apart (nation, unit type, home base, usable
  lines) share one column per line, split back per pledge at the end;
* pricing (column generation): each stage's LP is solved over a few pairs per
  line, every other pair is priced with the duals at once, the most improving
  ones come in, until none would improve — the LP bound over all pairs;
* a MIP over the LP solution's unsettled part (see :meth:`_Model.solve_mip`);
  a solution that meets the LP bound is optimal over all pairs. Otherwise a
  closing MIP keeps only the pairs whose reduced cost is below the gap
  (reduced-cost fixing: no other pair can be in a better solution).

The greedy baseline is the first start, so a time limit that cuts stage 1
short still returns a plan; each stage left gets an equal share of the time.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from peaceforce.mandate.analysis import FrameworkAssessment
from peaceforce.outputs import write_highs_model
from peaceforce.scenario.model import Commitment, MissionOption, PersonnelCeiling, Scenario
from peaceforce.solvers import SolveStatus, highs
from peaceforce.solvers.highs_mip import new_highs, outcome
from peaceforce.solvers.highs_mip import run as run_highs
from peaceforce.solvers.proven import ProvenRuns, digest
from peaceforce.sourcing.candidates import (
    BoolArray,
    Candidates,
    FloatArray,
    IntArray,
    Pair,
    candidate_pairs,
)

_STAGE_TOLERANCE = 1e-6
#: A solution this close (relative) to the LP bound meets it: floating-point noise only.
_BOUND_TOLERANCE = 1e-9
#: Largest MIP handed to HiGHS to close a gap: on larger ones its root processing
#: overruns the time limit (measured: 190 s past a 20 s limit at 64,000 columns).
_MIP_COLUMN_LIMIT = 20_000
#: Pairs each line may bring into the model per pricing round (the most improving ones).
_PER_LINE = 4

OBJECTIVE_STATEMENT = (
    "lexicographic: (1) minimise priority-weighted shortfall, Σ 2^(5−priority) × personnel of the "
    "required type × units missing; (2) then minimise the deviation from fair burden shares "
    "({basis}, among nations able to contribute); (3) then minimise movement, Σ personnel × "
    "great-circle km from home base to area"
)


def priority_weight(priority: int) -> float:
    """Weight of a missing unit by line priority (1 = most important)."""
    return float(2 ** (5 - priority))


@dataclass(frozen=True)
class SourcingProblem:
    """Everything the model needs, with pairs that ignore given obstacles for what-ifs."""

    scenario: Scenario
    mission: MissionOption
    assessment: FrameworkAssessment
    candidates: Candidates
    ceilings: dict[str, int]
    waived: frozenset[tuple[str, str]] = field(default=frozenset())
    extra_units: dict[str, int] = field(default_factory=dict)

    @cached_property
    def pairs(self) -> tuple[Pair, ...]:
        """Every candidate pair with its obstacles spelt out (for reading, not for the model)."""
        return tuple(self.candidates.pair(k) for k in range(len(self.candidates)))

    def pairs_of_line(self, line_id: str) -> list[Pair]:
        """The candidate pairs of one line, in pledge order."""
        r = self._line_index[line_id]
        lo, hi = np.searchsorted(self.candidates.line, [r, r + 1])
        return [self.candidates.pair(k) for k in range(int(lo), int(hi))]

    def candidate_index(self, pledge_id: str, line_id: str) -> int:
        """Where a (pledge, line) pair sits among the candidates (KeyError if it is not one)."""
        p, r = self._pledge_index[pledge_id], self._line_index[line_id]
        lo, hi = np.searchsorted(self.candidates.line, [r, r + 1])
        k = int(lo + np.searchsorted(self.candidates.pledge[lo:hi], p))
        if k >= hi or self.candidates.pledge[k] != p:
            raise KeyError(f"{pledge_id!r} is not a candidate for {line_id!r}")
        return k

    @cached_property
    def usable_index(self) -> IntArray:
        """Candidates the model may use: without obstacles, or with their obstacles waived."""
        usable: BoolArray = self.candidates.blocked == 0
        for pledge_id, line_id in self.waived:
            usable[self.candidate_index(pledge_id, line_id)] = True
        return np.flatnonzero(usable)

    @cached_property
    def _pledge_index(self) -> dict[str, int]:
        return {p.id: k for k, p in enumerate(self.scenario.pledges)}

    @cached_property
    def _line_index(self) -> dict[str, int]:
        return {line.id: r for r, line in enumerate(self.mission.requirements)}

    def waiving(self, pledge_id: str, line_id: str) -> SourcingProblem:
        """The same problem with one pair's obstacles set aside."""
        return replace(self, waived=self.waived | {(pledge_id, line_id)})

    def with_extra_units(self, pledge_id: str, units: int) -> SourcingProblem:
        """The same problem with a pledge offering more units."""
        return replace(self, extra_units={**self.extra_units, pledge_id: units})

    def without_nation(self, nation: str) -> SourcingProblem:
        """The same problem as if a nation withdrew all its pledges (N-1)."""
        return self.keeping([p.nation != nation for p in self.scenario.pledges])

    def firm_only(self) -> SourcingProblem:
        """The same problem with the conditional pledges left out."""
        return self.keeping(
            [self.scenario.commitment(p)[0] is Commitment.FIRM for p in self.scenario.pledges]
        )

    def keeping(self, pledges: list[bool]) -> SourcingProblem:
        """The same problem with only the pledges marked true (one flag per scenario pledge)."""
        kept = np.array(pledges, dtype=bool)
        keep = kept[self.candidates.pledge] if len(kept) else np.ones(0, dtype=bool)
        return replace(self, candidates=self.candidates.select(keep))

    def units_offered(self, pledge_id: str, count: int) -> int:
        """Units a pledge offers, including any what-if extra."""
        return count + self.extra_units.get(pledge_id, 0)

    def with_ceiling(self, nation: str, personnel: int) -> SourcingProblem:
        """The same problem with one nation's personnel ceiling changed."""
        return replace(self, ceilings={**self.ceilings, nation: personnel})

    def unit_personnel(self, unit_type: str) -> int:
        """Personnel of one unit of a type."""
        return self.scenario.unit_type_by_id[unit_type].personnel

    @cached_property
    def hulls(self) -> IntArray:
        """Units taking turns on one station, per candidate (2 under a stay limit, else 1)."""
        return self.candidates.access.hulls()

    def hulls_of(self, pledge_id: str, line_id: str) -> int:
        """Units of a pledge one station on a line takes."""
        return int(self.hulls[self.candidate_index(pledge_id, line_id)])

    @cached_property
    def access_rows(self) -> AccessRows:
        """The rows keeping limited units within their access regimes' limits (see AccessRows)."""
        return access_rows(self)


@dataclass(frozen=True)
class AccessRows:
    """Rows that keep the units an access regime limits within its limits, per candidate.

    Each candidate stands in at most three rows (-1 where none), with the share
    of the row's limit one unit sent takes up:

    0. the regime's aggregate tonnage present (e.g. Montreux Art. 18(1)(a)): the
       unit's standard displacement, halved where units take turns (one of the
       two is in the area);
    1. its nation's tonnage present (Art. 18(1)(c)), counted the same way;
    2. vessels in transit at once (Art. 14): over one stay, each station held by
       units taking turns needs two transits (in, out) of ``transit_days``, and
       the passage offers ``vessels`` × stay days, so a unit takes
       2 × transit days / (stay days × units per station) of the ``vessels``.
    """

    limit: FloatArray  # per row
    article: tuple[str, ...]  # per row: what it rests on, for gap explanations
    what: tuple[str, ...]  # per row: what it counts, e.g. "tonnage of FRA"
    unit: tuple[str, ...]  # per row: "t" or "vessels"
    regime: IntArray  # per row: the access regime (its index)
    row: IntArray  # (candidates, 3)
    value: FloatArray  # (candidates, 3)

    def of(self, k: int) -> list[tuple[int, float]]:
        """(row, share of its limit per unit) of candidate ``k``."""
        return [
            (int(r), float(v)) for r, v in zip(self.row[k], self.value[k], strict=True) if r >= 0
        ]


def access_rows(problem: SourcingProblem) -> AccessRows:
    """The access rows of a problem's candidates; see :class:`AccessRows`."""
    access, hulls = problem.candidates.access, problem.hulls
    count = len(access.regime)
    row, value = np.full((count, 3), -1, dtype=np.int64), np.zeros((count, 3))
    limit: list[float] = []
    article: list[str] = []
    what: list[str] = []
    unit: list[str] = []
    regime_of: list[int] = []
    nations = sorted({p.nation for p in problem.scenario.pledges})
    nation_of_pledge = np.array(
        [nations.index(p.nation) for p in problem.scenario.pledges], dtype=np.int64
    )

    def new_row(
        j: int, at: IntArray, slot: int, share: FloatArray, facts: tuple[float, str, str, str]
    ) -> None:
        row[at, slot], value[at, slot] = len(limit), share
        limit.append(facts[0])
        article.append(facts[1])
        what.append(facts[2])
        unit.append(facts[3])
        regime_of.append(j)

    for j, regime in enumerate(access.regimes):
        at = np.flatnonzero((access.regime == j) & (access.displacement > 0))
        if not len(at):
            continue
        present = access.displacement[at] / hulls[at]
        if regime.aggregate_tonnage is not None:
            total = regime.aggregate_tonnage
            facts = (total.tonnes, total.article, "tonnage of all limited states in the area", "t")
            new_row(j, at, 0, present, facts)
        if regime.state_tonnage is not None:
            nation = nation_of_pledge[problem.candidates.pledge[at]]
            state = regime.state_tonnage
            for n in np.unique(nation).tolist():
                mine = nation == n
                facts = (state.tonnes, state.article, f"tonnage of {nations[n]} in the area", "t")
                new_row(j, at[mine], 1, present[mine], facts)
        transit, stay = regime.transit, regime.stay
        if transit is not None and transit.vessels and stay is not None:
            share = 2 * transit.transit_days / (stay.days * hulls[at])
            facts = (
                float(transit.vessels),
                transit.article,
                "vessels in transit at once",
                "vessels",
            )
            new_row(j, at, 2, share, facts)
    return AccessRows(
        limit=np.array(limit, dtype=float),
        article=tuple(article),
        what=tuple(what),
        unit=tuple(unit),
        regime=np.array(regime_of, dtype=np.int64),
        row=row,
        value=value,
    )


def national_ceilings(scenario: Scenario) -> dict[str, int]:
    """Each nation's personnel ceiling: the tightest stated on any of its pledges."""
    ceilings: dict[str, int] = {}
    for pledge in scenario.pledges:
        for caveat in pledge.caveats_of(PersonnelCeiling):
            ceilings[pledge.nation] = min(
                ceilings.get(pledge.nation, caveat.personnel), caveat.personnel
            )
    return ceilings


def build_problem(
    scenario: Scenario, mission: MissionOption, assessment: FrameworkAssessment
) -> SourcingProblem:
    """Gather the candidate pairs and ceilings of one mission under one framework."""
    return SourcingProblem(
        scenario=scenario,
        mission=mission,
        assessment=assessment,
        candidates=candidate_pairs(scenario, mission, assessment),
        ceilings=national_ceilings(scenario),
    )


def fair_shares(problem: SourcingProblem) -> dict[str, float]:
    """Burden shares among the nations with at least one usable pair (sum to 1)."""
    pledges = problem.scenario.pledges
    used = np.unique(problem.candidates.pledge[problem.usable_index])
    nations = sorted({pledges[int(p)].nation for p in used})
    basis = problem.scenario.assumptions.burden_share_basis
    weight = {
        n: (
            problem.scenario.nation_by_code[n].gdp_usd_bn
            if basis == "gdp"
            else problem.scenario.nation_by_code[n].population_m
        )
        for n in nations
    }
    total = sum(weight.values())
    return {n: w / total for n, w in weight.items()} if total else {}


@dataclass(frozen=True)
class StageOutcome:
    """How one stage ended: its value, and the LP bound over all pairs when it was reached."""

    status: SolveStatus
    value: float | None
    bound: float | None


@dataclass(frozen=True)
class Solution:
    """Units per (pledge, line), the objectives reached stage by stage, and how it ended.

    ``objectives`` holds one value per stage solved; ``status`` is OPTIMAL when
    every stage asked for was proven optimal, FEASIBLE when a solution stands
    without that proof, NO_SOLUTION when the solver found none in time;
    ``stages`` says how each stage the optimiser tried ended (empty for a baseline).
    """

    units: dict[tuple[str, str], int]
    shortfall: dict[str, int]
    objectives: tuple[float, ...]
    status: SolveStatus
    seconds: float
    stages: tuple[StageOutcome, ...] = ()


# --- the model -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ModelLayout:
    """The usable pairs as model columns, and the rows and fixed columns around them.

    ``benchmarks/sourcing_scale.py`` lays its one-shot peer model out from it.

    Rows: one per pledge with a usable pair (units ≤ offered), one per line
    (units + missing = required), one per nation (personnel = P[n]), two per
    nation for the fair share, one per access row (tonnage or vessels ≤ limit), then one
    per solved stage holding its optimum.
    Columns: s (lines), P and d (nations), then the pairs in the model.
    """

    pair: IntArray  # candidate index of each column's pair (of its group's first pledge)
    pledge_row: IntArray  # the column's pledge group
    hulls: FloatArray  # units taking turns on one station (1 / its line-row coefficient)
    access_row: IntArray  # (columns, 3): the column's access rows (AccessRows), -1 where none
    access_value: FloatArray  # (columns, 3): the share of each row's limit one unit takes
    line_row: IntArray
    nation_row: IntArray
    personnel: FloatArray
    upper: FloatArray
    movement: FloatArray
    members: tuple[tuple[int, ...], ...]  # per pledge group: its pledges (scenario indices)
    offered: FloatArray  # per pledge group
    quantity: FloatArray  # per line
    shortfall_cost: FloatArray  # per line
    nations: tuple[str, ...]
    shares: FloatArray
    ceiling: FloatArray  # per nation, inf where none
    access_limit: FloatArray  # per access row

    @property
    def fixed_columns(self) -> int:
        return len(self.quantity) + 2 * len(self.nations)

    @property
    def first_access_row(self) -> int:
        return len(self.offered) + len(self.quantity) + 3 * len(self.nations)

    @property
    def base_rows(self) -> int:
        return self.first_access_row + len(self.access_limit)


def _pledge_groups(
    problem: SourcingProblem, usable: IntArray, *, merge: bool
) -> list[tuple[int, ...]]:
    """Pledges the model cannot tell apart, grouped: same nation, unit type, base, usable lines.

    Such pledges have equal coefficients and costs in every row and stage, so
    one column per (group, line) with the group's units loses no solution.
    """
    cand, pledges = problem.candidates, problem.scenario.pledges
    p, r = cand.pledge[usable], cand.line[usable]
    order = np.lexsort((r, p))
    p, r = p[order], r[order]
    cuts = np.flatnonzero(np.diff(p)) + 1
    groups: dict[tuple[object, ...], list[int]] = {}
    firsts = p[np.r_[0, cuts]].tolist() if len(p) else []
    for k, lines in zip(firsts, np.split(r, cuts) if len(p) else [], strict=True):
        x = pledges[k]
        key = (x.nation, x.unit_type, x.home_base.lon, x.home_base.lat, lines.tobytes())
        groups.setdefault(key if merge else (k,), []).append(k)
    return [tuple(members) for members in groups.values()]


def define_variables(problem: SourcingProblem, *, merge: bool = True) -> ModelLayout:
    """The variables of a problem: a column per usable (pledge group, line) pair.

    ``merge=False`` keeps one pledge per group, a column per usable pair (the
    layout before issue 9, which ``benchmarks/sourcing_scale.py`` compares with).
    """
    cand, pledges = problem.candidates, problem.scenario.pledges
    usable = problem.usable_index
    groups = _pledge_groups(problem, usable, merge=merge)
    group_of = np.full(len(pledges), -1, dtype=np.int64)
    for g, members in enumerate(groups):
        group_of[list(members)] = g
    first_of = np.zeros(len(pledges), dtype=bool)
    first_of[[members[0] for members in groups]] = True
    columns = usable[first_of[cand.pledge[usable]]]
    p, r = cand.pledge[columns], cand.line[columns]
    shares = fair_shares(problem)
    nations = tuple(shares)
    nation_of = {n: k for k, n in enumerate(nations)}
    unit_personnel = np.array([problem.unit_personnel(x.unit_type) for x in pledges], dtype=float)
    nation_of_pledge = np.array([nation_of.get(x.nation, -1) for x in pledges], dtype=np.int64)
    offered = np.array(
        [
            sum(problem.units_offered(pledges[k].id, pledges[k].count) for k in members)
            for members in groups
        ],
        dtype=float,
    )
    lines = problem.mission.requirements
    quantity = np.array([line.quantity for line in lines], dtype=float)
    hulls = problem.hulls[columns].astype(float)
    personnel = unit_personnel[p]
    rows = problem.access_rows
    return ModelLayout(
        pair=columns,
        pledge_row=group_of[p],
        hulls=hulls,
        access_row=rows.row[columns],
        access_value=rows.value[columns],
        line_row=r,
        nation_row=nation_of_pledge[p],
        personnel=personnel,
        upper=np.minimum(offered[group_of[p]], quantity[r] * hulls),
        movement=personnel * cand.distance_km[columns],
        members=tuple(groups),
        offered=offered,
        quantity=quantity,
        shortfall_cost=np.array(
            [priority_weight(x.priority) * problem.unit_personnel(x.capability) for x in lines]
        ),
        nations=nations,
        shares=np.array([shares[n] for n in nations]),
        ceiling=np.array([float(problem.ceilings.get(n, math.inf)) for n in nations]),
        access_limit=rows.limit,
    )


def _define_constraints(layout: ModelLayout) -> Any:
    """The model without pair columns: rows, and the s, P, d columns with their entries."""
    hs = highs()
    n_lines, n_nations = len(layout.quantity), len(layout.nations)
    first_line, first_nation = len(layout.offered), len(layout.offered) + n_lines
    first_share = first_nation + n_nations
    lp = hs.HighsLp()
    lp.num_col_ = layout.fixed_columns
    lp.num_row_ = layout.base_rows
    lp.col_cost_ = np.zeros(layout.fixed_columns)
    lp.col_lower_ = np.zeros(layout.fixed_columns)
    lp.col_upper_ = np.concatenate([layout.quantity, layout.ceiling, np.full(n_nations, math.inf)])
    lp.row_lower_ = np.concatenate(
        [
            np.full(len(layout.offered), -math.inf),
            layout.quantity,
            np.zeros(n_nations),
            np.full(2 * n_nations, -math.inf),
            np.full(len(layout.access_limit), -math.inf),
        ]
    )
    lp.row_upper_ = np.concatenate(
        [
            layout.offered,
            layout.quantity,
            np.zeros(n_nations),
            np.zeros(2 * n_nations),
            layout.access_limit,
        ]
    )
    starts, index, value = [0], [], []

    def column(rows: list[int], coefficients: list[float]) -> None:
        index.extend(rows)
        value.extend(coefficients)
        starts.append(len(index))

    for r in range(n_lines):  # s[r]: units missing on line r
        column([first_line + r], [1.0])
    share_rows = [first_share + k for k in range(2 * n_nations)]
    for m in range(n_nations):  # P[m]: in its balance row, and in every share row
        plus = [(1.0 if n == m else 0.0) - layout.shares[n] for n in range(n_nations)]
        column([first_nation + m, *share_rows], [-1.0, *plus, *(-c for c in plus)])
    for n in range(n_nations):  # d[n]: P[n] − share[n] Σ P − d[n] ≤ 0, and the mirror row
        column([first_share + n, first_share + n_nations + n], [-1.0, -1.0])
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.asarray(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(value, dtype=float)
    return lp


def _define_objectives(layout: ModelLayout) -> list[tuple[FloatArray, FloatArray]]:
    """The three stages' costs: (fixed columns, pair columns)."""
    n_lines, n_nations = len(layout.quantity), len(layout.nations)
    zero_pairs = np.zeros(len(layout.pair))
    shortfall = np.concatenate([layout.shortfall_cost, np.zeros(2 * n_nations)])
    burden = np.concatenate([np.zeros(n_lines + n_nations), np.ones(n_nations)])
    return [
        (shortfall, zero_pairs),
        (burden, zero_pairs),
        (np.zeros(layout.fixed_columns), layout.movement),
    ]


class _Model:
    """The LP relaxation over the pairs brought in so far, priced against all usable pairs."""

    def __init__(self, layout: ModelLayout, deadline: float) -> None:
        self.layout = layout
        self.deadline = deadline  # of the stage being solved (perf counter)
        self.lp = new_highs()
        # primal simplex: priced columns enter at zero, so the last basis stays primal feasible
        self.lp.setOptionValue("simplex_strategy", 4)
        self.lp.passModel(_define_constraints(layout))
        self.columns = np.zeros(0, dtype=np.int64)  # layout positions, in column order
        self.column_of = np.full(len(layout.pair), -1, dtype=np.int64)
        self.fixed_costs = np.zeros(layout.fixed_columns)
        self.pair_costs = np.zeros(len(layout.pair))
        #: Whether a run was cut short (a time limit): then the outcome may depend on the clock.
        self.cut = False

    @property
    def in_model(self) -> BoolArray:
        """Which layout positions have a column in the model."""
        return self.column_of >= 0

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())

    def add(self, positions: IntArray) -> None:
        """Bring pairs (positions among the usable ones) into the model."""
        positions = positions[~self.in_model[positions]]
        if not len(positions):
            return
        lay, count = self.layout, len(positions)
        first_line, first_nation = len(lay.offered), len(lay.offered) + len(lay.quantity)
        access = lay.access_row[positions]
        index = np.column_stack(
            [
                lay.pledge_row[positions],
                first_line + lay.line_row[positions],
                first_nation + lay.nation_row[positions],
                lay.first_access_row + access,
            ]
        )
        value = np.column_stack(
            [
                np.ones(count),
                1.0 / lay.hulls[positions],
                lay.personnel[positions],
                lay.access_value[positions],
            ]
        )
        entry = np.ones((count, 6), dtype=bool)
        entry[:, 3:] = access >= 0  # only limited pairs stand in access rows
        per_column = entry.sum(axis=1)
        self.lp.addCols(
            count,
            self.pair_costs[positions],
            np.zeros(count),
            lay.upper[positions],
            int(per_column.sum()),
            np.r_[0, np.cumsum(per_column)[:-1]].astype(np.int32),
            index[entry].astype(np.int32),
            value[entry],
        )
        self.column_of[positions] = self.lp.getNumCol() - count + np.arange(count)
        self.columns = np.concatenate([self.columns, positions])

    def set_costs(self, fixed: FloatArray, pairs: FloatArray) -> None:
        self.fixed_costs, self.pair_costs = fixed, pairs
        costs = np.concatenate([fixed, pairs[self.columns]])
        self.lp.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)

    def reduced_costs(self) -> FloatArray:
        """Every usable pair's reduced cost under the current duals (HiGHS: c − Aᵀy)."""
        lay = self.layout
        y = np.asarray(self.lp.getSolution().row_dual)
        first_line, first_nation = len(lay.offered), len(lay.offered) + len(lay.quantity)
        access_dual = (
            (
                np.where(lay.access_row >= 0, y[lay.first_access_row + lay.access_row], 0.0)
                * lay.access_value
            ).sum(axis=1)
            if len(lay.access_limit)
            else np.zeros(len(lay.pair))
        )
        return np.asarray(
            self.pair_costs
            - y[lay.pledge_row]
            - y[first_line + lay.line_row] / lay.hulls
            - lay.personnel * y[first_nation + lay.nation_row]
            - access_dual,
            dtype=float,
        )

    def start_from(self, problem: SourcingProblem, solution: Solution) -> FloatArray:
        """Column values of a solution given per (pledge, line), its pairs brought in."""
        lay, pledges, lines = self.layout, problem.scenario.pledges, problem.mission.requirements
        first_of = {k: members[0] for members in lay.members for k in members}
        index = {x.id: k for k, x in enumerate(pledges)}
        units = np.zeros(len(lay.pair))
        for (pledge_id, line_id), n in solution.units.items():
            first = pledges[first_of[index[pledge_id]]].id
            k = problem.candidate_index(first, line_id)
            units[np.searchsorted(lay.pair, k)] += n
        self.add(np.flatnonzero(units))
        personnel = np.bincount(
            lay.nation_row, weights=units * lay.personnel, minlength=len(lay.nations)
        )
        filled = np.bincount(lay.line_row, weights=units / lay.hulls, minlength=len(lines))
        values = np.zeros(self.lp.getNumCol())
        values[: len(lines)] = lay.quantity - filled
        values[len(lines) : len(lines) + len(lay.nations)] = personnel
        values[len(lines) + len(lay.nations) : lay.fixed_columns] = np.abs(
            personnel - lay.shares * personnel.sum()
        )
        values[self.column_of[self.in_model]] = units[self.in_model]
        return values

    def price(self, until: float) -> tuple[float, FloatArray] | None:
        """Solve the LP over all usable pairs by pricing: its value and the reduced costs.

        None if the LP is not solved by ``until`` (seconds on the perf counter).
        """
        while True:
            self.lp.setOptionValue("time_limit", max(0.01, until - time.perf_counter()))
            run_highs(self.lp)
            priced = outcome(self.lp)
            if priced.status is not SolveStatus.OPTIMAL:
                self.cut |= priced.limited
                return None
            rc = self.reduced_costs()
            scale = max(1.0, float(np.abs(self.pair_costs).max(initial=0.0)))
            improving = np.flatnonzero((rc < -1e-9 * scale) & ~self.in_model)
            if not len(improving):
                return float(self.lp.getInfo().objective_function_value), rc
            lines = self.layout.line_row[improving]
            self.add(improving[_first_per_line(rc[improving], lines, _PER_LINE)])

    def solve_mip(
        self, start: FloatArray, *, keep_integral: bool = False, only: BoolArray | None = None
    ) -> tuple[SolveStatus, float | None, FloatArray]:
        """The MIP over the pairs in the model, from a feasible start.

        ``keep_integral`` keeps what the LP solution settles: only the pairs it
        sends a fraction of a unit, the pairs sharing their lines and pledges, and
        the pairs their nations use stay free. The small MIP left gives a good
        solution and, when it meets the LP bound, the optimum. ``only`` (per
        column in the model) keeps the other pairs at zero.
        """
        hs = highs()
        lp = self.lp.getLp()
        fixed = self.layout.fixed_columns
        # where units take turns, missing stations are whole: a lone unit holds none
        integrality = [hs.HighsVarType.kContinuous] * fixed
        for r in np.unique(self.layout.line_row[self.layout.hulls > 1]).tolist():
            integrality[r] = hs.HighsVarType.kInteger
        integrality += [hs.HighsVarType.kInteger] * len(self.columns)
        lp.integrality_ = integrality
        if keep_integral:
            lay, at = self.layout, self.columns
            x = np.asarray(self.lp.getSolution().col_value)[fixed:]
            split = np.abs(x - np.rint(x)) > 1e-9
            free = (
                split
                | np.isin(lay.line_row[at], lay.line_row[at[split]])
                | np.isin(lay.pledge_row[at], lay.pledge_row[at[split]])
                | (np.isin(lay.nation_row[at], lay.nation_row[at[split]]) & (x > 0))
            )
            kept = fixed + np.flatnonzero(~free)
            lower, upper = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
            lower[kept] = upper[kept] = np.rint(x[~free])
            lp.col_lower_, lp.col_upper_ = lower, upper
        if only is not None:
            upper = np.asarray(lp.col_upper_)
            upper[fixed + np.flatnonzero(~only)] = 0.0
            lp.col_upper_ = upper
        mip = new_highs()
        mip.passModel(lp)
        mip.setOptionValue("time_limit", max(0.01, self.remaining()))
        solution = hs.HighsSolution()
        solution.col_value = self.extend(start)
        mip.setSolution(solution)
        run_highs(mip)
        result = outcome(mip)
        self.cut |= result.limited
        values = np.asarray(mip.getSolution().col_value) if result.has_solution else np.zeros(0)
        return result.status, result.objective, values

    def value_of(self, values: FloatArray) -> float:
        """The current stage's objective at a solution."""
        fixed = self.layout.fixed_columns
        pairs = self.pair_costs[self.columns[: len(values) - fixed]]
        return float(self.fixed_costs @ values[:fixed] + pairs @ values[fixed:])

    def extend(self, values: FloatArray) -> FloatArray:
        """A solution over fewer pair columns, with the pairs added since at zero."""
        return np.concatenate([values, np.zeros(self.lp.getNumCol() - len(values))])

    def hold(self, fixed: FloatArray, value: float) -> None:
        """Keep a solved stage at its optimum (its costs lie on fixed columns only)."""
        nonzero = np.flatnonzero(fixed).astype(np.int32)
        if nonzero.size:
            self.lp.addRow(
                -math.inf,
                value + _STAGE_TOLERANCE * max(1.0, abs(value)),
                nonzero.size,
                nonzero,
                fixed[nonzero],
            )


def _first_per_line(key: FloatArray, lines: IntArray, count: int) -> IntArray:
    """Positions of the ``count`` smallest keys of each line."""
    order = np.lexsort((key, lines))
    first = np.r_[0, np.flatnonzero(np.diff(lines[order])) + 1]
    rank = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
    return np.asarray(order[rank < count], dtype=np.int64)


def _solve_stage(
    model: _Model, fixed: FloatArray, pairs: FloatArray, start: FloatArray
) -> tuple[StageOutcome, FloatArray]:
    """One stage: the LP bound by pricing, then the MIP over every pair that could matter.

    A solution that meets the LP bound over all pairs is optimal whatever the
    pairs left out.
    """
    model.set_costs(fixed, pairs)
    priced = model.price(until=model.deadline)
    if priced is None:  # no LP bound over all pairs in time: whatever comes is no proof
        if len(model.columns) > _MIP_COLUMN_LIMIT:
            return StageOutcome(SolveStatus.FEASIBLE, model.value_of(start), None), start
        status, value, values = model.solve_mip(start)
        if value is None:
            return StageOutcome(status, None, None), values
        return StageOutcome(SolveStatus.FEASIBLE, value, None), values
    bound, rc = priced
    _, value, values = model.solve_mip(start, keep_integral=True)
    if value is None:  # nothing in the LP solution's neighbourhood: go on from the start
        value, values = model.value_of(start), model.extend(start)
    tolerance = _BOUND_TOLERANCE * max(1.0, abs(bound))
    if value - bound <= tolerance:
        return StageOutcome(SolveStatus.OPTIMAL, value, bound), values
    # Reduced-cost fixing: a solution using a pair costs at least bound + the pair's
    # reduced cost, so only pairs below the gap can be in a better one.
    gap = value - bound + tolerance
    if np.count_nonzero(rc < gap) > _MIP_COLUMN_LIMIT:
        return StageOutcome(SolveStatus.FEASIBLE, value, bound), values
    model.add(np.flatnonzero((rc < gap) & ~model.in_model))
    status, closed, closing = model.solve_mip(values, only=rc[model.columns] < gap)
    if closed is None:  # the time ran out before HiGHS took the start in
        return StageOutcome(SolveStatus.FEASIBLE, value, bound), values
    return StageOutcome(status, closed, closed if status is SolveStatus.OPTIMAL else bound), closing


def optimise(
    problem: SourcingProblem,
    *,
    stages: int = 3,
    time_limit_s: float = 20.0,
    prefer: FloatArray | None = None,
) -> Solution:
    """Solve the first ``stages`` objectives lexicographically and read the solution back.

    ``prefer`` (units wanted per candidate pair) comes in as a second stage,
    before burden and movement: the shortfall held, as many preferred units as
    can be sent (the joint model's LP relaxation guides a first tour this way).
    """
    started = time.perf_counter()
    layout = define_variables(problem)
    objectives = _define_objectives(layout)
    if prefer is not None:
        leaning = (np.zeros(layout.fixed_columns), -_per_column(problem, layout, prefer))
        objectives.insert(1, leaning)
    model = _Model(layout, started + time_limit_s)
    model.add(_first_per_line(layout.movement, layout.line_row, _PER_LINE))
    # The spreadsheet baseline respects every constraint: as the first start it
    # leaves a plan even when the time limit cuts stage 1 short.
    from peaceforce.sourcing.baseline import greedy_solution  # it imports this module

    best = model.start_from(problem, greedy_solution(problem))
    key = _run_key(layout, model.columns, best, objectives[:stages])
    kept = _PROVEN.get(key, time_limit_s)
    if kept is not None:
        columns, values, outcomes_kept = kept
        return _read_solution(
            problem,
            layout,
            columns,
            values,
            stages=outcomes_kept,
            status=SolveStatus.OPTIMAL,
            started=started,
        )
    outcomes: list[StageOutcome] = []
    deadline = started + time_limit_s
    for stage, (fixed, pairs) in enumerate(objectives[:stages]):
        # each stage left gets an equal share of the time left
        model.deadline = time.perf_counter() + (deadline - time.perf_counter()) / (stages - stage)
        result, values = _solve_stage(model, fixed, pairs, best)
        outcomes.append(result)
        if result.value is None:
            break
        best = values
        model.hold(fixed, result.value)
    reached = [o for o in outcomes if o.value is not None]
    proven = len(reached) == stages and all(o.status is SolveStatus.OPTIMAL for o in outcomes)
    if proven and not model.cut:
        best.flags.writeable = False  # every reuse shares it
        _PROVEN.keep(
            key, (model.columns.copy(), best, tuple(outcomes)), time.perf_counter() - started
        )
    return _read_solution(
        problem,
        layout,
        model.columns,
        best if reached else None,
        stages=tuple(outcomes),
        status=(SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE)
        if reached
        else outcomes[0].status,
        started=started,
    )


#: First tours solved to proven optima with no run cut short (see
#: :mod:`peaceforce.solvers.proven`): the columns in the model, their values and the stages.
_PROVEN: ProvenRuns[tuple[IntArray, FloatArray, tuple[StageOutcome, ...]]] = ProvenRuns(size=1024)


def _run_key(
    layout: ModelLayout,
    columns: IntArray,
    start: FloatArray,
    objectives: list[tuple[FloatArray, FloatArray]],
) -> bytes:
    """A digest of everything the HiGHS runs of :func:`optimise` are given: the layout's
    rows and columns, the start and the columns it brought in, each stage's costs.

    Which candidate pairs and pledges the columns stand for is left out: the
    solution is read back through the problem at hand (:func:`_read_solution`).
    """
    return digest(
        "first tour",
        layout.pledge_row,
        layout.hulls,
        layout.access_row,
        layout.access_value,
        layout.line_row,
        layout.nation_row,
        layout.personnel,
        layout.upper,
        layout.movement,
        layout.offered,
        layout.quantity,
        layout.shortfall_cost,
        layout.shares,
        layout.ceiling,
        layout.access_limit,
        columns,
        start,
        *(costs for stage in objectives for costs in stage),
    )


def _per_column(problem: SourcingProblem, layout: ModelLayout, per_pair: FloatArray) -> FloatArray:
    """A value per candidate pair summed over each column's pledge group."""
    lines = problem.mission.requirements
    pledges = problem.scenario.pledges
    total = np.zeros(len(layout.pair))
    for column in np.flatnonzero(layout.pledge_row >= 0).tolist():
        members = layout.members[int(layout.pledge_row[column])]
        line_id = lines[int(layout.line_row[column])].id
        total[column] = sum(
            per_pair[problem.candidate_index(pledges[k].id, line_id)] for k in members
        )
    return total


def _read_solution(
    problem: SourcingProblem,
    layout: ModelLayout,
    columns: IntArray,
    values: FloatArray | None,
    *,
    stages: tuple[StageOutcome, ...],
    status: SolveStatus,
    started: float,
) -> Solution:
    lines = problem.mission.requirements
    seconds = time.perf_counter() - started
    objectives = tuple(o.value for o in stages if o.value is not None)
    if values is None:  # the first stage ended without a solution
        missing = {line.id: line.quantity for line in lines}
        return Solution({}, missing, objectives, status, seconds, stages)
    pledges, cand = problem.scenario.pledges, problem.candidates
    units_of = np.rint(values[layout.fixed_columns :]).astype(np.int64)
    left = {k: problem.units_offered(pledges[k].id, pledges[k].count) for k in range(len(pledges))}
    units: dict[tuple[str, str], int] = {}
    filled = dict.fromkeys((line.id for line in lines), 0.0)
    for j in np.flatnonzero(units_of > 0).tolist():
        # pairs brought in after the last solved stage come after its columns
        position = columns[j]
        line_id = lines[int(cand.line[layout.pair[position]])].id
        filled[line_id] += int(units_of[j]) / float(layout.hulls[position])
        wanted = int(units_of[j])
        for k in layout.members[layout.pledge_row[position]]:  # any split of a group will do
            sent = min(wanted, left[k])
            if sent:
                units[(pledges[k].id, line_id)] = sent
                left[k] -= sent
                wanted -= sent
    # a lone unit on a line where units take turns is half a station: not a station held
    shortfall = {line.id: line.quantity - math.floor(filled[line.id] + 1e-9) for line in lines}
    return Solution(units, shortfall, objectives, status, seconds, stages)


def export_mps(problem: SourcingProblem, path: Path) -> None:
    """Write the stage-1 model (shortfall objective, every usable column) as MPS for checking."""
    layout = define_variables(problem)
    model = _Model(layout, time.perf_counter())
    model.add(np.arange(len(layout.pair)))
    fixed, pairs = _define_objectives(layout)[0]
    model.set_costs(fixed, pairs)
    hs = highs()
    integral = np.arange(layout.fixed_columns, model.lp.getNumCol(), dtype=np.int32)
    model.lp.changeColsIntegrality(
        len(integral), integral, np.array([hs.HighsVarType.kInteger] * len(integral))
    )
    write_highs_model(model.lp, path)

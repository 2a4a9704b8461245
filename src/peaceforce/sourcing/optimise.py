"""The sourcing optimiser: a MIP on HiGHS with a lexicographic objective.

Pipeline, in the manner of PyPSA: build the problem (usable pairs, ceilings,
fair shares) → create the model (variables, constraints, objectives, each in
its own function) → solve stage by stage → read the solution back.

Variables: ``x[k]`` integer units of pledge k's pair sent to its line;
``s[r]`` units missing on line r; ``d[n]`` a nation's deviation (personnel)
from its fair share. Objectives, in order, each held at its optimum while the
next is minimised:

1. priority-weighted shortfall: Σ weight(priority) × personnel of the required
   type × ``s[r]``, weight = 2^(5 − priority) (priority 1 counts 16×, 5 counts 1×);
2. deviation from fair burden shares: Σ ``d[n]``, shares by GDP (or population)
   among the nations able to contribute to this mission;
3. movement: Σ personnel × great-circle km from home base to the area.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from peaceforce.errors import SolverError
from peaceforce.mandate.analysis import FrameworkAssessment
from peaceforce.outputs import write_highs_model
from peaceforce.scenario.model import MissionOption, PersonnelCeiling, Scenario
from peaceforce.solvers import highs
from peaceforce.sourcing.candidates import Pair, candidate_pairs

_STAGE_TOLERANCE = 1e-6

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
    pairs: tuple[Pair, ...]
    ceilings: dict[str, int]
    waived: frozenset[tuple[str, str]] = field(default=frozenset())
    extra_units: dict[str, int] = field(default_factory=dict)

    @property
    def usable(self) -> tuple[Pair, ...]:
        """Pairs the model may use: without obstacles, or with their obstacles waived."""
        return tuple(p for p in self.pairs if p.usable or (p.pledge.id, p.line.id) in self.waived)

    def waiving(self, pledge_id: str, line_id: str) -> SourcingProblem:
        """The same problem with one pair's obstacles set aside."""
        return replace(self, waived=self.waived | {(pledge_id, line_id)})

    def with_extra_units(self, pledge_id: str, units: int) -> SourcingProblem:
        """The same problem with a pledge offering more units."""
        return replace(self, extra_units={**self.extra_units, pledge_id: units})

    def without_nation(self, nation: str) -> SourcingProblem:
        """The same problem as if a nation withdrew all its pledges (N-1)."""
        return replace(self, pairs=tuple(p for p in self.pairs if p.pledge.nation != nation))

    def units_offered(self, pledge_id: str, count: int) -> int:
        """Units a pledge offers, including any what-if extra."""
        return count + self.extra_units.get(pledge_id, 0)

    def with_ceiling(self, nation: str, personnel: int) -> SourcingProblem:
        """The same problem with one nation's personnel ceiling changed."""
        return replace(self, ceilings={**self.ceilings, nation: personnel})

    def unit_personnel(self, unit_type: str) -> int:
        """Personnel of one unit of a type."""
        return self.scenario.unit_type_by_id[unit_type].personnel


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
        pairs=tuple(candidate_pairs(scenario, mission, assessment)),
        ceilings=national_ceilings(scenario),
    )


def fair_shares(problem: SourcingProblem) -> dict[str, float]:
    """Burden shares among the nations with at least one usable pair (sum to 1)."""
    nations = sorted({p.pledge.nation for p in problem.usable})
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
class Solution:
    """Units per usable pair and the objective values reached, stage by stage."""

    units: dict[tuple[str, str], int]
    shortfall: dict[str, int]
    objectives: tuple[float, ...]
    optimal: bool
    seconds: float


@dataclass
class _Model:
    """A HiGHS model and the column index of every variable family."""

    highs: Any
    pairs: tuple[Pair, ...]
    x: np.ndarray[Any, np.dtype[np.int32]]
    s: dict[str, int]
    d: dict[str, int]
    costs: list[np.ndarray[Any, np.dtype[np.float64]]] = field(default_factory=list)


def _add_columns(
    h: Any, hs: Any, lower: list[float], upper: list[float], integer: bool
) -> np.ndarray[Any, np.dtype[np.int32]]:
    first = h.getNumCol()
    count = len(lower)
    h.addVars(count, np.asarray(lower, dtype=float), np.asarray(upper, dtype=float))
    index = np.arange(first, first + count, dtype=np.int32)
    if integer and count:
        h.changeColsIntegrality(count, index, np.array([hs.HighsVarType.kInteger] * count))
    return index


def _add_row(h: Any, lower: float, upper: float, columns: list[int], values: list[float]) -> None:
    h.addRow(
        lower,
        upper,
        len(columns),
        np.asarray(columns, dtype=np.int32),
        np.asarray(values, dtype=float),
    )


def _define_variables(problem: SourcingProblem, h: Any, hs: Any) -> _Model:
    pairs = problem.usable
    upper = [
        float(min(problem.units_offered(p.pledge.id, p.pledge.count), p.line.quantity))
        for p in pairs
    ]
    x = _add_columns(h, hs, [0.0] * len(pairs), upper, integer=True)
    lines = problem.mission.requirements
    s_cols = _add_columns(
        h, hs, [0.0] * len(lines), [float(line.quantity) for line in lines], integer=False
    )
    nations = sorted({p.pledge.nation for p in pairs})
    d_cols = _add_columns(h, hs, [0.0] * len(nations), [math.inf] * len(nations), integer=False)
    return _Model(
        highs=h,
        pairs=pairs,
        x=x,
        s={line.id: int(c) for line, c in zip(lines, s_cols, strict=True)},
        d={n: int(c) for n, c in zip(nations, d_cols, strict=True)},
    )


def _define_constraints(problem: SourcingProblem, model: _Model) -> None:
    h, pairs = model.highs, model.pairs
    personnel = [float(problem.unit_personnel(p.pledge.unit_type)) for p in pairs]
    by_pledge: dict[str, list[int]] = {}
    by_line: dict[str, list[int]] = {line.id: [] for line in problem.mission.requirements}
    by_nation: dict[str, list[int]] = {}
    for k, pair in enumerate(pairs):
        by_pledge.setdefault(pair.pledge.id, []).append(k)
        by_line[pair.line.id].append(k)
        by_nation.setdefault(pair.pledge.nation, []).append(k)
    counts = {p.id: problem.units_offered(p.id, p.count) for p in problem.scenario.pledges}
    for pledge_id, ks in by_pledge.items():
        _add_row(h, -math.inf, counts[pledge_id], [int(model.x[k]) for k in ks], [1.0] * len(ks))
    for line in problem.mission.requirements:
        ks = by_line[line.id]
        _add_row(
            h,
            line.quantity,
            line.quantity,
            [*(int(model.x[k]) for k in ks), model.s[line.id]],
            [1.0] * (len(ks) + 1),
        )
    for nation, ks in by_nation.items():
        if nation in problem.ceilings:
            _add_row(
                h,
                -math.inf,
                problem.ceilings[nation],
                [int(model.x[k]) for k in ks],
                [personnel[k] for k in ks],
            )
    # |P_n − share_n × P_total| ≤ d_n, as two rows per nation.
    shares = fair_shares(problem)
    all_x = [int(c) for c in model.x]
    for nation, ks in by_nation.items():
        own = set(ks)
        coefficient = [
            personnel[k] * ((1.0 if k in own else 0.0) - shares[nation]) for k in range(len(pairs))
        ]
        _add_row(h, -math.inf, 0.0, [*all_x, model.d[nation]], [*coefficient, -1.0])
        _add_row(h, -math.inf, 0.0, [*all_x, model.d[nation]], [*(-c for c in coefficient), -1.0])


def _define_objectives(problem: SourcingProblem, model: _Model) -> None:
    n = model.highs.getNumCol()
    shortfall = np.zeros(n)
    for line in problem.mission.requirements:
        shortfall[model.s[line.id]] = priority_weight(line.priority) * problem.unit_personnel(
            line.capability
        )
    burden = np.zeros(n)
    for column in model.d.values():
        burden[column] = 1.0
    movement = np.zeros(n)
    for k, pair in enumerate(model.pairs):
        movement[model.x[k]] = problem.unit_personnel(pair.pledge.unit_type) * pair.distance_km
    model.costs = [shortfall, burden, movement]


def _solve_stages(
    model: _Model, stages: int, time_limit_s: float
) -> tuple[tuple[float, ...], bool]:
    h = model.highs
    hs = highs()
    everything = np.arange(h.getNumCol(), dtype=np.int32)
    reached: list[float] = []
    optimal = True
    deadline = time.perf_counter() + time_limit_s
    for costs in model.costs[:stages]:
        h.setOptionValue("time_limit", max(0.1, deadline - time.perf_counter()))
        h.changeColsCost(len(everything), everything, costs)
        h.run()
        status = h.getModelStatus()
        if status == hs.HighsModelStatus.kOptimal:
            value = float(h.getInfo().objective_function_value)
        elif h.getInfo().primal_solution_status == 2:  # a feasible incumbent at the time limit
            value, optimal = float(h.getInfo().objective_function_value), False
        else:
            raise SolverError(f"HiGHS ended with {h.modelStatusToString(status)} and no solution")
        reached.append(value)
        nonzero = np.flatnonzero(costs).astype(np.int32)
        if nonzero.size:  # hold this stage at its optimum for the next ones
            h.addRow(
                -math.inf,
                value + _STAGE_TOLERANCE * max(1.0, abs(value)),
                nonzero.size,
                nonzero,
                costs[nonzero],
            )
    return tuple(reached), optimal


def _new_highs() -> tuple[Any, Any]:
    # No "threads" option: HiGHS sizes one thread pool per process, and a later
    # solve asking for a different size returns at once without a solution.
    hs = highs()
    h = hs.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    return h, hs


def create_model(problem: SourcingProblem) -> _Model:
    """Variables, constraints and the three objective vectors of a sourcing problem."""
    h, hs = _new_highs()
    model = _define_variables(problem, h, hs)
    _define_constraints(problem, model)
    _define_objectives(problem, model)
    return model


def optimise(problem: SourcingProblem, *, stages: int = 3, time_limit_s: float = 20.0) -> Solution:
    """Solve the first ``stages`` objectives lexicographically and read the solution back."""
    started = time.perf_counter()
    model = create_model(problem)
    objectives, optimal = _solve_stages(model, stages, time_limit_s)
    values = np.asarray(model.highs.getSolution().col_value)
    units = {
        (pair.pledge.id, pair.line.id): round(values[model.x[k]])
        for k, pair in enumerate(model.pairs)
        if round(values[model.x[k]]) > 0
    }
    shortfall = {
        line.id: line.quantity - sum(u for (_, lid), u in units.items() if lid == line.id)
        for line in problem.mission.requirements
    }
    return Solution(units, shortfall, objectives, optimal, time.perf_counter() - started)


def export_mps(problem: SourcingProblem, path: Path) -> None:
    """Write the stage-1 model (shortfall objective) as MPS for another solver to check."""
    model = create_model(problem)
    everything = np.arange(model.highs.getNumCol(), dtype=np.int32)
    model.highs.changeColsCost(len(everything), everything, model.costs[0])
    write_highs_model(model.highs, path)


def tour_months(problem: SourcingProblem, pledge_id: str) -> int:
    """A pledge's maximum tour (months), or the default where it states none."""
    pledge = next(p for p in problem.scenario.pledges if p.id == pledge_id)
    return pledge.tour_months()

"""Generalized assignment: the instance, its known bounds and the solver result.

Agents have a capacity, every job goes to exactly one agent, each (agent, job)
has a cost and uses some of the agent's capacity (OR-Library's formulation).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from peaceforce.results import Result

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Sense(StrEnum):
    """Whether the objective is a cost to minimise or a value to maximise."""

    MIN = "min"
    MAX = "max"


@dataclass(frozen=True, eq=False)
class GapInstance:
    """An immutable GAP instance: ``m`` agents, ``n`` jobs, every job to exactly one agent.

    ``costs[i, j]`` and ``resources[i, j]`` are what job ``j`` costs and consumes
    when agent ``i`` takes it; ``capacities[i]`` is agent ``i``'s budget. The
    arrays are made read-only so an instance can be shared between solver stages.
    """

    name: str
    costs: FloatArray
    resources: FloatArray
    capacities: FloatArray
    sense: Sense = Sense.MIN

    def __post_init__(self) -> None:
        costs = np.array(self.costs, dtype=np.float64)
        resources = np.array(self.resources, dtype=np.float64)
        capacities = np.array(self.capacities, dtype=np.float64)
        if costs.ndim != 2 or costs.shape != resources.shape:
            raise ValueError(f"costs {costs.shape} and resources {resources.shape} must be m×n")
        if capacities.shape != (costs.shape[0],):
            raise ValueError(f"capacities {capacities.shape} must have one entry per agent")
        for array in (costs, resources, capacities):
            array.setflags(write=False)
        object.__setattr__(self, "costs", costs)
        object.__setattr__(self, "resources", resources)
        object.__setattr__(self, "capacities", capacities)

    @property
    def m(self) -> int:
        """Number of agents."""
        return int(self.costs.shape[0])

    @property
    def n(self) -> int:
        """Number of jobs."""
        return int(self.costs.shape[1])

    @property
    def integral_costs(self) -> bool:
        """True when every objective value is an integer, so bounds can be rounded."""
        return bool(np.all(self.costs == np.round(self.costs)))

    @property
    def integral(self) -> bool:
        """True when costs, resources and capacities are all integers, as CP-SAT needs."""
        data = (self.costs, self.resources, self.capacities)
        return all(bool(np.all(a == np.round(a))) for a in data)

    def with_sense(self, sense: Sense) -> GapInstance:
        """The same data read as the other objective (OR-Library files hold both)."""
        return GapInstance(self.name, self.costs, self.resources, self.capacities, sense)

    def objective(self, assignment: IntArray) -> float:
        """Objective value of ``assignment`` (job → agent index)."""
        return float(self.costs[assignment, np.arange(self.n)].sum())

    def loads(self, assignment: IntArray) -> FloatArray:
        """Resource each agent uses under ``assignment``."""
        used = self.resources[assignment, np.arange(self.n)]
        return np.bincount(assignment, weights=used, minlength=self.m).astype(np.float64)

    def is_feasible(self, assignment: IntArray) -> bool:
        """True when ``assignment`` covers every job and respects every capacity."""
        if assignment.shape != (self.n,) or assignment.min(initial=0) < 0:
            return False
        if assignment.max(initial=0) >= self.m:
            return False
        return bool(np.all(self.loads(assignment) <= self.capacities + 1e-9))


@dataclass(frozen=True)
class KnownBounds:
    """Published bounds of one instance and sense; ``lower == upper`` means proven optimal."""

    lower: float
    upper: float

    def best_known(self, sense: Sense) -> float:
        """The best known feasible value: the upper bound when minimising, the lower when not."""
        return self.upper if sense is Sense.MIN else self.lower


def gap_to_best_known(objective: float, best_known: float, sense: Sense) -> float:
    """Relative distance of ``objective`` above (min) or below (max) the best known value.

    Negative when ``objective`` beats it.
    """
    worse_by = objective - best_known if sense is Sense.MIN else best_known - objective
    return worse_by / max(abs(best_known), 1e-9)


class GapStatus(StrEnum):
    """How a solve ended."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"


class Component(StrEnum):
    """The part of the engine that found the incumbent (or the plain solver that did)."""

    LAGRANGIAN_REPAIR = "lagrangian_repair"
    LOCAL_SEARCH = "local_search"
    LNS = "lns"
    HIGHS = "highs"
    CP_SAT = "cp_sat"


class GapResult(Result):
    """Outcome of one GAP solve; serialises with ``model_dump_json`` / ``model_validate_json``.

    ``assignment[j]`` is the agent (0-based) that takes job ``j``. ``best_bound``
    is a proven bound on the optimum (below it when minimising, above when
    maximising); ``relative_gap`` is ``|objective - best_bound| / |objective|``.
    """

    instance: str
    sense: Sense
    status: GapStatus
    assignment: tuple[int, ...] | None
    objective: float | None
    best_bound: float | None
    relative_gap: float | None
    proven_optimal: bool
    wall_time_s: float
    found_by: Component | None

    @classmethod
    def build(
        cls,
        instance: GapInstance,
        assignment: IntArray | None,
        bound: float | None,
        wall_time_s: float,
        found_by: Component | None,
        *,
        infeasible: bool = False,
    ) -> GapResult:
        """Derive objective, gap, status and optimality from an assignment and a bound."""
        if assignment is None:
            status = GapStatus.INFEASIBLE if infeasible else GapStatus.TIME_LIMIT_NO_SOLUTION
            return cls(
                instance=instance.name,
                sense=instance.sense,
                status=status,
                assignment=None,
                objective=None,
                best_bound=bound,
                relative_gap=None,
                proven_optimal=False,
                wall_time_s=wall_time_s,
                found_by=None,
            )
        objective = instance.objective(assignment)
        gap = None if bound is None else abs(objective - bound) / max(abs(objective), 1e-9)
        proven = gap is not None and gap <= 1e-9
        return cls(
            instance=instance.name,
            sense=instance.sense,
            status=GapStatus.OPTIMAL if proven else GapStatus.FEASIBLE,
            assignment=tuple(int(a) for a in assignment),
            objective=objective,
            best_bound=bound,
            relative_gap=gap,
            proven_optimal=proven,
            wall_time_s=wall_time_s,
            found_by=found_by,
        )

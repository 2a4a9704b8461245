"""How a solve ended: one vocabulary for HiGHS, CP-SAT and our own heuristics."""

from __future__ import annotations

from enum import StrEnum


class SolveStatus(StrEnum):
    """What the solver established about its objective."""

    OPTIMAL = "optimal"  # proven best
    FEASIBLE = "feasible"  # a solution, not proven best within the time limit
    INFEASIBLE = "infeasible"  # proven: no solution exists
    NO_SOLUTION = "no_solution"  # none found and none ruled out (time limit, interrupted)
    NOTHING_TO_SOLVE = "nothing_to_solve"  # empty problem: nothing to source, place or schedule

    @property
    def has_solution(self) -> bool:
        """Whether a solution (proven or not) can be read back."""
        return self in {SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.NOTHING_TO_SOLVE}

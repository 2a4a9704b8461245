"""Default solver time limits that grow with the problem, so a large one is not cut short.

A fixed limit that suits the built-in scenario leaves a headquarters-sized
problem without a solution ("time limit reached and no solution"). Each stage
states a limit for problems up to a reference size; beyond it the limit grows
in proportion to the size, up to a cap. ``--time-limit`` overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TimeBudget:
    """``base_s`` seconds up to ``reference`` units of size, then in proportion, up to ``cap_s``."""

    base_s: float
    reference: int
    cap_s: float
    #: what the size counts, for messages and docs ("candidate (pledge, line) pairs")
    measure: str

    def seconds(self, size: int) -> float:
        """The default limit for a problem of ``size``."""
        return min(self.cap_s, self.base_s * max(1.0, size / self.reference))

    def describe(self) -> str:
        """The rule in words, for help texts and docs."""
        return (
            f"{self.base_s:g} s up to {self.reference:,} {self.measure}, "
            f"in proportion beyond, at most {self.cap_s:g} s"
        )


#: Sourcing: the candidate (pledge, line) pairs the model chooses among.
SOURCING = TimeBudget(base_s=20, reference=100_000, cap_s=600, measure="candidate pairs")
#: Deployment: the unit movements routed and scheduled together.
DEPLOYMENT = TimeBudget(base_s=2, reference=200, cap_s=300, measure="unit movements")
#: Air-defence placement: demand points × candidate sites of the covering model.
PROTECTION = TimeBudget(base_s=30, reference=2_000_000, cap_s=600, measure="demand points × sites")


def limit(budget: TimeBudget, size: int, given_s: float | None) -> float:
    """The limit a solve runs under: the one given, else the budget's for this size."""
    return budget.seconds(size) if given_s is None else given_s

"""The one exception tree of peaceforce.

::

    PeaceforceError                 root: every error we raise on purpose
    ├── InputError                  bad user input; carries one or more Problems
    │   └── ScenarioError           a scenario folder failed validation
    └── SolverError                 a solver failed for a reason that is not the input's

The CLI turns any ``PeaceforceError`` into a clean message and exit code 2;
nothing else should ever reach a user as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, what was found, what was expected."""

    file: str
    location: str
    value: str
    expected: str

    def __str__(self) -> str:
        return f"{self.file}:{self.location}: got {self.value}; expected {self.expected}"


class PeaceforceError(Exception):
    """Root of every error peaceforce raises on purpose."""


class InputError(PeaceforceError):
    """Bad input; ``problems`` lists every fault found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ScenarioError(InputError):
    """A scenario folder failed validation."""


class SolverError(PeaceforceError):
    """A solver failed in a way that is not the fault of the input."""

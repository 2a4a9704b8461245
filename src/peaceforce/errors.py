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

from dataclasses import asdict, dataclass
from typing import Any

#: Exit status of every command that fails on its input or a solver (click's usage errors too).
EXIT_FAILURE = 2


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


def error_document(error: PeaceforceError) -> dict[str, Any]:
    """The one JSON shape of a failure, for the CLI's ``--json`` and the API alike.

    ``{"ok": false, "status": 2, "kind": "input", "error": "...", "problems": [...]}``:
    ``kind`` is ``input``, ``scenario`` or ``solver``; ``problems`` lists every fault
    found (file, location, value, expected) and is empty when the input is not at fault.
    """
    problems = error.problems if isinstance(error, InputError) else []
    kind = {ScenarioError: "scenario", InputError: "input", SolverError: "solver"}.get(
        type(error), "error"
    )
    message = f"{len(problems)} problem(s) found" if problems else str(error)
    return {
        "ok": False,
        "status": EXIT_FAILURE,
        "kind": kind,
        "error": message,
        "problems": [asdict(problem) for problem in problems],
    }

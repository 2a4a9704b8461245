"""What every CLI module shares: consoles, common options, JSON printing."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from peaceforce.errors import EXIT_FAILURE, InputError, PeaceforceError, Problem, error_document
from peaceforce.presentation.tables import problems_table
from peaceforce.presentation.text import plain
from peaceforce.runs import WrittenRun
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.whatif import WhatIf, apply_what_if

# Piped output gets a readable width rather than rich's 80-column fallback.
console = Console(width=None if sys.stdout.isatty() else 150)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 150)

ScenarioOption = Annotated[
    Path | None,
    typer.Option(
        "--scenario", "-s", help="Scenario folder (default: the built-in coalition-2025)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
RotationOption = Annotated[
    int | None,
    typer.Option(
        "--rotation-ratio",
        min=2,
        help="What-if: units held per unit deployed (3 = rule of thirds).",
    ),
]
TimeLimitOption = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        min=0.1,
        help="Seconds each optimiser call may take (default: scaled to the problem's size, "
        "see docs/robustness.md); when it runs out without a plan, raise it.",
        show_default=False,
    ),
]


def out_of_time(what: str, used_s: float, status: str) -> str:
    """What to tell a user whose solve ran out of time with nothing to show: the limit, the fix."""
    return (
        f"no {what} within {used_s:g} s ({status}): raise --time-limit, "
        f"e.g. --time-limit {max(2 * used_s, used_s + 10):g}"
    )


OutOption = Annotated[
    Path,
    typer.Option(
        "--out", help="Folder of the runs: each run goes to OUT/<scenario id>/<key>/ beside others."
    ),
]
BackstopOption = Annotated[
    bool | None,
    typer.Option("--us-backstop/--no-us-backstop", help="What-if: whether the US backs the force."),
]


JoinsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--joins",
        help="What-if: a nation (ISO code) joins; its conditional pledges become firm. Repeatable.",
    ),
]
WithdrawsOption = Annotated[
    list[str] | None,
    typer.Option("--withdraws", help="What-if: a nation withdraws every pledge. Repeatable."),
]
AfterPeaceOption = Annotated[
    bool | None,
    typer.Option(
        "--after-peace/--before-peace",
        help="What-if: access regimes as after a peace agreement (the Turkish Straits reopen).",
    ),
]


def load_what_if(
    folder: Path | None,
    rotation_ratio: int | None = None,
    us_backstop: bool | None = None,
    *,
    joins: list[str] | None = None,
    withdraws: list[str] | None = None,
    after_peace: bool | None = None,
) -> Scenario:
    """Load a scenario (the built-in one by default) with the command line's what-if switches.

    A nation code that is not well formed or not in the scenario is reported as an input error.
    """
    try:
        what_if = WhatIf(
            rotation_ratio=rotation_ratio,
            us_backstop=us_backstop,
            after_peace_agreement=after_peace,
            joins=tuple(code.upper() for code in joins or ()),
            withdraws=tuple(code.upper() for code in withdraws or ()),
        )
    except ValidationError as exc:
        raise InputError(
            [
                Problem("command line", "--" + str(e["loc"][0]), repr(e["input"]), e["msg"])
                for e in exc.errors()
            ]
        ) from None
    return apply_what_if(load_scenario(folder), what_if)


class ReportingGroup(TyperGroup):
    """The app's command group: an error we raise on purpose, from any command, is reported
    (a problem table, or the JSON error document with ``--json``) with exit code 2 —
    never a traceback. Living in the group, it holds for every command and for tests
    that invoke the app directly.
    """

    # ``ctx`` is the Context of the click that typer vendors; it has no public name.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta.setdefault(_AS_JSON, "--json" in args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PeaceforceError as exc:
            report_error(exc, as_json=bool(ctx.meta.get(_AS_JSON)))
            raise typer.Exit(EXIT_FAILURE) from None


_AS_JSON = "peaceforce.as_json"


def report_error(error: PeaceforceError, *, as_json: bool) -> None:
    """Print a failure: the JSON error document on stdout, or a readable table on stderr."""
    if as_json:
        sys.stdout.write(json.dumps(error_document(error), indent=2) + "\n")
    elif isinstance(error, InputError):
        errors.print(problems_table(error.problems, f"{len(error.problems)} problem(s) found"))
    else:
        errors.print(Text.assemble(("error: ", "red"), str(error)))


def run_written(run: WrittenRun, what: str) -> Text:
    """The line that says where a run went, and which pointer names it as the newest."""
    return plain(
        f"{len(run.files)} files ({what}) written to {run.folder}/; "
        f"{run.pointer.name} in {run.pointer.parent} names it as the newest"
    )


def print_json(result: BaseModel) -> None:
    """Write a result as indented JSON to stdout, bypassing rich's markup."""
    sys.stdout.write(result.model_dump_json(indent=2) + "\n")


def new_group(name: str, help_text: str) -> typer.Typer:
    """A sub-command group configured like the main app."""
    return typer.Typer(
        name=name,
        help=help_text,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        cls=ReportingGroup,
    )

"""What every CLI module shares: consoles, common options, JSON printing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.console import Console

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
BackstopOption = Annotated[
    bool | None,
    typer.Option("--us-backstop/--no-us-backstop", help="What-if: whether the US backs the force."),
]


def load_what_if(
    folder: Path | None, rotation_ratio: int | None = None, us_backstop: bool | None = None
) -> Scenario:
    """Load a scenario (the built-in one by default) with the command line's what-if switches."""
    what_if = WhatIf(rotation_ratio=rotation_ratio, us_backstop=us_backstop)
    return apply_what_if(load_scenario(folder), what_if)


def print_json(result: BaseModel) -> None:
    """Write a result as indented JSON to stdout, bypassing rich's markup."""
    sys.stdout.write(result.model_dump_json(indent=2) + "\n")


def new_group(name: str, help_text: str) -> typer.Typer:
    """A sub-command group configured like the main app."""
    return typer.Typer(
        name=name, help=help_text, no_args_is_help=True, pretty_exceptions_enable=False
    )

"""What every CLI module shares: consoles, common options, JSON printing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.console import Console

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


def print_json(result: BaseModel) -> None:
    """Write a result as indented JSON to stdout, bypassing rich's markup."""
    sys.stdout.write(result.model_dump_json(indent=2) + "\n")


def new_group(name: str, help_text: str) -> typer.Typer:
    """A sub-command group configured like the main app."""
    return typer.Typer(
        name=name, help=help_text, no_args_is_help=True, pretty_exceptions_enable=False
    )

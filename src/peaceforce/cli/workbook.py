"""``peaceforce export-xlsx`` and ``import-xlsx``: a scenario's planner's workbook, out and in.

Thin wrappers over :mod:`peaceforce.scenario.workbook`; they print what moved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from peaceforce.cli.common import JsonOption, console, print_json
from peaceforce.presentation.text import add_plain_row, plain
from peaceforce.scenario.workbook import WorkbookSummary, export_workbook, import_workbook


def _print(summary: WorkbookSummary) -> None:
    table = Table()
    table.add_column("sheet")
    table.add_column("rows", justify="right")
    for sheet, rows in summary.rows.items():
        add_plain_row(table, sheet, rows)
    console.print(table)
    console.print(plain("written: " + ", ".join(summary.written)))
    if summary.removed:
        console.print(plain("removed (merged into pledges.yaml): " + ", ".join(summary.removed)))
    console.print(
        plain(f"scenario {summary.scenario}, run {summary.run_key}, marked {summary.label}")
    )


def export_xlsx(
    folder: Annotated[Path, typer.Argument(help="Scenario folder to export.")],
    workbook: Annotated[Path, typer.Argument(help="Workbook to write (.xlsx).")],
    as_json: JsonOption = False,
) -> None:
    """Write a scenario's nations, stances, pledges and requirement lines as a workbook."""
    summary = export_workbook(folder, workbook)
    if as_json:
        print_json(summary)
        return
    _print(summary)


def import_xlsx(
    workbook: Annotated[Path, typer.Argument(help="Workbook to read (.xlsx).")],
    folder: Annotated[
        Path, typer.Argument(help="Scenario folder to update (or to create, with --base).")
    ],
    base: Annotated[
        Path | None,
        typer.Option(
            "--base",
            help="Scenario folder whose other files a new FOLDER takes (scenario.yaml, "
            "catalogue, areas, ...).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Read a workbook into a scenario folder, checked: all of it or nothing (exit code 2)."""
    summary = import_workbook(workbook, folder, base=base)
    if as_json:
        print_json(summary)
        return
    _print(summary)

"""The tables of ``peaceforce diff``: two runs side by side, then only what changed.

Figures are named as the result models name them (``fill``, ``filled``,
``deployment.foc_day``); shares and fills are shown as percentages and their change in
percentage points, so that a figure a stage adds later is shown without a change here.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import RenderableType
from rich.table import Table

from peaceforce.presentation.tables import headed
from peaceforce.presentation.text import add_plain_row, plain
from peaceforce.runs.diff import Figure, FigureChange, ItemDiff, Presence, RunDiff, RunSide
from peaceforce.scenario.whatif import WhatIf

_PRESENCE = {Presence.ONLY_A: "only in A", Presence.ONLY_B: "only in B"}


def run_diff_report(diff: RunDiff) -> list[RenderableType]:
    """Everything ``peaceforce diff`` prints, in order, marked at the top and the bottom."""
    marking = headed("marked", diff.label)
    parts: list[RenderableType] = [marking, _runs_table(diff.run_a, diff.run_b)]
    if diff.same_figures:
        same = "every figure is the same in both runs"
        parts.append(headed("no change", same + (", the settings differ" if diff.what_if else "")))
    if diff.what_if:
        parts.append(_what_if_table(diff.what_if))
    if diff.frameworks:
        parts.append(_changes_table("Mandate", "framework", _item_rows(diff.frameworks)))
    for outcome in diff.outcomes:
        title = f"{outcome.mission_id} under {outcome.framework_id}"
        if outcome.presence is not Presence.BOTH:
            title += f" ({_PRESENCE[outcome.presence]})"
        rows = [
            *_rows("", outcome.figures),
            *_item_rows(outcome.lines, "line "),
            *_item_rows(outcome.contributions),
            *_item_rows(outcome.withdrawals, "N-1 without "),
        ]
        parts.append(_changes_table(title, "line / nation", rows))
    if diff.sweep:
        parts.append(
            _changes_table("Sweep (framework/mission/domain)", "row", _item_rows(diff.sweep))
        )
    parts.append(marking)
    return parts


def _runs_table(run_a: RunSide, run_b: RunSide) -> Table:
    table = Table(title=plain("Runs compared"))
    for column in ("", "A (before)", "B (after)"):
        table.add_column(column, overflow="fold")
    for name, a, b in (
        ("folder", run_a.folder, run_b.folder),
        ("run key", run_a.run_key, run_b.run_key),
        ("scenario", run_a.scenario_id, run_b.scenario_id),
        ("written (UTC)", _when(run_a), _when(run_b)),
        ("what-if", _what_if(run_a.what_if), _what_if(run_b.what_if)),
        ("label", run_a.label, run_b.label),
    ):
        add_plain_row(table, name, a, b)
    return table


def _what_if_table(changes: Iterable[FigureChange]) -> Table:
    table = Table(title=plain("What-if settings that differ"))
    for column in ("setting", "A", "B"):
        table.add_column(column)
    for change in changes:
        before, after = (
            "as in the files" if value is None else format_figure(value)
            for value in (change.before, change.after)
        )
        add_plain_row(table, change.figure, before, after)
    return table


def _when(run: RunSide) -> str:
    return run.written_at.strftime("%Y-%m-%d %H:%M:%S")


def _what_if(what_if: WhatIf) -> str:
    settings = what_if.model_dump(mode="json", exclude_none=True)
    return ", ".join(f"{name}={value}" for name, value in settings.items()) or "none"


_Row = tuple[str, FigureChange]


def _rows(item: str, changes: Iterable[FigureChange]) -> list[_Row]:
    return [(item, change) for change in changes]


def _item_rows(items: Iterable[ItemDiff], prefix: str = "") -> list[_Row]:
    rows: list[_Row] = []
    for item in items:
        name = prefix + item.key
        if item.presence is not Presence.BOTH:
            name += f" ({_PRESENCE[item.presence]})"
        rows.extend(_rows(name, item.changes))
    return rows


def _changes_table(title: str, item_heading: str, rows: list[_Row]) -> Table:
    table = Table(title=plain(title))
    table.add_column(item_heading, overflow="fold")
    table.add_column("figure", overflow="fold")
    for column in ("A", "B", "change"):
        table.add_column(column, justify="right")
    for item, change in rows:
        share = is_share(change.figure)
        add_plain_row(
            table,
            item,
            change.figure,
            format_figure(change.before, share=share),
            format_figure(change.after, share=share),
            format_delta(change.delta, share=share),
        )
    return table


def is_share(figure: str) -> bool:
    """Whether a figure is a share of 1 (a fill, a coverage share), by the model's name for it."""
    return any(
        part.endswith(("fill", "fill_rate", "_share")) or part in {"drop", "sustained_drop"}
        for part in figure.split(".")
    )


def format_figure(value: Figure, *, share: bool = False) -> str:
    """A figure as a staff officer reads it: 1,234; 83.1 %; yes/no; '-' when absent."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if share and isinstance(value, int | float):
        return f"{value:.1%}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return value


def format_delta(delta: int | float | None, *, share: bool = False) -> str:
    """A change with its sign; shares in percentage points."""
    if delta is None:
        return ""
    if share:
        return f"{delta * 100:+.1f} pp"
    if isinstance(delta, int):
        return f"{delta:+,}"
    return f"{delta:+,.2f}"

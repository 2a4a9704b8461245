"""User data on a terminal: always text, never markup, never raw control characters.

Rich reads ``[...]`` in a plain ``str`` as markup: an id like ``[/x]evil`` would crash
the table and ``[bold]`` would vanish; an escape sequence in an id would reach the
terminal. Every value that came from a user or a file goes through :func:`plain`.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

#: C0 control characters and DEL, shown as escapes rather than sent to the terminal.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(32), 127)}


def plain(value: object, style: str = "") -> Text:
    """A value as literal text: no markup, control characters shown escaped (``\\x1b``)."""
    text = "" if value is None else str(value)
    return Text(text.translate(_CONTROL), style=style)


def add_plain_row(table: Table, *cells: object) -> None:
    """Add a row whose cells are literal text (a ``Text`` cell keeps its own styling)."""
    table.add_row(*(cell if isinstance(cell, Text) else plain(cell) for cell in cells))

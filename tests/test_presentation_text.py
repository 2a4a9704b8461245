"""User data in terminal output stays literal: markup is not interpreted, escapes are shown."""

from __future__ import annotations

from rich.console import Console

from peaceforce.errors import Problem
from peaceforce.presentation.tables import problems_table
from peaceforce.presentation.text import plain


def _render(renderable: object) -> str:
    console = Console(width=120, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_markup_is_printed_as_it_was_written() -> None:
    assert _render(plain("[/x]evil [bold]id[/bold]")).strip() == "[/x]evil [bold]id[/bold]"


def test_control_characters_are_shown_escaped() -> None:
    shown = _render(plain("id\x1b]8;;http://x\x07\x1b[31mred\r")).strip()
    assert shown == "id\\x1b]8;;http://x\\x07\\x1b[31mred\\x0d"
    assert "\x1b" not in shown


def test_a_problem_with_markup_in_every_field_renders() -> None:
    problem = Problem("[/a].csv", "line 2, [/b]", "'[/x]evil'", "[red]an id[/red]")
    shown = _render(problems_table([problem], "1 problem(s) [/found]"))
    for text in ("[/a].csv", "[/b]", "[/x]evil", "[red]an id[/red]", "[/found]"):
        assert text in shown

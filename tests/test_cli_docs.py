"""docs/cli.md documents every command and option: its reference part is generated."""

from __future__ import annotations

import re

import pytest
from typer.main import get_command

from cli_docs import DOCS, command_paths, with_reference
from peaceforce.cli import app


def test_generated_reference_is_current() -> None:
    current = DOCS.read_text(encoding="utf-8")
    assert current == with_reference(current), "docs/cli.md is stale: run `make docs`"


def _options(path: tuple[str, ...]) -> list[str]:
    command = get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return [o for p in command.params for o in p.opts if o.startswith("--") and o != "--help"]


@pytest.mark.parametrize("path", list(command_paths()), ids=" ".join)
def test_every_command_and_option_is_documented(path: tuple[str, ...]) -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert f"### `peaceforce {' '.join(path)}`" in text
    section = text.split(f"### `peaceforce {' '.join(path)}`", 1)[1].split("\n### ", 1)[0]
    for option in _options(path):
        assert re.search(rf"{re.escape(option)}\b", section), f"{option} missing from {path}"

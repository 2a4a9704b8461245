"""Helpers for tests that need an editable copy of the built-in scenario."""

from __future__ import annotations

import shutil
from pathlib import Path

from peaceforce.scenario.loader import builtin_scenario_dir


def copy_builtin(target: Path) -> Path:
    """Copy the built-in scenario into ``target/scenario`` and return that folder."""
    folder = target / "scenario"
    shutil.copytree(builtin_scenario_dir(), folder)
    return folder


def append(path: Path, text: str) -> int:
    """Append lines to a file; return the 1-based line number of the first one."""
    existing = path.read_text(encoding="utf-8")
    if not existing.endswith("\n"):
        existing += "\n"
    path.write_text(existing + text, encoding="utf-8")
    return existing.count("\n") + 1


def line_count(path: Path) -> int:
    """Number of lines in a text file."""
    return path.read_text(encoding="utf-8").count("\n")

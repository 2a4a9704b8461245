"""Runs side by side: each run's files in its own folder, and what changed between two.

:mod:`.folders` writes a run into ``out/<scenario id>/<folder key>/`` (atomically, with a
manifest and a pointer to the newest run) and finds and reads runs back;
:mod:`.diff` compares two plan runs figure by figure.
"""

from peaceforce.runs.diff import RunDiff, diff_runs
from peaceforce.runs.folders import (
    RunCommand,
    RunManifest,
    SavedRun,
    WrittenRun,
    load_plan_run,
    resolve_run,
    write_run,
)

__all__ = [
    "RunCommand",
    "RunDiff",
    "RunManifest",
    "SavedRun",
    "WrittenRun",
    "diff_runs",
    "load_plan_run",
    "resolve_run",
    "write_run",
]

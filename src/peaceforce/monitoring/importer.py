"""Importing report files into an incident store, file by file, each file one durable batch.

A monitoring cell imports a day's reports in several formats, one file after
another; the store accumulates them. Import is idempotent by id: a report seen
again with the same content counts as a duplicate, and one that comes back
under a known id with other content is rejected, never merged or overwritten.
Valid reports are stored even when others in the same file are rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Label
from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL, Incident
from peaceforce.monitoring.intake import INTAKE_SUFFIXES, IntakeFormat, read_incident_file
from peaceforce.monitoring.store import IncidentQuery, IncidentStore, JsonLinesStore, MemoryStore
from peaceforce.results import Result

#: File endings read as incident stores (JSON Lines) rather than as intake files.
STORE_SUFFIXES = frozenset(s for s, f in INTAKE_SUFFIXES.items() if f is IntakeFormat.JSONL)


class FileIntake(Result):
    """What one file gave: valid reports, new ones, duplicates, rejected ones."""

    file: str
    reports: int
    accepted: int
    duplicates: int
    rejected: int


class ImportResult(Result):
    """The outcome of importing files into a store (or only checking them, without one)."""

    store: str | None
    files: tuple[FileIntake, ...]
    accepted: int
    duplicates: int
    rejected: tuple[Problem, ...]
    stored: int
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no report was rejected."""
        return not self.rejected


def import_reports(
    paths: Sequence[Path | str],
    *,
    store: IncidentStore | None = None,
    label: Label = DEFAULT_INCIDENT_LABEL,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    on_file: Callable[[FileIntake], None] | None = None,
) -> ImportResult:
    """Read each file and append its valid reports to ``store``, one batch per file.

    Without ``store`` the files are only checked (against each other, in memory).
    ``label`` labels every report that gives none of its own. ``on_file`` hears
    of each file once its batch is durable in the store: what it reports has
    been acknowledged. Every rejected report is listed with its file, line (or
    JSON path) and reason; what the store did besides (a torn line set aside) is
    in ``notes``.
    """
    target = store if store is not None else MemoryStore()
    files: list[FileIntake] = []
    rejected: list[Problem] = []
    notes: list[str] = []
    for path in paths:
        intake = read_incident_file(path, label=label, columns=columns, defaults=defaults)
        appended = target.append(intake.incidents)
        conflicts = _conflicts(str(path), appended.conflicts)
        rejected.extend(intake.rejected)
        rejected.extend(conflicts)
        notes.extend(appended.notes)
        files.append(
            FileIntake(
                file=str(path),
                reports=len(intake.incidents) + intake.duplicates,
                accepted=len(appended.added),
                duplicates=intake.duplicates + len(appended.present),
                rejected=len(intake.rejected) + len(conflicts),
            )
        )
        if on_file is not None:
            on_file(files[-1])
    return ImportResult(
        store=store.location if store is not None else None,
        files=tuple(files),
        accepted=sum(f.accepted for f in files),
        duplicates=sum(f.duplicates for f in files),
        rejected=tuple(rejected),
        stored=store.count() if store is not None else 0,
        notes=tuple(notes),
    )


def _conflicts(file: str, ids: Sequence[str]) -> list[Problem]:
    return [
        Problem(
            file,
            f"id {incident_id}",
            "other content",
            "a new id: the store already holds a different report under this one",
        )
        for incident_id in ids
    ]


def read_reports(
    paths: Sequence[Path | str], query: IncidentQuery | None = None
) -> tuple[Incident, ...]:
    """Incidents from stores (``.jsonl``) and intake files together, for a report.

    A report is published from clean input: a rejected row here would silently
    be missing from it, so ``InputError`` lists every one instead. ``query``
    narrows what is read (a store filters as it reads).
    """
    collected = MemoryStore()
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.suffix.lower() in STORE_SUFFIXES:
            if not path.is_file():
                problems.append(Problem(str(path), "-", "no such file", "an incident store"))
                continue
            incidents = JsonLinesStore(path).query(query)
        else:
            intake = read_incident_file(path)
            problems.extend(intake.rejected)
            incidents = intake.incidents
        problems.extend(_conflicts(str(path), collected.append(incidents).conflicts))
    if problems:
        raise InputError(problems)
    return collected.query(query)

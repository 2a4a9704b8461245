"""The incident store: every accepted report, kept in one JSON Lines file.

A monitoring cell imports a day's reports in several formats, one file after
another; the store accumulates them. Import is idempotent by id: a report seen
again with the same content counts as a duplicate, and one that comes back
under a known id with other content is rejected, never merged or overwritten.
The file is rewritten whole through a temporary sibling and a rename, so an
interrupted import leaves the previous store intact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from peaceforce.errors import InputError, Problem
from peaceforce.monitoring.incidents import Incident
from peaceforce.monitoring.intake import read_incident_file, read_jsonl
from peaceforce.outputs import write_atomic
from peaceforce.results import Result


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

    @property
    def ok(self) -> bool:
        """True when no report was rejected."""
        return not self.rejected


def load_store(path: Path | str) -> tuple[Incident, ...]:
    """The incidents of a store file; a store that does not exist yet is empty.

    A line that is not a valid incident (the file was edited by hand) raises
    ``InputError`` naming it, rather than being dropped on the next write.
    """
    path = Path(path)
    if not path.exists():
        return ()
    result = read_jsonl(path)
    if result.rejected:
        raise InputError(list(result.rejected))
    return result.incidents


def store_text(incidents: Iterable[Incident]) -> str:
    """The JSON Lines text of a store: one incident a line, in the order accepted."""
    return "".join(incident.model_dump_json() + "\n" for incident in incidents)


def write_store(path: Path | str, incidents: Sequence[Incident]) -> None:
    """Replace the store file atomically with these incidents."""
    write_atomic(Path(path), store_text(incidents))


def _accumulate(
    paths: Sequence[Path | str],
    known: dict[str, Incident],
    columns: Mapping[str, str] | None,
    defaults: Mapping[str, Any] | None,
) -> tuple[list[FileIntake], list[Problem]]:
    """Read each file into ``known`` (first id wins); what each file gave and every rejection."""
    files: list[FileIntake] = []
    rejected: list[Problem] = []
    for path in paths:
        intake = read_incident_file(path, columns=columns, defaults=defaults)
        new = 0
        duplicates = intake.duplicates
        conflicts: list[Problem] = []
        for incident in intake.incidents:
            held = known.get(incident.id)
            if held is None:
                known[incident.id] = incident
                new += 1
            elif held == incident:
                duplicates += 1
            else:
                conflicts.append(
                    Problem(
                        str(path),
                        f"id {incident.id}",
                        "other content",
                        "a new id: the store already holds a different report under this one",
                    )
                )
        rejected.extend(intake.rejected)
        rejected.extend(conflicts)
        files.append(
            FileIntake(
                file=str(path),
                reports=len(intake.incidents) + intake.duplicates,
                accepted=new,
                duplicates=duplicates,
                rejected=len(intake.rejected) + len(conflicts),
            )
        )
    return files, rejected


def import_reports(
    paths: Sequence[Path | str],
    *,
    store: Path | str | None = None,
    columns: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> ImportResult:
    """Read each file and add its valid reports to the store (if given), idempotently by id.

    Valid reports are stored even when others in the same file are rejected;
    every rejected one is listed with its file, line (or JSON path) and reason.
    Without ``store`` the files are only checked.
    """
    known = {i.id: i for i in load_store(store)} if store is not None else {}
    before = len(known)
    files, rejected = _accumulate(paths, known, columns, defaults)
    if store is not None and len(known) != before:
        write_store(store, list(known.values()))
    return ImportResult(
        store=None if store is None else str(store),
        files=tuple(files),
        accepted=sum(f.accepted for f in files),
        duplicates=sum(f.duplicates for f in files),
        rejected=tuple(rejected),
        stored=len(known) if store is not None else 0,
    )


def read_reports(paths: Sequence[Path | str]) -> tuple[Incident, ...]:
    """Incidents from stores and intake files together, for a report; any bad row is an error.

    A report is published from clean input: a rejected row here would silently
    be missing from it, so ``InputError`` lists every one instead.
    """
    known: dict[str, Incident] = {}
    _, rejected = _accumulate(paths, known, None, None)
    if rejected:
        raise InputError(rejected)
    return tuple(known.values())

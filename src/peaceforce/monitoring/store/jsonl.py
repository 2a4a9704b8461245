"""The incident store as one append-only JSON Lines file, safe for concurrent importers.

Beside ``incidents.jsonl`` (one incident a line, in the order accepted) live
``incidents.jsonl.lock``, the lock file (never removed: removing a lock file
lets two writers lock two different files), and ``incidents.jsonl.torn``, where
torn lines are set aside.

- **Append only.** A batch is written at the end in one go and fsynced before
  ``append`` returns; nothing already stored is rewritten.
- **Concurrent importers.** A writer holds an exclusive ``flock`` on the lock
  file from reading the ids through appending; readers hold a shared one, so
  they never see half a batch.
- **Crashes.** A write cut short (power loss, ``kill -9`` mid-write) can leave a
  last line without its newline. It was never acknowledged, since ``append`` had
  not returned. Readers skip it with a ``TornLineWarning`` naming the file, the
  line and its byte offset; the next append first moves it, byte for byte, to
  the ``.torn`` file (fsynced) and cuts it off, so no record is glued onto it,
  and says so in ``AppendResult.notes``.
- **Damage.** Any other line that is not an incident (a hand edit) is an
  ``InputError`` naming it, never skipped.
"""

from __future__ import annotations

import fcntl
import json
import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from peaceforce.errors import InputError, Problem
from peaceforce.monitoring.incidents import Incident
from peaceforce.monitoring.intake.jsonl import parse_jsonl
from peaceforce.monitoring.store.protocol import AppendResult, IncidentQuery, sort_batch
from peaceforce.outputs import fsync_folder


class TornLineWarning(UserWarning):
    """The store's last line was cut short by an interrupted write."""


@dataclass(frozen=True)
class _Contents:
    """The store file read once: its complete lines, and the torn tail after them, if any."""

    text: str
    size: int
    torn: bytes
    torn_line: int


@dataclass(frozen=True)
class _Line:
    number: int
    text: str


class JsonLinesStore:
    """``IncidentStore`` in one JSON Lines file (see the module docstring for its guarantees)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.torn_path = self.path.with_name(self.path.name + ".torn")

    @property
    def location(self) -> str:
        """The store file's path."""
        return str(self.path)

    def __repr__(self) -> str:
        return f"JsonLinesStore({str(self.path)!r})"

    # --- the protocol ----------------------------------------------------------------

    def append(self, incidents: Sequence[Incident]) -> AppendResult:
        """Add a batch idempotently by id; it is on disk (fsynced) when this returns."""
        self._make_folder()
        with self._locked(fcntl.LOCK_EX):
            contents = self._read()
            if contents.torn:
                self._set_aside(contents)
            lines = self._lines_by_id(contents)

            def held(incident_id: str) -> Incident | None:
                line = lines.get(incident_id)
                return None if line is None else self._incident(line)

            new, result = sort_batch(incidents, held)
            if new:
                self._write("".join(incident.model_dump_json() + "\n" for incident in new))
        if contents.torn:
            return result.model_copy(update={"notes": (self._torn_message(contents, moved=True),)})
        return result

    def get(self, incident_id: str) -> Incident | None:
        """The report with this id, if held."""
        line = self._lines_by_id(self._read_shared()).get(incident_id)
        return None if line is None else self._incident(line)

    def query(self, query: IncidentQuery | None = None) -> tuple[Incident, ...]:
        """The reports that match, in the order accepted; every line is checked."""
        contents = self._read_shared()
        intake = parse_jsonl(contents.text, file=str(self.path), label=None)
        if intake.rejected:
            raise InputError(list(intake.rejected))
        return intake.incidents if query is None else query.select(intake.incidents)

    def count(self, query: IncidentQuery | None = None) -> int:
        """How many reports match; without a query, the stored lines are only counted."""
        if query is not None:
            return len(self.query(query))
        return len(self._lines_by_id(self._read_shared()))

    # --- the file --------------------------------------------------------------------

    def _make_folder(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._unusable(self.path.parent, exc) from None

    @contextmanager
    def _locked(self, operation: int) -> Iterator[None]:
        """Hold ``flock`` on the lock file; closing the descriptor releases it."""
        try:
            descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise self._unusable(self.lock_path, exc) from None
        try:
            fcntl.flock(descriptor, operation)
            yield
        finally:
            os.close(descriptor)

    def _read_shared(self) -> _Contents:
        """The file under a shared lock, warning of a torn last line; a missing store is empty."""
        if not self.path.exists():
            return _Contents("", 0, b"", 1)
        with self._locked(fcntl.LOCK_SH):
            contents = self._read()
        if contents.torn:
            warnings.warn(self._torn_message(contents, moved=False), TornLineWarning, stacklevel=3)
        return contents

    def _read(self) -> _Contents:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return _Contents("", 0, b"", 1)
        except OSError as exc:
            raise self._unusable(self.path, exc) from None
        size = data.rfind(b"\n") + 1
        try:
            text = data[:size].decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                [Problem(str(self.path), f"line {line}", "undecodable bytes", "UTF-8 text")]
            ) from None
        return _Contents(text, size, data[size:], text.count("\n") + 1)

    def _lines_by_id(self, contents: _Contents) -> dict[str, _Line]:
        """Each stored id and its line, read as JSON only; a line that is not one is an error."""
        lines: dict[str, _Line] = {}
        problems: list[Problem] = []
        # split on "\n" only: JSON leaves U+2028 and U+0085 raw inside strings
        for number, text in enumerate(contents.text.split("\n"), start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                problems.append(Problem(str(self.path), f"line {number}", exc.msg, "a JSON object"))
                continue
            ident = data.get("id") if isinstance(data, dict) else None
            if not isinstance(ident, str):
                problems.append(
                    Problem(str(self.path), f"line {number}", text[:60], "an incident with an id")
                )
                continue
            lines.setdefault(ident, _Line(number, text))
        if problems:
            raise InputError(problems)
        return lines

    def _incident(self, line: _Line) -> Incident:
        intake = parse_jsonl(line.text, file=str(self.path), label=None, first_line=line.number)
        if intake.rejected:
            raise InputError(list(intake.rejected))
        return intake.incidents[0]

    def _write(self, text: str) -> None:
        """Append at the end in one go and fsync; a new file's folder entry is fsynced too."""
        created = not self.path.exists()
        data = memoryview(text.encode("utf-8"))
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            try:
                while data:
                    data = data[os.write(descriptor, data) :]
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            if created:
                fsync_folder(self.path.parent)
        except OSError as exc:
            raise self._unusable(self.path, exc) from None

    def _set_aside(self, contents: _Contents) -> None:
        """Move a torn tail to the ``.torn`` file (fsynced first), then cut it off the store."""
        try:
            with self.torn_path.open("ab") as kept:
                kept.write(contents.torn + b"\n")
                kept.flush()
                os.fsync(kept.fileno())
            descriptor = os.open(self.path, os.O_WRONLY)
            try:
                os.ftruncate(descriptor, contents.size)
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError as exc:
            raise self._unusable(self.torn_path, exc) from None

    def _torn_message(self, contents: _Contents, *, moved: bool) -> str:
        where = (
            f"{self.path}: line {contents.torn_line} (byte offset {contents.size}, "
            f"{len(contents.torn)} bytes) is cut short, left by an interrupted write; "
            "it was never acknowledged and is not a record"
        )
        if moved:
            return f"{where}: moved to {self.torn_path} before appending"
        return f"{where}: skipped; the next import moves it to {self.torn_path}"

    def _unusable(self, path: Path, exc: OSError) -> InputError:
        reason = exc.strerror or type(exc).__name__
        return InputError([Problem(str(path), "-", reason, "a readable and writable store")])

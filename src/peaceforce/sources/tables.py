"""One CSV reader for every public dataset: the file's faults as problems, rows with their line.

Public CSVs come with a byte-order mark or without, and some hold quoted fields
with line breaks (one record over several lines). A row keeps the number of the
line its record *starts* on, so a problem points where a person looks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from peaceforce.errors import InputError, Problem


@dataclass(frozen=True)
class Row:
    """One record: the line it starts on and its values by column name."""

    line: int
    values: Mapping[str, str]

    def get(self, column: str) -> str:
        """The value in a column, stripped; empty if the column or the field is missing."""
        return (self.values.get(column) or "").strip()


@dataclass(frozen=True)
class Table:
    """A CSV file read whole: its name (for messages), its header and its rows."""

    file: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    def require(self, columns: Sequence[str]) -> None:
        """Raise ``InputError`` unless every one of ``columns`` is in the header."""
        missing = [c for c in columns if c not in self.columns]
        if missing:
            raise InputError(
                [
                    Problem(
                        self.file,
                        "line 1",
                        ",".join(missing) + " missing",
                        "columns " + ",".join(columns),
                    )
                ]
            )

    def problem(self, row: Row, column: str, expected: str) -> Problem:
        """A problem with one field of one row."""
        return Problem(self.file, f"line {row.line}, {column}", repr(row.get(column)), expected)


def _text(path: Path, what: str) -> str:
    file = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(file, "-", "no such file", what)]) from None
    except OSError as exc:
        raise InputError([Problem(file, "-", exc.strerror or type(exc).__name__, what)]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
        raise InputError([Problem(file, f"line {line}", byte, "UTF-8 text")]) from None


def read_table(path: Path | str, what: str = "a CSV file") -> Table:
    """Read a CSV file with a header line; ``what`` says what the file should be, for messages.

    Raises
    ------
    InputError
        Missing or unreadable file, bytes that are not UTF-8, malformed CSV, no header.
    """
    path = Path(path)
    file = str(path)
    reader = csv.reader(io.StringIO(_text(path, what), newline=""))
    rows: list[Row] = []
    try:
        header = tuple(c.strip() for c in next(reader, ()))
        if not any(header):
            raise InputError([Problem(file, "line 1", "no header", what)])
        previous = reader.line_num
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if not any(field.strip() for field in record):
                continue
            rows.append(Row(start, dict(zip(header, record, strict=False))))
    except csv.Error as exc:
        raise InputError(
            [Problem(file, f"line {reader.line_num}", str(exc), "well-formed CSV")]
        ) from None
    return Table(file, header, tuple(rows))

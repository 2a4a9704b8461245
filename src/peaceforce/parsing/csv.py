"""CSV read strictly: every record with the line it starts on, every fault with its line.

Python's ``csv`` module, left to its defaults, lets one unterminated quote
swallow every following row into one field without a word, lets a row carry
more cells than the header names, lets two columns share a name, and raises
its own ``_csv.Error`` on a field over 128 KiB. :func:`parse_table` reads with
``strict`` quoting and a deliberate field-size limit (``MAX_CSV_FIELD_CHARS``):

- a quote that never closes, text after a closing quote and a field over the
  limit stop the reading: the fault is a problem at the line its record starts
  on, naming the lines left unread; the rows before it are kept;
- a row with more cells than the header is a problem and is not kept; a row
  with fewer is kept, its missing cells empty;
- a column name twice in the header, or no header, refuses the whole file;
- a byte-order mark is dropped, so it never becomes part of the first name.

Public CSVs hold quoted fields with line breaks (one record over several
lines); a row keeps the number of the line its record *starts* on, so a problem
points where a person looks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from peaceforce.errors import InputError, Problem
from peaceforce.parsing.files import BOM, check_size, decode_text
from peaceforce.parsing.limits import MAX_CSV_BYTES, MAX_CSV_FIELD_CHARS


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
    """A CSV file read whole: its name (for messages), header, rows and the faults of its rows."""

    file: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    problems: tuple[Problem, ...] = ()

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


def _header(columns: Sequence[str], file: str, what: str) -> tuple[str, ...]:
    names = tuple(c.strip() for c in columns)
    if not any(names):
        raise InputError([Problem(file, "line 1", "no header", what)])
    first: dict[str, int] = {}
    problems = []
    for column, name in enumerate(names, start=1):
        if name in first:
            value = f"{name!r} again (first in column {first[name]})"
            problems.append(Problem(file, f"line 1, column {column}", value, "each name once"))
        first.setdefault(name, column)
    if problems:
        raise InputError(problems)
    return names


def _structural(error: csv.Error, file: str, start: int, line: int, text: str) -> Problem:
    """A ``csv.Error`` in the record starting on line ``start`` as a problem a person can act on."""
    message = str(error)
    if "unexpected end of data" in message:
        value, expected = (
            "a quoted field that never closes",
            'a closing quote (") for each opening one',
        )
    elif "field larger than field limit" in message:
        value = f"a field of more than {MAX_CSV_FIELD_CHARS:,} characters"
        expected = f"fields of at most {MAX_CSV_FIELD_CHARS:,} characters"
    elif "expected after" in message:
        runs = "" if line == start else f" (the quoted field runs to line {line})"
        value = f"text after a closing quote{runs}"
        expected = 'a delimiter after a closing quote (a quote inside a quoted field is written "")'
    else:
        value, expected = message, "well-formed CSV"
    last = sum(1 for _ in io.StringIO(text, newline=""))
    unread = f"; lines {start}-{last} not read" if last > start else ""
    return Problem(file, f"line {start}", value + unread, expected)


def parse_table(
    source: bytes | str,
    file: str,
    *,
    what: str = "a CSV file",
    encodings: Sequence[str] = ("utf-8",),
) -> Table:
    """Read CSV (bytes in one of ``encodings``, or text) with a header line, strictly.

    ``file`` names the source in problems; ``what`` says what it should be.
    Faults of rows are in ``Table.problems``; the rows before and without a fault are kept.

    Raises
    ------
    InputError
        Too large, not in one of ``encodings``, a broken header line or none, a
        column name twice.
    """
    check_size(source, file, MAX_CSV_BYTES, what)
    text = decode_text(source, file, encodings) if isinstance(source, bytes) else source
    text = text.removeprefix(BOM)
    # deliberate and process-wide: every CSV the product reads comes through here
    csv.field_size_limit(MAX_CSV_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = _header(next(reader, []), file, what)
    except csv.Error as exc:
        raise InputError([_structural(exc, file, 1, reader.line_num, text)]) from None
    rows: list[Row] = []
    problems: list[Problem] = []
    start = previous = reader.line_num
    try:
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(header):
                value = f"{len(record)} cells"
                expected = f"at most {len(header)} cells, as the header names"
                problems.append(Problem(file, f"line {start}", value, expected))
                continue
            rows.append(Row(start, dict(zip(header, record, strict=False))))
    except csv.Error as exc:
        problems.append(_structural(exc, file, previous + 1, reader.line_num, text))
    return Table(file, header, tuple(rows), tuple(problems))

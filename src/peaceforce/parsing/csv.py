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

CSV as Excel writes it is read too: with a byte-order mark ("CSV UTF-8"), with
``;`` between fields (Excel's choice where the decimal mark is a comma), and
with dates written day first. The delimiter is ``,``, ``;`` or a tab, whichever
the header line holds most of outside quotes (a comma on a tie), unless the
caller names one. A column whose header name ends in ``(dd/mm/yyyy)``, e.g.
``available_start (dd/mm/yyyy)``, holds dates written day first: the name is
read without the mark, and each cell ``dd/mm/yyyy`` (optionally followed by
``hh:mm`` or ``hh:mm:ss``) becomes ISO 8601 (``yyyy-mm-dd``,
``yyyy-mm-ddThh:mm:ss``); a cell written otherwise is a problem and its row is
not kept.

Numbers as Excel writes them where the decimal mark is a comma are read too
(``numbers``): ``4,5`` becomes ``4.5`` and ``1.234,5`` becomes ``1234.5``,
wherever a number stands alone in a cell or among words (``30,52 50,45``,
``min_distance=12,5``); ``1.234.567`` loses its thousands dots. Unless the
caller names the mark, a ``;``-delimited file is read with decimal commas when
any of its numbers has one, with decimal points otherwise; other delimiters
mean decimal points. Where the mark cannot be told, the cell is a problem
naming its line and column, and its row is not kept: a decimal point in a file
whose numbers have decimal commas (``4.5`` beside ``4,5``), or, in a
``;``-delimited file with no decimal of either kind, ``1.234`` (1234 with a
thousands dot, or 1.234?).

Public CSVs hold quoted fields with line breaks (one record over several
lines); a row keeps the number of the line its record *starts* on, so a problem
points where a person looks.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

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


#: Delimiters Excel and other writers use, the first preferred on a tie.
DELIMITERS = (",", ";", "\t")
#: A header name marking its column as dates written day first: ``name (dd/mm/yyyy)``.
_DAY_FIRST_MARK = re.compile(r"^(?P<name>.*?)\s*\(dd/mm/yyyy\)$", re.IGNORECASE)
_DAY_FIRST = re.compile(
    r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)


class DecimalMark(StrEnum):
    """How a file writes the decimals of its numbers."""

    POINT = "point"
    COMMA = "comma"


#: A number stands alone: after the start, a space, ``=``, ``:``, ``;`` or an opening bracket,
#: and before the end, a space, ``;`` or a closing bracket.
_ALONE_BEFORE, _ALONE_AFTER = r"(?<![^\s=:;(\[])", r"(?![^\s;)\]])"
_COMMA_NUMBER = re.compile(_ALONE_BEFORE + r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+" + _ALONE_AFTER)
_GROUPED_NUMBER = re.compile(_ALONE_BEFORE + r"[+-]?\d{1,3}(?:\.\d{3})+" + _ALONE_AFTER)
_POINT_NUMBER = re.compile(_ALONE_BEFORE + r"[+-]?\d*\.\d+" + _ALONE_AFTER)
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")


def _point_decimals(cell: str) -> list[str]:
    """Numbers of a cell written with a decimal point (not a thousands dot)."""
    return [m[0] for m in _POINT_NUMBER.finditer(cell) if not _THOUSANDS.fullmatch(m[0])]


def _with_decimal_points(cell: str) -> str:
    """A cell's decimal-comma numbers written with decimal points and no thousands dots."""
    cell = _COMMA_NUMBER.sub(lambda m: m[0].replace(".", "").replace(",", "."), cell)
    return _GROUPED_NUMBER.sub(lambda m: m[0].replace(".", ""), cell)


def detect_delimiter(text: str) -> str:
    """The one of ``DELIMITERS`` the header line (the first line) holds most of, outside quotes."""
    header = text.split("\n", 1)[0]
    unquoted = "".join(header.split('"')[::2])
    counts = [unquoted.count(d) for d in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))]


def _iso_date(cell: str) -> str | None:
    """``dd/mm/yyyy[ hh:mm[:ss]]`` as ISO 8601, or None when the cell is not such a date."""
    match = _DAY_FIRST.match(cell.strip())
    if match is None:
        return None
    part = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    try:
        moment = datetime(part["y"], part["m"], part["d"], part.get("H", 0), part.get("M", 0))
        moment = moment.replace(second=part.get("S", 0))
    except ValueError:
        return None
    return moment.date().isoformat() if match["H"] is None else moment.isoformat()


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
    delimiter: str | None = None,
    numbers: DecimalMark | None = None,
) -> Table:
    """Read CSV (bytes in one of ``encodings``, or text) with a header line, strictly.

    ``file`` names the source in problems; ``what`` says what it should be.
    ``delimiter`` is detected from the header line unless given (see the module docstring),
    and so are the columns of dates written day first; ``numbers`` (the decimal mark) is
    detected from the delimiter and the numbers unless given.
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
    delimiter = delimiter or detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        marked = _header(next(reader, []), file, what)
    except csv.Error as exc:
        raise InputError([_structural(exc, file, 1, reader.line_num, text)]) from None
    header, day_first = _day_first_columns(marked, file, what)
    records: list[tuple[int, dict[str, str]]] = []
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
            values = dict(zip(header, record, strict=False))
            wrong = _rewrite_dates(values, day_first)
            if wrong:
                problems.extend(
                    Problem(file, f"line {start}, {column}", repr(values[column]), _DATE_EXPECTED)
                    for column in wrong
                )
                continue
            records.append((start, values))
    except csv.Error as exc:
        problems.append(_structural(exc, file, previous + 1, reader.line_num, text))
    if numbers is None:
        numbers = _detect_decimal_mark(records) if delimiter == ";" else DecimalMark.POINT
    rows, unclear = _read_numbers(records, numbers, file, delimiter)
    return Table(file, header, rows, tuple(sorted([*problems, *unclear], key=_line_of)))


def _line_of(problem: Problem) -> int:
    """The line a problem of this reader points at (every one names ``line N``)."""
    return int(problem.location.split(",")[0].removeprefix("line "))


def _detect_decimal_mark(records: list[tuple[int, dict[str, str]]]) -> DecimalMark | None:
    """Comma if any number has a decimal comma, point if any has a decimal point, else None."""
    point = False
    for _, values in records:
        for cell in values.values():
            if _COMMA_NUMBER.search(cell):
                return DecimalMark.COMMA
            point = point or bool(_point_decimals(cell))
    return DecimalMark.POINT if point else None


def _read_numbers(
    records: list[tuple[int, dict[str, str]]],
    numbers: DecimalMark | None,
    file: str,
    delimiter: str,
) -> tuple[tuple[Row, ...], list[Problem]]:
    """The rows with numbers written with decimal points, and the cells whose mark is unclear.

    ``numbers`` None: no number tells the mark, so ``1.234`` is unclear.
    """
    if numbers is DecimalMark.POINT:
        return tuple(Row(start, values) for start, values in records), []
    rows: list[Row] = []
    problems: list[Problem] = []
    shown = {";": "';'", "\t": "tab", ",": "','"}.get(delimiter, repr(delimiter))
    for start, values in records:
        unclear = []
        for column, cell in values.items():
            if numbers is DecimalMark.COMMA:
                if _point_decimals(cell):
                    unclear.append((column, _MIXED_EXPECTED))
                else:
                    values[column] = _with_decimal_points(cell)
            elif any(_THOUSANDS.fullmatch(m[0]) for m in _POINT_NUMBER.finditer(cell)):
                unclear.append((column, _AMBIGUOUS_EXPECTED.format(delimiter=shown)))
        problems.extend(
            Problem(file, f"line {start}, {column}", repr(values[column]), expected)
            for column, expected in unclear
        )
        if not unclear:
            rows.append(Row(start, values))
    return tuple(rows), problems


_MIXED_EXPECTED = (
    "numbers with a decimal comma (e.g. 4,5), as the other numbers of this file are written"
)
_AMBIGUOUS_EXPECTED = (
    "a number whose decimal mark can be told: in a {delimiter}-delimited file with no other "
    "decimals, 1.234 may be 1234 (thousands dot) or 1.234; write 1234, or 1,234 (decimal comma)"
)


_DATE_EXPECTED = "a date written dd/mm/yyyy (optionally hh:mm), as the column's header says"


def _day_first_columns(
    marked: tuple[str, ...], file: str, what: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The header without its ``(dd/mm/yyyy)`` marks, and the names of the columns so marked."""
    names = []
    day_first = []
    for name in marked:
        match = _DAY_FIRST_MARK.match(name)
        names.append(match["name"] if match else name)
        if match:
            day_first.append(match["name"])
    return _header(names, file, what), tuple(day_first)


def _rewrite_dates(values: dict[str, str], day_first: tuple[str, ...]) -> list[str]:
    """Turn the day-first dates of a row into ISO 8601 in place; the columns that are not dates."""
    wrong = []
    for column in day_first:
        cell = values.get(column, "")
        if not cell.strip():
            continue
        iso = _iso_date(cell)
        if iso is None:
            wrong.append(column)
        else:
            values[column] = iso
    return wrong

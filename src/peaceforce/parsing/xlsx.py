"""XLSX workbooks read within limits: every sheet as rows of cell values, every fault a ``Problem``.

An XLSX file is a zip archive of XML parts, and each layer has its own attack:
a zip bomb (a few kilobytes that unpack to gigabytes), a part whose header
lies about its size, an XML document type with entity declarations ("billion
laughs", or an external entity that reads a local file), a dimension tag that
claims a million rows of sixteen thousand columns, macros and links to other
workbooks. :func:`read_workbook` checks the archive before openpyxl sees it:

- at most ``MAX_XLSX_BYTES`` as stored, at most ``MAX_XLSX_PARTS`` parts, and at
  most ``MAX_XLSX_UNPACKED_BYTES`` unpacked, all parts together; every part is
  unpacked here first, in chunks, counting what it really gives (not what its
  header says) and checking its CRC;
- no part may hold a document type declaration (``<!DOCTYPE``, and so no
  ``<!ENTITY``): Excel and LibreOffice never write one. openpyxl also parses
  through defusedxml, which refuses entity declarations, and Python's expat
  limits entity amplification, but the check here does not depend on either;
- a workbook with macros (``xl/vbaProject.bin``, a macro-enabled content type)
  or links to other workbooks (``xl/externalLinks/``) is refused;

then openpyxl reads it in read-only mode, cached values instead of formulas,
ignoring the dimension the file claims: rows come as they are stored, a sheet
over ``MAX_XLSX_ROWS`` rows or ``MAX_XLSX_COLUMNS`` columns is a problem.
Anything else openpyxl trips over is a problem naming the workbook, never a
traceback.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from peaceforce.errors import InputError, Problem
from peaceforce.parsing.files import check_size
from peaceforce.parsing.limits import (
    MAX_XLSX_BYTES,
    MAX_XLSX_COLUMNS,
    MAX_XLSX_PARTS,
    MAX_XLSX_ROWS,
    MAX_XLSX_UNPACKED_BYTES,
)

#: What a cell holds once read: text, a number, a truth value, a date or time, or nothing.
CellValue = str | int | float | bool | datetime | date | time | timedelta | None

_WHAT = "an XLSX workbook"
#: The first bytes of an OLE2 compound file: an Excel 97-2003 .xls, or an encrypted workbook.
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: A document type declaration, in the encodings an XML part may use.
_DOCTYPE = re.compile(
    b"|".join(re.escape("<!DOCTYPE".encode(e)) for e in ("utf-8", "utf-16-le", "utf-16-be")),
    re.IGNORECASE,
)
_CHUNK = 1 << 16
_MACRO_CONTENT = b"macroEnabled"


@dataclass(frozen=True)
class SheetRow:
    """One row below the header: its number as Excel shows it, and its values by column name."""

    number: int
    values: Mapping[str, CellValue]


@dataclass(frozen=True)
class Sheet:
    """One worksheet read whole: header names (row 1), the rows below that hold anything."""

    file: str
    name: str
    columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    problems: tuple[Problem, ...] = ()

    def where(self, row: int | None = None, column: str | None = None) -> str:
        """'sheet Pledges, row 7, column nation (B)': a place a person finds in Excel."""
        parts = [f"sheet {self.name}"]
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column {column} ({self.letter(column)})")
        return ", ".join(parts)

    def letter(self, column: str) -> str:
        """The column's letter (A, B, ... AA) in the sheet, '?' for a name not in its header."""
        if column not in self.columns:
            return "?"
        return column_letter(self.columns.index(column) + 1)


def column_letter(number: int) -> str:
    """Excel's name of the 1-based column ``number``: 1 → A, 27 → AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _refuse(file: str, location: str, value: str, expected: str) -> InputError:
    return InputError([Problem(file, location, value, expected)])


def check_archive(data: bytes, file: str) -> None:
    """Refuse a workbook whose archive is not one Excel would write (see the module docstring).

    Raises
    ------
    InputError
        Not a zip archive, too many parts, unpacking beyond the limit, a part
        that is corrupt or lies about its size, a document type declaration,
        macros or external links.
    """
    check_size(data, file, MAX_XLSX_BYTES, _WHAT)
    if data.startswith(_OLE2_MAGIC):
        raise _refuse(
            file,
            "-",
            "an Excel 97-2003 (.xls) or password-protected workbook",
            "an unencrypted .xlsx workbook (save it again as .xlsx without a password)",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse(file, "-", "not a zip archive", f"{_WHAT} (a zip archive of XML)") from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_XLSX_PARTS:
            raise _refuse(
                file, "-", f"{len(parts):,} parts", f"{_WHAT} of at most {MAX_XLSX_PARTS:,} parts"
            )
        names = {part.filename for part in parts}
        if "xl/vbaProject.bin" in names:
            raise _refuse(
                file, "xl/vbaProject.bin", "macros", "a workbook without macros (.xlsx, not .xlsm)"
            )
        links = sorted(name for name in names if name.startswith("xl/externalLinks/"))
        if links:
            raise _refuse(
                file,
                links[0],
                "a link to another workbook",
                "a workbook without external links (break the links in Excel: Data, Edit Links)",
            )
        budget = MAX_XLSX_UNPACKED_BYTES
        for part in parts:
            content = _unpack(archive, part, budget, file)
            budget -= len(content)
            if _DOCTYPE.search(content):
                raise _refuse(
                    file,
                    part.filename,
                    "a document type declaration (<!DOCTYPE)",
                    "XML without a DTD or entities, as Excel writes it",
                )
            if part.filename == "[Content_Types].xml" and _MACRO_CONTENT in content:
                raise _refuse(
                    file,
                    part.filename,
                    "a macro-enabled content type",
                    "a workbook without macros (.xlsx, not .xlsm)",
                )


def _unpack(archive: zipfile.ZipFile, part: zipfile.ZipInfo, budget: int, file: str) -> bytes:
    """A part's bytes, reading at most ``budget`` of them whatever its header claims."""
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(min(_CHUNK, budget - size + 1)):
                chunks.append(chunk)
                size += len(chunk)
                if size > budget:
                    raise _refuse(
                        file,
                        part.filename,
                        f"parts unpacking to more than {MAX_XLSX_UNPACKED_BYTES:,} bytes",
                        f"{_WHAT} unpacking to at most {MAX_XLSX_UNPACKED_BYTES:,} bytes",
                    )
    except InputError:
        raise
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError) as exc:
        # A bad CRC, an unknown compression method, encryption, a truncated stream.
        reason = str(exc)[:120] or type(exc).__name__
        raise _refuse(file, part.filename, reason, "an intact part of an XLSX workbook") from None
    except EOFError:
        raise _refuse(file, part.filename, "a truncated part", "an intact part") from None
    return b"".join(chunks)


def read_workbook(data: bytes, file: str) -> dict[str, Sheet]:
    """Every worksheet of an XLSX workbook by name, each with its header and non-empty rows.

    ``file`` names the workbook in problems. Row 1 of each sheet is its header;
    cells hold cached values (a formula gives the value Excel last computed). A
    value under a column without a name is left out and listed in ``Sheet.problems``.

    Raises
    ------
    InputError
        The archive is refused (:func:`check_archive`), openpyxl cannot read it,
        a sheet has too many rows or columns, or a header names a column twice.
    """
    check_archive(data, file)
    from openpyxl import load_workbook

    try:
        # openpyxl warns about features it drops (extensions, print settings): none is data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            try:
                return {sheet.title: _read_sheet(sheet, file) for sheet in book.worksheets}
            finally:
                book.close()
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises what its parsers raise: KeyError, TypeError, ...
        reason = f"{type(exc).__name__}: {exc}"[:160]
        raise _refuse(file, "-", reason, f"{_WHAT} as Excel or LibreOffice writes it") from None


def _read_sheet(sheet: Any, file: str) -> Sheet:
    name = str(sheet.title)
    sheet.reset_dimensions()  # the dimension the file states may claim a million rows
    header: tuple[str, ...] = ()
    rows: list[SheetRow] = []
    problems: list[Problem] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_XLSX_ROWS:
            place = f"sheet {name}, row {number}"
            raise _refuse(file, place, "more rows", f"a sheet of at most {MAX_XLSX_ROWS:,} rows")
        if len(values) > MAX_XLSX_COLUMNS:
            place = f"sheet {name}, row {number}, column {column_letter(len(values))}"
            limit = f"{MAX_XLSX_COLUMNS} columns (A to {column_letter(MAX_XLSX_COLUMNS)})"
            raise _refuse(file, place, "a cell", f"a sheet of at most {limit}")
        cells = _trimmed(values)
        if number == 1:
            header = _header(cells, file, name)
            continue
        kept: dict[str, CellValue] = {}
        for index, cell in enumerate(cells):
            if cell is None:
                continue
            if index < len(header) and header[index]:
                kept[header[index]] = cell
            else:
                place = f"sheet {name}, row {number}, column {column_letter(index + 1)}"
                problems.append(
                    Problem(file, place, repr(cell)[:80], "a value only under a named column")
                )
        if kept:
            rows.append(SheetRow(number, kept))
    return Sheet(file, name, header, tuple(rows), tuple(problems))


def _trimmed(values: tuple[CellValue, ...]) -> tuple[CellValue, ...]:
    """The row without its trailing empty cells (text of only spaces counts as empty)."""
    cells = [None if isinstance(v, str) and not v.strip() else v for v in values]
    while cells and cells[-1] is None:
        cells.pop()
    return tuple(cells)


def _header(cells: tuple[CellValue, ...], file: str, sheet: str) -> tuple[str, ...]:
    names = tuple("" if cell is None else str(cell).strip() for cell in cells)
    first: dict[str, int] = {}
    problems = []
    for number, name in enumerate(names, start=1):
        if name and name in first:
            place = f"sheet {sheet}, row 1, column {column_letter(number)}"
            value = f"{name!r} again (first in column {column_letter(first[name])})"
            problems.append(Problem(file, place, value, "each column name once"))
        first.setdefault(name, number)
    if problems:
        raise InputError(problems)
    return names

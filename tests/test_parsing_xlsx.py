"""The XLSX reader: sheets as rows of values, and every hostile archive refused with a problem."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest
from defusedxml import EntitiesForbidden
from openpyxl import Workbook

from peaceforce.errors import InputError
from peaceforce.parsing.limits import MAX_XLSX_COLUMNS, MAX_XLSX_ROWS, MAX_XLSX_UNPACKED_BYTES
from peaceforce.parsing.xlsx import column_letter, read_workbook

SHEET_PART = "xl/worksheets/sheet1.xml"


def _book(rows: list[list[object]], title: str = "Data") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rezip(data: bytes, changes: dict[str, bytes]) -> bytes:
    """The workbook with some parts replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = changes.pop(info.filename, None)
            target.writestr(info, source.read(info) if content is None else content)
        for name, content in changes.items():
            target.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def _refused(data: bytes) -> str:
    with pytest.raises(InputError) as caught:
        read_workbook(data, "book.xlsx")
    (problem,) = caught.value.problems
    assert problem.file == "book.xlsx"
    return str(problem)


def test_a_sheet_reads_as_its_header_and_rows_with_excel_row_numbers() -> None:
    data = _book([["id", "when", "n"], ["a", datetime(2025, 9, 1), 3], [], ["b", None, 2.5]])
    sheet = read_workbook(data, "book.xlsx")["Data"]
    assert sheet.columns == ("id", "when", "n")
    assert [(r.number, dict(r.values)) for r in sheet.rows] == [
        (2, {"id": "a", "when": datetime(2025, 9, 1), "n": 3}),
        (4, {"id": "b", "n": 2.5}),
    ]
    assert sheet.where(4, "n") == "sheet Data, row 4, column n (C)"


def test_column_letters_follow_excel() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 52, 703, 16384)] == [
        "A", "Z", "AA", "AZ", "AAA", "XFD"
    ]  # fmt: skip


def test_a_value_under_no_column_name_is_a_problem_and_a_name_twice_refuses() -> None:
    sheet = read_workbook(_book([["a", None], [1, 2]]), "book.xlsx")["Data"]
    (problem,) = sheet.problems
    assert (problem.location, problem.value) == ("sheet Data, row 2, column B", "2")
    assert "column B: got 'a' again (first in column A)" in _refused(_book([["a", "a"]]))


def test_a_zip_bomb_is_refused_before_openpyxl_reads_it() -> None:
    # 65 MiB of zeros deflate to about 65 KB: far more than any workbook unpacks to
    zeros = b"0" * (MAX_XLSX_UNPACKED_BYTES + 1024)
    bomb = _rezip(_book([["a"]]), {"xl/media/image1.png": zeros})
    assert len(bomb) < MAX_XLSX_UNPACKED_BYTES // 100
    message = _refused(bomb)
    assert "xl/media/image1.png" in message
    assert f"unpacking to at most {MAX_XLSX_UNPACKED_BYTES:,} bytes" in message


def _forge_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with the uncompressed size of one part set to ``size`` in both its headers."""
    forged = bytearray(data)
    encoded = name.encode()
    # (signature, offset of the uncompressed size, offset of the name): local and central headers
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = forged.find(signature)
        while start >= 0:
            if forged[start + name_at : start + name_at + len(encoded)] == encoded:
                forged[start + size_at : start + size_at + 4] = size.to_bytes(4, "little")
            start = forged.find(signature, start + 4)
    return bytes(forged)


def test_a_part_that_lies_about_its_size_is_refused() -> None:
    data = _book([["a"], [1]])
    with zipfile.ZipFile(io.BytesIO(_forge_size(data, SHEET_PART, 10))) as archive:
        assert archive.getinfo(SHEET_PART).file_size == 10
    assert "an intact part" in _refused(_forge_size(data, SHEET_PART, 10))


#: A DTD whose entities expand tenfold per level: &lol9; would be 3 * 10**4 bytes here and
#: grows tenfold with every further level (the classic file goes to 10**9).
LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
"""


def _entity_sheet(encoding: str = "utf-8") -> bytes:
    """A workbook whose one sheet declares entities and uses one in a cell."""
    data = _book([["a"], ["x"]])
    sheet = _part(data, SHEET_PART).replace(b"<t>x</t>", b"<t>&lol9;</t>")
    return _rezip(data, {SHEET_PART: (LAUGHS + sheet).decode().encode(encoding)})


def test_an_entity_expansion_sheet_is_refused() -> None:
    message = _refused(_entity_sheet())
    assert SHEET_PART in message
    assert "document type declaration" in message


def test_an_external_entity_is_refused_in_any_encoding() -> None:
    data = _book([["a"], ["x"]])
    xxe = (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        + _part(data, SHEET_PART).decode().replace("<t>x</t>", "<t>&e;</t>")
    ).encode("utf-16-le")
    assert "document type declaration" in _refused(_rezip(data, {SHEET_PART: xxe}))


def test_openpyxl_parses_through_defusedxml_as_a_second_defence() -> None:
    assert openpyxl.DEFUSEDXML is True
    with pytest.raises(ValueError, match="invalid XML") as caught:
        openpyxl.load_workbook(io.BytesIO(_entity_sheet()), read_only=True)
    assert isinstance(caught.value.__context__, EntitiesForbidden)


def test_macros_and_links_to_other_workbooks_are_refused() -> None:
    data = _book([["a"]])
    assert "without macros" in _refused(_rezip(data, {"xl/vbaProject.bin": b"\x00" * 16}))
    content_types = _part(data, "[Content_Types].xml").replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
    )
    assert "without macros" in _refused(_rezip(data, {"[Content_Types].xml": content_types}))
    link = {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}
    assert "without external links" in _refused(_rezip(data, link))


def test_what_is_not_an_xlsx_workbook_is_named() -> None:
    assert "not a zip archive" in _refused(b"id,name\n1,x\n")
    assert ".xls" in _refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)
    broken = _rezip(_book([["a"]]), {SHEET_PART: b"<worksheet><sheetData><row>"})
    assert "as Excel or LibreOffice writes it" in _refused(broken)


def test_a_dimension_claiming_the_whole_grid_costs_nothing() -> None:
    data = _book([["a", "b"], [1, 2]])
    sheet_xml = _part(data, SHEET_PART).replace(b'ref="A1:B2"', b'ref="A1:XFD1048576"')
    assert b"XFD1048576" in sheet_xml
    sheet = read_workbook(_rezip(data, {SHEET_PART: sheet_xml}), "book.xlsx")["Data"]
    assert [dict(r.values) for r in sheet.rows] == [{"a": 1, "b": 2}]


def test_too_many_rows_or_columns_are_refused() -> None:
    book = Workbook()
    book.active.title = "Data"
    book.active.cell(row=1, column=1, value="a")
    book.active.cell(row=MAX_XLSX_ROWS + 1, column=1, value=1)
    buffer = io.BytesIO()
    book.save(buffer)
    assert f"a sheet of at most {MAX_XLSX_ROWS:,} rows" in _refused(buffer.getvalue())
    wide = _book([["a", *([None] * MAX_XLSX_COLUMNS), "far"]])
    assert f"at most {MAX_XLSX_COLUMNS} columns" in _refused(wide)

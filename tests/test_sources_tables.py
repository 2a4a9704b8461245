"""The one CSV reader: rows keep the line their record starts on; every file fault is a problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from peaceforce.errors import InputError
from peaceforce.parsing.limits import MAX_CSV_FIELD_CHARS
from peaceforce.sources.tables import read_table


def test_the_shared_files_read_whole(shared_data: Path) -> None:
    # The data README counts 64 plants, 3,339 runways and 1,215 ports: one line each.
    for name, rows in (
        ("infrastructure/power_plants_ukraine.csv", 64),
        ("transport/runways_europe.csv", 3339),
        ("transport/world_port_index_europe.csv", 1215),
    ):
        table = read_table(shared_data / name)
        assert len(table.rows) == rows, name
        assert [r.line for r in table.rows[:2]] == [2, 3]


def test_records_over_several_lines_keep_their_first_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('\ufeffid,note\n1,"two\nlines"\n\n2, plain \n', encoding="utf-8")
    table = read_table(path)
    assert table.columns == ("id", "note")  # the byte-order mark is not part of a name
    assert [(r.line, r.get("id"), r.get("note")) for r in table.rows] == [
        (2, "1", "two\nlines"),
        (5, "2", "plain"),
    ]
    assert table.rows[0].get("missing") == ""


def test_bytes_that_are_not_utf8_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"id,name\n1,ok\n2,Kyiv\x92s\n")  # cp1252's apostrophe
    with pytest.raises(InputError) as caught:
        read_table(path, "a power-plant CSV")
    [problem] = caught.value.problems
    assert (problem.location, problem.value, problem.expected) == (
        "line 3",
        "byte 0x92 at offset 19",
        "UTF-8 text",
    )


def test_missing_file_empty_file_and_oversized_field(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file; expected a runways CSV"):
        read_table(tmp_path / "none.csv", "a runways CSV")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="line 1: got no header"):
        read_table(empty)
    # the field-size limit is raised deliberately (Python's own is 128 KiB) and stated
    huge = tmp_path / "huge.csv"
    huge.write_text("a\n" + "x" * 200_000 + "\n", encoding="utf-8")
    assert len(read_table(huge).rows[0].get("a")) == 200_000
    huge.write_text("a\n" + "x" * (MAX_CSV_FIELD_CHARS + 1) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_table(huge)
    [problem] = caught.value.problems  # was "expected well-formed CSV"
    assert (problem.location, problem.value, problem.expected) == (
        "line 2",
        f"a field of more than {MAX_CSV_FIELD_CHARS:,} characters",
        f"fields of at most {MAX_CSV_FIELD_CHARS:,} characters",
    )


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("name\nx\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_table(path).require(("name", "lat", "lon"))
    [problem] = caught.value.problems
    assert (problem.location, problem.value, problem.expected) == (
        "line 1",
        "lat,lon missing",
        "columns name,lat,lon",
    )

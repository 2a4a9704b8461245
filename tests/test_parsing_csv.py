"""The one CSV reader: strict quotes, a stated field limit, extra cells and twin names refused."""

from __future__ import annotations

import pytest

from peaceforce.errors import InputError, Problem
from peaceforce.parsing import parse_table
from peaceforce.parsing.limits import MAX_CSV_BYTES, MAX_CSV_FIELD_CHARS

_CLOSE = 'a closing quote (") for each opening one'


def _rows(text: str | bytes, **options: object) -> list[tuple[int, dict[str, str]]]:
    table = parse_table(text, "f.csv", **options)  # type: ignore[arg-type]
    return [(row.line, dict(row.values)) for row in table.rows]


def _refused(text: str | bytes) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        parse_table(text, "f.csv")
    return caught.value.problems


def test_an_unterminated_quote_names_its_line_and_keeps_the_rows_before() -> None:
    text = "id,note\n" + "".join(f"r{i},ok\n" for i in range(10)) + 'r10,"oops\n'
    text += "".join(f"r{i},ok\n" for i in range(11, 100))
    table = parse_table(text, "f.csv")
    assert [row.get("id") for row in table.rows] == [f"r{i}" for i in range(10)]
    assert table.problems == (
        Problem(
            "f.csv", "line 12", "a quoted field that never closes; lines 12-101 not read", _CLOSE
        ),
    )


def test_text_after_a_closing_quote_names_where_the_field_began_and_ended() -> None:
    table = parse_table('a,b\n1,"x\ny"z\n2,3\n', "f.csv")
    assert table.rows == ()
    [problem] = table.problems
    assert (problem.location, problem.value) == (
        "line 2",
        "text after a closing quote (the quoted field runs to line 3); lines 2-4 not read",
    )


def test_field_size_limit_is_raised_deliberately_and_stated() -> None:
    assert _rows("a\n" + "x" * MAX_CSV_FIELD_CHARS + "\n")[0][1]["a"] == "x" * MAX_CSV_FIELD_CHARS
    table = parse_table("a\n1\n" + "x" * (MAX_CSV_FIELD_CHARS + 1) + "\n2\n", "f.csv")
    assert [row.get("a") for row in table.rows] == ["1"]
    assert table.problems == (
        Problem(
            "f.csv",
            "line 3",
            f"a field of more than {MAX_CSV_FIELD_CHARS:,} characters; lines 3-4 not read",
            f"fields of at most {MAX_CSV_FIELD_CHARS:,} characters",
        ),
    )


def test_extra_cells_are_a_row_problem_and_short_rows_are_kept() -> None:
    table = parse_table("a,b\n1,2,3\n4,5\n6\n", "f.csv")
    assert [(row.line, dict(row.values)) for row in table.rows] == [
        (3, {"a": "4", "b": "5"}),
        (4, {"a": "6"}),
    ]
    assert table.problems == (
        Problem("f.csv", "line 2", "3 cells", "at most 2 cells, as the header names"),
    )


def test_a_name_twice_in_the_header_refuses_the_file() -> None:
    assert _refused("id,time,id,lon,time\n1,2,3,4,5\n") == [
        Problem("f.csv", "line 1, column 3", "'id' again (first in column 1)", "each name once"),
        Problem("f.csv", "line 1, column 5", "'time' again (first in column 2)", "each name once"),
    ]


def test_no_header_or_a_broken_one_refuses_the_file() -> None:
    assert _refused("") == [Problem("f.csv", "line 1", "no header", "a CSV file")]
    assert _refused(" , \n1,2\n") == [Problem("f.csv", "line 1", "no header", "a CSV file")]
    assert (
        _refused('a,"b\n1,2\n')[0].value == "a quoted field that never closes; lines 1-2 not read"
    )


def test_a_byte_order_mark_never_becomes_part_of_a_name() -> None:
    for text in ("\ufeffid,n\n1,2\n", b"\xef\xbb\xbfid,n\n1,2\n"):
        assert parse_table(text, "f.csv").columns == ("id", "n")


def test_records_over_several_lines_keep_their_first_line_and_blank_rows_are_skipped() -> None:
    assert _rows('a,b\n1,"x\r\ny"\n\n , \n2,3\n') == [
        (2, {"a": "1", "b": "x\r\ny"}),
        (6, {"a": "2", "b": "3"}),
    ]


def test_encodings_are_tried_in_order_and_the_last_failure_is_named() -> None:
    assert _rows(b"a\nKyiv\x92s\n", encodings=("utf-8", "cp1252")) == [(2, {"a": "Kyiv\u2019s"})]
    with pytest.raises(InputError) as caught:
        parse_table(b"a\n\x81\n", "f.csv", encodings=("utf-8", "cp1252"))
    assert caught.value.problems == [
        Problem("f.csv", "line 2", "byte 0x81 at offset 2", "UTF-8 or Windows-1252 text")
    ]


def test_size_is_checked_before_reading() -> None:
    [problem] = _refused(b"a" * (MAX_CSV_BYTES + 1))
    assert problem.expected == f"a CSV file of at most {MAX_CSV_BYTES:,} bytes"

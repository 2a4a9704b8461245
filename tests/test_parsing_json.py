"""The one JSON reader: depth, number length and non-finite numbers refused with their place."""

from __future__ import annotations

import pytest

from peaceforce.errors import InputError, Problem
from peaceforce.parsing import parse_json
from peaceforce.parsing.limits import MAX_JSON_BYTES, MAX_JSON_DEPTH, MAX_JSON_NUMBER_CHARS


def _problem(source: bytes | str, first_line: int = 1) -> Problem:
    with pytest.raises(InputError) as caught:
        parse_json(source, "f.json", first_line=first_line)
    [problem] = caught.value.problems
    assert problem.file == "f.json"
    return problem


def test_plain_json_reads_as_python_does() -> None:
    assert parse_json('{"a": [1, 2.5, "x[[{", null, true]}', "f") == {
        "a": [1, 2.5, "x[[{", None, True]
    }
    assert parse_json(b'\xef\xbb\xbf{"a": 1}', "f") == {"a": 1}


def test_depth_is_limited_and_brackets_in_strings_do_not_count() -> None:
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(at_limit, "f") is not None
    assert parse_json('["' + "[" * 10_000 + '"]', "f") == ["[" * 10_000]
    problem = _problem('{"a": "[[[",\n "b": ' + "[" * 200_000 + "]" * 200_000 + "}")
    assert problem == Problem(
        "f.json",
        f"line 2, column {6 + MAX_JSON_DEPTH}",
        f"nesting deeper than {MAX_JSON_DEPTH} levels",
        f"JSON nested at most {MAX_JSON_DEPTH} levels deep",
    )


def test_number_length_is_limited_before_python_converts_it() -> None:
    # Python refuses int strings over 4,300 digits with a ValueError of its own
    longest = "1" * MAX_JSON_NUMBER_CHARS
    assert parse_json(f"[{longest}]", "f") == [int(longest)]
    assert parse_json(f'["{"1" * 5000}"]', "f") == ["1" * 5000]  # a string, not a number
    problem = _problem('{"n":\n  -' + "1" * 5000 + "}")
    assert (problem.location, problem.value) == ("line 2, column 3", "a number of 5,001 characters")


@pytest.mark.parametrize(
    ("text", "location", "value"),
    [
        ('{"a": NaN}', "line 1, column 7", "NaN"),
        ('{"a": "Infinity", "b": [1, -Infinity]}', "line 1, column 28", "-Infinity"),
        ('{"a": [11e400, 1e400]}', "line 1, column 8", "11e400"),
        ('{"a": "1e400",\n "b": [1, 1e400]}', "line 2, column 11", "1e400"),
    ],
)
def test_numbers_that_are_not_finite_are_named_where_they_stand(
    text: str, location: str, value: str
) -> None:
    assert _problem(text) == Problem("f.json", location, value, "a finite number")


def test_syntax_errors_count_lines_from_first_line() -> None:
    assert _problem('{"a": [1,\n 2,,]}', first_line=41).location == "line 42, column 4"


def test_size_is_checked_first() -> None:
    problem = _problem(b" " * (MAX_JSON_BYTES + 1))
    assert problem.expected == f"a JSON file of at most {MAX_JSON_BYTES:,} bytes"

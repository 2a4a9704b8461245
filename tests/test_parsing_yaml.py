"""The one YAML reader: plain data with lines, duplicate keys refused, aliases on a budget."""

from __future__ import annotations

import pytest

from peaceforce.errors import InputError, Problem
from peaceforce.parsing import format_path, parse_yaml
from peaceforce.parsing.limits import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES


def _problem(source: bytes | str) -> Problem:
    with pytest.raises(InputError) as caught:
        parse_yaml(source, "f.yaml")
    [problem] = caught.value.problems
    assert problem.file == "f.yaml"
    return problem


def billion_laughs(levels: int = 9) -> str:
    """About 1 KB that a naive reader expands to 10**levels nodes."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*l{level - 1}"] * 10)
        lines.append(f"l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_every_node_keeps_its_line() -> None:
    document = parse_yaml("a: 1\nb:\n  - x\n  - {c: 2025-04-01}\n", "f.yaml")
    assert document.data == {"a": 1, "b": ["x", {"c": __import__("datetime").date(2025, 4, 1)}]}
    assert document.lines[("a",)] == 1
    assert document.lines[("b", 1, "c")] == 4
    assert document.locate(["b", "union-tag", 1, "c", "[key]"]) == (4, ("b", 1, "c"))
    assert format_path(("b", 1, "c")) == "b[1].c"


def test_byte_order_mark_empty_file_and_comments() -> None:
    assert parse_yaml(b"\xef\xbb\xbfa: 1\n", "f.yaml").data == {"a": 1}
    assert parse_yaml("", "f.yaml").data is None
    assert parse_yaml("# nothing\n", "f.yaml").data is None


def test_duplicate_key_names_both_lines() -> None:
    problem = _problem("id: coalition-2025\nname: x\nid: other\n")
    assert problem == Problem(
        "f.yaml", "line 3, column 1", "'id' again (first at line 1)", "each key once in a mapping"
    )


def test_duplicate_key_in_a_flow_mapping_inside_a_list() -> None:
    problem = _problem("- {a: 1, b: 2}\n- {a: 1, a: 2}\n")
    assert (problem.location, problem.value) == ("line 2, column 10", "'a' again (first at line 2)")


def test_aliases_are_shared_not_copied_and_take_the_alias_line() -> None:
    document = parse_yaml("a: &x [1, 2]\nb: *x\n", "f.yaml")
    assert document.data == {"a": [1, 2], "b": [1, 2]}
    assert document.data["a"] is document.data["b"]
    assert document.locate(["b", 1]) == (2, ("b",))


def test_billion_laughs_stops_at_the_first_oversized_alias() -> None:
    text = billion_laughs()
    assert len(text) < 1024
    problem = _problem(text)
    assert problem.location == "line 3, column 15"  # the second *l1: 10 lists of 10 so far
    assert problem.value == "*l1 makes 349 nodes of 29 written"
    assert problem.expected == "aliases that at most multiply the nodes written by 10"


def test_recursive_alias_is_a_problem_not_a_recursion() -> None:
    assert _problem("a: &x [1, *x]\n") == Problem(
        "f.yaml", "line 1, column 11", "*x inside &x", "an alias to a node that does not hold it"
    )
    assert _problem("a: &x {b: {c: *x}}\n").value == "*x inside &x"


def test_undefined_and_repeated_anchors() -> None:
    assert _problem("a: *nowhere\n").expected == "an anchor &nowhere defined before its alias"
    assert _problem("a: &x 1\nb: &x 2\n").value == "anchor &x again (first at line 1)"


def test_nesting_is_limited_aliases_included() -> None:
    deep = "[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1)
    problem = _problem(deep)
    assert problem.location == f"line 1, column {MAX_YAML_DEPTH + 1}"
    assert problem.expected == f"YAML nested at most {MAX_YAML_DEPTH} levels deep"
    half = "[" * 40 + "1" + "]" * 40
    assert _problem(f"a: &x {half}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[*x]]]]]]]]]]]]]]]]]]]]]]]]]]\n")
    # far beyond what libyaml itself accepts: still a problem, not a crash
    assert _problem("[" * 200_000 + "]" * 200_000).expected == "well-formed YAML"


def test_node_count_is_limited() -> None:
    problem = _problem("[" + "x," * MAX_YAML_NODES + "x]")
    assert problem.value == f"more than {MAX_YAML_NODES:,} nodes"


def test_size_is_limited_before_parsing() -> None:
    problem = _problem(b"#" * (MAX_YAML_BYTES + 1))
    assert problem.value == f"{MAX_YAML_BYTES + 1:,} bytes"
    assert problem.expected == f"a YAML file of at most {MAX_YAML_BYTES:,} bytes"


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("a: !!python/object:os.system {}\n", "a collection tagged !!python/object:os.system",
         "a list or mapping"),
        ("a: !!python/name:os.system ''\n", "'' tagged !!python/name:os.system",
         "a value with no tag"),
        ("a: !!set {x}\n", "a collection tagged !!set", "a list or mapping"),
        ("a: !!binary aGk=\n", "'aGk=' tagged !!binary", "a value with no tag"),
        ("a: {<<: {b: 1}}\n", "'<<'", "a plain key (merge keys are not read: write the fields)"),
        ("a\n---\nb\n", "a second document", "one YAML document per file"),
        ("2025-04-01: x\n", "a date as a key", "a plain scalar as a mapping key"),
        ("? [a]\n: 1\n", "a seq as a key", "a plain scalar as a mapping key"),
        ("a: " + "1" * 5000 + "\n", "'" + "1" * 76 + "...", "a valid int"),
        ("a: x\nb: \x00\n", "character U+0000",
         "well-formed YAML: control characters are not allowed"),
        ("a: \ud800\n", "character U+D800", "valid Unicode text"),
    ],
)  # fmt: skip
def test_what_the_formats_do_not_use_is_refused(text: str, value: str, expected: str) -> None:
    problem = _problem(text)
    assert (problem.value, problem.expected) == (value, expected)


def test_bytes_that_are_not_utf8_name_the_line() -> None:
    assert _problem(b"a: 1\nb: \x92\n") == Problem(
        "f.yaml", "line 2", "byte 0x92 at offset 8", "UTF-8 text"
    )

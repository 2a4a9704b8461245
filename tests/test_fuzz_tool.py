"""``tools/fuzz.py`` (``make fuzz``): its targets, its seeds, its dictionary and one short run."""

from __future__ import annotations

import json
import platform
import re
import sys
from pathlib import Path

import pytest

import fuzz


def test_every_target_has_a_reader_and_seeds_the_reader_accepts() -> None:
    readers = fuzz._targets()
    assert tuple(readers) == fuzz.TARGET_NAMES
    for name, read in readers.items():
        seeds = fuzz.seeds(name)
        assert seeds, name
        for seed in seeds:
            fuzz.check(read, seed)  # a result or a well-named InputError


def test_the_rule_lets_input_errors_through_and_nothing_else() -> None:
    from peaceforce.errors import InputError, Problem

    def refuses(_: bytes) -> object:
        raise InputError([Problem("f", "line 1", "x", "y")])

    def names_no_place(_: bytes) -> object:
        raise InputError([Problem("f", "", "x", "y")])

    def breaks(data: bytes) -> object:
        return data.decode("ascii")

    fuzz.check(refuses, b"")
    with pytest.raises(AssertionError, match="names too little"):
        fuzz.check(names_no_place, b"")
    with pytest.raises(UnicodeDecodeError):
        fuzz.check(breaks, b"\xff")


def test_the_dictionary_escapes_what_libfuzzer_cannot_read() -> None:
    assert fuzz.dictionary_entry(b'a"\\\n\xff') == '"a\\x22\\x5C\\x0A\\xFF"\n'
    for token in fuzz.HOSTILE_TOKENS:
        line = fuzz.dictionary_entry(token)
        assert re.fullmatch(r'"([ !#-\[\]-~]|\\x[0-9A-F]{2})*"\n', line), line


@pytest.mark.skipif(
    not (sys.platform == "linux" and platform.machine() == "x86_64"),
    reason="atheris has wheels for Linux x86_64 only",
)
def test_a_short_run_fuzzes_two_readers_and_prints_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fuzz.json"
    only = ["--only", "csv", "jsonl"]
    code = fuzz.main(["--runs", "300", *only, "--artifacts", str(tmp_path), "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    outcomes = json.loads(out.read_text())
    assert [(o["target"], o["inputs"], o["failures"]) for o in outcomes] == [
        ("csv", 300, 0),
        ("jsonl", 300, 0),
    ]
    assert all(o["edges"] > 0 for o in outcomes)
    assert "| **all** | **600** | **0** |" in printed

"""Reading a path: only regular files, never more than the limit, never blocking on a pipe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from peaceforce.errors import InputError, Problem
from peaceforce.monitoring.agreement import load_sites
from peaceforce.monitoring.intake import read_incident_file
from peaceforce.parsing import decode_text, read_file


def _refusal(path: Path | str, limit: int = 100, name: str | None = None) -> Problem:
    with pytest.raises(InputError) as caught:
        read_file(path, "a test file", limit, name=name)
    [problem] = caught.value.problems
    return problem


def test_a_regular_file_up_to_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"x" * 100)
    assert read_file(path, "a test file", 100) == b"x" * 100
    path.write_bytes(b"x" * 101)
    assert _refusal(path) == Problem(
        str(path), "-", "more than 100 bytes", "a test file of at most 100 bytes"
    )


def test_what_is_not_a_regular_file_is_refused_without_reading(tmp_path: Path) -> None:
    assert _refusal(tmp_path / "none.csv", name="none.csv") == Problem(
        "none.csv", "-", "no such file", "a test file"
    )
    assert _refusal(tmp_path).value == "a folder"
    assert _refusal("/dev/zero").value == "not a regular file (a device, pipe or socket)"
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it to read would wait for a writer for ever
    assert _refusal(fifo).value == "not a regular file (a device, pipe or socket)"


@pytest.mark.timeout(30)  # a hang guard: a pipe read the old way never returned
def test_incident_and_site_readers_refuse_pipes_folders_and_binary(tmp_path: Path) -> None:
    fifo = tmp_path / "feed.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_incident_file(fifo)
    with pytest.raises(InputError, match="got a folder; expected a CSV of sites"):
        load_sites(tmp_path)
    binary = tmp_path / "sites.csv"
    binary.write_bytes(b"name,latitude,longitude\n\x00\xff\xfe\x81")
    with pytest.raises(InputError, match=r"line 2: got byte 0xff at offset 25; expected UTF-8"):
        load_sites(binary)


def test_decode_text_drops_a_byte_order_mark_and_names_the_line_of_a_bad_byte() -> None:
    assert decode_text(b"\xef\xbb\xbfa\nb", "f") == "a\nb"
    with pytest.raises(InputError) as caught:
        decode_text(b"a\nb\n\xffc", "f")
    assert caught.value.problems == [Problem("f", "line 3", "byte 0xff at offset 4", "UTF-8 text")]

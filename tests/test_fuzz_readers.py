"""Fuzzing kept in the suite: every reader gives a result or an ``InputError``, nothing else.

Each property feeds one reader generated or mutated input (real files from
``../shared/data`` and the built-in scenario and agreements, cut, spliced and
salted with the characters that break parsers) and asserts that the outcome is
a result or an :class:`~peaceforce.errors.InputError` whose problems name a
file, a place and what was expected, within a budget: a generous hypothesis
deadline per input (a hang fails it, ordinary slowness does not) and a peak of
Python memory (``tracemalloc``). ``make test`` runs a few examples of each;
``make fuzz`` runs many (``PEACEFORCE_FUZZ_EXAMPLES``, see ``docs/robustness.md``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peaceforce.errors import InputError
from peaceforce.geo.geojson import parse_geojson
from peaceforce.monitoring.agreement import builtin_agreements, parse_agreement
from peaceforce.monitoring.intake import IntakeResult, parse_incidents
from peaceforce.parsing import parse_json, parse_table, parse_yaml
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario
from peaceforce.scenario.model import Scenario

T = TypeVar("T")

#: Peak Python memory one input may take (a billion-laughs file took gigabytes).
MEMORY_BUDGET = 256 * 1024 * 1024
SCENARIO = builtin_scenario_dir()
_SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def fuzz(default: int, share: float = 1.0) -> Callable[[T], T]:
    """Settings of a property: ``default`` examples, or ``share`` of PEACEFORCE_FUZZ_EXAMPLES."""
    wanted = os.environ.get("PEACEFORCE_FUZZ_EXAMPLES")
    examples = max(1, int(int(wanted) * share)) if wanted else default
    return settings(
        max_examples=examples,
        deadline=timedelta(seconds=10),  # a hang guard only; inputs take milliseconds
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
        ],
    )


def outcome(read: Callable[[], T]) -> T | InputError:
    """What a reader gives: its result, or the ``InputError`` it raised, within the memory budget.

    Anything else it raises fails the property, as does a problem that names no
    file, place or expectation.
    """
    tracemalloc.start()
    try:
        return read()
    except InputError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file and problem.location and problem.expected, problem
        return exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < MEMORY_BUDGET, f"{peak:,} bytes"


#: Bytes that break parsers: quotes, brackets, separators, line breaks, a BOM, NUL,
#: Windows-1252 and invalid UTF-8 bytes, YAML's anchors, aliases, tags and keys.
_SALT = [
    b'"', b"'", b",", b"\n", b"\r", b"\r\n", b"\t", b" ", b"\x00", b"\xef\xbb\xbf", b"\x92",
    b"\xff", b"[", b"]", b"{", b"}", b":", b"- ", b"&a ", b"*a", b"!!python/object ", b"<<: ",
    b"? ", b"---\n", b"#", b"1e400", b"NaN", b"-Infinity", b"9" * 5000, b"[" * 300, b"null",
    b"2025-13-45", b"9999-12-31T23:59:59-05:00", b"\\", b"\\ud800", b"true", b"0",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` after a few edits: pieces cut, repeated, replaced or salted."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        end = min(len(data), start + draw(st.integers(0, 40)))
        edit = draw(st.sampled_from(["salt", "cut", "repeat", "bytes"]))
        if edit == "salt":
            data[start:end] = draw(st.sampled_from(_SALT)) * draw(st.integers(1, 3))
        elif edit == "cut":
            del data[start:end]
        elif edit == "repeat":
            data[start:start] = data[start:end] * draw(st.integers(1, 20))
        else:
            data[start:end] = draw(st.binary(max_size=8))
    return bytes(data)


def _load_folder_with(name: str, content: bytes) -> Scenario | InputError:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "scenario"
        shutil.copytree(SCENARIO, folder)
        (folder / name).write_bytes(content)
        return outcome(lambda: load_scenario(folder))


# --- YAML: scenario files and agreements -----------------------------------------------

_SCENARIO_FILES = sorted(p.name for p in SCENARIO.iterdir() if p.name != "protection.yaml")
_BASES = {name: (SCENARIO / name).read_bytes() for name in _SCENARIO_FILES}


@fuzz(30, share=0.1)
@given(data=st.data(), name=st.sampled_from(_SCENARIO_FILES))
def test_scenario_folder_with_a_mutated_file(data: st.DataObject, name: str) -> None:
    _load_folder_with(name, data.draw(mutated(_BASES[name])))


_YAML_PIECES = st.sampled_from(
    ["- ", "a: ", "a", "b: ", "&a ", "&b ", "*a", "*b", "[*a, *a, *a]", "{a: 1, a: 2}", "? ",
     ": ", "[", "]", "{", "}", "\n", "  ", "'", '"', "!!set ", "!!str ", "<<: *a", "1e999",
     "2025-13-45", "---\n", "#", "\t", "null", "~", "|\n  x", ">-\n  y"]
)  # fmt: skip


@fuzz(300)
@given(text=st.lists(_YAML_PIECES | st.text(max_size=4), max_size=60).map("".join))
def test_yaml_text(text: str) -> None:
    outcome(lambda: parse_yaml(text, "f.yaml"))


_AGREEMENTS = [path.read_bytes() for path in builtin_agreements().values()]


@fuzz(200)
@given(data=st.data(), base=st.sampled_from(_AGREEMENTS))
def test_agreement(data: st.DataObject, base: bytes) -> None:
    source = data.draw(mutated(base))
    outcome(lambda: parse_agreement(source, file="agreement.yaml"))


# --- CSV: the strict reader, incident CSV and UCDP --------------------------------------

_NAMES = st.text("abcdefgh_", min_size=1, max_size=6)
_CELLS = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8)


@fuzz(200)
@given(
    header=st.lists(_NAMES, min_size=1, max_size=5, unique=True),
    body=st.lists(st.lists(_CELLS, min_size=1, max_size=5), max_size=8),
)
def test_csv_round_trip(header: list[str], body: list[list[str]]) -> None:
    """Whatever a CSV writer writes, the reader gives back, each row with its first line."""
    rows = [row[: len(header)] for row in body]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    starts = []
    for row in rows:
        starts.append(len(io.StringIO(buffer.getvalue(), newline="").readlines()) + 1)
        writer.writerow(row)
    table = parse_table(buffer.getvalue(), "f.csv")
    kept = [(s, r) for s, r in zip(starts, rows, strict=True) if any(c.strip() for c in r)]
    assert table.problems == ()
    assert [(row.line, dict(row.values)) for row in table.rows] == [
        (start, dict(zip(header, row, strict=False))) for start, row in kept
    ]


@fuzz(300)
@given(text=st.text('ab,"\n\r \t\x00\ufeff\u2028;=', max_size=80))
def test_csv_text(text: str) -> None:
    table = outcome(lambda: parse_table(text, "f.csv"))
    if not isinstance(table, InputError):
        lines = max(1, len(io.StringIO(text, newline="").readlines()))
        assert all(1 < row.line <= lines for row in table.rows)


_INCIDENT_CSV = (
    b"id,time,lon,lat,mgrs,type,source,confidence,weapon_class,weapon_count,evidence,"
    b"classification,releasable_to\n"
    b"r1,2025-04-10T06:00:00Z,37.8,48.1,,artillery,patrol,0.8,,,p-1;p-2,,\n"
    b'r2,2025-04-10T07:00:00,,,37UDQ 12345 67890,weapons_sighting,uav,0.6,mlrs,4,"a,b",'
    b"RESTRICTED,GBR FRA\n"
    b"r3,2025-04-10T08:00:00+03:00,37.8,48.1,,drone,uav,0.5,,,,,\n"
)


@fuzz(200)
@given(data=st.data())
def test_incident_csv(data: st.DataObject) -> None:
    source = data.draw(mutated(_INCIDENT_CSV))
    outcome(lambda: parse_incidents(source, "csv", source="feed.csv"))


def _ucdp_extract() -> bytes:
    """The first 57 records of the real UCDP file: cp1252 bytes and a field over two lines."""
    path = _SHARED / "events" / "ucdp_ged_ukraine.csv"
    if not path.is_file():
        pytest.fail(f"shared data not found at {path}")
    return b"\n".join(path.read_bytes().split(b"\n")[:58]) + b"\n"


_UCDP = _ucdp_extract()


def test_the_ucdp_extract_reads_whole() -> None:
    result = parse_incidents(_UCDP, "ucdp")
    assert (len(result.incidents), result.rejected) == (56, ())


@fuzz(100)
@given(data=st.data())
def test_ucdp(data: st.DataObject) -> None:
    source = data.draw(mutated(_UCDP))
    outcome(lambda: parse_incidents(source, "ucdp", source="ged.csv"))


# --- JSON and GeoJSON -----------------------------------------------------------------

_KEYS = st.sampled_from(
    ["type", "features", "geometry", "geometries", "coordinates", "properties", "crs", "name",
     "id", "time", "source", "lon", "lat", "classification", "releasable_to", "label"]
)  # fmt: skip
_WORDS = st.sampled_from(
    ["Feature", "FeatureCollection", "Point", "MultiPoint", "LineString", "MultiLineString",
     "Polygon", "MultiPolygon", "GeometryCollection", "EPSG:4326", "drone", "uav", "SECRET",
     "2025-04-10T06:00:00Z"]
)  # fmt: skip
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4) | _WORDS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=40,
)  # fmt: skip
_POSITION = st.lists(st.floats(-200, 200) | st.integers(-5, 5), min_size=0, max_size=3)
_COORDINATES = st.recursive(_POSITION, lambda inner: st.lists(inner, max_size=5), max_leaves=30)
_GEOMETRY = st.fixed_dictionaries({"type": _WORDS, "coordinates": _COORDINATES})
_FEATURE = st.fixed_dictionaries(
    {"type": st.just("Feature"), "geometry": _GEOMETRY | st.none() | _JSON, "properties": _JSON}
)
_GEOJSON = (
    st.fixed_dictionaries(
        {"type": st.just("FeatureCollection"), "features": st.lists(_FEATURE | _JSON, max_size=4)}
    )
    | _FEATURE
    | _GEOMETRY
    | _JSON
)


@fuzz(300)
@given(value=_JSON)
def test_json_round_trip(value: Any) -> None:
    assert parse_json(json.dumps(value), "f.json") == value


@fuzz(300)
@given(document=_GEOJSON, valid=st.booleans(), keep_broken=st.booleans())
def test_geojson_documents(document: Any, valid: bool, keep_broken: bool) -> None:
    text = json.dumps(document)
    outcome(lambda: parse_geojson(text, "f.geojson", valid=valid, keep_broken=keep_broken))
    result = outcome(lambda: parse_incidents(text, "geojson", source="f.geojson"))
    assert isinstance(result, IntakeResult | InputError)


def _frontline() -> bytes:
    path = _SHARED / "frontline" / "occupied_20250402.geojson"
    if not path.is_file():
        pytest.fail(f"shared data not found at {path}")
    return path.read_bytes()


_FRONTLINE = _frontline()


@fuzz(100)
@given(data=st.data())
def test_geojson_bytes(data: st.DataObject) -> None:
    source = data.draw(mutated(_FRONTLINE))
    outcome(lambda: parse_geojson(source, "occupied.geojson", kinds=("MultiPolygon",), valid=True))


@fuzz(200)
@given(lines=st.lists(_JSON.map(json.dumps) | st.text(max_size=10), max_size=5))
def test_jsonl_intake(lines: list[str]) -> None:
    outcome(lambda: parse_incidents("\n".join(lines), "jsonl", source="store.jsonl"))


# --- XLSX: the workbook reader and the scenario sheets ---------------------------------


def _workbook_parts() -> dict[str, bytes]:
    """The parts of the built-in scenario's workbook, as export-xlsx writes it."""
    from peaceforce.scenario.workbook import scenario_workbook

    data = scenario_workbook(load_scenario(SCENARIO), origin="fuzz")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


_WORKBOOK = _workbook_parts()


@fuzz(30, share=0.1)
@given(data=st.data(), part=st.sampled_from(sorted(_WORKBOOK)), raw=st.booleans())
def test_workbook(data: st.DataObject, part: str, raw: bool) -> None:
    """A mutated part of an exported workbook (or the zip bytes themselves) read as a scenario."""
    from peaceforce.scenario.workbook import read_scenario_sheets

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _WORKBOOK.items():
            mutate = name == part and not raw
            archive.writestr(name, data.draw(mutated(content)) if mutate else content)
    book = data.draw(mutated(buffer.getvalue())) if raw else buffer.getvalue()
    outcome(lambda: read_scenario_sheets(book, "book.xlsx"))

"""Incident stores: the protocol on both backends; the JSON Lines file append-only and safe.

The file backend's promises are tested with real processes: two importers at
once lose and duplicate nothing, and an importer killed with SIGKILL leaves
every report it acknowledged on disk.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import peaceforce
from peaceforce.errors import InputError
from peaceforce.labels import Classification, Label
from peaceforce.monitoring.incidents import (
    DEFAULT_INCIDENT_LABEL,
    Incident,
    IncidentType,
    Source,
    WeaponClass,
)
from peaceforce.monitoring.store import (
    AppendResult,
    IncidentQuery,
    IncidentStore,
    JsonLinesStore,
    MemoryStore,
    TornLineWarning,
)

T0 = datetime(2025, 4, 10, 6, tzinfo=UTC)
RESTRICTED = Label(classification=Classification.RESTRICTED, releasable_to=frozenset({"FRA"}))

incidents = st.builds(
    lambda n, seconds, lon, lat, kind, text, evidence, level: Incident(
        id=f"r-{n}",
        time=datetime.fromtimestamp(seconds, tz=UTC),
        lon=lon,
        lat=lat,
        type=kind,
        source=Source.PATROL,
        weapon_class=WeaponClass.TANK if kind is IncidentType.WEAPONS_SIGHTING else None,
        description=text,
        evidence=tuple(evidence),
        label=Label(classification=level, releasable_to=frozenset({"COALITION", "UKR"})),
    ),
    st.integers(0, 10**6),
    st.integers(0, 2_000_000_000),
    st.floats(-180, 180),
    st.floats(-90, 90),
    st.sampled_from(list(IncidentType)),
    st.text(max_size=30),
    st.lists(st.text(min_size=1, max_size=10), max_size=3),
    st.sampled_from(list(Classification)),
)


def report(
    ident: str, hours: float = 0, lon: float = 37.8, lat: float = 48.1, **extra: object
) -> Incident:
    data = {
        "id": ident,
        "time": T0 + timedelta(hours=hours),
        "lon": lon,
        "lat": lat,
        "type": "drone",
        "source": "uav",
        "label": DEFAULT_INCIDENT_LABEL,
        **extra,
    }
    return Incident.model_validate(data)


BACKENDS: dict[str, Callable[[Path], IncidentStore]] = {
    "jsonl": lambda folder: JsonLinesStore(folder / "store.jsonl"),
    "memory": lambda folder: MemoryStore(),
}


@settings(max_examples=40, deadline=None)
@given(st.lists(incidents, max_size=8, unique_by=lambda i: i.id))
def test_file_store_round_trips(
    tmp_path_factory: pytest.TempPathFactory, items: list[Incident]
) -> None:
    store = JsonLinesStore(tmp_path_factory.mktemp("store") / "store.jsonl")
    store.append(items)
    assert list(store.query()) == items
    assert all(store.get(i.id) == i for i in items)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_append_is_idempotent_by_id(backend: str, tmp_path: Path) -> None:
    store = BACKENDS[backend](tmp_path)
    assert isinstance(store, IncidentStore)
    first = store.append([report("a"), report("b"), report("a")])
    assert first == AppendResult(added=("a", "b"), present=("a",))
    again = store.append([report("b"), report("c"), report("a", lat=48.2)])
    assert again == AppendResult(added=("c",), present=("b",), conflicts=("a",))
    assert [i.id for i in store.query()] == ["a", "b", "c"]
    assert store.get("a") == report("a") and store.get("zz") is None
    assert store.count() == 3
    assert AppendResult.model_validate_json(again.model_dump_json()) == again


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_query_by_time_area_and_type(backend: str, tmp_path: Path) -> None:
    store = BACKENDS[backend](tmp_path)
    store.append(
        [
            report("early", -2),
            report("now", 0),
            report("kyiv", 1, lon=30.52, lat=50.45),
            report("sighting", 3, type="weapons_sighting", weapon_class="tank"),
            report("edge", 4, lon=38.0, lat=48.0),
        ]
    )

    def ids(query: IncidentQuery) -> list[str]:
        found = [i.id for i in store.query(query)]
        assert store.count(query) == len(found)
        return found

    assert ids(IncidentQuery(start=T0, end=T0 + timedelta(hours=3))) == ["now", "kyiv"]
    assert ids(IncidentQuery(start=T0.replace(tzinfo=None))) == ["now", "kyiv", "sighting", "edge"]
    assert ids(IncidentQuery.within_bbox(37.0, 47.0, 38.0, 49.0)) == [
        "early",
        "now",
        "sighting",
        "edge",  # on the box's edge: inside
    ]
    kyiv = shapely.Point(30.52, 50.45).buffer(0.1)
    assert ids(IncidentQuery(area=kyiv)) == ["kyiv"]
    assert ids(IncidentQuery(types=frozenset({IncidentType.WEAPONS_SIGHTING}))) == ["sighting"]
    both = IncidentQuery.within_bbox(37.0, 47.0, 38.0, 49.0, end=T0)
    assert ids(both) == ["early"]
    assert IncidentQuery.model_validate_json(both.model_dump_json()) == both
    with pytest.raises(ValueError, match="Polygon"):
        IncidentQuery(area=shapely.Point(30, 50))


def test_file_store_only_appends(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "store.jsonl"
    store = JsonLinesStore(path)
    store.append([report("a"), report("b", label=RESTRICTED)])
    before, inode = path.read_bytes(), path.stat().st_ino
    store.append([report("a"), report("c")])
    after = path.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == 3
    assert path.stat().st_ino == inode  # the same file, grown: not a copy renamed over it
    store.append([report("b", label=RESTRICTED)])
    assert path.read_bytes() == after
    assert not [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert store.get("b") == report("b", label=RESTRICTED)


def test_a_damaged_line_is_refused_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "store.jsonl"
    store = JsonLinesStore(path)
    store.append([report("a")])
    good = path.read_text(encoding="utf-8")
    path.write_text(good + "{not json\n[1]\n" + good.replace('"a"', '"b"'), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        store.append([report("z")])
    assert [(p.file, p.location) for p in caught.value.problems] == [
        (str(path), "line 2"),
        (str(path), "line 3"),
    ]
    with pytest.raises(InputError, match="line 2"):
        store.query()
    unlabelled = report("a").model_dump_json(exclude={"label"})
    path.write_text(good + unlabelled.replace('"a"', '"c"') + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        store.query()
    (problem,) = caught.value.problems
    assert (problem.location, problem.value) == ("line 2, label", "nothing")
    with pytest.raises(InputError, match="line 2, label"):
        store.append([report("c")])  # a known id is compared with its stored report: checked


def test_a_torn_last_line_is_reported_then_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "store.jsonl"
    store = JsonLinesStore(path)
    store.append([report("a"), report("b")])
    whole = path.read_bytes()
    cut = whole.index(b"\n") + 1 + 40  # 40 bytes into the second line
    path.write_bytes(whole[:cut])
    with pytest.warns(TornLineWarning) as caught:
        assert [i.id for i in store.query()] == ["a"]
    message = str(caught[0].message)
    assert str(path) in message and "line 2" in message and f"byte offset {cut - 40}" in message
    with pytest.warns(TornLineWarning):
        assert store.count() == 1
    result = store.append([report("b"), report("c")])
    assert result.added == ("b", "c")
    (note,) = result.notes
    assert "line 2" in note and str(store.torn_path) in note
    assert store.torn_path.read_bytes() == whole[cut - 40 : cut] + b"\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no torn line any more
        assert [i.id for i in store.query()] == ["a", "b", "c"]
    assert path.read_bytes().count(b"\n") == 3


def test_an_unusable_store_path_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError) as caught:
        JsonLinesStore(tmp_path / "file" / "store.jsonl").append([report("a")])
    assert caught.value.problems[0].expected == "a readable and writable store"
    assert JsonLinesStore(tmp_path / "none.jsonl").query() == ()


def test_line_separators_inside_text_stay_in_their_line(tmp_path: Path) -> None:
    incident = report("u2028", description="first\u2028second\x85third\r\nfourth")
    store = JsonLinesStore(tmp_path / "store.jsonl")
    store.append([incident])
    assert store.query() == (incident,)


# --- real processes ------------------------------------------------------------------


def _feeds(folder: Path, prefix: str, files: int, per_file: int) -> list[Path]:
    """CSV files of distinct reports, ids ``<prefix>-<file>-<row>``."""
    paths = []
    for f in range(files):
        rows = [
            f"{prefix}-{f}-{r},2025-04-10T06:{r % 60:02d}:00Z,37.{f:03d},48.{r:03d},drone,uav\n"
            for r in range(per_file)
        ]
        path = folder / f"{prefix}-{f:03d}.csv"
        path.write_text("id,time,lon,lat,type,source\n" + "".join(rows), encoding="utf-8")
        paths.append(path)
    return paths


def _importer(store: Path, feeds: list[Path]) -> subprocess.Popen[str]:
    source = str(Path(peaceforce.__file__).resolve().parents[1])
    environment = {
        **os.environ,
        "PYTHONPATH": source + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    command = [sys.executable, "-c", "from peaceforce.cli import main; main()"]
    return subprocess.Popen(
        [*command, "monitor", "import", *map(str, feeds), "--store", str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def _stored_ids(store: Path) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TornLineWarning)  # a torn tail is not a record
        return [i.id for i in JsonLinesStore(store).query()]


def _ids(feeds: list[Path]) -> set[str]:
    return {
        line.split(",", 1)[0]
        for feed in feeds
        for line in feed.read_text(encoding="utf-8").splitlines()[1:]
    }


def test_two_concurrent_importers_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    store = tmp_path / "incidents.jsonl"
    shared = _feeds(tmp_path, "shared", 6, 40)
    first = [*_feeds(tmp_path, "one", 6, 40), *shared]
    second = [*shared[::-1], *_feeds(tmp_path, "two", 6, 40)]
    with _importer(store, first) as one, _importer(store, second) as two:
        for run in (one, two):
            _, err = run.communicate(timeout=240)
            assert run.returncode == 0, err
    stored = _stored_ids(store)
    assert len(stored) == len(set(stored))  # nothing twice
    assert set(stored) == _ids(first) | _ids(second)  # nothing lost
    assert len(stored) == 18 * 40


def test_reports_acknowledged_before_a_kill_survive_it(tmp_path: Path) -> None:
    store = tmp_path / "incidents.jsonl"
    feeds = _feeds(tmp_path, "feed", 120, 30)
    acknowledged: list[str] = []
    with _importer(store, feeds) as run:
        assert run.stdout is not None
        for line in run.stdout:
            acknowledged += re.findall(r"stored .*?(feed-\d{3}\.csv)", line)
            if len(acknowledged) >= 5:
                break
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=60)
    assert run.returncode == -signal.SIGKILL and len(acknowledged) >= 5
    stored = _stored_ids(store)
    assert len(stored) == len(set(stored))
    assert _ids([tmp_path / name for name in acknowledged]) <= set(stored)

"""The incident store: round trips, idempotent imports, refusal of a damaged file, mappings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peaceforce.errors import InputError
from peaceforce.monitoring.incidents import Incident, IncidentType, Source, WeaponClass
from peaceforce.monitoring.intake import parse_columns, read_jsonl
from peaceforce.monitoring.store import import_reports, load_store, read_reports, store_text

incidents = st.builds(
    lambda n, seconds, lon, lat, kind, text, evidence: Incident(
        id=f"r-{n}",
        time=datetime.fromtimestamp(seconds, tz=UTC),
        lon=lon,
        lat=lat,
        type=kind,
        source=Source.PATROL,
        weapon_class=WeaponClass.TANK if kind is IncidentType.WEAPONS_SIGHTING else None,
        description=text,
        evidence=tuple(evidence),
    ),
    st.integers(0, 10**6),
    st.integers(0, 2_000_000_000),
    st.floats(-180, 180),
    st.floats(-90, 90),
    st.sampled_from(list(IncidentType)),
    st.text(max_size=30),
    st.lists(st.text(min_size=1, max_size=10), max_size=3),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(incidents, max_size=8, unique_by=lambda i: i.id))
def test_store_round_trips(tmp_path_factory: pytest.TempPathFactory, items: list[Incident]) -> None:
    path = tmp_path_factory.mktemp("store") / "store.jsonl"
    path.write_text(store_text(items), encoding="utf-8")
    assert list(load_store(path)) == items


def _csv(path: Path, *rows: str) -> Path:
    path.write_text("id,time,lon,lat,type,source\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_import_twice_changes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "incidents.jsonl"
    feed = _csv(tmp_path / "a.csv", "a,2025-04-10T06:00:00Z,37.8,48.1,drone,uav")
    first = import_reports([feed], store=store)
    assert (first.accepted, first.duplicates, first.stored) == (1, 0, 1)
    content = store.read_bytes()
    again = import_reports([feed, feed], store=store)
    assert (again.accepted, again.duplicates, again.stored) == (0, 2, 1)
    assert store.read_bytes() == content
    assert not list(tmp_path.glob(".*.tmp"))


def test_without_a_store_only_checks(tmp_path: Path) -> None:
    feed = _csv(
        tmp_path / "a.csv", "a,2025-04-10T06:00:00Z,37.8,48.1,drone,uav", "b,x,1,2,drone,uav"
    )
    result = import_reports([feed])
    assert (result.accepted, result.stored, result.store) == (1, 0, None)
    assert [p.location for p in result.rejected] == ["line 3, time"]
    with pytest.raises(InputError, match="line 3"):
        read_reports([feed])


def test_a_damaged_store_is_refused_with_its_line(tmp_path: Path) -> None:
    store = tmp_path / "incidents.jsonl"
    feed = _csv(tmp_path / "a.csv", "a,2025-04-10T06:00:00Z,37.8,48.1,drone,uav")
    import_reports([feed], store=store)
    store.write_text(store.read_text(encoding="utf-8") + "{not json\n[1]\n", encoding="utf-8")
    assert [p.location for p in read_jsonl(store).rejected] == ["line 2", "line 3"]
    with pytest.raises(InputError, match="line 2"):
        import_reports([feed], store=store)


def test_column_mappings() -> None:
    assert parse_columns("time=when, lon = x,,lat=y") == {"time": "when", "lon": "x", "lat": "y"}
    with pytest.raises(InputError) as caught:
        parse_columns("when=time,id,=x")
    assert [p.value for p in caught.value.problems] == ["'when'", "'id'", "'=x'"]


def test_line_separators_inside_text_stay_in_their_line(tmp_path: Path) -> None:
    incident = Incident(
        id="u2028",
        time=datetime(2025, 4, 10, tzinfo=UTC),
        lon=37.0,
        lat=48.0,
        type=IncidentType.DRONE,
        source=Source.UAV,
        description="first\u2028second\x85third\r\nfourth",
    )
    path = tmp_path / "store.jsonl"
    path.write_text(store_text([incident]), encoding="utf-8")
    assert load_store(path) == (incident,)

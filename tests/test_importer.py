"""Importing report files into a store, file by file; reading reports for a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from peaceforce.errors import InputError
from peaceforce.labels import Classification, Label
from peaceforce.monitoring.importer import ImportResult, import_reports, read_reports
from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL, Incident
from peaceforce.monitoring.store import IncidentQuery, JsonLinesStore

T0 = datetime(2025, 4, 10, 6, tzinfo=UTC)
RESTRICTED = Label(classification=Classification.RESTRICTED, releasable_to=frozenset({"FRA"}))


def report(ident: str, hours: float = 0) -> Incident:
    return Incident(
        id=ident,
        time=T0 + timedelta(hours=hours),
        lon=37.8,
        lat=48.1,
        type="drone",
        source="uav",
        label=DEFAULT_INCIDENT_LABEL,
    )


def _csv(path: Path, *rows: str) -> Path:
    path.write_text("id,time,lon,lat,type,source\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_import_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "incidents.jsonl"
    feed = _csv(tmp_path / "a.csv", "a,2025-04-10T06:00:00Z,37.8,48.1,drone,uav")
    heard: list[str] = []
    first = import_reports(
        [feed], store=JsonLinesStore(path), label=RESTRICTED, on_file=lambda f: heard.append(f.file)
    )
    assert (first.accepted, first.duplicates, first.stored, first.store) == (1, 0, 1, str(path))
    assert heard == [str(feed)]
    assert JsonLinesStore(path).get("a").label == RESTRICTED  # type: ignore[union-attr]
    content = path.read_bytes()
    again = import_reports([feed, feed], store=JsonLinesStore(path), label=RESTRICTED)
    assert (again.accepted, again.duplicates, again.stored) == (0, 2, 1)
    assert path.read_bytes() == content
    relabelled = import_reports([feed], store=JsonLinesStore(path))
    (problem,) = relabelled.rejected
    assert problem.location == "id a" and "already holds" in problem.expected
    assert ImportResult.model_validate_json(relabelled.model_dump_json()) == relabelled


def test_without_a_store_only_checks(tmp_path: Path) -> None:
    feed = _csv(
        tmp_path / "a.csv", "a,2025-04-10T06:00:00Z,37.8,48.1,drone,uav", "b,x,1,2,drone,uav"
    )
    other = _csv(tmp_path / "b.csv", "a,2025-04-10T06:00:00Z,37.0,48.1,drone,uav")
    result = import_reports([feed, other])
    assert (result.accepted, result.stored, result.store) == (1, 0, None)
    assert [p.location for p in result.rejected] == ["line 3, time", "id a"]
    with pytest.raises(InputError, match="line 3"):
        read_reports([feed])


def test_reports_for_a_day_come_from_stores_and_files(tmp_path: Path) -> None:
    path = tmp_path / "incidents.jsonl"
    JsonLinesStore(path).append([report("early", -30), report("a")])
    feed = _csv(tmp_path / "b.csv", "b,2025-04-10T07:00:00Z,37.8,48.1,drone,uav")
    window = IncidentQuery(start=T0 - timedelta(hours=1))
    assert [i.id for i in read_reports([path, feed], window)] == ["a", "b"]
    with pytest.raises(InputError, match="no such file"):
        read_reports([tmp_path / "missing.jsonl"])

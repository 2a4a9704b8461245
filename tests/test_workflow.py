"""The monitoring steps from files: which line of contact, zones, and a day's report."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from peaceforce.errors import InputError
from peaceforce.geo.frontline import frontline_from_snapshot
from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL, Incident
from peaceforce.monitoring.store import JsonLinesStore, TornLineWarning
from peaceforce.monitoring.workflow import ZoneFiles, daily_report_from_files

SNAPSHOT = "occupied_20250402.geojson"


@pytest.fixture(scope="module")
def line_file(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("line") / "line_of_contact.geojson"
    frontline_from_snapshot(shared_data / "frontline" / SNAPSHOT, out=out)
    return out


def test_the_line_of_contact_comes_from_what_is_given(shared_data: Path, line_file: Path) -> None:
    occupied = shared_data / "frontline" / SNAPSHOT
    derived = ZoneFiles(occupied=occupied).line_of_contact()
    alone = ZoneFiles(line=line_file).line_of_contact()
    both = ZoneFiles(line=line_file, occupied=occupied).line_of_contact()
    assert alone.occupied.is_empty
    assert derived.occupied.equals(both.occupied) and not both.occupied.is_empty
    assert alone.geometry.equals(both.geometry)
    assert both.length_km == pytest.approx(derived.length_km, abs=0.01)
    assert derived.as_of == alone.as_of == date(2025, 4, 2)
    with pytest.raises(InputError) as caught:
        ZoneFiles().line_of_contact()
    assert caught.value.problems[0].file == "occupied / line"


def test_zones_need_their_sites(shared_data: Path, line_file: Path) -> None:
    with pytest.raises(InputError, match="art-4-energy"):
        ZoneFiles(line=line_file).compile("ceasefire-2025")
    sites = shared_data / "infrastructure" / "power_plants_ukraine.csv"
    zones = ZoneFiles(line=line_file, sites=sites).compile("energy-moratorium-2025")
    assert zones.sites and {z.clause_id for z in zones.zones} == {
        c.id for c in zones.agreement.clauses
    }


def test_daily_report_from_a_store(shared_data: Path, line_file: Path, tmp_path: Path) -> None:
    store = tmp_path / "incidents.jsonl"
    incident = Incident(
        id="x",
        time=datetime(2025, 4, 10, 12, tzinfo=UTC),
        lon=37.10,
        lat=48.30,
        type="artillery",
        source="patrol",
        label=DEFAULT_INCIDENT_LABEL,
    )
    JsonLinesStore(store).append([incident])
    files = ZoneFiles(
        occupied=shared_data / "frontline" / SNAPSHOT,
        sites=shared_data / "infrastructure" / "power_plants_ukraine.csv",
    )
    steps: list[str] = []
    report, zones = daily_report_from_files(
        "ceasefire-2025",
        [store],
        day=date(2025, 4, 10),
        cutoff=time(19, 30),
        zone_files=files,
        on_step=steps.append,
    )
    assert report.violations == 1 and zones.agreement.id == "ceasefire-2025"
    assert steps == ["compiling zones", "reading reports", "adjudicating 1 reports"]
    with store.open("a", encoding="utf-8") as torn:
        torn.write(json.dumps({"id": "half"})[:8])
    with pytest.warns(TornLineWarning, match="line 2"):
        again, _ = daily_report_from_files(
            "ceasefire-2025", [store], day=date(2025, 4, 10), cutoff=time(19, 30), zone_files=files
        )
    assert again.violations == 1
    with pytest.raises(InputError, match="occupied"), warnings.catch_warnings():
        warnings.simplefilter("ignore", TornLineWarning)
        daily_report_from_files(
            "ceasefire-2025",
            [store],
            day=date(2025, 4, 10),
            cutoff=time(19, 30),
            zone_files=ZoneFiles(line=line_file, sites=files.sites),
        )

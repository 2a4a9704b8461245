"""The daily report a monitoring cell publishes: every violation once, places by the nearest
town, restrictions and civilian harm, a warning for an empty day, HTML and PDF."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from shapely.geometry import LineString, MultiLineString, Point, box

from peaceforce.geo.crs import to_lonlat
from peaceforce.geo.frontline import LineOfContact
from peaceforce.monitoring.agreement import Agreement, CompiledZones, Site, compile_zones
from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL, Incident
from peaceforce.monitoring.report import DailyReport, daily_report
from peaceforce.presentation.monitoring_report import no_report_warning, render_html, write_pdf
from peaceforce.sources.cities import City

KM = 1000.0
CUTOFF = datetime(2025, 5, 1, 18, tzinfo=UTC)


def lonlat(x_km: float, y_km: float) -> tuple[float, float]:
    point = to_lonlat(Point(x_km * KM, y_km * KM))
    return point.x, point.y


def incident(ident: str, hours: float, place: tuple[float, float], **extra: Any) -> Incident:
    return Incident.model_validate(
        {
            "id": ident,
            "time": CUTOFF - timedelta(hours=hours),
            "lon": place[0],
            "lat": place[1],
            "type": extra.pop("type", "artillery"),
            "source": extra.pop("source", "patrol"),
            "label": DEFAULT_INCIDENT_LABEL,
            **extra,
        }
    )


@pytest.fixture(scope="module")
def zones() -> CompiledZones:
    line = LineOfContact(
        geometry=to_lonlat(MultiLineString([LineString([(-100 * KM, 0), (100 * KM, 0)])])),
        occupied=to_lonlat(box(-100 * KM, -100 * KM, 100 * KM, 0)),
    )
    agreement = Agreement.model_validate(
        {
            "id": "t",
            "name": "Truce",
            "parties": [
                {"id": "UKR", "name": "Ukraine", "holds": "unoccupied"},
                {"id": "RUS", "name": "Russia", "holds": "occupied"},
            ],
            "period": {"start": "2025-04-01"},
            "scope": "full",
            "clauses": [{"kind": "demilitarised_buffer", "id": "buffer", "width_km": 15}],
        }
    )
    lon, lat = lonlat(50, 50)
    site = Site(id="s", name="Plant", categories=frozenset({"x"}), lon=lon, lat=lat)
    return compile_zones(agreement, line, [site])


TOWN = City(1, "Testograd", *lonlat(0, 0), population=50_000)


@pytest.fixture(scope="module")
def report(zones: CompiledZones) -> DailyReport:
    reports = [
        # one shelling seen by a patrol and a drone 10 minutes apart: one violation, two reports
        incident(
            "patrol-1",
            2,
            lonlat(0, 5),
            confidence=0.8,
            attributed_to="RUS",
            attribution_confidence=0.7,
        ),
        incident("uav-1", 2 - 1 / 6, lonlat(0.2, 5), source="uav", confidence=0.6),
        incident("far", 5, lonlat(-60, 8), type="drone"),  # a second violation
        incident("outside", 3, lonlat(0, 40)),  # beyond the buffer: no violation
        incident("yesterday", 30, lonlat(10, 3)),  # the previous 24 hours
        incident(
            "blocked",
            4,
            lonlat(5, 20),
            type="freedom_of_movement",
            description="patrol turned back at a checkpoint",
        ),
        incident(
            "harm",
            6,
            lonlat(-5, 30),
            type="civilian_harm",
            deaths=2,
            description="two civilians killed by shelling",
        ),
    ]
    return daily_report(zones, reports, date=CUTOFF.date(), cutoff=time(18), settlements=[TOWN])


def test_every_violation_listed_exactly_once(report: DailyReport) -> None:
    assert report.violations == 2
    assert len(report.violation_list) == 2
    ids = [r.incident_id for v in report.violation_list for r in v.reports]
    assert sorted(ids) == ["far", "patrol-1", "uav-1"]
    assert len(set(ids)) == len(ids)
    shelling = next(v for v in report.violation_list if len(v.reports) == 2)
    assert [r.source.value for r in shelling.reports] == ["patrol", "uav"]
    assert shelling.confidence == pytest.approx(1 - 0.2 * 0.4)  # independent sources combined
    assert shelling.clauses == ("buffer",)
    assert shelling.attributed_to == "RUS"


def test_places_are_given_from_the_nearest_town(report: DailyReport) -> None:
    shelling = next(v for v in report.violation_list if len(v.reports) == 2)
    assert shelling.place.settlement == "Testograd"
    assert shelling.place.settlement_km == pytest.approx(5, abs=0.2)
    assert shelling.place.bearing == "N"
    assert str(shelling.place) == "5 km N of Testograd"


def test_restrictions_and_civilian_harm(report: DailyReport) -> None:
    assert [n.incident_id for n in report.movement_restrictions] == ["blocked"]
    assert [(n.incident_id, n.deaths) for n in report.civilian_harm] == [("harm", 2)]
    assert no_report_warning(report) is None


def test_page_lists_each_violation_once(report: DailyReport, zones: CompiledZones) -> None:
    page = render_html(report, zones)
    rows = re.findall(r"<tr><td class=\"t\">[^<]*</td><td>[^<]* of Testograd", page)
    assert len(rows) == 2 + 2  # two violations, one restriction, one report of harm
    for heading in (
        "Summary",
        "Every violation",
        "Weapons inside withdrawal lines",
        "Strikes on protected sites",
        "freedom of movement",
        "Civilian casualties",
    ):
        assert heading in page
    assert "2 deaths" in page
    assert "Cut-off:" in page


def test_pdf_with_its_json(report: DailyReport, zones: CompiledZones, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    write_pdf(report, zones, path)
    reader = PdfReader(path)
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "2 violations" in text and "Testograd" in text
    attached = reader.attachments["daily-report.json"][0]
    assert DailyReport.model_validate(json.loads(attached)) == report


def test_a_day_without_reports_is_warned_about(zones: CompiledZones) -> None:
    empty = daily_report(zones, [], date=CUTOFF.date(), cutoff=time(18))
    warning = no_report_warning(empty)
    assert warning is not None and "no report for the 24 hours" in warning
    assert warning in render_html(empty, zones)
    older = daily_report(
        zones, [incident("old", 50, lonlat(0, 5))], date=CUTOFF.date(), cutoff=time(18)
    )
    assert "the latest report before it is of 2025-04-29 16:00 UTC" in str(no_report_warning(older))

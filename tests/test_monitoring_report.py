"""The daily report's HTML page: one file, map and chart inlined, marked, everything escaped."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from shapely.geometry import LineString, MultiLineString, Point, box

from peaceforce.geo.crs import to_lonlat
from peaceforce.geo.frontline import LineOfContact
from peaceforce.labels import Classification, Label
from peaceforce.monitoring.agreement import Agreement, CompiledZones, Site, compile_zones
from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL, Incident, Observation
from peaceforce.monitoring.report import daily_report
from peaceforce.presentation.monitoring_report import render_html, render_map, render_trend

KM = 1000.0
CUTOFF = datetime(2025, 5, 1, 18, tzinfo=UTC)


def lonlat(x_km: float, y_km: float) -> tuple[float, float]:
    point = to_lonlat(Point(x_km * KM, y_km * KM))
    return point.x, point.y


def truce_zones(name: str = "Truce", sites: tuple[Site, ...] = ()) -> CompiledZones:
    """A straight line along x, the occupied side south of it, a 15 km buffer and sites."""
    line = LineOfContact(
        geometry=to_lonlat(MultiLineString([LineString([(-100 * KM, 0), (100 * KM, 0)])])),
        occupied=to_lonlat(box(-100 * KM, -100 * KM, 100 * KM, 0)),
    )
    agreement = Agreement.model_validate(
        {
            "id": "t",
            "name": name,
            "label": {"classification": "RESTRICTED", "releasable_to": ["COALITION"]},
            "parties": [
                {"id": "UKR", "name": "Ukraine", "holds": "unoccupied"},
                {"id": "RUS", "name": "Russia", "holds": "occupied"},
            ],
            "period": {"start": "2025-04-01"},
            "scope": "full",
            "clauses": [
                {"kind": "demilitarised_buffer", "id": "buffer", "width_km": 15},
                {"kind": "protected_sites", "id": "sites", "categories": ["x"], "radius_km": 5},
            ],
        }
    )
    return compile_zones(agreement, line, sites)


def test_page_is_self_contained_marked_and_escaped() -> None:
    lon, lat = lonlat(50, 50)
    site = Site(id="s", name="Plant & <b>dam</b>", categories=frozenset({"x"}), lon=lon, lat=lat)
    zones = truce_zones("Truce <script>alert(1)</script>", (site,))
    reports = [
        Incident.model_validate(
            {
                "id": ident,
                "time": CUTOFF - timedelta(hours=hours),
                "lon": place[0],
                "lat": place[1],
                "type": "drone",
                "source": "uav",
                "label": DEFAULT_INCIDENT_LABEL,
            }
        )
        for ident, hours, place in [("near", 2, lonlat(0, 5)), ("plant", 3, lonlat(51, 50))]
    ]
    report = daily_report(zones, reports, date=CUTOFF.date(), cutoff=time(18))
    assert report.label == Label(
        classification=Classification.RESTRICTED, releasable_to=frozenset({"COALITION"})
    )
    page = render_html(report, zones)
    assert page.count('<p class="marking">RESTRICTED REL COALITION</p>') == 2
    assert page.count('src="data:image/png;base64,') == 2
    assert "<script" not in page and "Truce &lt;script&gt;" in page
    assert "Plant &amp; &lt;b&gt;dam&lt;/b&gt;" in page
    assert "<strong>2 violations</strong>" in page
    assert render_map(report, zones).startswith("data:image/png;base64,")
    assert render_trend(report).startswith("data:image/png;base64,")


def test_every_violation_says_whether_it_was_seen_or_heard() -> None:
    """Two reports of one shelling (seen by a patrol, heard by a sensor) are seen and heard;
    a report that says nothing is "not stated", never guessed from its source."""
    zones = truce_zones()
    reports = [
        Incident.model_validate(
            {
                "id": ident,
                "time": CUTOFF - timedelta(hours=hours, minutes=minutes),
                "lon": place[0],
                "lat": place[1],
                "type": "artillery",
                "source": source,
                "observation": observation,
                "label": DEFAULT_INCIDENT_LABEL,
            }
        )
        for ident, hours, minutes, place, source, observation in [
            ("a-patrol", 2, 0, lonlat(0, 5), "patrol", "seen"),
            ("a-sensor", 2, 5, lonlat(0.5, 5), "fixed_sensor", "heard"),
            ("b-patrol", 5, 0, lonlat(60, 4), "patrol", "heard"),
            ("c-osint", 8, 0, lonlat(-60, 4), "osint", None),
        ]
    ]
    report = daily_report(zones, reports, date=CUTOFF.date(), cutoff=time(18))
    observed = {v.event_id: v.observation for v in report.violation_list}
    assert observed == {
        "event-a-patrol": Observation.SEEN_AND_HEARD,
        "event-b-patrol": Observation.HEARD,
        "event-c-osint": None,
    }
    page = render_html(report, zones)
    body = page.split('<h2 id="violations">', 1)[1].split("</table>", 1)[0]
    assert "<th>seen / heard</th>" in body
    cells = [row.split("</td>")[3] for row in body.split("<tr>")[2:]]
    assert cells == ["<td>not stated", "<td>heard", "<td>seen and heard"]
    assert "patrol (50%, seen), fixed sensor (50%, heard)" in body

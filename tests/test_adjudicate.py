"""Adjudication at zone edges, for every clause type, and the correlation of reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box

from peaceforce.errors import InputError
from peaceforce.geo.crs import to_lonlat, to_metric
from peaceforce.geo.frontline import LineOfContact
from peaceforce.labels import Classification, Label
from peaceforce.monitoring.adjudicate import (
    Adjudication,
    Correlation,
    adjudicate,
    adjudicate_arrays,
    correlate,
)
from peaceforce.monitoring.agreement import Agreement, CompiledZones, Site, compile_zones
from peaceforce.monitoring.arrays import IncidentArrays
from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL, Incident

KM = 1000.0
T0 = datetime(2025, 5, 1, 12, tzinfo=UTC)


def straight_line() -> LineOfContact:
    """A 200 km straight line along the metric x axis; the occupied side is south (y < 0)."""
    line = MultiLineString([LineString([(-100 * KM, 0), (100 * KM, 0)])])
    occupied = box(-100 * KM, -100 * KM, 100 * KM, 0)
    return LineOfContact(geometry=to_lonlat(line), occupied=to_lonlat(occupied))


def naval_zone() -> dict[str, Any]:
    """Two squares far east, the first with a hole, as lon/lat GeoJSON."""
    first = Polygon(
        box(200 * KM, 0, 300 * KM, 100 * KM).exterior.coords,
        [box(240 * KM, 40 * KM, 260 * KM, 60 * KM).exterior.coords],
    )
    second = box(400 * KM, 0, 450 * KM, 50 * KM)
    return dict(shapely.geometry.mapping(to_lonlat(shapely.MultiPolygon([first, second]))))


def agreement(**overrides: Any) -> Agreement:
    data: dict[str, Any] = {
        "id": "test",
        "name": "Test ceasefire",
        "parties": [
            {"id": "UKR", "name": "Ukraine", "holds": "unoccupied"},
            {"id": "RUS", "name": "Russia", "holds": "occupied"},
        ],
        "period": {"start": "2025-04-01", "days": 60},
        "scope": "full",
        "clauses": [
            {"kind": "no_fire_across_line", "id": "nofire"},
            {"kind": "demilitarised_buffer", "id": "buffer", "width_km": 15},
            {
                "kind": "heavy_weapon_withdrawal",
                "id": "withdraw",
                "security_zone_km": {"artillery_100mm_plus": 50, "mlrs": 70, "heavy_mlrs": 140},
            },
            {"kind": "protected_sites", "id": "sites", "categories": ["nuclear"], "radius_km": 5},
            {
                "kind": "no_naval_attacks",
                "id": "sea",
                "zone": naval_zone(),
                "types": ["naval", "missile"],
            },
            {
                "kind": "window_of_silence",
                "id": "quiet",
                "windows": [{"start": "2025-05-09T00:00:00Z", "end": "2025-05-10T00:00:00Z"}],
                "types": ["small_arms"],
            },
        ],
    }
    data.update(overrides)
    return Agreement.model_validate(data)


@pytest.fixture(scope="module")
def zones() -> CompiledZones:
    lon, lat = at(50, 50)
    site = Site(
        id="npp",
        name="Test NPP",
        categories=frozenset({"nuclear", "power_plant"}),
        lon=lon,
        lat=lat,
    )
    far = Site(id="hydro", name="Dam", categories=frozenset({"hydro"}), lon=lon, lat=lat)
    return compile_zones(agreement(), straight_line(), [site, far])


def at(x_km: float, y_km: float) -> tuple[float, float]:
    point = to_lonlat(Point(x_km * KM, y_km * KM))
    return point.x, point.y


def incident(
    ident: str, x_km: float, y_km: float, kind: str = "artillery", **extra: Any
) -> Incident:
    lon, lat = at(x_km, y_km)
    data = {"id": ident, "time": T0, "lon": lon, "lat": lat, "type": kind, "source": "patrol"}
    return Incident.model_validate({**data, "label": DEFAULT_INCIDENT_LABEL, **extra})


def clauses_of(zones: CompiledZones, *incidents: Incident) -> dict[str, set[str]]:
    result = adjudicate(zones, list(incidents), Correlation(distance_km=0.001, minutes=0))
    return {f.incident_id: {b.clause_id for b in f.breaches} for f in result.findings}


def test_compiled_zones(zones: CompiledZones) -> None:
    ids = [z.id for z in zones.zones]
    assert ids == [
        "nofire",
        "buffer",
        "withdraw:artillery_100mm_plus",
        "withdraw:mlrs",
        "withdraw:heavy_mlrs",
        "sites:npp",
        "sea",
    ]
    buffer = zones.zones[1].geometry
    assert buffer.area == pytest.approx(200 * KM * 30 * KM + np.pi * (15 * KM) ** 2, rel=0.01)
    collection = zones.to_geojson()
    assert len(collection["features"]) == len(zones.zones) + 1
    lon, lat = collection["features"][2]["geometry"]["coordinates"][0][0]
    assert 25 < lon < 40 and 44 < lat < 53
    again = CompiledZones.model_validate_json(zones.model_dump_json())
    assert again.zones[1].geometry.equals(buffer)


@pytest.mark.parametrize(
    ("y_km", "breached"),
    [(15 - 0.001, True), (15.0, False), (15 + 0.001, False), (-(15 - 0.001), True), (-15.0, False)],
)
def test_buffer_edge_exactly_n_km(zones: CompiledZones, y_km: float, breached: bool) -> None:
    found = clauses_of(zones, incident("a", 0, y_km, "small_arms", attributed_to="UKR"))
    assert ("buffer" in found["a"]) is breached


def test_buffer_measures_to_the_line_end_not_its_extension(zones: CompiledZones) -> None:
    # 10 km beyond the end of the line, on its axis: 10 km from the line.
    assert "buffer" in clauses_of(zones, incident("a", 110, 0, "small_arms"))["a"]
    assert "buffer" not in clauses_of(zones, incident("a", 116, 0, "small_arms"))["a"]


@pytest.mark.parametrize(
    ("weapon", "y_km", "breached"),
    [
        ("mlrs", 34.9, True),
        ("mlrs", 35.1, False),
        ("heavy_mlrs", -69.9, True),
        ("heavy_mlrs", 70.0, False),
        ("artillery_100mm_plus", 24.0, True),
        ("artillery_100mm_plus", 26.0, False),
        ("tank", 20.0, False),  # no withdrawal line for tanks in this agreement
    ],
)
def test_withdrawal_lines_per_weapon_class(
    zones: CompiledZones, weapon: str, y_km: float, breached: bool
) -> None:
    sighting = incident("w", 0, y_km, "weapons_sighting", weapon_class=weapon, weapon_count=3)
    assert ("withdraw" in clauses_of(zones, sighting)["w"]) is breached


def test_weapon_in_buffer_breaches_buffer_too(zones: CompiledZones) -> None:
    found = clauses_of(zones, incident("w", 0, 5, "weapons_sighting", weapon_class="tank"))
    assert found["w"] == {"buffer"}


def test_no_fire_across_line_uses_sides_and_attribution(zones: CompiledZones) -> None:
    found = clauses_of(
        zones,
        incident(
            "ru-over", 0, 40, attributed_to="RUS", attribution_confidence=0.9
        ),  # lands on unoccupied side
        incident("ru-own", 0, -40, attributed_to="RUS"),
        incident("ua-over", 0, -40, attributed_to="UKR"),
        incident("ua-own", 0, 40, attributed_to="UKR"),
        incident("unknown", 0, 40),
        incident("sighting", 0, 40, "weapons_sighting", weapon_class="tank"),
    )
    assert "nofire" in found["ru-over"]
    assert "nofire" not in found["ru-own"]
    assert "nofire" in found["ua-over"]
    assert "nofire" not in found["ua-own"]
    assert "nofire" in found["unknown"]
    assert "nofire" not in found["sighting"]


def test_no_fire_within_km_limits_unattributed_fire() -> None:
    clauses = [{"kind": "no_fire_across_line", "id": "nofire", "within_km": 20}]
    zones = compile_zones(agreement(clauses=clauses), straight_line())
    found = clauses_of(zones, incident("near", 0, 19.9), incident("far", 0, 20.1))
    assert found == {"near": {"nofire"}, "far": set()}


def test_protected_site_radius(zones: CompiledZones) -> None:
    found = clauses_of(
        zones,
        incident("in", 50 + 4.99, 50, "drone", attributed_to="UKR"),
        incident("out", 50 + 5.01, 50, "drone", attributed_to="UKR"),
        incident("seen", 50, 50, "weapons_sighting", weapon_class="tank"),
    )
    assert found == {"in": {"sites"}, "out": set(), "seen": set()}
    result = adjudicate(zones, [incident("in", 50 + 4.99, 50, "drone", attributed_to="UKR")])
    breach = result.findings[0].breaches[0]
    assert breach.zone_id == "sites:npp"
    assert breach.distance_km == pytest.approx(4.99, abs=1e-6)


def test_maritime_zone_with_hole_and_two_parts(zones: CompiledZones) -> None:
    found = clauses_of(
        zones,
        incident("part1", 210, 50, "naval", attributed_to="UKR"),
        incident("hole", 250, 50, "naval", attributed_to="UKR"),
        incident("part2", 420, 20, "missile", attributed_to="UKR"),
        incident("outside", 350, 20, "naval", attributed_to="UKR"),
        incident("wrong-type", 210, 50, "drone", attributed_to="UKR"),
    )
    assert found == {
        "part1": {"sea"},
        "hole": set(),
        "part2": {"sea"},
        "outside": set(),
        "wrong-type": set(),
    }
    inside = (
        adjudicate(zones, [incident("part1", 210, 50, "naval", attributed_to="UKR")])
        .findings[0]
        .breaches[0]
    )
    assert inside.distance_km == pytest.approx(10.0, abs=0.01)  # 10 km inside the western edge


def test_window_of_silence_edges(zones: CompiledZones) -> None:
    start = datetime(2025, 5, 9, tzinfo=UTC)
    cases = {
        "before": start - timedelta(seconds=1),
        "first": start,
        "last": start + timedelta(hours=23),
        "end": start + timedelta(days=1),
    }
    reports = [
        incident(name, 0, 500, "small_arms").model_copy(update={"time": t})
        for name, t in cases.items()
    ]
    found = clauses_of(zones, *reports)
    assert {name for name, clauses in found.items() if "quiet" in clauses} == {"first", "last"}


def test_outside_the_period_nothing_is_breached(zones: CompiledZones) -> None:
    early = incident("early", 0, 1).model_copy(update={"time": datetime(2025, 3, 31, tzinfo=UTC)})
    late = incident("late", 0, 1).model_copy(update={"time": datetime(2025, 5, 31, tzinfo=UTC)})
    assert clauses_of(zones, early, late) == {"early": set(), "late": set()}


def test_correlation_merges_close_reports_and_combines_attribution(zones: CompiledZones) -> None:
    reports = [
        incident(
            "p1",
            0,
            40,
            "explosion",
            confidence=0.5,
            attributed_to="RUS",
            attribution_confidence=0.6,
        ),
        incident(
            "p2",
            0.5,
            40,
            "artillery",
            confidence=0.5,
            attributed_to="RUS",
            attribution_confidence=0.5,
        ).model_copy(update={"time": T0 + timedelta(minutes=10)}),
        incident(
            "p3",
            0.5,
            41,
            "artillery",
            confidence=0.5,
            attributed_to="UKR",
            attribution_confidence=0.4,
        ).model_copy(
            update={"time": T0 + timedelta(minutes=35)}  # chained through p2 (25 min)
        ),
        incident("far", 10, 40, "artillery"),
        incident("later", 0, 40, "artillery").model_copy(update={"time": T0 + timedelta(hours=3)}),
        incident("seen", 0, 40, "weapons_sighting", weapon_class="tank"),
    ]
    result = adjudicate(zones, reports, Correlation(distance_km=2, minutes=30))
    events = {e.id: e for e in result.events}
    assert len(events) == 4
    merged = events["event-p1"]
    assert merged.incident_ids == ("p1", "p2", "p3")
    assert merged.confidence == pytest.approx(1 - 0.5**3)
    assert merged.attributed_to == "RUS"
    assert merged.attribution_confidence == pytest.approx((1 - 0.4 * 0.5) * (1.1 / 1.5))
    assert {f.event_id for f in result.findings if f.incident_id in {"far", "later", "seen"}} == {
        "event-far",
        "event-later",
        "event-seen",
    }


def test_correlate_agrees_with_brute_force() -> None:
    rng = np.random.default_rng(7)
    n = 600
    x, y = rng.uniform(0, 20 * KM, n), rng.uniform(0, 20 * KM, n)
    t = rng.integers(0, 6 * 3600, n).astype(np.int64)
    arrays = IncidentArrays(
        ids=np.array([str(i) for i in range(n)]),
        x=x,
        y=y,
        t=t,
        type_code=np.zeros(n, dtype=np.int16),
        weapon_code=np.full(n, -1, dtype=np.int16),
        party_code=np.full(n, -1, dtype=np.int16),
        confidence=np.full(n, 0.5),
        attribution_confidence=np.full(n, np.nan),
    )
    labels = correlate(arrays, Correlation(distance_km=1.0, minutes=20))
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if np.hypot(x[i] - x[j], y[i] - y[j]) <= KM and abs(t[i] - t[j]) <= 1200:
                parent[max(find(i), find(j))] = min(find(i), find(j))
    assert labels.tolist() == [find(i) for i in range(n)]


def test_vectorised_agrees_with_a_naive_loop(zones: CompiledZones) -> None:
    rng = np.random.default_rng(3)
    kinds = ["artillery", "drone", "naval", "small_arms", "weapons_sighting"]
    weapons = ["mlrs", "heavy_mlrs", "artillery_100mm_plus", "tank"]
    reports = []
    for i in range(400):
        kind = str(rng.choice(kinds))
        extra: dict[str, Any] = (
            {"weapon_class": str(rng.choice(weapons))} if kind == "weapons_sighting" else {}
        )
        if rng.random() < 0.5:
            extra["attributed_to"] = str(rng.choice(["UKR", "RUS"]))
        report = incident(f"r{i}", rng.uniform(-150, 460), rng.uniform(-100, 120), kind, **extra)
        reports.append(
            report.model_copy(update={"time": T0 + timedelta(hours=float(rng.uniform(-200, 300)))})
        )
    fast = clauses_of(zones, *reports)
    agreement = zones.agreement
    line = to_metric(straight_line().geometry)
    occupied = to_metric(straight_line().occupied)
    sea = to_metric(agreement.clauses[4].zone)  # type: ignore[union-attr]
    site = to_metric(Point(*at(50, 50)))
    start, end = datetime(2025, 4, 1, tzinfo=UTC), datetime(2025, 5, 31, tzinfo=UTC)
    fire = {
        "explosion",
        "artillery",
        "mlrs",
        "air_strike",
        "missile",
        "drone",
        "small_arms",
        "naval",
    }
    half = {"artillery_100mm_plus": 25, "mlrs": 35, "heavy_mlrs": 70}
    for report in reports:
        point = to_metric(Point(report.lon, report.lat))
        km = line.distance(point) / KM
        expected = set()
        if start <= report.time < end:
            kind = report.type.value
            on_occupied = occupied.contains(point)
            if kind in fire and not (
                report.attributed_to and (report.attributed_to == "RUS") == on_occupied
            ):
                expected.add("nofire")
            if (kind in fire or kind == "weapons_sighting") and km < 15:
                expected.add("buffer")
            if kind == "weapons_sighting" and km < half.get(str(report.weapon_class), 0):
                expected.add("withdraw")
            if kind in fire and site.distance(point) < 5 * KM:
                expected.add("sites")
            if kind in {"naval", "missile"} and sea.contains(point):
                expected.add("sea")
            if kind == "small_arms" and datetime(2025, 5, 9, tzinfo=UTC) <= report.time < datetime(
                2025, 5, 10, tzinfo=UTC
            ):
                expected.add("quiet")
        assert fast[report.id] == expected, report


def test_typed_and_columnar_paths_agree_and_round_trip(zones: CompiledZones) -> None:
    reports = [
        incident("a", 0, 10),
        incident("b", 0, 30, "weapons_sighting", weapon_class="mlrs"),
        incident("c", 0, 900, attributed_to="UKR"),
    ]
    result = adjudicate(zones, reports)
    arrays = IncidentArrays.from_incidents(reports, ["UKR", "RUS"])
    table = adjudicate_arrays(zones, arrays)
    assert len(table) == sum(len(f.breaches) for f in result.findings)
    again = Adjudication.model_validate_json(result.model_dump_json())
    assert again == result
    assert result.findings[0].distance_to_line_km == pytest.approx(10.0, abs=1e-6)
    assert result.findings[2].distance_to_line_km == pytest.approx(900.0, rel=1e-6)
    assert [f.incident_id for f in result.violations()] == ["a", "b"]


def test_results_carry_the_combined_labels_of_what_they_came_from(zones: CompiledZones) -> None:
    restricted = Label(
        classification=Classification.RESTRICTED, releasable_to=frozenset({"COALITION", "UKR"})
    )
    secret = Label(
        classification=Classification.SECRET,
        releasable_to=frozenset({"COALITION", "GBR"}),
        caveats=frozenset({"CELL"}),
    )
    reports = [
        incident("a", 0, 10, label=restricted),
        incident("b", 0.1, 10, label=secret),  # the same shelling: one event
        incident("c", 0, 900),
    ]
    agreement_label = zones.agreement.label
    assert agreement_label == Label(
        classification=Classification.UNCLASSIFIED,
        releasable_to=frozenset({"COALITION", "UKR", "RUS"}),
    )
    result = adjudicate(zones, reports)
    finding = {f.incident_id: f.label for f in result.findings}
    assert finding["a"] == Label(
        classification=Classification.RESTRICTED, releasable_to=frozenset({"COALITION", "UKR"})
    )
    assert finding["c"] == DEFAULT_INCIDENT_LABEL  # COALITION: what the agreement and it share
    event = {e.id: e.label for e in result.events}
    assert event["event-a"] == Label(
        classification=Classification.SECRET,
        releasable_to=frozenset({"COALITION"}),
        caveats=frozenset({"CELL"}),
    )
    assert result.label == event["event-a"]
    assert Adjudication.model_validate_json(result.model_dump_json()) == result


def test_sides_are_required_where_a_clause_needs_them() -> None:
    alone = LineOfContact(geometry=straight_line().geometry)
    zones = compile_zones(agreement(), alone, [])
    with pytest.raises(InputError) as caught:
        adjudicate(zones, [incident("a", 0, 10)])
    (problem,) = caught.value.problems
    assert problem.file == "occupied" and "'nofire'" in problem.expected
    quiet = [{"kind": "demilitarised_buffer", "id": "buffer", "width_km": 15}]
    found = clauses_of(compile_zones(agreement(clauses=quiet), alone), incident("a", 0, 10))
    assert found == {"a": {"buffer"}}


def test_protected_sites_must_be_given() -> None:
    with pytest.raises(InputError) as caught:
        compile_zones(agreement(), straight_line())
    (problem,) = caught.value.problems
    assert problem.file == "sites" and "'sites' (protected_sites)" in problem.expected
    assert [z.id for z in compile_zones(agreement(), straight_line(), []).zones if z.site_id] == []

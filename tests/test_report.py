"""Daily report on real geometry; UCDP 2015-2021 replayed against a Minsk-II-style agreement."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from peaceforce.geo.crs import to_metric
from peaceforce.geo.frontline import LineOfContact, line_of_contact_from_file
from peaceforce.labels import Classification, Label
from peaceforce.monitoring.adjudicate import Adjudication, adjudicate
from peaceforce.monitoring.agreement import (
    Agreement,
    CompiledZones,
    HeavyWeaponWithdrawal,
    Site,
    compile_zones,
    load_sites,
)
from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL, Incident
from peaceforce.monitoring.intake import read_incident_file
from peaceforce.monitoring.report import (
    OUTSIDE,
    DailyReport,
    daily_report,
    region_of,
    report_window,
)
from peaceforce.sources.boundaries import Region, load_regions

CUTOFF = datetime(2025, 4, 10, 18, tzinfo=UTC)
PARTIES = [
    {"id": "UKR", "name": "Ukraine", "holds": "unoccupied"},
    {"id": "RUS", "name": "Russian Federation", "holds": "occupied"},
]


@pytest.fixture(scope="module")
def regions(shared_data: Path) -> tuple[Region, ...]:
    return load_regions(shared_data / "boundaries" / "ukraine_adm1_geoboundaries.geojson")


@pytest.fixture(scope="module")
def sites(shared_data: Path) -> tuple[Site, ...]:
    return load_sites(shared_data / "infrastructure" / "power_plants_ukraine.csv")


@pytest.fixture(scope="module")
def zones_2025(shared_data: Path, sites: tuple[Site, ...]) -> CompiledZones:
    agreement = Agreement.model_validate(
        {
            "id": "truce-2025",
            "name": "Spring truce",
            "parties": PARTIES,
            "period": {"start": "2025-03-20"},
            "scope": "full",
            "clauses": [
                {"kind": "no_fire_across_line", "id": "nofire"},
                HeavyWeaponWithdrawal.minsk_ii("withdraw").model_dump(),
                {
                    "kind": "protected_sites",
                    "id": "energy",
                    "categories": ["nuclear"],
                    "radius_km": 10,
                },
            ],
        }
    )
    line = line_of_contact_from_file(shared_data / "frontline" / "occupied_20250402.geojson")
    return compile_zones(agreement, line, sites)


def report(
    ident: str, lon: float, lat: float, hours_before: float, kind: str = "artillery", **extra: Any
) -> Incident:
    return Incident.model_validate(
        {
            "id": ident,
            "time": CUTOFF - timedelta(hours=hours_before),
            "lon": lon,
            "lat": lat,
            "type": kind,
            "source": "patrol",
            "label": DEFAULT_INCIDENT_LABEL,
            **extra,
        }
    )


def test_daily_report(
    zones_2025: CompiledZones, regions: tuple[Region, ...], sites: tuple[Site, ...]
) -> None:
    zaporizhzhia = next(s for s in sites if "nuclear" in s.categories and s.lon > 34)
    incidents = [
        # one shelling near Pokrovsk seen by three monitors within 20 minutes: one violation
        report("pk-1", 37.10, 48.30, 3.0),
        report("pk-2", 37.105, 48.30, 2.8, "explosion"),
        report("pk-3", 37.10, 48.305, 2.7, "mlrs"),
        # a Grad battery 10-ish km behind the line at Pokrovsk, attributed
        report(
            "grad",
            37.25,
            48.25,
            5.0,
            "weapons_sighting",
            weapon_class="mlrs",
            weapon_count=4,
            attributed_to="RUS",
        ),
        # a drone 3 km from the Zaporizhzhia nuclear plant
        report(
            "znpp", zaporizhzhia.lon + 0.03, zaporizhzhia.lat, 8.0, "drone", attributed_to="UKR"
        ),
        # previous day: two violations in Kharkiv oblast, one in Donetsk
        report("kup-1", 37.60, 49.71, 30.0),
        report("kup-2", 37.40, 49.60, 40.0),
        report("pk-old", 37.10, 48.30, 28.0),
        # older, for the trend; and one after the cutoff, which must not count
        report("old", 37.10, 48.30, 24 * 5 + 1),
        report("future", 37.10, 48.30, -1.0),
    ]
    daily = daily_report(
        zones_2025, incidents, date=date(2025, 4, 10), cutoff=time(18, 0), regions=regions
    )
    assert daily.period_start == CUTOFF - timedelta(days=1) and daily.period_end == CUTOFF
    assert daily.reports == 5
    assert daily.events == 3
    assert daily.violations == 3
    assert daily.previous_violations == 3
    by_region = {c.key: (c.count, c.previous, c.change) for c in daily.by_region}
    assert by_region["Donetsk Oblast"] == (2, 1, 1)
    assert by_region["Kharkiv Oblast"] == (0, 2, -2)
    assert by_region["Zaporizhia Oblast"] == (1, 0, 1)
    by_clause = {c.key: c.count for c in daily.by_clause}
    # the Ukrainian drone lands on the occupied side: fire across the line as well
    assert by_clause == {"nofire": 2, "withdraw": 1, "energy": 1}
    assert [(w.incident_id, w.weapon_class.value, w.count) for w in daily.weapons] == [
        ("grad", "mlrs", 4)
    ]
    assert daily.weapons[0].distance_km is not None and daily.weapons[0].distance_km < 35
    assert [(s.incident_id, s.site_id) for s in daily.site_strikes] == [("znpp", zaporizhzhia.id)]
    assert daily.site_strikes[0].distance_km == pytest.approx(2.2, abs=0.3)
    assert len(daily.trend) == 14
    assert daily.trend[-1].violations == 3 and daily.trend[-2].violations == 3
    assert daily.trend[-6].violations == 1
    assert DailyReport.model_validate_json(daily.model_dump_json()) == daily
    assert '"change":-2' in daily.model_dump_json()
    assert daily.label == Label(
        classification=Classification.UNCLASSIFIED, releasable_to=frozenset({"COALITION"})
    )


def test_report_label_combines_every_report_it_counts(
    zones_2025: CompiledZones, regions: tuple[Region, ...]
) -> None:
    secret = Label(
        classification=Classification.SECRET, releasable_to=frozenset({"COALITION", "FRA"})
    )
    counted = report("secret", 37.10, 48.30, 24 * 13, label=secret)  # in the trend
    ignored = report(
        "old", 37.10, 48.30, 24 * 15, label=secret.model_copy(update={"caveats": {"X"}})
    )
    daily = daily_report(zones_2025, [counted, ignored], date=date(2025, 4, 10), cutoff=time(18))
    assert daily.label == Label(
        classification=Classification.SECRET, releasable_to=frozenset({"COALITION"})
    )
    assert {c.key for c in daily.by_region} <= {OUTSIDE}  # no regions given


def test_report_run_key_follows_reports_and_settings(zones_2025: CompiledZones) -> None:
    """The same reports and settings give the same key; another report, day or cutoff does not."""
    first = report("a", 37.10, 48.30, 2)
    second = report("b", 37.20, 48.35, 3)
    day, cutoff = date(2025, 4, 10), time(18)
    key = daily_report(zones_2025, [first, second], date=day, cutoff=cutoff).run_key
    assert daily_report(zones_2025, [first, second], date=day, cutoff=cutoff).run_key == key
    assert daily_report(zones_2025, [first], date=day, cutoff=cutoff).run_key != key
    assert daily_report(zones_2025, [first, second], date=day, cutoff=time(19)).run_key != key
    adjudication = adjudicate(zones_2025, [first, second])
    assert adjudication.run_key != key  # a different result of the same reports
    assert Adjudication.model_validate_json(adjudication.model_dump_json()) == adjudication


def test_report_window_is_the_trend_span() -> None:
    start, end = report_window(date(2025, 4, 10), time(18))
    assert end == CUTOFF and end - start == timedelta(days=14)


def test_region_of_points(regions: tuple[Region, ...]) -> None:
    names = region_of(regions, [30.52, 35.14, 24.03, 10.0], [50.45, 47.84, 49.84, 50.0])
    assert names == ["Kyiv", "Zaporizhia Oblast", "Lviv Oblast", OUTSIDE]


# --- UCDP 2015-2021 replay ------------------------------------------------------------

#: The 2015-2021 line of contact in Donbas, approximately (north-east to the Azov
#: coast east of Mariupol): Stanytsia Luhanska, Shchastia, Zolote, Popasna,
#: Svitlodarsk, Horlivka, Avdiivka, Marinka, Vuhledar, Dokuchaievsk, Shyrokyne.
MINSK_LINE = [
    (39.98, 48.80), (39.49, 48.66), (39.23, 48.73), (38.80, 48.70), (38.52, 48.68), (38.38, 48.60),
    (38.25, 48.45), (38.05, 48.36), (37.85, 48.20), (37.74, 48.10), (37.55, 47.95), (37.35, 47.85),
    (37.55, 47.72), (37.80, 47.55), (37.90, 47.35), (37.78, 47.12), (37.80, 47.05),
]  # fmt: skip
MINSK_START = datetime(2015, 2, 15, tzinfo=UTC)
INVASION = datetime(2022, 2, 24, tzinfo=UTC)
WINDOW = (datetime(2020, 7, 27, tzinfo=UTC), datetime(2020, 9, 1, tzinfo=UTC))
FIRE = {"explosion", "artillery", "mlrs", "air_strike", "missile", "drone", "small_arms", "naval"}


def minsk_zones(sites: tuple[Site, ...]) -> CompiledZones:
    occupied = Polygon([*MINSK_LINE, (38.5, 46.9), (40.5, 47.0), (40.5, 48.9)])
    line = LineOfContact(geometry=MultiLineString([LineString(MINSK_LINE)]), occupied=occupied)
    agreement = Agreement.model_validate(
        {
            "id": "minsk-ii",
            "name": "Package of measures (Minsk II), style",
            "parties": PARTIES,
            "period": {"start": MINSK_START, "days": (INVASION - MINSK_START).days},
            "scope": "full",
            "clauses": [
                {"kind": "no_fire_across_line", "id": "art1", "within_km": 50},
                {"kind": "demilitarised_buffer", "id": "buffer", "width_km": 15},
                HeavyWeaponWithdrawal.minsk_ii("art2").model_dump(),
                {
                    "kind": "protected_sites",
                    "id": "energy",
                    "categories": ["power_plant"],
                    "radius_km": 10,
                },
                {
                    "kind": "window_of_silence",
                    "id": "july-2020",
                    "windows": [{"start": WINDOW[0], "end": WINDOW[1]}],
                },
            ],
        }
    )
    return compile_zones(agreement, line, sites)


def test_ucdp_replay_counts_per_oblast(
    shared_data: Path, regions: tuple[Region, ...], sites: tuple[Site, ...]
) -> None:
    events = read_incident_file(shared_data / "events" / "ucdp_ged_ukraine.csv").incidents
    replay = [e for e in events if 2015 <= e.time.year <= 2021]
    zones = minsk_zones(sites)
    result = adjudicate(zones, replay)
    names = region_of(regions, [f.lon for f in result.findings], [f.lat for f in result.findings])
    ours = Counter(
        (name, b.clause_id)
        for name, f in zip(names, result.findings, strict=True)
        for b in f.breaches
    )

    # Independent: one point at a time, plain shapely in the metric CRS, regions by containment.
    line = to_metric(LineString(MINSK_LINE))
    plants = [to_metric(Point(s.lon, s.lat)) for s in sites]
    expected: Counter[tuple[str, str]] = Counter()
    for event in replay:
        lonlat = Point(event.lon, event.lat)
        name = next((r.name for r in regions if r.geometry.intersects(lonlat)), OUTSIDE)
        point = to_metric(lonlat)
        if not (MINSK_START <= event.time < INVASION) or event.type.value not in FIRE:
            continue
        km = line.distance(point) / 1000.0
        if km < 50:  # UCDP does not say who fired: every shelling near the line counts
            expected[name, "art1"] += 1
        if km < 15:
            expected[name, "buffer"] += 1
        if min(p.distance(point) for p in plants) < 10_000:
            expected[name, "energy"] += 1
        if WINDOW[0] <= event.time < WINDOW[1]:
            expected[name, "july-2020"] += 1

    assert ours == expected
    assert ours["Donetsk Oblast", "art1"] > ours["Luhansk Oblast", "art1"] > 100
    assert ours["Donetsk Oblast", "buffer"] > 300
    assert not any(clause == "art2" for _, clause in ours)  # UCDP records no weapon sightings

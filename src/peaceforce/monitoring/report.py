"""The daily report a monitoring cell publishes to the parties.

Violations are counted once per event (correlated reports of one shelling are
one violation), by region, by type and by clause, against the previous
24 hours. Weapons seen inside withdrawal lines and strikes on protected sites
are listed one by one, since they are what the parties will be asked about.
The report carries the label of the agreement and every report it was
computed from, combined. Its HTML page is drawn by
``peaceforce.presentation.monitoring_report``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field, computed_field

from peaceforce.labels import Label
from peaceforce.monitoring.adjudicate import (
    DEFAULT_CORRELATION,
    Correlation,
    Event,
    Finding,
    adjudicate,
    monitoring_run_key,
)
from peaceforce.monitoring.agreement import CompiledZones, ZoneKind
from peaceforce.monitoring.incidents import (
    Incident,
    IncidentType,
    Observation,
    Source,
    WeaponClass,
    combined_observation,
)
from peaceforce.results import RUN_KEY_LENGTH
from peaceforce.sources.boundaries import Region
from peaceforce.sources.cities import City

OUTSIDE = "outside the regions"
TREND_DAYS = 14


def region_of(regions: Sequence[Region], lon: Sequence[float], lat: Sequence[float]) -> list[str]:
    """Name of the region holding each point (the first, on a shared border), or ``OUTSIDE``."""
    names = [OUTSIDE] * len(lon)
    if not regions or not len(lon):
        return names
    tree = shapely.STRtree([r.geometry for r in regions])
    point, region = tree.query(
        shapely.points(np.asarray(lon), np.asarray(lat)), predicate="intersects"
    )
    for p, r in zip(point[::-1], region[::-1], strict=True):  # reversed: the first match wins
        names[p] = regions[r].name
    return names


class Count(BaseModel):
    """Violations under one heading, today and in the previous period."""

    model_config = ConfigDict(frozen=True)

    key: str
    count: int
    previous: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def change(self) -> int:
        """Today minus the previous period."""
        return self.count - self.previous


class WeaponSighting(BaseModel):
    """A weapon seen where a withdrawal clause forbids it."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    time: datetime
    region: str
    weapon_class: WeaponClass
    count: int | None
    distance_km: float | None
    clause_id: str
    attributed_to: str | None
    attribution_confidence: float | None


class SiteStrike(BaseModel):
    """A strike within a protected site's radius."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    time: datetime
    region: str
    site_id: str
    site_name: str
    distance_km: float | None
    type: str
    attributed_to: str | None
    attribution_confidence: float | None


class Place(BaseModel):
    """Where a report puts an incident, as a reader finds it: the nearest named settlement."""

    model_config = ConfigDict(frozen=True)

    lon: float
    lat: float
    region: str
    settlement: str | None = Field(description="nearest GeoNames town of 15,000 or more")
    settlement_km: float | None
    bearing: str | None = Field(description="compass point from the settlement, e.g. 'NE'")

    def __str__(self) -> str:
        if self.settlement is None or self.settlement_km is None:
            return f"{self.lat:.3f}°N {self.lon:.3f}°E"
        if self.settlement_km < 1:
            return f"in {self.settlement}"
        return f"{self.settlement_km:.0f} km {self.bearing} of {self.settlement}"


class SourceReport(BaseModel):
    """One report behind a violation: who made it and how sure it is."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    source: Source
    confidence: float
    observation: Observation | None = Field(
        default=None, description="seen, heard, both, recorded or reported; None: not stated"
    )


class Violation(BaseModel):
    """One violation (an event: every report of it together), as the daily list gives it."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    time: datetime
    place: Place
    type: str
    weapon: str | None
    reports: tuple[SourceReport, ...]
    confidence: float = Field(description="the reports' confidence combined")
    observation: Observation | None = Field(
        default=None,
        description="the reports' observations combined (see combined_observation); "
        "None: no report states it",
    )
    clauses: tuple[str, ...]
    attributed_to: str | None
    attribution_confidence: float | None


class Notice(BaseModel):
    """A report the list gives apart: a restriction of movement or harm to civilians."""

    model_config = ConfigDict(frozen=True)

    incident_id: str
    time: datetime
    place: Place
    type: str
    source: Source
    confidence: float
    deaths: int | None
    description: str
    attributed_to: str | None


class DayCount(BaseModel):
    """Violation events in the 24 hours ending at the cutoff of ``day``."""

    model_config = ConfigDict(frozen=True)

    day: date
    violations: int


class DailyReport(BaseModel):
    """What happened in the 24 hours to the cutoff, against the agreement; serialisable."""

    model_config = ConfigDict(frozen=True)

    agreement_id: str
    agreement_name: str
    date: date
    period_start: datetime
    period_end: datetime
    reports: int
    events: int
    violations: int
    previous_violations: int
    by_region: tuple[Count, ...]
    by_type: tuple[Count, ...]
    by_clause: tuple[Count, ...]
    weapons: tuple[WeaponSighting, ...]
    site_strikes: tuple[SiteStrike, ...]
    trend: tuple[DayCount, ...]
    findings: tuple[Finding, ...]
    violation_list: tuple[Violation, ...] = Field(
        default=(), description="every violation of the period once, earliest first"
    )
    movement_restrictions: tuple[Notice, ...] = Field(
        default=(), description="restrictions of the monitors' freedom of movement"
    )
    civilian_harm: tuple[Notice, ...] = Field(
        default=(), description="reports of civilian casualties (harm, or deaths given)"
    )
    latest_report: datetime | None = Field(
        default=None, description="the latest report read, up to the cutoff"
    )
    label: Label = Field(description="the agreement's and every report's labels combined")
    run_key: str = Field(
        pattern=rf"^[0-9a-f]{{{RUN_KEY_LENGTH}}}$",
        description="hash of the agreement, geometry, reports, regions, settings and code version",
    )


def _violation_events(findings: Sequence[Finding]) -> dict[str, Finding]:
    """One breaching finding per event: the first report of it that breaches."""
    events: dict[str, Finding] = {}
    for finding in findings:
        if finding.breaches:
            events.setdefault(finding.event_id, finding)
    return events


def _clause_events(findings: Sequence[Finding]) -> Counter[str]:
    pairs = {(f.event_id, b.clause_id) for f in findings for b in f.breaches}
    return Counter(clause for _, clause in pairs)


def _counts(today: Counter[str], before: Counter[str]) -> tuple[Count, ...]:
    keys = sorted(set(today) | set(before), key=lambda k: (-today[k], -before[k], k))
    return tuple(Count(key=k, count=today[k], previous=before[k]) for k in keys)


def report_window(day: date, cutoff: time) -> tuple[datetime, datetime]:
    """The span a report on ``day`` looks at: ``TREND_DAYS`` periods of 24 hours to the cutoff.

    The start is exclusive and the end (``day`` at ``cutoff``, UTC) inclusive.
    """
    end = datetime.combine(day, cutoff.replace(tzinfo=None), tzinfo=UTC)
    return end - TREND_DAYS * timedelta(days=1), end


def daily_report(
    zones: CompiledZones,
    incidents: Sequence[Incident],
    *,
    date: date,
    cutoff: time,
    regions: Sequence[Region] = (),
    settlements: Sequence[City] = (),
    correlation: Correlation = DEFAULT_CORRELATION,
) -> DailyReport:
    """Adjudicate the 24 hours to ``date`` at ``cutoff`` (UTC) and the days before.

    The trend covers ``TREND_DAYS`` periods; change is against the previous one.
    Without ``regions`` every violation counts as ``OUTSIDE`` the regions; with
    ``settlements`` each place is given from the nearest one.
    """
    agreement = zones.agreement
    first, end = report_window(date, cutoff)
    day = timedelta(days=1)
    recent = [i for i in incidents if first < i.time <= end]
    adjudication = adjudicate(zones, recent, correlation)
    findings = adjudication.findings
    periods = [
        [f for f in findings if end - (k + 1) * day < f.time <= end - k * day]
        for k in range(TREND_DAYS)
    ]
    today, before = periods[0], periods[1]
    today_events, before_events = _violation_events(today), _violation_events(before)
    regions_today = region_of(regions, [f.lon for f in today], [f.lat for f in today])
    region_by_id = dict(zip((f.incident_id for f in today), regions_today, strict=True))
    regions_before = region_of(
        regions, [f.lon for f in before_events.values()], [f.lat for f in before_events.values()]
    )
    sites = {s.id: s for s in zones.sites}
    zone_by_id = {z.id: z for z in zones.zones}
    weapons = []
    strikes = []
    for finding in today:
        for breach in finding.breaches:
            zone = zone_by_id.get(breach.zone_id or "")
            if zone is None:
                continue
            if zone.kind is ZoneKind.WITHDRAWAL and finding.weapon_class is not None:
                weapons.append(
                    WeaponSighting(
                        incident_id=finding.incident_id,
                        time=finding.time,
                        region=region_by_id[finding.incident_id],
                        weapon_class=finding.weapon_class,
                        count=finding.weapon_count,
                        distance_km=breach.distance_km,
                        clause_id=breach.clause_id,
                        attributed_to=finding.attributed_to,
                        attribution_confidence=finding.attribution_confidence,
                    )
                )
            elif zone.kind is ZoneKind.SITE and zone.site_id is not None:
                strikes.append(
                    SiteStrike(
                        incident_id=finding.incident_id,
                        time=finding.time,
                        region=region_by_id[finding.incident_id],
                        site_id=zone.site_id,
                        site_name=sites[zone.site_id].name,
                        distance_km=breach.distance_km,
                        type=finding.type.value,
                        attributed_to=finding.attributed_to,
                        attribution_confidence=finding.attribution_confidence,
                    )
                )
    places = _Places(regions, settlements)
    return DailyReport(
        agreement_id=agreement.id,
        agreement_name=agreement.name,
        date=date,
        period_start=end - day,
        period_end=end,
        reports=len(today),
        events=len({f.event_id for f in today}),
        violations=len(today_events),
        previous_violations=len(before_events),
        by_region=_counts(
            Counter(region_by_id[f.incident_id] for f in today_events.values()),
            Counter(regions_before),
        ),
        by_type=_counts(
            Counter(f.type.value for f in today_events.values()),
            Counter(f.type.value for f in before_events.values()),
        ),
        by_clause=_counts(_clause_events(today), _clause_events(before)),
        weapons=tuple(weapons),
        site_strikes=tuple(strikes),
        trend=tuple(
            DayCount(day=date - timedelta(days=k), violations=len(_violation_events(periods[k])))
            for k in reversed(range(TREND_DAYS))
        ),
        findings=tuple(f for f in today if f.breaches),
        violation_list=_violations(today, adjudication.events, recent, places),
        movement_restrictions=_notices(
            recent,
            first=end - day,
            end=end,
            places=places,
            kinds={IncidentType.FREEDOM_OF_MOVEMENT},
        ),
        civilian_harm=_notices(
            recent, first=end - day, end=end, places=places, kinds={IncidentType.CIVILIAN_HARM}
        ),
        latest_report=max((i.time for i in recent), default=None),
        label=adjudication.label,
        run_key=monitoring_run_key(
            zones,
            recent,
            {
                "date": date.isoformat(),
                "cutoff": cutoff.isoformat(),
                "correlation": correlation,
                "regions": [region.model_dump(mode="json") for region in regions],
            },
        ),
    )


_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


class _Places:
    """Region and nearest settlement of points, as the daily list names places."""

    def __init__(self, regions: Sequence[Region], settlements: Sequence[City]) -> None:
        self.regions = regions
        self.settlements = settlements
        self.tree = shapely.STRtree([shapely.Point(c.lon, c.lat) for c in settlements])

    def __call__(self, lon: float, lat: float) -> Place:
        (region,) = region_of(self.regions, [lon], [lat])
        if not self.settlements:
            return Place(lon=lon, lat=lat, region=region, settlement=None, settlement_km=None,
                         bearing=None)  # fmt: skip
        from pyproj import Geod

        # the nearest in degrees is near enough to the nearest on the ground at these latitudes
        # to pick from; the distance and bearing are then geodesic
        index = int(self.tree.nearest(shapely.Point(lon, lat)))
        town = self.settlements[index]
        azimuth, _, metres = Geod(ellps="WGS84").inv(town.lon, town.lat, lon, lat)
        return Place(
            lon=lon,
            lat=lat,
            region=region,
            settlement=town.name,
            settlement_km=round(metres / 1000, 1),
            bearing=_COMPASS[round((azimuth % 360) / 45) % 8],
        )


def _violations(
    today: Sequence[Finding],
    events: Sequence[Event],
    incidents: Sequence[Incident],
    places: _Places,
) -> tuple[Violation, ...]:
    """One entry per violating event of the period, with every report of it."""
    by_id = {i.id: i for i in incidents}
    event_by_id = {e.id: e for e in events}
    grouped: dict[str, list[Finding]] = {}
    for finding in today:
        grouped.setdefault(finding.event_id, []).append(finding)
    found = []
    for event_id, findings in grouped.items():
        breaching = [f for f in findings if f.breaches]
        if not breaching:
            continue
        event = event_by_id.get(event_id)
        first = min(breaching, key=lambda f: f.time)
        weapons = sorted({f.weapon_class.value for f in findings if f.weapon_class})
        reports = [by_id[f.incident_id] for f in findings if f.incident_id in by_id]
        found.append(
            Violation(
                event_id=event_id,
                time=first.time,
                place=places(event.lon if event else first.lon, event.lat if event else first.lat),
                type=first.type.value,
                weapon=", ".join(weapons) or None,
                reports=tuple(
                    SourceReport(
                        incident_id=r.id,
                        source=r.source,
                        confidence=r.confidence,
                        observation=r.observation,
                    )
                    for r in reports
                ),
                confidence=event.confidence if event else by_id[first.incident_id].confidence,
                observation=combined_observation(r.observation for r in reports),
                clauses=tuple(sorted({b.clause_id for f in breaching for b in f.breaches})),
                attributed_to=event.attributed_to if event else first.attributed_to,
                attribution_confidence=(
                    event.attribution_confidence if event else first.attribution_confidence
                ),
            )
        )
    return tuple(sorted(found, key=lambda v: (v.time, v.event_id)))


def _notices(
    incidents: Sequence[Incident],
    *,
    first: datetime,
    end: datetime,
    places: _Places,
    kinds: set[IncidentType],
) -> tuple[Notice, ...]:
    """Reports of the period of these kinds (or, for civilian harm, any that gives deaths)."""
    harm = IncidentType.CIVILIAN_HARM in kinds
    chosen = [
        i for i in incidents if first < i.time <= end and (i.type in kinds or (harm and i.deaths))
    ]
    return tuple(
        Notice(
            incident_id=i.id,
            time=i.time,
            place=places(i.lon, i.lat),
            type=i.type.value,
            source=i.source,
            confidence=i.confidence,
            deaths=i.deaths,
            description=i.description,
            attributed_to=i.attributed_to,
        )
        for i in sorted(chosen, key=lambda i: (i.time, i.id))
    )

"""The daily report a monitoring cell publishes to the parties.

Violations are counted once per event (correlated reports of one shelling are
one violation), by region, by type and by clause, against the previous
24 hours. Weapons seen inside withdrawal lines and strikes on protected sites
are listed one by one, since they are what the parties will be asked about.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, computed_field

from peaceforce.geo.crs import to_lonlat
from peaceforce.monitoring.adjudicate import DEFAULT_CORRELATION, Correlation, Finding, adjudicate
from peaceforce.monitoring.agreement import Agreement, CompiledZones, ZoneKind
from peaceforce.monitoring.incidents import Incident, WeaponClass
from peaceforce.sources.boundaries import Region

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


def daily_report(  # noqa: PLR0917  # the six inputs of a report, in the order a cell thinks of them
    agreement: Agreement,
    zones: CompiledZones,
    incidents: Sequence[Incident],
    date: date,
    cutoff_time: time,
    regions: Sequence[Region],
    *,
    correlation: Correlation = DEFAULT_CORRELATION,
) -> DailyReport:
    """Adjudicate the 24 hours to ``date`` at ``cutoff_time`` (UTC) and the days before.

    The trend covers ``TREND_DAYS`` periods; change is against the previous one.
    """
    if zones.agreement.id != agreement.id:
        raise ValueError(f"zones were compiled for {zones.agreement.id!r}, not {agreement.id!r}")
    end = datetime.combine(date, cutoff_time.replace(tzinfo=None), tzinfo=UTC)
    day = timedelta(days=1)
    first = end - TREND_DAYS * day
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
    )


# --- renderers -----------------------------------------------------------------------


def render_json(report: DailyReport) -> str:
    """The report as JSON; ``DailyReport.model_validate_json`` reads it back."""
    return report.model_dump_json(indent=2)


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _draw(axes: Any, geometry: Any, **style: Any) -> None:
    for part in shapely.get_parts(geometry):
        if part.geom_type == "Polygon":
            axes.fill(*part.exterior.xy, **style)
        elif part.geom_type == "LineString":
            axes.plot(*part.xy, **style)
        elif hasattr(part, "geoms"):
            _draw(axes, part, **style)


def render_map(report: DailyReport, zones: CompiledZones) -> str:
    """A PNG map (data URI): occupied area, line, zone outlines, sites and the day's violations."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 6))
    axes = figure.subplots()
    _draw(axes, to_lonlat(zones.occupied), color="#f3c5c5", linewidth=0)
    for zone in zones.zones:
        if zone.kind in (ZoneKind.BUFFER, ZoneKind.WITHDRAWAL, ZoneKind.MARITIME):
            _draw(
                axes,
                to_lonlat(zone.geometry.boundary),
                color="#7a7a7a",
                linewidth=0.5,
                linestyle="--",
            )
    _draw(axes, to_lonlat(zones.line), color="#b00020", linewidth=1.5)
    if zones.sites:
        axes.scatter(
            [s.lon for s in zones.sites],
            [s.lat for s in zones.sites],
            marker="^",
            s=18,
            c="#1f5fa8",
        )
    if report.findings:
        axes.scatter(
            [f.lon for f in report.findings], [f.lat for f in report.findings], s=14, c="#000000"
        )
    axes.set_aspect(1.5)
    axes.set_xlabel("longitude")
    axes.set_ylabel("latitude")
    axes.set_title(
        f"Violations {report.period_start:%Y-%m-%d %H:%M} – {report.period_end:%Y-%m-%d %H:%M} UTC"
    )
    return _png(figure)


def render_trend(report: DailyReport) -> str:
    """A PNG bar chart (data URI) of violation events per day."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 2.5))
    axes = figure.subplots()
    axes.bar(
        [d.day.isoformat()[5:] for d in report.trend],
        [d.violations for d in report.trend],
        color="#b00020",
    )
    axes.set_ylabel("violations")
    axes.tick_params(axis="x", labelrotation=60, labelsize=7)
    return _png(figure)


def _table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row)
        + "</tr>"
        for row in rows
    )
    empty = f"<tr><td colspan='{len(header)}'>none</td></tr>" if not rows else ""
    return f"<h2>{html.escape(title)}</h2><table><tr>{head}</tr>{body}{empty}</table>"


def _km(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def render_html(report: DailyReport, zones: CompiledZones) -> str:
    """A self-contained HTML page: summary, map, trend chart and tables (images inlined)."""
    counts = [
        ("Violations by region", report.by_region),
        ("by type", report.by_type),
        ("by clause", report.by_clause),
    ]
    sections = [
        _table(
            title,
            ["", "today", "previous", "change"],
            [(c.key, c.count, c.previous, f"{c.change:+d}") for c in rows],
        )
        for title, rows in counts
    ]
    sections.append(
        _table(
            "Weapons inside withdrawal lines",
            [
                "incident",
                "time",
                "region",
                "weapon",
                "count",
                "km from line",
                "clause",
                "attributed to",
            ],
            [
                (
                    w.incident_id,
                    f"{w.time:%H:%M}",
                    w.region,
                    w.weapon_class.value,
                    w.count,
                    _km(w.distance_km),
                    w.clause_id,
                    w.attributed_to,
                )
                for w in report.weapons
            ],
        )
    )
    sections.append(
        _table(
            "Strikes on protected sites",
            ["incident", "time", "region", "site", "km from site", "type", "attributed to"],
            [
                (
                    s.incident_id,
                    f"{s.time:%H:%M}",
                    s.region,
                    s.site_name,
                    _km(s.distance_km),
                    s.type,
                    s.attributed_to,
                )
                for s in report.site_strikes
            ],
        )
    )
    title = html.escape(f"{report.agreement_name}: daily report {report.date.isoformat()}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}</style></head><body>
<h1>{title}</h1>
<p>{report.period_start:%Y-%m-%d %H:%M} to {report.period_end:%Y-%m-%d %H:%M} UTC:
{report.reports} reports, {report.events} events, <strong>{report.violations} violations</strong>
({report.violations - report.previous_violations:+d} on the previous 24 hours).</p>
<img alt="map of violations" src="{render_map(report, zones)}">
<img alt="violations per day" src="{render_trend(report)}">
{"".join(sections)}
</body></html>
"""

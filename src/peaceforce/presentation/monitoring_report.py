"""The daily report as a self-contained HTML page: summary, map, trend chart and tables.

Images are PNG data URIs, so the page is one file that can be mailed to the
parties. Every value taken from the report is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

import shapely

from peaceforce.geo.crs import to_lonlat
from peaceforce.monitoring.agreement import CompiledZones, ZoneKind
from peaceforce.monitoring.report import DailyReport


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
    # the marking heads and closes the page, as on any marked document
    marking = f'<p class="marking">{html.escape(str(report.label))}</p>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}
.marking{{text-align:center;font-weight:bold}}</style></head><body>
{marking}
<h1>{title}</h1>
<p>{report.period_start:%Y-%m-%d %H:%M} to {report.period_end:%Y-%m-%d %H:%M} UTC:
{report.reports} reports, {report.events} events, <strong>{report.violations} violations</strong>
({report.violations - report.previous_violations:+d} on the previous 24 hours).</p>
<img alt="map of violations" src="{render_map(report, zones)}">
<img alt="violations per day" src="{render_trend(report)}">
{"".join(sections)}
{marking}
</body></html>
"""

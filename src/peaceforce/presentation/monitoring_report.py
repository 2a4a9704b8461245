"""The daily report as a self-contained HTML page and a PDF, in the form monitoring missions
publish (the OSCE SMM daily reports): period and cut-off, a narrative summary, counts
against the previous 24 hours, every violation once, a map and a trend chart.

Images are PNG data URIs, so the page is one file that can be mailed to the parties;
the PDF comes from the same template (:mod:`peaceforce.briefing.render`). Every value
taken from the report is HTML-escaped by the template.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from peaceforce.monitoring.agreement import CompiledZones
from peaceforce.monitoring.incidents import NOT_STATED
from peaceforce.monitoring.report import DailyReport
from peaceforce.outputs import write_atomic
from peaceforce.presentation.agreement_map import draw_agreement, frame_of, place_legend


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def render_map(report: DailyReport, zones: CompiledZones) -> str:
    """A PNG map (data URI) on a Natural Earth basemap: land, Ukraine's border, occupied area,
    line, each kind of zone, protected sites, the largest settlements by name, the day's
    violations, and a legend."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    points = [(f.lon, f.lat) for f in report.findings]
    figure = Figure(figsize=(8, 6.5), layout="constrained")
    axes = figure.subplots()
    handles = draw_agreement(axes, zones, frame_of(zones, points))
    if points:
        axes.scatter(
            [lon for lon, _ in points],
            [lat for _, lat in points],
            s=16,
            c="#000",
            marker="x",
            zorder=5,
        )
    axes.set_title(
        f"Violations {report.period_start:%Y-%m-%d %H:%M} – {report.period_end:%Y-%m-%d %H:%M} UTC"
    )
    handles.append(Line2D([], [], marker="x", color="#000", linestyle="", label="violation"))
    place_legend(axes, handles)
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


def render_html(report: DailyReport, zones: CompiledZones, medium: str = "html") -> str:
    """The daily report as one self-contained page in the form monitoring missions publish:
    period and cut-off, summary, counts against the previous 24 hours, every violation
    once, weapons, strikes on protected sites, movement restrictions, civilian harm, map."""
    from peaceforce.briefing.render import environment

    template = environment().get_template("bulletin.html.j2")
    return str(
        template.render(
            report=report,
            map=render_map(report, zones),
            trend=render_trend(report),
            warning=no_report_warning(report),
            narrative=narrative(report),
            not_stated=NOT_STATED,
            medium=medium,
        )
    )


def _times(count: int, what: str) -> str:
    return f"{count} {what}" + ("" if count == 1 else "s")


def narrative(report: DailyReport) -> list[str]:
    """The summary's sentences after the headline counts, as a monitoring mission words them."""
    said = []
    region, kind = report.by_region[:1], report.by_type[:1]
    if region and region[0].count:
        most = f"Most were in {region[0].key} ({region[0].count})"
        if kind and kind[0].count:
            most += (
                f"; the most frequent type was {kind[0].key.replace('_', ' ')} ({kind[0].count})"
            )
        said.append(most + ".")
    said.append(
        f"Weapons were seen inside the withdrawal lines {_times(len(report.weapons), 'time')}."
        if report.weapons
        else "No weapon was reported inside the withdrawal lines."
    )
    said.append(
        f"{_times(len(report.site_strikes), 'strike')} fell within a protected site's radius."
        if report.site_strikes
        else "No strike on a protected site was reported."
    )
    restrictions = len(report.movement_restrictions)
    said.append(
        f"The monitors' freedom of movement was restricted {_times(restrictions, 'time')}."
        if restrictions
        else "No restriction of the monitors' freedom of movement was reported."
    )
    deaths = sum(n.deaths or 0 for n in report.civilian_harm)
    harm = len(report.civilian_harm)
    said.append(
        f"{_times(harm, 'report')} of harm to civilians"
        + (f", {_times(deaths, 'death')}." if deaths else ".")
        if harm
        else "No civilian casualty was reported."
    )
    return said


def no_report_warning(report: DailyReport) -> str | None:
    """A warning when no report at all was read for the period asked for."""
    if report.reports or report.movement_restrictions or report.civilian_harm:
        return None
    if report.latest_report is None:
        return (
            f"The store holds no report for the 24 hours to {report.period_end:%Y-%m-%d %H:%M} "
            "UTC, nor for the 14 days before: check that it covers this day (the UCDP file, "
            "for one, ends in 2023)."
        )
    return (
        f"The store holds no report for the 24 hours to {report.period_end:%Y-%m-%d %H:%M} UTC; "
        f"the latest report before it is of {report.latest_report:%Y-%m-%d %H:%M} UTC."
    )


def write_pdf(report: DailyReport, zones: CompiledZones, path: Path) -> None:
    """The daily report as a tagged PDF/A-3b with the report's JSON attached."""
    from peaceforce.briefing.render import pdf_bytes

    write_atomic(
        path,
        pdf_bytes(
            render_html(report, zones, "pdf"),
            attachments={"daily-report.json": report.model_dump_json(indent=2).encode()},
        ),
    )

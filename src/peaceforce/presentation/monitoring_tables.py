"""Monitoring results as rich tables: the line, an agreement, its zones, an import, a report.

Values that come from users (file names, ids, site names, region names) go in
as ``Text`` with control characters escaped, never as markup: an id such as
``[/x]`` prints as itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import JustifyMethod
from rich.table import Table
from rich.text import Text

from peaceforce.geo.frontline import FrontlineSummary
from peaceforce.monitoring.agreement import Agreement, ZonesSummary
from peaceforce.monitoring.importer import ImportResult
from peaceforce.monitoring.report import Count, DailyReport
from peaceforce.presentation.text import plain

#: Columns of numbers, aligned right.
_NUMBERS = frozenset(
    {
        "length (km)", "parts", "limit (km)", "area (km²)", "reports", "accepted", "duplicate",
        "rejected", "today", "previous", "change", "count", "km from line", "km from site",
        "violations",
    }
)  # fmt: skip


def _table(title: str, columns: Iterable[str], *, caption: str | None = None) -> Table:
    table = Table(title=plain(title), caption=plain(caption) if caption else None)
    for column in columns:
        justify: JustifyMethod = "right" if column in _NUMBERS else "left"
        table.add_column(column, justify=justify, overflow="fold")
    return table


def _km(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _who(party: str | None, confidence: float | None) -> str:
    if party is None:
        return "unattributed"
    return f"{party} ({confidence:.0%})" if confidence is not None else party


def frontline_table(summary: FrontlineSummary) -> Table:
    """A derived line: its date, length and longest parts."""
    parts = summary.parts_km
    table = _table(
        f"Line of contact from {summary.file}",
        ("as of", "length (km)", "parts", "longest parts (km)"),
    )
    table.add_row(
        summary.as_of.isoformat() if summary.as_of else "unknown",
        f"{summary.length_km:,.1f}",
        str(len(parts)),
        ", ".join(f"{km:,.1f}" for km in parts[:5]) + (", ..." if len(parts) > 5 else ""),
    )
    return table


def agreement_table(agreement: Agreement) -> Table:
    """An agreement's clauses, each with its rule in a few words; terms in the caption."""
    period = agreement.period
    until = f"until {period.end:%Y-%m-%d}" if period.end else "open-ended"
    scope = (
        "full"
        if agreement.scope.kind == "full"
        else "partial: " + ", ".join(sorted(d.value for d in agreement.scope.domains))
    )
    parties = ", ".join(f"{p.id} ({p.holds.value})" for p in agreement.parties)
    table = _table(
        f"{agreement.name} [{agreement.id}]",
        ("clause", "kind", "rule", "title"),
        caption=f"in force from {period.start:%Y-%m-%d}, {until}; scope {scope}; "
        f"parties {parties}; {agreement.label}",
    )
    for clause in agreement.clauses:
        table.add_row(plain(clause.id), clause.kind, plain(clause.describe()), plain(clause.title))
    return table


def zones_table(summary: ZonesSummary) -> Table:
    """Each compiled zone: clause, kind, limit, area, weapon class or site."""
    table = _table(
        f"{len(summary.zones)} zones of {summary.agreement}",
        ("zone", "clause", "kind", "limit (km)", "area (km²)", "weapon / site"),
        caption=f"line of contact {summary.line_km:,.1f} km, "
        f"as of {summary.as_of.isoformat() if summary.as_of else '?'}",
    )
    for row in summary.zones:
        table.add_row(
            plain(row.id),
            plain(row.clause),
            row.kind,
            "" if row.limit_km is None else f"{row.limit_km:g}",
            f"{row.area_km2:,.0f}",
            plain(row.weapon_class or row.site or ""),
        )
    return table


def import_table(result: ImportResult) -> Table:
    """What each file gave: reports, accepted, duplicates, rejected."""
    table = _table("Intake", ("file", "reports", "accepted", "duplicate", "rejected"))
    for item in result.files:
        table.add_row(
            plain(item.file),
            str(item.reports),
            Text(str(item.accepted), style="green"),
            str(item.duplicates),
            Text(str(item.rejected), style="red" if item.rejected else ""),
        )
    return table


def _counts_table(title: str, counts: tuple[Count, ...]) -> Table:
    table = _table(title, ("", "today", "previous", "change"))
    for count in counts:
        style = "red" if count.change > 0 else "green" if count.change < 0 else ""
        table.add_row(
            plain(count.key),
            str(count.count),
            str(count.previous),
            Text(f"{count.change:+d}", style=style),
        )
    if not counts:
        table.add_row("none", "0", "0", "+0")
    return table


def report_headline(report: DailyReport) -> Text:
    """The report's marking, title, period and totals, in three lines."""
    change = report.violations - report.previous_violations
    headline = Text(str(report.label) + "\n", style="bold")
    name = plain(report.agreement_name)
    name.stylize("bold")
    headline.append_text(name)
    headline.append(
        f": daily report {report.date.isoformat()}, "
        f"{report.period_start:%Y-%m-%d %H:%M} to {report.period_end:%Y-%m-%d %H:%M} UTC\n"
        f"{report.reports} reports, {report.events} events, "
    )
    headline.append(f"{report.violations} violations", style="bold")
    headline.append(f" ({change:+d} on the previous 24 hours)")
    return headline


def report_tables(report: DailyReport) -> list[Table]:
    """Counts by region, type and clause; weapons; strikes on sites; violations per day."""
    tables = [
        _counts_table("Violations by region", report.by_region),
        _counts_table("by type", report.by_type),
        _counts_table("by clause", report.by_clause),
    ]
    weapons = _table(
        "Weapons inside withdrawal lines",
        ("incident", "time", "region", "weapon", "count", "km from line", "clause", "by"),
    )
    for w in report.weapons:
        weapons.add_row(
            plain(w.incident_id),
            f"{w.time:%H:%M}",
            plain(w.region),
            w.weapon_class.value,
            "" if w.count is None else str(w.count),
            _km(w.distance_km),
            plain(w.clause_id),
            plain(_who(w.attributed_to, w.attribution_confidence)),
        )
    strikes = _table(
        "Strikes on protected sites",
        ("incident", "time", "region", "site", "km from site", "type", "by"),
    )
    for s in report.site_strikes:
        strikes.add_row(
            plain(s.incident_id),
            f"{s.time:%H:%M}",
            plain(s.region),
            plain(s.site_name),
            _km(s.distance_km),
            s.type,
            plain(_who(s.attributed_to, s.attribution_confidence)),
        )
    trend = _table("Violations per day", ("day", "violations", ""))
    peak = max((d.violations for d in report.trend), default=0) or 1
    for day in report.trend:
        trend.add_row(
            day.day.isoformat(), str(day.violations), "█" * round(30 * day.violations / peak)
        )
    return [*tables, weapons, strikes, trend]

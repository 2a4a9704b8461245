"""Tables of a protection result for people: coverage, units, placements, threat, presence.

``peaceforce protect`` prints :func:`protection_report`; ``peaceforce plan``
prints :func:`protection_summary_table` for every framework × mission. Names
and ids come from user files, so every cell is plain :class:`~rich.text.Text`
(never markup) with control characters escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from peaceforce.presentation.text import add_plain_row, plain
from peaceforce.protection.result import PositionKind, ProtectionResult, ThreatRadius
from peaceforce.scenario.model import AirThreat
from peaceforce.scenario.names import IDS, Names


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


#: Short names of the threat classes in tables.
THREAT_LABEL = {
    AirThreat.AIRCRAFT: "aircraft",
    AirThreat.CRUISE_MISSILE: "cruise",
    AirThreat.BALLISTIC_MISSILE: "ballistic",
    AirThreat.DRONE: "drone",
}


def _count(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def people_by_threat(result: ProtectionResult) -> str:
    """Share of the people defended against each class, the mix's classes first."""
    rows = sorted(result.coverage.by_threat, key=lambda c: -c.share)
    return " · ".join(
        f"{THREAT_LABEL[c.threat]} {_pct(c.totals.population_covered, c.totals.population)}"
        + (f" ({100 * c.share:.0f}% of attacks)" if c.share else "")
        for c in rows
    )


def protection_summary_table(results: Sequence[ProtectionResult], names: Names = IDS) -> Table:
    """One row per framework × mission: what the air defence defends and who matters most."""
    table = Table(title="Air-defence coverage against the threat mix (maximal covering on HiGHS)")
    for column in ("framework", "mission", "units placed", "people defended", "MW defended"):
        table.add_column(column, justify="right" if column != "mission" else "left")
    table.add_column("people defended by threat class", overflow="fold")
    table.add_column("ports · bases")
    table.add_column("largest loss if a nation withdraws")
    for result in results:
        c = result.coverage
        t = c.totals
        placed = sum(p.units for p in c.placements)
        worst = max(c.withdrawals, key=lambda w: w.after_replacement.weight, default=None)
        add_plain_row(
            table,
            names.framework(result.framework_id),
            names.mission(result.mission_id),
            f"{placed}/{sum(u.units for u in c.units)}",
            f"{t.population_covered / 1e6:.1f} M of {t.population / 1e6:.1f} M "
            f"({_pct(t.population_covered, t.population)})",
            f"{t.mw_covered:,.0f} of {t.mw:,.0f} ({_pct(t.mw_covered, t.mw)})",
            people_by_threat(result),
            f"{_count(t.ports_covered)}/{t.ports} · "
            f"{_count(t.force_bases_covered)}/{t.force_bases}",
            (
                f"{names.nation(worst.nation)}: "
                f"−{worst.after_replacement.population / 1e6:.1f} M people, "
                f"−{worst.after_replacement.mw:,.0f} MW"
                if worst is not None
                else "-"
            ),
        )
    return table


def radii_text(radii: Sequence[ThreatRadius]) -> str:
    """Radii in class order: '~' marks an estimate, 'h' a radius the radar horizon sets."""
    by_threat = {r.threat: r for r in radii}
    parts = []
    for threat in AirThreat:
        r = by_threat[threat]
        mark = " h" if r.horizon_limited else ""
        parts.append(f"{'~' if r.estimate else ''}{r.km:g}{mark}")
    return " / ".join(parts)


def units_table(result: ProtectionResult, names: Names = IDS) -> Table:
    """The air-defence units to place, with their radii and where they may stand."""
    table = Table(title="Air-defence units")
    order = " / ".join(THREAT_LABEL[t] for t in AirThreat)
    for column in (
        "nation",
        "type",
        "units",
        f"radius km ({order}; ~ estimate, h radar horizon)",
        "sourced for (area)",
        "min km",
        "soil",
    ):
        table.add_column(column, overflow="fold")
    for u in result.coverage.units:
        add_plain_row(
            table,
            names.nation(u.nation),
            names.unit_type(u.unit_type),
            str(u.units),
            radii_text(u.radii),
            f"{', '.join(names.line(result.mission_id, i) for i in u.line_ids)}"
            + (f" ({names.area(u.area)})" if u.area else "")
            if u.sourced
            else plain("pledged, not sourced", "yellow"),
            f"{u.min_distance_km:g}",
            "Ukraine or hosts" if u.may_stand_in_ukraine else "host nations only",
        )
    return table


def placements_table(result: ProtectionResult, limit: int = 4, names: Names = IDS) -> Table:
    """Which system stands where and what it covers."""
    sites = {s.id: s for s in result.coverage.sites}
    assets = {a.id: a.name for a in result.coverage.assets}
    weights = {a.id: a.weight for a in result.coverage.assets}
    table = Table(title="Placements: which system covers what")
    for column in (
        "site",
        "host",
        "km to line",
        "risk",
        "system",
        "people (mix)",
        "MW (mix)",
        "covers",
    ):
        table.add_column(column, overflow="fold")
    for p in result.coverage.placements:
        site = sites[p.site_id]
        top = sorted(p.covered_assets, key=lambda a: -weights[a])[:limit]
        more = len(p.covered_assets) - len(top)
        add_plain_row(
            table,
            site.name,
            names.nation(site.host_nation),
            f"{site.distance_to_line_km:.0f}",
            f"{site.risk:.0f}",
            f"{p.units} × {names.unit_type(p.unit_type)} ({names.nation(p.nation)})",
            f"{p.covered_population:,}",
            f"{p.covered_mw:,.0f}",
            ", ".join(assets[a] for a in top) + (f" +{more}" if more > 0 else ""),
        )
    return table


def withdrawal_table(result: ProtectionResult, names: Names = IDS) -> Table:
    """Coverage lost if each nation withdrew its air defence."""
    table = Table(title="If a nation withdrew its air defence")
    for column in ("nation", "units", "people lost", "MW lost", "after the others move"):
        table.add_column(column, justify="right")
    for w in result.coverage.withdrawals:
        add_plain_row(
            table,
            names.nation(w.nation),
            str(w.units),
            f"{w.immediate.population:,}",
            f"{w.immediate.mw:,.0f}",
            f"{w.after_replacement.population:,} people, {w.after_replacement.mw:,.0f} MW",
        )
    return table


def threat_table(result: ProtectionResult) -> Table:
    """Every base, area and unit position: the classes that reach it and its risk."""
    table = Table(title="Threat to every position (risk 0-100)")
    for column in ("position", "kind", "km to line", "km to threat", "from", "reached by", "risk"):
        table.add_column(column, overflow="fold")
    order = list(PositionKind)
    classes = {c.id: c.name.split(" (", 1)[0] for c in result.threat.classes}
    for p in sorted(result.threat.positions, key=lambda p: (order.index(p.kind), -p.risk, p.id)):
        add_plain_row(
            table,
            p.name,
            p.kind.value,
            f"{p.distance_to_line_km:.0f}",
            f"{p.distance_to_threat_km:.0f}",
            p.nearest_origin.replace("_", " "),
            ", ".join(classes.get(c, c) for c in p.classes),
            f"{p.risk:.0f}",
        )
    return table


def presence_table(result: ProtectionResult, names: Names = IDS) -> Table:
    """Air-policing stations: bases within the radius and squadrons that can hold them."""
    table = Table(title="Air policing: combat air patrol stations")
    for column in ("station", "radius km", "bases in reach", "squadrons that can hold it"):
        table.add_column(column, overflow="fold")
    for c in result.presence.cap_stations:
        add_plain_row(
            table,
            c.name,
            f"{c.radius_km:g}",
            ", ".join(
                f"{b.name} ({names.nation(b.host_nation)}, {b.distance_km:.0f} km)"
                for b in c.bases[:4]
            )
            + (f" +{len(c.bases) - 4}" if len(c.bases) > 4 else ""),
            ", ".join(names.pledge(s) for s in c.squadrons)
            if c.squadrons
            else plain("none", "red"),
        )
    return table


def corridor_line(result: ProtectionResult) -> Text:
    """One sentence on the Black Sea corridor."""
    c = result.presence.corridor
    if c is None:
        return plain("Black Sea corridor: not in the protection data")
    return plain(
        f"Black Sea corridor ({c.route_km:.0f} km route): {c.mcm_vessels} MCM vessels keep "
        f"{c.swept_km:.0f} km swept ({100 * c.swept_share:.0f}%); {c.mpa_units} maritime patrol "
        f"units patrol {100 * c.patrolled_share:.0f}% of its area"
    )


def protection_report(result: ProtectionResult, names: Names = IDS) -> list[RenderableType]:
    """Everything ``peaceforce protect`` prints for one result, in reading order."""
    report: list[RenderableType] = [
        protection_summary_table((result,), names),
        units_table(result, names),
        placements_table(result, names=names),
    ]
    report += [
        Text.assemble(
            ("not placed", "yellow"),
            plain(f": {u.units} × {names.pledge(u.pledge_id)}: {u.reason}"),
        )
        for u in result.coverage.unplaced
    ]
    if result.coverage.withdrawals:
        report.append(withdrawal_table(result, names))
    report += [threat_table(result), presence_table(result, names), corridor_line(result)]
    report += [plain(f"note: {note}", "dim") for note in result.notes]
    return report

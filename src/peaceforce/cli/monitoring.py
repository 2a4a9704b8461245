"""The monitoring cell's commands: ``peaceforce geo``, ``agreement`` and ``monitor``.

Thin wrappers: each reads its inputs with the library's readers (which report
every fault with file, line and expected value), calls one library function and
prints rich tables, or JSON with ``--json``.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from peaceforce.cli import render
from peaceforce.cli.common import JsonOption, console, errors, new_group, print_json
from peaceforce.errors import InputError, Problem
from peaceforce.geo.crs import to_metric
from peaceforce.geo.frontline import (
    LineOfContact,
    derive_line_of_contact,
    frontline_from_snapshot,
    load_occupied,
    read_line_of_contact,
)
from peaceforce.geo.geojson import read_area
from peaceforce.monitoring.agreement import (
    Agreement,
    CompiledZones,
    DemilitarisedBuffer,
    HeavyWeaponWithdrawal,
    NoFireAcrossLine,
    NoNavalAttacks,
    ProtectedSites,
    WindowOfSilence,
    agreement_path,
    compile_zones,
    load_agreement,
    load_sites,
)
from peaceforce.monitoring.intake import parse_columns
from peaceforce.monitoring.report import (
    Count,
    DailyReport,
    daily_report,
    load_regions,
    render_html,
)
from peaceforce.monitoring.store import ImportResult, import_reports, read_reports
from peaceforce.outputs import write_atomic
from peaceforce.results import Result

geo_app = new_group("geo", "Geometry from real data: the line of contact from a front-line map.")
agreement_app = new_group(
    "agreement", "Ceasefire agreements as data: check them and compile them into zones."
)
monitor_app = new_group(
    "monitor", "Ceasefire monitoring: import reports into a store, publish the daily report."
)

AgreementArgument = Annotated[
    str,
    typer.Argument(
        help="agreement.yaml, or the name of a built-in one (ceasefire-2025, ...).",
        show_default=False,
    ),
]
OccupiedOption = Annotated[
    Path | None,
    typer.Option(
        "--occupied",
        help="Occupied-territory snapshot (DeepStateMap GeoJSON): the line is derived from it, "
        "and it tells which side of the line a report falls on.",
    ),
]
LineOption = Annotated[
    Path | None,
    typer.Option(
        "--line",
        help="Line of contact GeoJSON (from 'peaceforce geo frontline --out', or a scenario's "
        "line_of_contact.geojson); with --occupied too, this line is used and the snapshot "
        "gives the sides.",
    ),
]
OutlineOption = Annotated[
    Path | None,
    typer.Option(
        "--outline", help="Ukraine's outline GeoJSON (default: Natural Earth 1:10m, with Crimea)."
    ),
]
SitesOption = Annotated[
    Path | None,
    typer.Option(
        "--sites",
        help="CSV of protected sites (name, latitude, longitude; e.g. the WRI power-plant "
        "database).",
    ),
]


def _fail_json(problems: list[Problem]) -> None:
    """``--json`` callers get the problems as JSON on stdout too, then exit code 2."""
    sys.stdout.write(
        json.dumps({"ok": False, "problems": [_problem(p) for p in problems]}, indent=2) + "\n"
    )
    raise typer.Exit(2)


def _problem(problem: Problem) -> dict[str, str]:
    return {
        "file": problem.file,
        "location": problem.location,
        "value": problem.value,
        "expected": problem.expected,
    }


# --- peaceforce geo ------------------------------------------------------------------


@geo_app.command("frontline")
def frontline(
    file: Annotated[
        Path, typer.Argument(help="Occupied-territory GeoJSON, e.g. occupied_20250402.geojson.")
    ],
    outline: OutlineOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the line as GeoJSON, usable as a scenario's line_of_contact."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Derive the line of contact from a snapshot of the occupied area; print its length."""
    with console.status(f"deriving the line of contact from {file.name}"):
        summary = frontline_from_snapshot(file, ukraine_path=outline, out=out)
    if as_json:
        print_json(summary)
        return
    parts = summary.parts_km
    table = Table(title=f"Line of contact from {file.name}")
    table.add_column("as of")
    table.add_column("length (km)", justify="right")
    table.add_column("parts", justify="right")
    table.add_column("longest parts (km)")
    table.add_row(
        summary.as_of.isoformat() if summary.as_of else "unknown",
        f"{summary.length_km:,.1f}",
        str(len(parts)),
        ", ".join(f"{km:,.1f}" for km in parts[:5]) + (", ..." if len(parts) > 5 else ""),
    )
    console.print(table)
    if out is not None:
        console.print(f"line written to {out}")


# --- peaceforce agreement --------------------------------------------------------------


def _terms(clause: Any) -> str:
    """A clause's rule in a few words, for tables."""
    if isinstance(clause, NoFireAcrossLine):
        return f"within {clause.within_km:g} km of the line" if clause.within_km else "anywhere"
    if isinstance(clause, DemilitarisedBuffer):
        return f"{clause.width_km:g} km each side of the line"
    if isinstance(clause, HeavyWeaponWithdrawal):
        return (
            ", ".join(
                f"{weapon.value} {clause.each_side_km(weapon):g} km"
                for weapon in clause.security_zone_km
            )
            + " each side"
        )
    if isinstance(clause, ProtectedSites):
        return f"{clause.radius_km:g} km around {', '.join(sorted(clause.categories))}"
    if isinstance(clause, NoNavalAttacks):
        return f"maritime zone of {to_metric(clause.zone).area / 1e6:,.0f} km²"
    if isinstance(clause, WindowOfSilence):
        return "; ".join(
            f"{w.start:%Y-%m-%d %H:%M} to {w.end:%Y-%m-%d %H:%M} UTC" for w in clause.windows
        )
    return ""


class AgreementCheck(Result):
    """The outcome of ``agreement validate``."""

    ok: bool
    file: str
    agreement: Agreement


def _agreement_table(agreement: Agreement) -> Table:
    period = agreement.period
    until = f"until {period.end:%Y-%m-%d}" if period.end else "open-ended"
    scope = (
        "full"
        if agreement.scope.kind == "full"
        else "partial: " + ", ".join(sorted(d.value for d in agreement.scope.domains))
    )
    parties = ", ".join(f"{p.id} ({p.holds.value})" for p in agreement.parties)
    table = Table(
        title=f"{agreement.name} [{agreement.id}]",
        caption=f"in force from {period.start:%Y-%m-%d}, {until}; scope {scope}; parties {parties}",
    )
    for column in ("clause", "kind", "rule", "title"):
        table.add_column(column, overflow="fold")
    for clause in agreement.clauses:
        table.add_row(clause.id, clause.kind, _terms(clause), clause.title)
    return table


@agreement_app.command("validate")
def validate_agreement(file: AgreementArgument, as_json: JsonOption = False) -> None:
    """Check an agreement file and report every problem with its line (exit code 2 if any)."""
    try:
        path = agreement_path(file)
        agreement = load_agreement(path)
    except InputError as exc:
        if not as_json:
            raise
        _fail_json(exc.problems)
        return
    if as_json:
        print_json(AgreementCheck(ok=True, file=str(path), agreement=agreement))
        return
    console.print(_agreement_table(agreement))
    console.print(f"[green]ok[/green]: {path} is a valid agreement ({agreement.id})")


def _line_of_contact(
    line: Path | None, occupied: Path | None, outline: Path | None
) -> LineOfContact:
    if occupied is not None:
        area, snapshot = load_occupied(occupied)
        if line is not None:
            return read_line_of_contact(line, occupied=area)
        ukraine = read_area(outline) if outline is not None else None
        return derive_line_of_contact(area, ukraine=ukraine, as_of=snapshot)
    if line is not None:
        return read_line_of_contact(line)
    raise InputError(
        [
            Problem(
                "--occupied / --line",
                "-",
                "neither",
                "an occupied-territory snapshot (--occupied) or a line of contact (--line)",
            )
        ]
    )


def _compile(
    agreement: Agreement,
    line_of_contact: LineOfContact,
    sites_path: Path | None,
    *,
    need_sides: bool,
) -> CompiledZones:
    """Compile zones, refusing inputs that would silently drop a clause."""
    problems = [
        Problem(
            "--sites",
            "-",
            "nothing",
            f"a CSV of protected sites for clause {clause.id!r} ({clause.kind})",
        )
        for clause in agreement.clauses
        if isinstance(clause, ProtectedSites) and sites_path is None
    ]
    if need_sides and line_of_contact.occupied.is_empty:
        problems.extend(
            Problem(
                "--occupied",
                "-",
                "nothing (a line alone has no sides)",
                f"the occupied-territory snapshot: clause {clause.id!r} ({clause.kind}) needs "
                "to know on which side fire landed",
            )
            for clause in agreement.clauses
            if isinstance(clause, NoFireAcrossLine)
        )
    if problems:
        raise InputError(problems)
    sites = load_sites(sites_path) if sites_path is not None else ()
    return compile_zones(agreement, line_of_contact, sites)


class ZoneRow(Result):
    """One compiled zone, summarised."""

    id: str
    clause: str
    kind: str
    limit_km: float | None
    area_km2: float
    weapon_class: str | None
    site: str | None


class ZonesSummary(Result):
    """What ``agreement zones`` compiled."""

    agreement: str
    snapshot: str | None
    line_km: float
    zones: tuple[ZoneRow, ...]
    out: str | None


@agreement_app.command("zones")
def zones(
    file: AgreementArgument,
    *,
    line: LineOption = None,
    occupied: OccupiedOption = None,
    outline: OutlineOption = None,
    sites: SitesOption = None,
    geojson: Annotated[
        bool, typer.Option("--geojson", help="Print the zones as lon/lat GeoJSON.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the GeoJSON to this file instead.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Compile an agreement's clauses into zones in the metric CRS; export them as GeoJSON."""
    agreement = load_agreement(agreement_path(file))
    with console.status("compiling zones"):
        compiled = _compile(
            agreement, _line_of_contact(line, occupied, outline), sites, need_sides=False
        )
    if out is not None:
        write_atomic(out, json.dumps(compiled.to_geojson()) + "\n")
    elif geojson:
        sys.stdout.write(json.dumps(compiled.to_geojson()) + "\n")
        return
    site_names = {s.id: s.name for s in compiled.sites}
    summary = ZonesSummary(
        agreement=agreement.id,
        snapshot=compiled.snapshot.isoformat() if compiled.snapshot else None,
        line_km=round(float(compiled.line.length) / 1000.0, 3),
        zones=tuple(
            ZoneRow(
                id=z.id,
                clause=z.clause_id,
                kind=z.kind.value,
                limit_km=z.limit_km,
                area_km2=round(float(z.geometry.area) / 1e6, 1),
                weapon_class=z.weapon_class.value if z.weapon_class else None,
                site=site_names.get(z.site_id or ""),
            )
            for z in compiled.zones
        ),
        out=str(out) if out is not None else None,
    )
    if as_json:
        print_json(summary)
        return
    table = Table(
        title=f"{len(summary.zones)} zones of {agreement.id}",
        caption=f"line of contact {summary.line_km:,.1f} km, snapshot {summary.snapshot or '?'}",
    )
    for column in ("zone", "clause", "kind", "limit (km)", "area (km²)", "weapon / site"):
        table.add_column(column, justify="right" if "(" in column else "left", overflow="fold")
    for row in summary.zones:
        table.add_row(
            row.id,
            row.clause,
            row.kind,
            "" if row.limit_km is None else f"{row.limit_km:g}",
            f"{row.area_km2:,.0f}",
            row.weapon_class or row.site or "",
        )
    console.print(table)
    if out is not None:
        console.print(f"zones written to {out} (lon/lat GeoJSON)")


# --- peaceforce monitor ---------------------------------------------------------------


def _defaults(items: list[str]) -> dict[str, str]:
    defaults: dict[str, str] = {}
    for item in items:
        defaults.update(parse_columns(item, option="--default"))
    return defaults


def _import_table(result: ImportResult) -> Table:
    table = Table(title="Intake")
    for column in ("file", "reports", "accepted", "duplicate", "rejected"):
        table.add_column(column, justify="left" if column == "file" else "right", overflow="fold")
    for item in result.files:
        table.add_row(
            item.file,
            str(item.reports),
            f"[green]{item.accepted}[/green]",
            str(item.duplicates),
            f"[red]{item.rejected}[/red]" if item.rejected else "0",
        )
    return table


@monitor_app.command("import")
def import_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Report files: .csv (or UCDP GED), .geojson/.json, .xml/.cot (Cursor-on-Target), "
            ".jsonl (a store).",
            show_default=False,
        ),
    ],
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Incident store (JSON Lines) to add to; without it, only check."
        ),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="CSV column mapping field=column,... (e.g. time=reported_at,lon=x,lat=y).",
        ),
    ] = None,
    default: Annotated[
        list[str] | None,
        typer.Option(
            "--default", help="Value for a field no column gives, field=value (repeatable)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import reports, idempotently by id; list every rejected one (exit code 2 if any)."""
    mapping = parse_columns(columns) if columns is not None else None
    defaults = _defaults(default or [])
    with console.status(f"reading {len(files)} file(s)"):
        result = import_reports(files, store=store, columns=mapping, defaults=defaults or None)
    if as_json:
        print_json(result)
    else:
        console.print(_import_table(result))
        where = (
            f"store {store} holds {result.stored} reports"
            if store is not None
            else "checked only (no --store)"
        )
        console.print(
            f"{result.accepted} accepted, {result.duplicates} duplicate, "
            f"{len(result.rejected)} rejected; {where}"
        )
        if result.rejected:
            errors.print(
                render.problems_table(
                    list(result.rejected), f"{len(result.rejected)} report(s) rejected"
                )
            )
    if result.rejected:
        raise typer.Exit(2)


def _cutoff(text: str) -> time:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise InputError([Problem("--cutoff", "-", repr(text), "a time HH:MM (UTC)")]) from None


def _counts_table(title: str, counts: tuple[Count, ...]) -> Table:
    table = Table(title=title)
    table.add_column("")
    for column in ("today", "previous", "change"):
        table.add_column(column, justify="right")
    for count in counts:
        style = "red" if count.change > 0 else "green" if count.change < 0 else ""
        change = f"[{style}]{count.change:+d}[/{style}]" if style else f"{count.change:+d}"
        table.add_row(count.key, str(count.count), str(count.previous), change)
    if not counts:
        table.add_row("none", "0", "0", "+0")
    return table


def _km(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _who(party: str | None, confidence: float | None) -> str:
    if party is None:
        return "unattributed"
    return f"{party} ({confidence:.0%})" if confidence is not None else party


def _report_tables(report: DailyReport) -> list[Table]:
    tables = [
        _counts_table("Violations by region", report.by_region),
        _counts_table("by type", report.by_type),
        _counts_table("by clause", report.by_clause),
    ]
    weapons = Table(title="Weapons inside withdrawal lines")
    for column in ("incident", "time", "region", "weapon", "count", "km from line", "clause", "by"):
        weapons.add_column(column, overflow="fold")
    for w in report.weapons:
        weapons.add_row(
            w.incident_id,
            f"{w.time:%H:%M}",
            w.region,
            w.weapon_class.value,
            "" if w.count is None else str(w.count),
            _km(w.distance_km),
            w.clause_id,
            _who(w.attributed_to, w.attribution_confidence),
        )
    strikes = Table(title="Strikes on protected sites")
    for column in ("incident", "time", "region", "site", "km from site", "type", "by"):
        strikes.add_column(column, overflow="fold")
    for s in report.site_strikes:
        strikes.add_row(
            s.incident_id,
            f"{s.time:%H:%M}",
            s.region,
            s.site_name,
            _km(s.distance_km),
            s.type,
            _who(s.attributed_to, s.attribution_confidence),
        )
    trend = Table(title="Violations per day")
    trend.add_column("day")
    trend.add_column("violations", justify="right")
    trend.add_column("")
    peak = max((d.violations for d in report.trend), default=0) or 1
    for day in report.trend:
        trend.add_row(
            day.day.isoformat(), str(day.violations), "█" * round(30 * day.violations / peak)
        )
    return [*tables, weapons, strikes, trend]


@monitor_app.command("report")
def report_command(
    *,
    agreement: Annotated[
        str,
        typer.Option(
            "--agreement", "-a", help="agreement.yaml, or a built-in one (ceasefire-2025, ...)."
        ),
    ],
    incidents: Annotated[
        list[Path],
        typer.Option(
            "--incidents",
            "-i",
            help="An incident store (.jsonl) or intake file; repeat for several.",
        ),
    ],
    day: Annotated[
        datetime,
        typer.Option("--date", "-d", formats=["%Y-%m-%d"], help="Day of the report (UTC)."),
    ],
    cutoff: Annotated[
        str,
        typer.Option(
            "--cutoff",
            help="End of the reporting period on --date, HH:MM UTC; the period is the 24 hours "
            "before it.",
        ),
    ] = "19:30",
    regions: Annotated[
        Path | None,
        typer.Option(
            "--regions", help="First-level boundaries (geoBoundaries ADM1 GeoJSON) to count by."
        ),
    ] = None,
    occupied: OccupiedOption = None,
    line: LineOption = None,
    outline: OutlineOption = None,
    sites: SitesOption = None,
    html_path: Annotated[
        Path | None,
        typer.Option("--html", help="Write the report as a self-contained HTML page (map, chart)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The daily report: violations by region, type and clause; weapons; strikes on sites."""
    end = _cutoff(cutoff)
    loaded = load_agreement(agreement_path(agreement))
    with console.status("compiling zones") as status:
        compiled = _compile(
            loaded, _line_of_contact(line, occupied, outline), sites, need_sides=True
        )
        status.update("reading reports")
        reports = read_reports(incidents)
        areas = load_regions(regions) if regions is not None else ()
        status.update(f"adjudicating {len(reports):,} reports")
        result = daily_report(loaded, compiled, reports, day.date(), end, areas)
        if html_path is not None:
            status.update("drawing the map and the trend chart")
            write_atomic(html_path, render_html(result, compiled))
    if as_json:
        print_json(result)
        return
    change = result.violations - result.previous_violations
    console.print(
        f"[bold]{result.agreement_name}[/bold]: daily report {result.date.isoformat()}, "
        f"{result.period_start:%Y-%m-%d %H:%M} to {result.period_end:%Y-%m-%d %H:%M} UTC\n"
        f"{result.reports} reports, {result.events} events, "
        f"[bold]{result.violations} violations[/bold] ({change:+d} on the previous 24 hours)"
    )
    for table in _report_tables(result):
        console.print(table)
    if not areas:
        console.print("no --regions file: every violation is counted as outside the regions")
    if html_path is not None:
        console.print(f"HTML report written to {html_path}")

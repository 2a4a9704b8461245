"""The monitoring cell's commands: ``peaceforce geo``, ``agreement`` and ``monitor``.

Thin wrappers: each parses its options, calls one library function
(``peaceforce.geo.frontline``, ``peaceforce.monitoring``) and prints its result
with ``peaceforce.presentation`` tables, or JSON with ``--json``.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.text import Text

from peaceforce.cli.common import JsonOption, console, errors, new_group, print_json
from peaceforce.errors import InputError, Problem
from peaceforce.geo.frontline import frontline_from_snapshot
from peaceforce.labels import Classification, Label
from peaceforce.monitoring.agreement import check_agreement
from peaceforce.monitoring.importer import FileIntake, import_reports
from peaceforce.monitoring.incidents import COALITION
from peaceforce.monitoring.intake import RECORD_FIELDS, parse_columns
from peaceforce.monitoring.store import IncidentStore, JsonLinesStore, TornLineWarning
from peaceforce.monitoring.workflow import ZoneFiles, daily_report_from_files
from peaceforce.outputs import write_atomic
from peaceforce.presentation import tables
from peaceforce.presentation.monitoring_report import (
    no_report_warning,
    render_html,
    write_pdf,
)
from peaceforce.presentation.monitoring_tables import (
    agreement_table,
    frontline_table,
    import_table,
    report_headline,
    report_tables,
    zones_table,
)
from peaceforce.presentation.text import plain

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


@contextmanager
def _store_warnings() -> Iterator[None]:
    """Print what a store warns of (a torn last line) as a plain line on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TornLineWarning)
        yield
    for warning in caught:
        if issubclass(warning.category, TornLineWarning):
            errors.print(Text("warning: ", style="yellow") + plain(warning.message))
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )


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
    console.print(frontline_table(summary))
    if out is not None:
        console.print(Text("line written to ") + plain(out))


# --- peaceforce agreement --------------------------------------------------------------


@agreement_app.command("validate")
def validate_agreement(file: AgreementArgument, as_json: JsonOption = False) -> None:
    """Check an agreement file and report every problem with its line (exit code 2 if any)."""
    try:
        check = check_agreement(file)
    except InputError as exc:
        if not as_json:
            raise
        _fail_json(exc.problems)
        return
    if as_json:
        print_json(check)
        return
    console.print(agreement_table(check.agreement))
    console.print(
        Text("ok", style="green")
        + plain(f": {check.file} is a valid agreement ({check.agreement.id})")
    )


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
    files = ZoneFiles(line=line, occupied=occupied, outline=outline, sites=sites)
    with console.status("compiling zones"):
        compiled = files.compile(file)
    if out is not None:
        write_atomic(out, json.dumps(compiled.to_geojson()) + "\n")
    elif geojson:
        sys.stdout.write(json.dumps(compiled.to_geojson()) + "\n")
        return
    summary = compiled.summary()
    if as_json:
        print_json(summary)
        return
    console.print(zones_table(summary))
    if out is not None:
        console.print(Text("zones written to ") + plain(out) + Text(" (lon/lat GeoJSON)"))


# --- peaceforce monitor ---------------------------------------------------------------


def _defaults(items: list[str]) -> dict[str, str]:
    defaults: dict[str, str] = {}
    for item in items:
        defaults.update(parse_columns(item, option="--default", fields=RECORD_FIELDS))
    return defaults


def _label(classification: Classification, release: list[str], caveats: list[str]) -> Label:
    """The label of reports that give none, from the options; a bad token names its option."""
    options = {"releasable_to": ("--release", release), "caveats": ("--caveat", caveats)}
    try:
        return Label(
            classification=classification,
            releasable_to=frozenset(t.strip().upper() for t in release),
            caveats=frozenset(t.strip().upper() for t in caveats),
        )
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            option, given = options.get(str(error["loc"][0]), ("--release", release))
            problems.append(Problem(option, "-", " ".join(map(repr, given)), error["msg"]))
        raise InputError(problems) from None


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
            "--store",
            help="Incident store (JSON Lines, append-only) to add to; without it, only check.",
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="Or add to the server's database instead (postgresql://... or a SQLite path); "
            "its schema is brought up to date first.",
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
    classification: Annotated[
        Classification,
        typer.Option(
            "--classification",
            help="Classification of reports that carry no label of their own.",
        ),
    ] = Classification.UNCLASSIFIED,
    release: Annotated[
        list[str] | None,
        typer.Option(
            "--release",
            help="Releasable to this nation (ISO alpha-3) or community, for reports that carry "
            f"no label of their own (repeatable; default {COALITION}).",
            show_default=False,
        ),
    ] = None,
    caveat: Annotated[
        list[str] | None,
        typer.Option(
            "--caveat",
            help="Caveat of reports that carry no label of their own (repeatable).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import reports, idempotently by id; list every rejected one (exit code 2 if any).

    Each file is one batch, on disk once 'stored' is printed for it. A CSV row
    or GeoJSON feature may carry its own label (classification, releasable_to,
    caveats); others get the label of the options: UNCLASSIFIED, releasable to
    COALITION unless told otherwise.
    """
    mapping = parse_columns(columns) if columns is not None else None
    defaults = _defaults(default or [])
    label = _label(classification, release or [COALITION], caveat or [])
    target = _target_store(store, database)

    def acknowledge(item: FileIntake) -> None:
        if target is not None and not as_json:
            console.print(
                Text("stored ")
                + plain(item.file)
                + Text(f": {item.accepted} new, {item.duplicates} duplicate")
            )

    with console.status(f"reading {len(files)} file(s)"):
        result = import_reports(
            files,
            store=target,
            label=label,
            columns=mapping,
            defaults=defaults or None,
            on_file=acknowledge,
        )
    if as_json:
        print_json(result)
    else:
        console.print(import_table(result))
        where = (
            plain(f"store {result.store} holds {result.stored} reports")
            if target is not None
            else Text("checked only (no --store)")
        )
        console.print(
            Text(
                f"{result.accepted} accepted, {result.duplicates} duplicate, "
                f"{len(result.rejected)} rejected; "
            )
            + where
        )
        for note in result.notes:
            errors.print(Text("warning: ", style="yellow") + plain(note))
        if result.rejected:
            errors.print(
                tables.problems_table(
                    list(result.rejected), f"{len(result.rejected)} report(s) rejected"
                )
            )
    if result.rejected:
        raise typer.Exit(2)


def _target_store(store: Path | None, database: str | None) -> IncidentStore | None:
    """The store ``monitor import`` adds to: a JSON Lines file, the server's database, or none."""
    if store is not None and database is not None:
        raise InputError(
            [Problem("--store / --database", "-", "both", "one place to store reports")]
        )
    if database is not None:
        from peaceforce.monitoring.store.sql import (
            SqlIncidentStore,
        )  # SQLAlchemy loads only when asked for
        from peaceforce.server.db import migrate, open_database

        opened = open_database(database)
        migrate(opened)
        return SqlIncidentStore(opened)
    return JsonLinesStore(store) if store is not None else None


def _cutoff(text: str) -> time:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise InputError([Problem("--cutoff", "-", repr(text), "a time HH:MM (UTC)")]) from None


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
    pdf_path: Annotated[
        Path | None,
        typer.Option("--pdf", help="Write the report as a PDF/A with its JSON attached."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The daily report, as monitoring missions publish it: the period's violations by region,
    type and clause against the previous 24 hours, every violation with its place, sources
    and attribution, weapons, strikes on sites, movement restrictions, civilian harm."""
    end = _cutoff(cutoff)
    files = ZoneFiles(line=line, occupied=occupied, outline=outline, sites=sites)
    with console.status("compiling zones") as status, _store_warnings():
        result, compiled = daily_report_from_files(
            agreement,
            incidents,
            day=day.date(),
            cutoff=end,
            zone_files=files,
            regions=regions,
            on_step=status.update,
        )
        if html_path is not None:
            status.update("drawing the map and the trend chart")
            write_atomic(html_path, render_html(result, compiled))
        if pdf_path is not None:
            status.update("writing the PDF")
            write_pdf(result, compiled, pdf_path)
    if as_json:
        print_json(result)
        return
    console.print(report_headline(result))
    for table in report_tables(result):
        console.print(table)
    if regions is None:
        console.print("no --regions file: every violation is counted as outside the regions")
    warning = no_report_warning(result)
    if warning is not None:
        console.print(tables.headed("warning", warning, "yellow"))
    for path, kind in ((html_path, "HTML"), (pdf_path, "PDF")):
        if path is not None:
            console.print(Text(f"{kind} report written to ") + plain(path))

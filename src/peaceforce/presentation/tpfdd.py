"""Files of a deployment: the TPFDD table (CSV, XLSX), node use, and its charts.

A TPFDD row is one leg of one force requirement's movement, as in a JOPES
time-phased force and deployment data file: a unit line number (ULN), the
ready-to-load day, the arrival window at the leg's port of debarkation (EAD
to LAD), the required delivery day, and the schedule's start and arrival, each
as a day number, in C-day form (``C+12``) and as a calendar date.

Everything a row reads from the deployment model goes through
:func:`movement_of`, so a change in the model's record touches one function.
Writers take a finished :class:`DeploymentResult` and a target path; each file
is written through a temporary sibling so a failure leaves no half file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from peaceforce.deployment.movements import RELIEFS_MOVE
from peaceforce.deployment.planner import DeploymentResult, MovementRecord, RecordKind
from peaceforce.outputs import write_atomic
from peaceforce.presentation.deployment_charts import deployment_drawings
from peaceforce.presentation.figures import HERE, FigurePool
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.names import IDS, Names

#: Crockford's base-32 digits: no I, L, O or U, so a ULN read aloud or typed is not misread.
ULN_DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Characters of the force requirement number, the first part of a ULN.
FRN_LENGTH = 5
#: Characters of the increment (00 the deployment, 01 the first relief, ...), the ULN's end.
INCREMENT_LENGTH = 2


# --- what a row reads from the deployment model --------------------------------------------


_RELIEF_NUMBER = re.compile(r":relief-(\d+)(?::|$)")


@dataclass(frozen=True)
class Movement:
    """What a TPFDD row reads from one movement record of the deployment model."""

    record_id: str
    #: the force requirement: one sourced unit filling one requirement line
    requirement: str
    pledge_id: str
    #: 0 for the deployment, k for the k-th relief
    increment: int
    leg: str
    kind: RecordKind
    nation: str
    unit_type: str
    requirement_line: str
    mode: str
    port_of_embarkation: str
    port_of_debarkation: str
    destination: str
    route_node_ids: str
    route_node_names: str
    ready_to_load_day: int
    earliest_arrival_day: int
    latest_arrival_day: int
    required_delivery_day: int | None
    start_day: int | None
    arrival_day: int | None
    passengers: int
    short_tons: float
    vehicles: int


def movement_of(record: MovementRecord) -> Movement:
    """The one place that reads a movement record (its fields, and its id's relief number)."""
    relief = record.kind is RecordKind.ROTATION
    # relief ids read "<unit key>:relief-<k>:<step>" (deployment.movements.relief_movements)
    number = _RELIEF_NUMBER.search(record.id)
    return Movement(
        record_id=record.id,
        requirement=record.unit,
        # unit keys read "<pledge>#<n>@<line>" (deployment.movements.unit_moves)
        pledge_id=record.unit.partition("#")[0],
        increment=int(number.group(1)) if relief and number else 0,
        leg="relief" if relief else record.leg,
        kind=record.kind,
        nation=record.nation,
        unit_type=record.unit_type,
        requirement_line=record.requirement_line,
        mode=record.mode.value,
        port_of_embarkation=record.port_of_embarkation,
        port_of_debarkation=record.port_of_debarkation,
        destination=record.destination,
        route_node_ids=record.route_node_ids,
        route_node_names=record.route_node_names,
        ready_to_load_day=record.ready_to_load_day,
        earliest_arrival_day=record.earliest_arrival_day,
        latest_arrival_day=record.latest_arrival_day,
        required_delivery_day=record.required_delivery_day,
        start_day=record.start_day,
        arrival_day=record.arrival_day,
        passengers=record.passengers,
        short_tons=record.short_tons,
        vehicles=record.vehicles,
    )


# --- the arrival window -------------------------------------------------------------------


@dataclass(frozen=True)
class ArrivalWindow:
    """A record's EAD..LAD window, always ordered, and how far the LAD is out of reach."""

    ead: int
    lad: int
    #: the earliest day the leg can physically arrive (ready day plus transit)
    earliest_possible: int
    #: days the earliest possible arrival falls after the LAD (0 when the LAD can be met)
    lad_missed_by: int


def arrival_window(movement: Movement) -> ArrivalWindow:
    """The window a TPFDD loader accepts (EAD ≤ LAD), with the requirement's LAD kept as it is.

    A deployment leg may arrive from its earliest possible day to the line's
    LAD. When it cannot arrive by the LAD (ready too late, or too far), the LAD
    still says what the requirement needs, the EAD closes the window at the
    LAD, and the days it misses by are a column of their own, not a reversed
    window. A relief is due when the outgoing unit's tour ends: its window is
    that day, whatever the line's first LAD was.
    """
    if movement.kind is RecordKind.ROTATION:
        due = movement.required_delivery_day
        day = movement.earliest_arrival_day if due is None else due
        return ArrivalWindow(ead=day, lad=day, earliest_possible=day, lad_missed_by=0)
    earliest, lad = movement.earliest_arrival_day, movement.latest_arrival_day
    return ArrivalWindow(
        ead=min(earliest, lad),
        lad=lad,
        earliest_possible=earliest,
        lad_missed_by=max(0, earliest - lad),
    )


# --- unit line numbers --------------------------------------------------------------------


def _frn(scope: str, requirement: str, salt: int) -> str:
    digest = hashlib.sha256(f"{scope}\x1f{requirement}\x1f{salt}".encode()).digest()
    value = int.from_bytes(digest[:8], "big")
    return "".join(ULN_DIGITS[(value >> (5 * i)) & 31] for i in range(FRN_LENGTH))


def force_requirement_numbers(scope: str, requirements: Iterable[str]) -> dict[str, str]:
    """A 5-character number per force requirement, from a hash of the scope and the requirement.

    The same requirement gets the same number in every run. Two requirements
    whose hashes collide (about 1 in 33 million per pair) are told apart by
    giving the later one, in sorted order, the next salted hash.
    """
    taken: set[str] = set()
    numbers: dict[str, str] = {}
    for requirement in sorted(set(requirements)):
        salt = 0
        while (number := _frn(scope, requirement, salt)) in taken:
            salt += 1
        taken.add(number)
        numbers[requirement] = number
    return numbers


def unit_line_number(frn: str, increment: int) -> str:
    """The ULN: the force requirement number, then the increment in two base-32 digits."""
    if not 0 <= increment < len(ULN_DIGITS) ** INCREMENT_LENGTH:
        raise ValueError(f"increment {increment} does not fit {INCREMENT_LENGTH} ULN digits")
    high, low = divmod(increment, len(ULN_DIGITS))
    return f"{frn}{ULN_DIGITS[high]}{ULN_DIGITS[low]}"


# --- C-days and dates ---------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """Day numbers of the schedule (from D-day) as C-days and calendar dates."""

    d_day: date
    c_day: date

    @classmethod
    def of(cls, scenario: Scenario) -> Calendar:
        """The scenario's D-day and C-day (``c_day``, or D-day when not set)."""
        return cls(d_day=scenario.d_day, c_day=scenario.reference_c_day)

    def c_form(self, day: int) -> str:
        """The day in C-day form: ``C+12``, ``C+0``, ``C-3``."""
        return f"C{day - (self.c_day - self.d_day).days:+d}"

    def date_of(self, day: int) -> date:
        """The calendar date of a schedule day."""
        return self.d_day + timedelta(days=day)


# --- rows ---------------------------------------------------------------------------------

#: Day fields of a row: column prefix and meaning; each gives ``_day``, ``_c`` and ``_date``.
DAY_FIELDS = {
    "rld": "ready-to-load day at origin",
    "ead": "earliest arrival day at the port of debarkation",
    "lad": "latest arrival day at the port of debarkation (the line's day)",
    "rdd": "required delivery day at destination (legs that put the unit in place)",
    "start": "scheduled start of the leg",
    "arrival": "scheduled arrival of the leg",
}

#: Every column of the TPFDD, in order, with its meaning (the XLSX's Columns sheet).
TPFDD_COLUMNS: dict[str, str] = {
    "uln": "unit line number: force requirement number (5), increment (00 deploys, 01.. relieve)",
    "leg": "leg of the movement (sea, port, rail, pax, rsoi, sail, fly; relief)",
    "kind": "deployment (scheduled) or rotation (planned relief, not capacity-checked); "
    + RELIEFS_MOVE,
    "requirement": "the sourced unit and the requirement line it fills",
    "nation": "providing nation (ISO 3166 alpha-3)",
    "unit_type": "unit type of the capability catalogue",
    "requirement_line": "requirement line of the mission",
    "mode": "air, sea, rail or road",
    "port_of_embarkation": "where the leg starts (home base or node)",
    "port_of_debarkation": "where the leg ends",
    "destination": "the unit's area",
    "route_node_ids": "the nodes the leg's flow passes through, in order (ids, ' > ')",
    "route_node_names": "the same nodes by name",
    **{
        f"{prefix}_{part}": f"{meaning} ({form})"
        for prefix, meaning in DAY_FIELDS.items()
        for part, form in (("day", "day number from D-day"), ("c", "C-day"), ("date", "date"))
    },
    "earliest_possible_day": "earliest day the leg can physically arrive (ready day + transit)",
    "lad_missed_by_days": "days the earliest possible arrival falls after the LAD",
    "days_late": "days the scheduled arrival falls after the RDD",
    "late": "yes when the scheduled or earliest possible arrival is after the LAD, or the RDD",
    "passengers": "people moved",
    "short_tons": "cargo, short tons",
    "vehicles": "vehicles moved",
    "record_id": "the deployment model's id of the leg",
}

Row = dict[str, Any]


def tpfdd_rows(result: DeploymentResult, calendar: Calendar) -> list[Row]:
    """One row per movement record, with every column of :data:`TPFDD_COLUMNS`."""
    movements = [movement_of(r) for r in result.records]
    numbers = force_requirement_numbers(result.mission_id, (m.requirement for m in movements))
    return [_row(m, numbers[m.requirement], calendar) for m in movements]


def _days(prefix: str, day: int | None, calendar: Calendar) -> Row:
    if day is None:
        return {f"{prefix}_day": None, f"{prefix}_c": None, f"{prefix}_date": None}
    return {
        f"{prefix}_day": day,
        f"{prefix}_c": calendar.c_form(day),
        f"{prefix}_date": calendar.date_of(day),
    }


def _row(movement: Movement, frn: str, calendar: Calendar) -> Row:
    window = arrival_window(movement)
    arrival = movement.arrival_day
    rdd = movement.required_delivery_day
    days_late = max(0, arrival - rdd) if arrival is not None and rdd is not None else 0
    # the model closes the window of a unit that cannot meet its RDD at its earliest
    # arrival, so a unit can be on time against its LAD and still late against its RDD
    late = (
        window.lad_missed_by > 0 or days_late > 0 or (arrival is not None and arrival > window.lad)
    )
    row: Row = {
        "uln": unit_line_number(frn, movement.increment),
        "leg": movement.leg,
        "kind": movement.kind.value,
        "requirement": movement.requirement,
        "nation": movement.nation,
        "unit_type": movement.unit_type,
        "requirement_line": movement.requirement_line,
        "mode": movement.mode,
        "port_of_embarkation": movement.port_of_embarkation,
        "port_of_debarkation": movement.port_of_debarkation,
        "destination": movement.destination,
        "route_node_ids": movement.route_node_ids,
        "route_node_names": movement.route_node_names,
        **_days("rld", movement.ready_to_load_day, calendar),
        **_days("ead", window.ead, calendar),
        **_days("lad", window.lad, calendar),
        **_days("rdd", rdd, calendar),
        **_days("start", movement.start_day, calendar),
        **_days("arrival", arrival, calendar),
        "earliest_possible_day": window.earliest_possible,
        "lad_missed_by_days": window.lad_missed_by,
        "days_late": days_late,
        "late": "yes" if late else "no",
        "passengers": movement.passengers,
        "short_tons": movement.short_tons,
        "vehicles": movement.vehicles,
        "record_id": movement.record_id,
    }
    return {column: row[column] for column in TPFDD_COLUMNS}


# --- files --------------------------------------------------------------------------------


def _text(value: object) -> object:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value


def tpfdd_csv(result: DeploymentResult, calendar: Calendar) -> str:
    """The TPFDD as CSV text, one row per leg or relief; dates in ISO 8601."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TPFDD_COLUMNS)
    writer.writerows([_text(v) for v in row.values()] for row in tpfdd_rows(result, calendar))
    return buffer.getvalue()


#: Fill of a late row in the workbook (light red).
LATE_FILL = "FFF4C7C3"
_MAX_WIDTH = 48


def _width(value: object) -> int:
    if isinstance(value, date):
        return len("yyyy-mm-dd")
    return 0 if value is None else len(str(value))


def _sheet(book: Any, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Any:
    """A sheet with a bold frozen header, a filter on every column and widths that fit."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.append(list(header))
    widths = [len(h) for h in header]
    for number, row in enumerate(rows, start=2):
        sheet.append(list(row))
        widths += [0] * (len(row) - len(widths))
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _width(value))
            if isinstance(value, date):
                sheet.cell(number, index + 1).number_format = "yyyy-mm-dd"
            elif isinstance(value, str) and value.startswith("="):
                sheet.cell(number, index + 1).data_type = "s"  # a name, never a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(_MAX_WIDTH, width + 2)
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
    return sheet


def write_tpfdd_xlsx(result: DeploymentResult, calendar: Calendar, path: Path) -> None:
    """The TPFDD, the daily node use and the meaning of each column as an Excel workbook.

    Late rows are filled light red; every sheet has a frozen header and filters.
    """
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    book = Workbook()
    book.remove(book.active)
    rows = tpfdd_rows(result, calendar)
    tpfdd = _sheet(book, "TPFDD", list(TPFDD_COLUMNS), (list(r.values()) for r in rows))
    late = PatternFill(fill_type="solid", start_color=LATE_FILL, end_color=LATE_FILL)
    for index, row in enumerate(rows, start=2):
        if row["late"] == "yes":
            for cell in tpfdd[index]:
                cell.fill = late
    days = max((len(u.daily_use) for u in result.node_use), default=0)
    _sheet(
        book,
        "Node use",
        ["resource", "name", "capacity", "days full", *(calendar.c_form(d) for d in range(days))],
        ([n.resource, n.name, n.capacity, n.days_full, *n.daily_use] for n in result.node_use),
    )
    about = _sheet(book, "Columns", ["column", "meaning"], TPFDD_COLUMNS.items())
    about.append([])
    about.append(["C-day", calendar.c_day.isoformat()])
    about.append(["D-day (day 0)", calendar.d_day.isoformat()])
    about.append(["reliefs", RELIEFS_MOVE])
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomic(path, buffer.getvalue())


def node_use_csv(result: DeploymentResult) -> str:
    """Daily use of every node and lift pool, one row per resource."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    days = max((len(u.daily_use) for u in result.node_use), default=0)
    writer.writerow(
        ["resource", "name", "capacity", "days_full", *(f"day_{d}" for d in range(days))]
    )
    for node in result.node_use:
        writer.writerow([node.resource, node.name, node.capacity, node.days_full, *node.daily_use])
    return buffer.getvalue()


def write_deployment_files(
    result: DeploymentResult,
    folder: Path,
    calendar: Calendar,
    figures: FigurePool = HERE,
    names: Names = IDS,
) -> list[Path]:
    """Every file of one deployment, named after its mission and framework.

    The charts come from ``figures`` when they were submitted there (drawn while
    the plan ran on); otherwise they are drawn now.
    """
    stem = folder / f"deploy-{result.mission_id}-{result.framework_id}"
    written = []
    for suffix, text in (
        (".tpfdd.csv", tpfdd_csv(result, calendar)),
        (".nodes.csv", node_use_csv(result)),
        (".json", result.model_dump_json(indent=2)),
    ):
        path = stem.with_name(stem.name + suffix)
        write_atomic(path, text)
        written.append(path)
    xlsx = stem.with_name(stem.name + ".tpfdd.xlsx")
    write_tpfdd_xlsx(result, calendar, xlsx)
    written.append(xlsx)
    for drawing in deployment_drawings(result, names):
        written += figures.write(drawing, folder)
    return written

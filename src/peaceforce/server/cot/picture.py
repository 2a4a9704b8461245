"""The picture the gateway sends: force laydown, agreement zones and lines, incidents, tracks.

Every event carries the label of the record it comes from, and each
connection is sent only what its user may read (``peaceforce.labels.may_read``).

- **Laydown**: the newest finished sourcing run; each assigned unit is placed at
  the centre of the area its requirement line is in (the plan's own position
  for it), its CoT type from the catalogue's 2525D SIDC, its callsign the
  nation, unit type and number. ``how`` is ``h-e`` (a planned, estimated
  position, not one a device fixed); it goes stale after a day.
- **Zones and lines**: each stored agreement compiled against the scenario's
  line of contact, as drawing shapes (``u-d-f``), simplified to at most
  ``MAX_VERTICES`` vertices; stale after a week.
- **Incidents**: those of the last ``RECENT`` (at most ``MAX_INCIDENTS``), then
  every new one as it is stored; stale a day after they are sent.
- **Unit tracks**: the coalition devices' last positions that are not stale.

A new connection gets this picture once; after that only what changes.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from peaceforce.errors import PeaceforceError
from peaceforce.geo.crs import to_lonlat
from peaceforce.labels import Clearance, Label, may_read
from peaceforce.monitoring.agreement import compile_zones
from peaceforce.monitoring.agreement.zones import ZoneKind
from peaceforce.monitoring.incidents import Incident, IncidentType, WeaponClass
from peaceforce.scenario.loader import BUILTIN_SCENARIOS
from peaceforce.scenario.model import Scenario
from peaceforce.server.cot.events import OutEvent, Shape, stale_after
from peaceforce.server.cot.sidc import cot_type
from peaceforce.server.models import (
    AgreementRow,
    IncidentRow,
    RunRow,
    ScenarioRow,
    UnitTrackRow,
)
from peaceforce.server.records import label_of, parse_agreement_text
from peaceforce.sourcing.candidates import area_centre
from peaceforce.sourcing.result import SourcingResult

log = logging.getLogger(__name__)

#: How long each kind of event stays fresh on a device.
UNIT_LIFETIME = timedelta(days=1)
SHAPE_LIFETIME = timedelta(days=7)
INCIDENT_LIFETIME = timedelta(days=1)
#: Incidents older than this are history, not the current picture.
RECENT = timedelta(hours=24)
MAX_INCIDENTS = 500
#: The most vertices of one drawing (ATAK draws a few hundred comfortably).
MAX_VERTICES = 150
#: Stroke colours (ARGB) of each zone kind and of the line of contact.
_COLOURS = {
    ZoneKind.LINE: 0xFFFF0000,
    ZoneKind.BUFFER: 0xFFFF8000,
    ZoneKind.WITHDRAWAL: 0xFFFFFF00,
    ZoneKind.SITE: 0xFF8000FF,
    ZoneKind.MARITIME: 0xFF0080FF,
}
_LINE_OF_CONTACT = 0xFFFF0000
#: An incident's CoT type: weapons by class (2525B weapon function ids), CASEVAC, else a point.
_WEAPON_TYPES = {
    WeaponClass.ARTILLERY_100MM_PLUS: "G-E-W-H",
    WeaponClass.ARTILLERY_UNDER_100MM: "G-E-W-H",
    WeaponClass.MLRS: "G-E-W-R",
    WeaponClass.HEAVY_MLRS: "G-E-W-R",
    WeaponClass.TACTICAL_MISSILE: "G-E-W-M",
    WeaponClass.MORTAR: "G-E-W-Z",
    WeaponClass.TANK: "G-E-V-A-T",
}


def _signed(colour: int) -> int:
    """ATAK reads colours as signed 32-bit ARGB integers."""
    return colour - (1 << 32) if colour >= 1 << 31 else colour


@dataclass(frozen=True)
class Picture:
    """Every event of the current picture, each with its label, built at ``built``."""

    events: tuple[OutEvent, ...]
    built: datetime

    def visible_to(self, clearance: Clearance) -> list[OutEvent]:
        """The events a reader may see."""
        return [e for e in self.events if may_read(clearance, e.label)]


# --- laydown -----------------------------------------------------------------------------


def laydown_events(scenario: Scenario, sourcing: SourcingResult, now: datetime) -> list[OutEvent]:
    """One event per assigned unit, at the centre of its line's area, labelled as the run."""
    areas = {line.line_id: line.area for line in sourcing.lines}
    events = []
    for assignment in sourcing.assignments:
        unit_type = scenario.unit_type_by_id.get(assignment.unit_type)
        area = scenario.area_by_id.get(areas.get(assignment.line_id, ""))
        if unit_type is None or area is None:
            continue
        lon, lat = area_centre(area)
        for number in range(1, assignment.units + 1):
            uid = (
                f"peaceforce.unit.{sourcing.mission_id}.{assignment.line_id}."
                f"{assignment.pledge_id}.{number}"
            )
            events.append(
                OutEvent(
                    uid=uid,
                    type=cot_type(unit_type.sidc),
                    lon=lon,
                    lat=lat,
                    label=sourcing.label,
                    time=now,
                    stale=now + UNIT_LIFETIME,
                    how="h-e",
                    callsign=f"{assignment.nation} {unit_type.id} {number}/{assignment.units}",
                    remarks=(
                        f"{unit_type.name} ({assignment.nation}, pledge {assignment.pledge_id}), "
                        f"line {assignment.line_id} in {area.name}; planned position "
                        f"({sourcing.mission_id} under {sourcing.framework_id})"
                    ),
                )
            )
    return events


# --- zones and lines ---------------------------------------------------------------------


def _parts(geometry: shapely.Geometry) -> list[tuple[list[tuple[float, float]], bool]]:
    """Each line or polygon ring of a metric geometry, simplified, in lon/lat; closed or not."""
    parts: list[tuple[list[tuple[float, float]], bool]] = []
    for part in getattr(geometry, "geoms", [geometry]):
        if part.is_empty:
            continue
        closed = part.geom_type == "Polygon"
        line = part.exterior if closed else part
        tolerance = 100.0
        simple = line
        while shapely.get_num_coordinates(simple) > MAX_VERTICES:
            simple = shapely.simplify(line, tolerance)
            tolerance *= 2
        points = [(round(x, 6), round(y, 6)) for x, y in to_lonlat(simple).coords]
        parts.append((points, closed))
    return parts


def shape_events(  # noqa: PLR0917 (a drawing's id, geometry, name, colour, label, time)
    agreement_id: str,
    geometry: shapely.Geometry,
    kind: str,
    colour: int,
    label: Label,
    now: datetime,
) -> list[OutEvent]:
    """A drawing per part of a metric geometry: polylines open, polygons closed."""
    events = []
    for index, (points, closed) in enumerate(_parts(geometry)):
        lon = sum(p[0] for p in points) / len(points)
        lat = sum(p[1] for p in points) / len(points)
        events.append(
            OutEvent(
                uid=f"peaceforce.zone.{agreement_id}.{kind}.{index}",
                type="u-d-f",
                lon=lon,
                lat=lat,
                label=label,
                time=now,
                stale=now + SHAPE_LIFETIME,
                how="h-e",
                callsign=f"{agreement_id} {kind}",
                shape=Shape(points=tuple(points), closed=closed, color=_signed(colour)),
            )
        )
    return events


def agreement_events(
    agreement_id: str, text: str, label: Label, scenario: Scenario, now: datetime
) -> list[OutEvent]:
    """An agreement's line and zones as drawings (protected sites need a sites file: left out)."""
    agreement = parse_agreement_text(text)
    compiled = compile_zones(agreement, scenario.line_of_contact, ())
    events = shape_events(
        agreement_id, compiled.line, "line-of-contact", _LINE_OF_CONTACT, label, now
    )
    for zone in compiled.zones:
        if zone.kind is ZoneKind.LINE:
            continue  # the line itself, already drawn
        colour = _COLOURS.get(zone.kind, 0xFFFFFFFF)
        events += shape_events(agreement_id, zone.geometry, zone.id, colour, label, now)
    return events


# --- incidents and tracks ----------------------------------------------------------------


def incident_event(incident: Incident, now: datetime) -> OutEvent:
    """An incident as a CoT event that the intake reads back as the same incident type."""
    if incident.type is IncidentType.CIVILIAN_HARM:
        kind = "b-r-f-h-c"
    elif incident.weapon_class is not None and incident.weapon_class in _WEAPON_TYPES:
        kind = f"a-u-{_WEAPON_TYPES[incident.weapon_class]}"
    else:
        kind = "a-u-G"
    extension = {"type": incident.type.value, "source": incident.source.value}
    if incident.weapon_class is not None:
        extension["weapon_class"] = incident.weapon_class.value
    if incident.attributed_to:
        extension["attributed_to"] = incident.attributed_to
    if incident.observation is not None:
        extension["observation"] = incident.observation.value
    return OutEvent(
        uid=incident.id,
        type=kind,
        lon=incident.lon,
        lat=incident.lat,
        label=incident.label,
        time=incident.time,
        stale=stale_after(incident.time, INCIDENT_LIFETIME, now),
        how="h-g-i-g-o",
        callsign=f"{incident.type.value} {incident.id}"[:64],
        remarks=incident.description or None,
        extra=(ET.Element("__incident", extension),),
    )


def track_event(row: UnitTrackRow, label: Label) -> OutEvent:
    """A coalition device's last reported position."""
    return OutEvent(
        uid=row.uid,
        type=row.cot_type,
        lon=row.lon,
        lat=row.lat,
        label=label,
        time=row.time.replace(tzinfo=UTC),
        stale=row.stale.replace(tzinfo=UTC),
        how="m-g",
        callsign=row.callsign,
    )


# --- from the database -------------------------------------------------------------------


def _scenario(session: Session, row_id: int | None) -> Scenario | None:
    query = select(ScenarioRow.content)
    if row_id is not None:
        query = query.where(ScenarioRow.id == row_id)
    else:
        query = query.where(ScenarioRow.scenario_id == BUILTIN_SCENARIOS).order_by(
            ScenarioRow.version.desc()
        )
    content = session.execute(query.limit(1)).scalar_one_or_none()
    return None if content is None else Scenario.model_validate_json(content)


def plan_events(session: Session, now: datetime) -> list[OutEvent]:
    """The laydown and the agreements' drawings: slow to build, they change with new runs only."""
    events: list[OutEvent] = []
    run = session.execute(
        select(RunRow.result, RunRow.scenario_row)
        .where(RunRow.kind == "source", RunRow.status == "done", RunRow.result.is_not(None))
        .order_by(RunRow.finished.desc(), RunRow.id.desc())
        .limit(1)
    ).first()
    scenario = _scenario(session, run[1] if run else None)
    if run is not None and scenario is not None:
        events += laydown_events(scenario, SourcingResult.model_validate_json(run[0] or ""), now)
    if scenario is not None:
        for agreement_id, text, label_id in session.execute(
            select(AgreementRow.agreement_id, AgreementRow.text, AgreementRow.label_id)
        ):
            try:
                events += agreement_events(
                    agreement_id, text, label_of(session, label_id), scenario, now
                )
            except PeaceforceError as exc:  # a stored agreement the line cannot compile
                log.warning("agreement %s left out of the TAK picture: %s", agreement_id, exc)
    return events


def live_events(session: Session, now: datetime) -> list[OutEvent]:
    """The recent incidents and the tracks that are not stale: read afresh for each connection."""
    since = (now - RECENT).replace(tzinfo=None)
    rows = session.execute(
        select(IncidentRow.content)
        .where(IncidentRow.time >= since)
        .order_by(IncidentRow.time.desc())
        .limit(MAX_INCIDENTS)
    ).scalars()
    events = [incident_event(Incident.model_validate_json(c), now) for c in rows]
    labels: dict[int, Label] = {}
    for track in session.scalars(
        select(UnitTrackRow).where(UnitTrackRow.stale > now.replace(tzinfo=None))
    ):
        if track.label_id not in labels:
            labels[track.label_id] = label_of(session, track.label_id)
        events.append(track_event(track, labels[track.label_id]))
    return events


def load_picture(session: Session, now: datetime | None = None) -> Picture:
    """The current picture from a SYSTEM session: every event, each with its label."""
    now = now or datetime.now(UTC)
    return Picture(events=(*plan_events(session, now), *live_events(session, now)), built=now)


def cot_document(events: Sequence[OutEvent]) -> bytes:
    """Events as one CoT file, side by side (what devices and ``monitor import`` read)."""
    return b"\n".join(e.xml() for e in events) + b"\n"

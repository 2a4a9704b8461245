"""The operational picture: a finished plan and the monitoring records as map layers and tables.

Everything here reads results the caller was already allowed to read (the API
filters by label before calling in) and turns them into what the web page
draws: GeoJSON layers in lon/lat, the deployment as one track per unit that the
page replays day by day, and the plan's tables (mandate matrix, sourcing with
gaps and fixes, Gantt bars). Nothing is computed anew but geometry: the numbers
are the stage results' own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import shapely
from shapely import wkt
from shapely.geometry import mapping

from peaceforce.deployment.planner import DeploymentResult, MovementRecord, RecordKind
from peaceforce.deployment.readiness import Readiness
from peaceforce.geo.frontline import LineOfContact, line_of_contact_from_file, snapshot_date
from peaceforce.labels import Label
from peaceforce.mandate.analysis import MandateReport
from peaceforce.monitoring.agreement.compile import CompiledZones
from peaceforce.monitoring.incidents import Incident
from peaceforce.plan import PlanResult
from peaceforce.presentation.geojson_layers import places_of
from peaceforce.presentation.protection_maps import coverage_rings
from peaceforce.presentation.tpfdd import Calendar, movement_of
from peaceforce.results import Result
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.names import Names
from peaceforce.sources.boundaries import load_regions
from peaceforce.sources.cities import ukrainian_cities
from peaceforce.sourcing.candidates import area_centre
from peaceforce.sourcing.result import SourcingResult

GeoJson = dict[str, Any]
Point = tuple[float, float]

#: Settlements drawn on the basemap: the largest cities, enough to read the map by.
SETTLEMENTS_SHOWN = 60
#: Simplification of drawn front lines and oblasts, degrees (about a kilometre).
_SIMPLIFY_DEG = 0.01
#: Separator of node ids in a movement record's route.
_ROUTE_SEPARATOR = " > "


def collection(features: Iterable[GeoJson], name: str = "") -> GeoJson:
    """A GeoJSON FeatureCollection (named, so an exported file says what it is)."""
    return {"type": "FeatureCollection", "name": name, "features": list(features)}


def feature(geometry: shapely.Geometry, properties: Mapping[str, Any]) -> GeoJson:
    """A GeoJSON Feature."""
    return {"type": "Feature", "geometry": mapping(geometry), "properties": dict(properties)}


# --- context: front lines, oblasts, settlements -------------------------------------------


def snapshot_files(folder: Path | None) -> dict[date, Path]:
    """The occupied-territory snapshots in ``folder`` by date (``occupied_YYYYMMDD.geojson``)."""
    if folder is None:
        return {}
    found = {}
    for path in sorted(folder.glob("*.geojson")):
        day = snapshot_date(path.name)
        if day is not None:
            found[day] = path
    return dict(sorted(found.items()))


@lru_cache(maxsize=16)
def snapshot_line(path: Path) -> LineOfContact:
    """The line of contact derived from one snapshot (derived once per process)."""
    return line_of_contact_from_file(path)


def frontline_layer(line: LineOfContact) -> GeoJson:
    """The line of contact and, when known, the occupied area, simplified for drawing."""
    features = [
        feature(
            line.geometry.simplify(_SIMPLIFY_DEG),
            {
                "kind": "line_of_contact",
                "as_of": line.as_of.isoformat() if line.as_of else None,
                "length_km": round(line.length_km, 1),
            },
        )
    ]
    if not line.occupied.is_empty:
        features.append(feature(line.occupied.simplify(_SIMPLIFY_DEG), {"kind": "occupied"}))
    as_of = line.as_of.isoformat() if line.as_of else "scenario"
    return collection(features, f"line_of_contact-{as_of}")


@lru_cache(maxsize=2)
def regions_layer(path: Path) -> GeoJson:
    """Oblast boundaries (geoBoundaries ADM1), simplified for drawing."""
    return collection(
        (
            feature(
                region.geometry.simplify(_SIMPLIFY_DEG), {"iso": region.iso, "name": region.name}
            )
            for region in load_regions(path)
        ),
        "oblasts",
    )


@lru_cache(maxsize=1)
def settlements_layer(count: int = SETTLEMENTS_SHOWN) -> GeoJson:
    """The largest Ukrainian cities (GeoNames), named, with their population."""
    return collection(
        (
            feature(shapely.Point(c.lon, c.lat), {"name": c.name, "population": c.population})
            for c in ukrainian_cities()[:count]
        ),
        "settlements",
    )


def mission_areas_layer(scenario: Scenario) -> GeoJson:
    """The scenario's areas (land, air, sea) with their kind and host nation."""
    return collection(
        (
            feature(
                wkt.loads(area.geometry_wkt),
                {
                    "id": area.id,
                    "name": area.name,
                    "kind": area.kind.value,
                    "host_nation": area.host_nation,
                },
            )
            for area in scenario.areas
        ),
        "mission_areas",
    )


def zones_layer(zones: CompiledZones) -> GeoJson:
    """An agreement's zones (buffer, withdrawal bands, site circles), the line and the sites."""
    layer = zones.to_geojson()
    sites = [
        feature(
            shapely.Point(site.lon, site.lat),
            {
                "kind": "protected_site",
                "site": site.id,
                "name": site.name,
                "categories": sorted(site.categories),
                "capacity_mw": site.capacity_mw,
            },
        )
        for site in zones.sites
    ]
    titles = {clause.id: clause.title or clause.id for clause in zones.agreement.clauses}
    for item in layer["features"]:
        clause = item["properties"].get("clause")
        if clause is not None:
            item["properties"]["title"] = titles.get(clause, clause)
    return collection([*layer["features"], *sites], f"zones-{zones.agreement.id}")


def incidents_layer(
    incidents: Sequence[Incident], breaches: Mapping[str, Sequence[str]]
) -> GeoJson:
    """Reports as points with the clauses stored adjudications found them to breach."""
    return collection(
        (
            feature(
                shapely.Point(i.lon, i.lat),
                {
                    "id": i.id,
                    "time": i.time.isoformat(),
                    "type": i.type.value,
                    "attributed_to": i.attributed_to,
                    "description": i.description,
                    "clauses": list(breaches.get(i.id, ())),
                    "clause": (breaches.get(i.id) or ["none"])[0],
                    "classification": i.label.classification.value,
                    "releasable_to": sorted(i.label.releasable_to),
                },
            )
            for i in incidents
        ),
        "incidents",
    )


# --- the plan ------------------------------------------------------------------------------


class GanttBar(Result):
    """One scheduled leg of one unit."""

    unit: str
    nation: str
    leg: str
    mode: str
    start_day: int
    arrival_day: int
    late: bool


class UnitTrack(Result):
    """Where one unit is from day to day: ``track`` holds (day, lon, lat), in day order."""

    unit: str
    nation: str
    unit_type: str
    sidc: str
    requirement_line: str
    destination: str
    personnel: int
    in_place_day: int | None = None
    track: tuple[tuple[float, float, float], ...]


class GapRow(Result):
    """A requirement line and how far it is filled; for a gap, why and the ranked fixes."""

    line_id: str
    capability: str
    area: str
    priority: int
    required: int
    filled: int
    shortfall: int
    reasons: tuple[str, ...]
    fixes: tuple[str, ...]


class OptionPicture(Result):
    """One mission under one framework: laydown, replay, rings, Gantt, sourcing table."""

    mission_id: str
    framework_id: str
    title: str
    nations: tuple[str, ...] = ()
    laydown: dict[str, Any]
    units: tuple[UnitTrack, ...]
    ioc_day: int | None
    foc_day: int | None
    ioc_note: str | None
    foc_note: str | None
    last_day: int
    air_defence: dict[str, Any]
    gantt: tuple[GanttBar, ...]
    sourcing: tuple[GapRow, ...]


class MandateRow(Result):
    """One framework: can it authorise, by what vote, and each nation's pledges under it."""

    framework_id: str
    name: str
    outcome: str
    votes: str
    requires_party_consent: bool
    blockers: tuple[str, ...]
    pledges: dict[str, str]


class PlanPicture(Result):
    """What the page draws from one finished plan run."""

    run_id: int
    scenario_id: str
    label: Label
    run_key: str
    d_day: date
    mandate: tuple[MandateRow, ...]
    options: tuple[OptionPicture, ...]


def mandate_matrix(report: MandateReport) -> tuple[MandateRow, ...]:
    """Frameworks × nations: the outcome and vote, and what each framework leaves of a pledge."""
    rows = []
    for framework in report.frameworks:
        by_nation: dict[str, list[str]] = {}
        for verdict in framework.pledges:
            by_nation.setdefault(verdict.nation, []).append(verdict.status.value)
        votes = framework.votes
        needed = f" of {votes.required} needed" if votes.required is not None else ""
        rows.append(
            MandateRow(
                framework_id=framework.framework_id,
                name=framework.name,
                outcome=framework.outcome.value,
                votes=f"{votes.yes} yes, {votes.undecided} undecided, {votes.no} no{needed}",
                requires_party_consent=framework.requires_party_consent,
                blockers=tuple(b.nation for b in framework.blockers),
                pledges={
                    nation: _pledge_summary(statuses)
                    for nation, statuses in sorted(by_nation.items())
                },
            )
        )
    return tuple(rows)


def _pledge_summary(statuses: Sequence[str]) -> str:
    counts = {s: statuses.count(s) for s in dict.fromkeys(statuses)}
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{n} {s}" for s, n in counts.items())


def sourcing_table(result: SourcingResult) -> tuple[GapRow, ...]:
    """Every requirement line: its fill and, for a gap, the reasons and the fixes in rank order."""
    rows = []
    for line in result.lines:
        reasons = dict.fromkeys(
            f"{c.nation} {c.unit_type}: {o.kind.value} ({o.detail})"
            for c in line.candidates
            for o in c.obstacles
        )
        rows.append(
            GapRow(
                line_id=line.line_id,
                capability=line.capability,
                area=line.area,
                priority=line.priority,
                required=line.required,
                filled=line.filled,
                shortfall=line.shortfall,
                reasons=tuple(reasons) if line.shortfall else (),
                fixes=tuple(
                    f"{f.description} (shortfall after: {f.shortfall_after})" for f in line.fixes
                )
                if line.shortfall
                else (),
            )
        )
    return tuple(rows)


def gantt_bars(result: DeploymentResult) -> tuple[GanttBar, ...]:
    """The scheduled deployment legs, in the order the records list them."""
    return tuple(
        GanttBar(
            unit=r.unit,
            nation=r.nation,
            leg=r.leg,
            mode=r.mode.value,
            start_day=r.start_day,
            arrival_day=r.arrival_day if r.arrival_day is not None else r.start_day,
            late=r.days_late > 0,
        )
        for r in result.records
        if r.kind is RecordKind.DEPLOYMENT and r.start_day is not None
    )


def in_place_day(records: Sequence[MovementRecord]) -> int | None:
    """The day a unit is in theatre: the last arrival of its legs that carry an RDD.

    Those are the legs that put it in place (its people and its equipment, as
    the TPFDD's RDD column says); None when it has none or one is unscheduled.
    """
    days = [
        r.arrival_day
        for r in records
        if r.kind is RecordKind.DEPLOYMENT and r.required_delivery_day is not None
    ]
    if not days or any(day is None for day in days):
        return None
    return max(day for day in days if day is not None)


def unit_tracks(result: DeploymentResult, scenario: Scenario) -> tuple[UnitTrack, ...]:
    """Each scheduled unit's path: from its port of embarkation through the route's nodes.

    The track follows the legs that carry people (the unit's main body), else its
    cargo; the nodes of a leg are passed at even steps between its start and arrival.
    """
    places = places_of(scenario)
    nodes = {n.id: (n.lon, n.lat) for n in scenario.transport.nodes} if scenario.transport else {}
    homes = {p.id: (p.home_base.lon, p.home_base.lat) for p in scenario.pledges}
    sidcs = {u.id: u.sidc for u in scenario.catalogue}
    by_unit: dict[str, list[MovementRecord]] = {}
    for record in result.records:
        if record.kind is RecordKind.DEPLOYMENT and record.start_day is not None:
            by_unit.setdefault(record.unit, []).append(record)
    tracks = []
    for unit, records in by_unit.items():
        moving = [r for r in records if r.passengers > 0] or records
        moving.sort(key=lambda r: (r.start_day or 0, r.arrival_day or 0))
        points: list[tuple[float, float, float]] = []
        for record in moving:
            movement = movement_of(record)
            start = places.get(record.port_of_embarkation, homes.get(movement.pledge_id))
            route = [nodes[i] for i in record.route_node_ids.split(_ROUTE_SEPARATOR) if i in nodes]
            # a leg's flow may go on past its port of debarkation (pax: Lublin > staging)
            passed = record.route_node_names.split(_ROUTE_SEPARATOR)
            end = (
                None
                if record.port_of_debarkation in passed
                else places.get(record.port_of_debarkation)
            )
            stops = [p for p in (start, *route, end) if p is not None]
            stops = [p for k, p in enumerate(stops) if k == 0 or p != stops[k - 1]]
            first = float(record.start_day or 0)
            last = float(record.arrival_day if record.arrival_day is not None else first)
            for k, (lon, lat) in enumerate(stops):
                share = k / (len(stops) - 1) if len(stops) > 1 else 1.0
                points.append((round(first + share * (last - first), 3), lon, lat))
        if not points:
            continue
        sample = records[0]
        tracks.append(
            UnitTrack(
                unit=unit,
                nation=sample.nation,
                unit_type=sample.unit_type,
                sidc=sidcs.get(sample.unit_type, ""),
                requirement_line=sample.requirement_line,
                destination=sample.destination,
                personnel=max((r.passengers for r in records), default=0),
                in_place_day=in_place_day(records),
                track=tuple(sorted(points, key=lambda p: p[0])),
            )
        )
    return tuple(tracks)


def laydown_layer(sourcing: SourcingResult, scenario: Scenario, name: str = "laydown") -> GeoJson:
    """The sourced force in place: one point per assignment at its area, with the unit's SIDC."""
    centres = {area.id: area_centre(area) for area in scenario.areas}
    lines = {line.id: line for mission in scenario.missions for line in mission.requirements}
    sidcs = {u.id: u.sidc for u in scenario.catalogue}
    features = []
    for assignment in sourcing.assignments:
        line = lines.get(assignment.line_id)
        where = centres.get(line.area) if line is not None else None
        if where is None:
            continue
        features.append(
            feature(
                shapely.Point(where),
                {
                    "line_id": assignment.line_id,
                    "pledge_id": assignment.pledge_id,
                    "nation": assignment.nation,
                    "unit_type": assignment.unit_type,
                    "sidc": sidcs.get(assignment.unit_type, ""),
                    "units": assignment.units,
                    "personnel": assignment.personnel,
                    "substitute": assignment.substitute,
                },
            )
        )
    return collection(features, name)


def _note(level: Readiness, line_name: Callable[[str], str]) -> str | None:
    """Why a level is not reached, lines by name; none once it is."""
    return None if level.reached else level.described(line_name)


def plan_picture(run_id: int, plan: PlanResult, scenario: Scenario) -> PlanPicture:
    """The picture of a finished plan: one option per mission × authorisable framework."""
    deployments = {(d.mission_id, d.framework_id): d for d in plan.deployments}
    protection = {(p.mission_id, p.framework_id): p for p in plan.protection}
    missions = {m.id: m for m in scenario.missions}
    names = Names.of(scenario)
    options = []
    for sourced in plan.sourcing:
        key = (sourced.mission_id, sourced.framework_id)
        deployment = deployments.get(key)
        protected = protection.get(key)
        mission = missions.get(sourced.mission_id)
        title = f"{mission.name if mission else sourced.mission_id} under {sourced.framework_id}"
        units = unit_tracks(deployment, scenario) if deployment is not None else ()
        line_name = partial(names.line, sourced.mission_id)
        last = max((int(p[0]) + 1 for u in units for p in u.track), default=0)
        options.append(
            OptionPicture(
                mission_id=sourced.mission_id,
                framework_id=sourced.framework_id,
                title=title,
                nations=tuple(sorted(c.nation for c in sourced.contributions if c.units)),
                laydown=laydown_layer(
                    sourced, scenario, f"laydown-{sourced.mission_id}-{sourced.framework_id}"
                ),
                units=units,
                ioc_day=deployment.ioc.day if deployment else None,
                foc_day=deployment.foc.day if deployment else None,
                ioc_note=_note(deployment.ioc, line_name) if deployment else None,
                foc_note=_note(deployment.foc, line_name) if deployment else None,
                last_day=max(last, deployment.ioc.day or 0, deployment.foc.day or 0)
                if deployment
                else 0,
                air_defence=collection(
                    coverage_rings(protected)["features"] if protected else (),
                    f"air_defence-{sourced.mission_id}-{sourced.framework_id}",
                ),
                gantt=gantt_bars(deployment) if deployment is not None else (),
                sourcing=sourcing_table(sourced),
            )
        )
    return PlanPicture(
        run_id=run_id,
        scenario_id=plan.scenario_id,
        label=plan.label,
        run_key=plan.run_key,
        d_day=Calendar.of(scenario).d_day,
        mandate=mandate_matrix(plan.mandate),
        options=tuple(options),
    )

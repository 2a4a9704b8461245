"""``/api/v1/picture``: the operational picture's layers and tables for the web page.

Every route reads through the caller's clearance first (plan runs, scenarios,
agreements, incidents, adjudications), then hands what it may see to
:mod:`peaceforce.server.picture`; public context (front-line snapshots, oblasts,
settlements) needs a token but no label.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from pathlib import Path
from threading import Lock
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from peaceforce.geo.frontline import LineOfContact
from peaceforce.monitoring.agreement.compile import compile_zones
from peaceforce.monitoring.agreement.sites import Site, load_sites
from peaceforce.monitoring.incidents import Incident
from peaceforce.plan import PlanResult
from peaceforce.scenario.model import Scenario
from peaceforce.server import picture
from peaceforce.server.api.deps import Caller, State, audit_reads
from peaceforce.server.models import (
    AdjudicationRow,
    AgreementRow,
    BreachRow,
    IncidentRow,
    RunRow,
    ScenarioRow,
)
from peaceforce.server.records import IncidentFilter, latest_scenario, parse_agreement_text
from peaceforce.server.worker import RunKind, RunStatus

router = APIRouter(prefix="/api/v1/picture", tags=["picture"])
GeoJson = dict[str, Any]
ScenarioId = Annotated[str, Query(max_length=128, description="scenario id")]
#: The most incidents the incident layer draws (newest first).
MAX_INCIDENTS = 5000
#: Plan pictures kept in memory, by run id (each is a few hundred kB).
_KEPT_PICTURES = 8
#: Compiled zone layers kept in memory, by agreement text and line (each a few hundred kB).
_KEPT_ZONES = 16


class PictureContext(BaseModel):
    """What the page can ask for: front-line snapshot dates, and which context layers exist."""

    snapshots: tuple[dt.date, ...]
    regions: bool
    sites: int


class PictureSettings:
    """Where the picture's public context comes from, and the plan pictures already built."""

    def __init__(
        self,
        snapshots: Path | None = None,
        regions: Path | None = None,
        sites: Path | None = None,
    ) -> None:
        self.snapshots = picture.snapshot_files(snapshots)
        self.regions = regions
        self.sites: tuple[Site, ...] = load_sites(sites) if sites is not None else ()
        self._pictures: OrderedDict[int, picture.PlanPicture] = OrderedDict()
        self._zones: OrderedDict[tuple[str, str], GeoJson] = OrderedDict()
        self._lock = Lock()

    def plan_picture(self, run_id: int, plan_json: str, scenario: Scenario) -> picture.PlanPicture:
        """The picture of a plan run, built once (a run's result never changes)."""
        with self._lock:
            kept = self._pictures.get(run_id)
        if kept is not None:
            return kept
        built = picture.plan_picture(run_id, PlanResult.model_validate_json(plan_json), scenario)
        with self._lock:
            self._pictures[run_id] = built
            while len(self._pictures) > _KEPT_PICTURES:
                self._pictures.popitem(last=False)
        return built

    def zones_layer(self, text: str, on: str, line: LineOfContact) -> GeoJson:
        """An agreement's zones compiled on ``line`` (named ``on``), compiled once.

        Compiling buffers the whole line for every clause (seconds): a page that
        switches dates back and forth should not wait for it each time.
        """
        key = (hashlib.sha256(text.encode()).hexdigest(), on)
        with self._lock:
            kept = self._zones.get(key)
        if kept is not None:
            return kept
        built = picture.zones_layer(compile_zones(parse_agreement_text(text), line, self.sites))
        with self._lock:
            self._zones[key] = built
            while len(self._zones) > _KEPT_ZONES:
                self._zones.popitem(last=False)
        return built


def settings(request: Request) -> PictureSettings:
    """The settings ``create_app`` put on the application (none given: no context files)."""
    found = getattr(request.app.state, "picture", None)
    if found is None:
        found = PictureSettings()
        request.app.state.picture = found
    return found


def _scenario(state: State, user: Caller, scenario_id: str) -> tuple[Scenario, ScenarioRow]:
    with state.database.session(user.reader()) as session:
        row = latest_scenario(session, scenario_id)
        if row is None:
            raise HTTPException(404, f"no scenario {scenario_id!r}")
        session.expunge(row)
    return Scenario.model_validate_json(row.content), row


@router.get("/context", operation_id="read_picture_context", response_model=PictureContext)
def context(user: Caller, request: Request) -> PictureContext:
    """The front-line snapshots the server holds (by date) and the context layers it has."""
    given = settings(request)
    return PictureContext(
        snapshots=tuple(given.snapshots), regions=given.regions is not None, sites=len(given.sites)
    )


@router.get("/frontline", operation_id="read_picture_frontline")
def frontline(
    user: Caller,
    state: State,
    request: Request,
    date: Annotated[dt.date | None, Query(description="snapshot day (default: newest)")] = None,
    scenario: ScenarioId = "coalition-2025",
) -> GeoJson:
    """The line of contact (and occupied area) of a snapshot, else the scenario's own line."""
    given = settings(request)
    if given.snapshots:
        day = date or max(given.snapshots)
        path = given.snapshots.get(day)
        if path is None:
            known = ", ".join(d.isoformat() for d in given.snapshots)
            raise HTTPException(404, f"no snapshot of {day}; the server holds {known}")
        return picture.frontline_layer(picture.snapshot_line(path))
    found, row = _scenario(state, user, scenario)
    audit_reads(state, request, user, "picture", [(row.label_id, row.scenario_id)])
    return picture.frontline_layer(found.line_of_contact)


@router.get("/regions", operation_id="read_picture_regions")
def regions(user: Caller, request: Request) -> GeoJson:
    """Oblast boundaries (empty when the server was started without ``--regions``)."""
    given = settings(request)
    if given.regions is None:
        return picture.collection((), "oblasts")
    return picture.regions_layer(given.regions)


@router.get("/settlements", operation_id="read_picture_settlements")
def settlements(user: Caller) -> GeoJson:
    """The largest Ukrainian cities, named, for the basemap."""
    return picture.settlements_layer()


@router.get("/areas", operation_id="read_picture_areas")
def areas(
    user: Caller, state: State, request: Request, scenario: ScenarioId = "coalition-2025"
) -> GeoJson:
    """The scenario's mission areas."""
    found, row = _scenario(state, user, scenario)
    audit_reads(state, request, user, "picture", [(row.label_id, row.scenario_id)])
    return picture.mission_areas_layer(found)


@router.get(
    "/plan",
    operation_id="read_picture_plan",
    response_model=picture.PlanPicture,
    responses={404: {"description": "no finished plan run the caller may read"}},
)
def plan(
    user: Caller, state: State, request: Request, scenario: ScenarioId = "coalition-2025"
) -> picture.PlanPicture:
    """The newest finished plan of the scenario the caller may read, as layers and tables."""
    with state.database.session(user.reader()) as session:
        row = session.scalars(
            select(RunRow)
            .join(ScenarioRow, ScenarioRow.id == RunRow.scenario_row)
            .where(
                RunRow.kind == RunKind.PLAN.value,
                RunRow.status == RunStatus.DONE.value,
                ScenarioRow.scenario_id == scenario,
            )
            .order_by(RunRow.id.desc())
            .limit(1)
        ).first()
        if row is None or row.result is None:
            raise HTTPException(404, f"no finished plan of {scenario!r} you may read")
        run_id, label, result = row.id, row.label_id, row.result
        scenario_row = session.get_one(ScenarioRow, row.scenario_row)
        content = scenario_row.content
    audit_reads(state, request, user, "picture", [(label, str(run_id))])
    return settings(request).plan_picture(run_id, result, Scenario.model_validate_json(content))


@router.get(
    "/zones",
    operation_id="read_picture_zones",
    responses={404: {"description": "no such agreement, or one the caller may not read"}},
)
def zones(  # noqa: PLR0917 (each filter is a query parameter)
    user: Caller,
    state: State,
    request: Request,
    agreement: Annotated[
        str | None,
        Query(max_length=128, description="agreement id (default: the first you may read)"),
    ] = None,
    date: Annotated[dt.date | None, Query(description="snapshot day (default: newest)")] = None,
    scenario: ScenarioId = "coalition-2025",
) -> GeoJson:
    """An agreement's zones on a snapshot's line, with the protected sites it guards."""
    with state.database.session(user.reader()) as session:
        query = select(AgreementRow.text, AgreementRow.label_id, AgreementRow.agreement_id)
        if agreement is not None:
            query = query.where(AgreementRow.agreement_id == agreement)
        found = session.execute(query.order_by(AgreementRow.agreement_id).limit(1)).first()
    if found is None:
        raise HTTPException(404, f"no agreement {agreement!r}" if agreement else "no agreement")
    audit_reads(state, request, user, "picture", [(found[1], found[2])])
    given = settings(request)
    if given.snapshots:
        day = date or max(given.snapshots)
        path = given.snapshots.get(day)
        if path is None:
            raise HTTPException(404, f"no snapshot of {day}")
        line = picture.snapshot_line(path)
        on = day.isoformat()
    else:
        found_scenario, row = _scenario(state, user, scenario)
        line = found_scenario.line_of_contact
        on = f"{row.scenario_id}/{row.version}"
    return given.zones_layer(found[0], on, line)


@router.get("/incidents", operation_id="read_picture_incidents")
def incidents(
    user: Caller,
    state: State,
    request: Request,
    start: Annotated[dt.datetime | None, Query(description="from (inclusive, UTC)")] = None,
    end: Annotated[dt.datetime | None, Query(description="to (exclusive, UTC)")] = None,
) -> GeoJson:
    """The newest reports the caller may read (at most 5,000), with the clauses they breach."""
    with state.database.session(user.reader()) as session:
        rows = session.execute(
            select(IncidentRow.content, IncidentRow.label_id, IncidentRow.id)
            .where(*IncidentFilter(start=start, end=end).criteria())
            .order_by(IncidentRow.seq.desc())
            .limit(MAX_INCIDENTS)
        ).all()
        ids = [r[2] for r in rows]
        breached: dict[str, list[str]] = {}
        for incident_id, clause in session.execute(
            select(BreachRow.incident_id, BreachRow.clause)
            .join(AdjudicationRow, AdjudicationRow.id == BreachRow.adjudication_id)
            .where(BreachRow.incident_id.in_(ids))
            .order_by(BreachRow.clause)
        ).all():
            if clause not in breached.setdefault(incident_id, []):
                breached[incident_id].append(clause)
    audit_reads(state, request, user, "picture", [(r[1], r[2]) for r in rows])
    reports = [Incident.model_validate_json(r[0]) for r in rows]
    return picture.incidents_layer(reports, breached)


__all__ = ["PictureSettings", "router"]

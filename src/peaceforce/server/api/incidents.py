"""``/api/v1/incidents``: batch intake (acknowledged once committed) and filtered reads."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi.exceptions import RequestValidationError
from pydantic import Field, TypeAdapter, ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Classification, Label
from peaceforce.monitoring.incidents import COALITION, Incident, IncidentType, Observation
from peaceforce.monitoring.intake import (
    RECORD_FIELDS,
    IntakeFormat,
    format_of,
    parse_columns,
    parse_incidents,
)
from peaceforce.monitoring.store.sql import append_incidents
from peaceforce.results import Result
from peaceforce.server import audit
from peaceforce.server.api.deps import Caller, Paging, State, audit_reads, remote, require
from peaceforce.server.api.errors import ApiError
from peaceforce.server.models import IncidentRow
from peaceforce.server.records import (
    ConflictError,
    IncidentFilter,
    Page,
    check_writable,
    list_incidents,
)
from peaceforce.server.spatial import MAX_RADIUS_KM
from peaceforce.server.users import Permission
from peaceforce.server.visibility import SYSTEM

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])

#: The most incidents one request may carry.
MAX_BATCH = 10_000


class IncidentBatch(Result):
    """What a committed batch did: every report in it is now stored exactly once."""

    received: int
    added: int
    duplicates: int


#: The most bytes one request body may hold (10,000 reports with long descriptions).
MAX_BODY = 64 * 1024 * 1024
_ONE = TypeAdapter(Incident)
_MANY = TypeAdapter(Annotated[list[Incident], Field(min_length=1, max_length=MAX_BATCH)])
_BODY_SCHEMA = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"$ref": "#/components/schemas/Incident"},
                    {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Incident"},
                        "minItems": 1,
                        "maxItems": MAX_BATCH,
                    },
                ]
            }
        }
    },
}


async def _batch(request: Request) -> list[Incident]:
    """The body read once and validated from its bytes (no intermediate Python objects)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(413, f"a body of at most {MAX_BODY} bytes")
    data = await request.body()
    if len(data) > MAX_BODY:
        raise HTTPException(413, f"a body of at most {MAX_BODY} bytes")
    try:
        # in a thread, not on the event loop: validating 10,000 reports takes long enough to
        # hold up every other request of this worker, reads included
        return await run_in_threadpool(_validate_body, data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
        ) from None


def _validate_body(data: bytes) -> list[Incident]:
    """A list is a batch, anything else one report: errors then name body.3.time, not a union."""
    if data.lstrip()[:1] == b"[":
        return _MANY.validate_json(data)
    return [_ONE.validate_json(data)]


Batch = Annotated[list[Incident], Depends(_batch)]


@router.post(
    "",
    operation_id="create_incidents",
    response_model=IncidentBatch,
    openapi_extra={"requestBody": _BODY_SCHEMA},
    responses={
        409: {"model": ApiError, "description": "a report repeats a stored id with other content"},
        413: {"model": ApiError, "description": "the body is too large"},
    },
)
def create_incidents(
    batch: Batch,
    user: Caller,
    state: State,
    request: Request,
) -> IncidentBatch:
    """Store one report or a batch of up to 10,000, all or nothing, idempotently by id.

    The answer comes after the transaction commits: a report acknowledged is
    durable. A repeat of a stored report counts as a duplicate; a report that
    reuses a stored id with other content rejects the batch (409), naming it.
    """
    require(user, Permission.INCIDENTS)
    reader = user.reader()
    by_label: dict[Label, list[Incident]] = {}
    for incident in batch:
        by_label.setdefault(incident.label, []).append(incident)
    for label in by_label:
        check_writable(reader, label, f"body[{batch.index(by_label[label][0])}]")
    with state.database.session(SYSTEM, write=True) as session:
        result = append_incidents(session, batch)
        if result.conflicts:
            position = {incident.id: index for index, incident in enumerate(batch)}
            raise ConflictError(
                [
                    Problem(
                        f"body[{position[ident]}]",
                        "id",
                        ident,
                        "a new id, or the same content as the report stored under it",
                    )
                    for ident in dict.fromkeys(result.conflicts)
                ]
            )
        added = set(result.added)
        for label, labelled in by_label.items():
            audit.record(
                session,
                user=user,
                action="create",
                resource="incidents",
                remote=remote(request),
                label=label,
                ids=[i.id for i in labelled if i.id in added],
                detail=f"{len(result.added)} added, {len(result.present)} duplicate",
            )
    return IncidentBatch(
        received=len(batch), added=len(result.added), duplicates=len(result.present)
    )


class FileImport(Result):
    """What an uploaded file gave: as ``monitor import --json`` reports a file, with its problems.

    Valid reports are stored even when others in the file are rejected; each
    rejected one is listed with its line (or JSON path) and reason.
    """

    file: str
    format: IntakeFormat
    reports: int
    accepted: int
    duplicates: int
    rejected: tuple[Problem, ...]


@router.post(
    "/import",
    operation_id="import_incidents",
    response_model=FileImport,
    responses={413: {"model": ApiError, "description": "the file is too large"}},
)
def import_incidents(  # noqa: PLR0917 (each form field is an option of monitor import)
    user: Caller,
    state: State,
    request: Request,
    file: Annotated[
        UploadFile,
        File(description="reports: .csv (or UCDP GED), .geojson/.json, .xml/.cot, .jsonl"),
    ],
    format: Annotated[
        IntakeFormat | None, Form(description="the file's format (default: by its name)")
    ] = None,
    classification: Annotated[
        Classification, Form(description="of reports that carry no label of their own")
    ] = Classification.UNCLASSIFIED,
    release: Annotated[
        list[str] | None,
        Form(
            description=f"releasable to, for unlabelled reports (repeatable; default {COALITION})"
        ),
    ] = None,
    caveat: Annotated[
        list[str] | None, Form(description="caveat of unlabelled reports (repeatable)")
    ] = None,
    columns: Annotated[
        str | None,
        Form(max_length=2000, description="CSV column mapping field=column,..."),
    ] = None,
    default: Annotated[
        list[str] | None, Form(description="field=value for a field no column gives (repeatable)")
    ] = None,
) -> FileImport:
    """Import a report file as ``peaceforce monitor import`` does: one batch, idempotent by id.

    The answer comes after the batch commits. A repeat of a stored report is a
    duplicate; a report reusing a stored id with other content is rejected and
    named, and the rest of the file is still stored.
    """
    require(user, Permission.INCIDENTS)
    name = Path(file.filename or "upload").name[:256]
    data = file.file.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        raise HTTPException(413, f"a file of at most {MAX_BODY} bytes")
    kind = format or format_of(Path(name), data[:4096].decode("utf-8", "replace"))
    label = _upload_label(classification, release or [COALITION], caveat or [])
    check_writable(user.reader(), label, "release")
    defaults: dict[str, str] = {}
    for item in default or []:
        defaults.update(parse_columns(item, option="default", fields=RECORD_FIELDS))
    intake = parse_incidents(
        data,
        kind,
        source=name,
        label=label,
        columns=parse_columns(columns, option="columns") if columns else None,
        defaults=defaults or None,
    )
    for incident in intake.incidents:
        check_writable(user.reader(), incident.label, f"{name}: {incident.id}")
    with state.database.session(SYSTEM, write=True) as session:
        result = append_incidents(session, intake.incidents)
        added = set(result.added)
        by_label: dict[Label, list[str]] = {}
        for incident in intake.incidents:
            if incident.id in added:
                by_label.setdefault(incident.label, []).append(incident.id)
        for written, ids in (by_label or {label: []}).items():
            audit.record(
                session,
                user=user,
                action="create",
                resource="incidents",
                remote=remote(request),
                label=written,
                ids=ids,
                detail=f"import {name}: {len(result.added)} added, "
                f"{len(result.present)} duplicate, {len(intake.rejected)} rejected",
            )
    conflicts = [
        Problem(
            name,
            f"id {ident}",
            "other content",
            "a new id: the store already holds a different report under this one",
        )
        for ident in dict.fromkeys(result.conflicts)
    ]
    return FileImport(
        file=name,
        format=kind,
        reports=len(intake.incidents) + intake.duplicates,
        accepted=len(result.added),
        duplicates=intake.duplicates + len(result.present),
        rejected=(*intake.rejected, *conflicts),
    )


def _upload_label(classification: Classification, release: list[str], caveats: list[str]) -> Label:
    """The label of unlabelled reports in an upload; a bad token names its form field."""
    try:
        return Label(
            classification=classification,
            releasable_to=frozenset(t.strip().upper() for t in release),
            caveats=frozenset(t.strip().upper() for t in caveats),
        )
    except ValidationError as exc:
        raise InputError(
            [
                Problem(
                    "release" if error["loc"][0] == "releasable_to" else "caveat",
                    "-",
                    repr(error.get("input"))[:200],
                    "upper-case tokens (A-Z, 0-9, _) such as GBR or COALITION",
                )
                for error in exc.errors(include_url=False)
            ]
        ) from None


@router.get("", operation_id="list_incidents", response_model=Page[Incident])
def list_incidents_route(  # noqa: PLR0917 (each filter is a query parameter)
    user: Caller,
    state: State,
    request: Request,
    paging: Paging,
    start: Annotated[datetime | None, Query(description="from this time (inclusive, UTC)")] = None,
    end: Annotated[datetime | None, Query(description="to this time (exclusive, UTC)")] = None,
    bbox: Annotated[
        str | None,
        Query(
            description="west,south,east,north in degrees (edges inside)",
            pattern=r"^\s*-?\d+(\.\d+)?\s*(,\s*-?\d+(\.\d+)?\s*){3}$",
        ),
    ] = None,
    type: Annotated[list[IncidentType] | None, Query(description="any of these types")] = None,
    clause: Annotated[
        str | None, Query(max_length=128, description="breached this clause (stored adjudications)")
    ] = None,
    party: Annotated[
        str | None, Query(max_length=64, description="attributed to this party")
    ] = None,
    observation: Annotated[
        list[Observation] | None,
        Query(description="any of these observations (seen, heard, ...); unstated ones never"),
    ] = None,
    near: Annotated[
        str | None,
        Query(
            description="lon,lat,km: within km kilometres of the point (great circle; "
            "PostGIS where installed)",
            pattern=r"^\s*-?\d+(\.\d+)?\s*(,\s*-?\d+(\.\d+)?\s*){2}$",
        ),
    ] = None,
) -> Response:
    """The reports the caller may read that match every filter given, in the order accepted."""
    box = _bbox(bbox) if bbox is not None else None
    where = IncidentFilter(
        start=start,
        end=end,
        bbox=box,
        types=frozenset(type) if type else None,
        clause=clause,
        party=party,
        observations=frozenset(observation) if observation else None,
        near=_near(near) if near is not None else None,
    )
    postgis = state.database.postgis  # never inside the session: it may need a connection
    with state.database.session(user.reader()) as session:
        page, read = list_incidents(session, where, paging.limit, paging.offset, postgis=postgis)
    audit_reads(state, request, user, "incidents", read)
    return Response(page, media_type="application/json")


def _bbox(text: str) -> tuple[float, float, float, float]:
    west, south, east, north = (float(part) for part in text.split(","))
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InputError(
            [
                Problem(
                    "bbox",
                    "-",
                    text,
                    "west <= east within -180..180, south <= north within -90..90",
                )
            ]
        )
    return west, south, east, north


def _near(text: str) -> tuple[float, float, float]:
    lon, lat, km = (float(part) for part in text.split(","))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90 and 0 <= km <= MAX_RADIUS_KM):
        raise InputError(
            [
                Problem(
                    "near",
                    "-",
                    text,
                    f"lon,lat,km with lon within -180..180, lat within -90..90, "
                    f"km within 0..{MAX_RADIUS_KM:.0f}",
                )
            ]
        )
    return lon, lat, km * 1000


@router.get(
    "/{incident_id}",
    operation_id="read_incident",
    response_model=Incident,
    responses={404: {"description": "no such report, or one the caller may not read"}},
)
def read_incident(incident_id: str, user: Caller, state: State, request: Request) -> Incident:
    """One report by id; 404 when there is none or the caller may not read it."""
    with state.database.session(user.reader()) as session:
        row = session.execute(
            select(IncidentRow.content, IncidentRow.label_id).where(IncidentRow.id == incident_id)
        ).first()
    if row is None:
        raise HTTPException(404, f"no incident {incident_id!r}")
    audit_reads(state, request, user, "incidents", [(row[1], incident_id)])
    return Incident.model_validate_json(row[0])

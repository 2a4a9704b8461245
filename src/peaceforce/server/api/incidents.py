"""``/api/v1/incidents``: batch intake (acknowledged once committed) and filtered reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import Field, TypeAdapter, ValidationError
from sqlalchemy import select

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Label
from peaceforce.monitoring.incidents import Incident, IncidentType
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
        # a list is a batch, anything else one report: errors then name body.3.time, not a union
        many = data.lstrip()[:1] == b"["
        body = _MANY.validate_json(data) if many else _ONE.validate_json(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
        ) from None
    return [body] if isinstance(body, Incident) else body


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
    )
    with state.database.session(user.reader()) as session:
        page, read = list_incidents(session, where, paging.limit, paging.offset)
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

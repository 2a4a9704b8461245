"""``/api/v1/runs``: start a stage in the background worker, follow it, fetch its result."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peaceforce.server import audit
from peaceforce.server.api.deps import (
    Caller,
    Paging,
    ServerState,
    State,
    audit_reads,
    remote,
    require,
)
from peaceforce.server.models import RunRow, ScenarioRow
from peaceforce.server.records import Page, label_of, latest_scenario
from peaceforce.server.users import Permission, UserPublic
from peaceforce.server.visibility import SYSTEM
from peaceforce.server.worker import RunCreate, RunKind, RunPublic, RunStatus

router = APIRouter(prefix="/api/v1/runs", tags=["runs"])
RunId = Annotated[int, Path(ge=1, le=2**62)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such run, or one the caller may not read"}
}


def _public(session: Session, row: RunRow) -> RunPublic:
    scenario = session.get_one(ScenarioRow, row.scenario_row)
    return RunPublic(
        id=row.id,
        kind=RunKind(row.kind),
        scenario=scenario.scenario_id,
        scenario_version=scenario.version,
        status=RunStatus(row.status),
        progress=row.progress,
        run_key=row.run_key,
        label=label_of(session, row.label_id),
        problems=tuple(json.loads(row.problems)) if row.problems else (),
    )


@router.post("", operation_id="start_run", response_model=RunPublic, status_code=202)
def start_run(
    body: RunCreate, user: Caller, state: State, request: Request, response: Response
) -> RunPublic:
    """Queue a run on the newest version of a scenario the caller may read; answers at once."""
    public = queue_run(body, user, state, request)
    response.headers["Location"] = f"/api/v1/runs/{public.id}"
    return public


def queue_run(body: RunCreate, user: UserPublic, state: ServerState, request: Request) -> RunPublic:
    """Store a queued run (audited) and hand it to the worker; its state as it now stands."""
    require(user, Permission.REPORTS if body.kind is RunKind.DAILY_REPORT else Permission.RUNS)
    with state.database.session(user.reader()) as session:
        scenario = latest_scenario(session, body.scenario)
    if scenario is None:
        raise HTTPException(404, f"no scenario {body.scenario!r}")
    with state.database.session(SYSTEM, write=True) as session:
        row = RunRow(
            kind=body.kind.value,
            scenario_row=scenario.id,
            settings=body.model_dump_json(),
            status=RunStatus.QUEUED.value,
            progress="queued",
            created_by=user.id,
            label_id=scenario.label_id,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            user=user,
            action="create",
            resource="runs",
            remote=remote(request),
            label=label_of(session, scenario.label_id),
            ids=[str(row.id)],
            detail=body.kind.value,
        )
        public = _public(session, row)
    if state.worker is not None:
        state.worker.submit(row.id)
    return public


@router.get("", operation_id="list_runs", response_model=Page[RunPublic])
def list_runs(user: Caller, state: State, request: Request, paging: Paging) -> Page[RunPublic]:
    """Runs the caller may read, newest first."""
    with state.database.session(user.reader()) as session:
        count = session.execute(select(func.count()).select_from(RunRow)).scalar_one()
        rows = session.scalars(
            select(RunRow).order_by(RunRow.id.desc()).limit(paging.limit).offset(paging.offset)
        ).all()
        page: Page[RunPublic] = Page(data=tuple(_public(session, r) for r in rows), count=count)
    audit_reads(state, request, user, "runs", [(r.label_id, str(r.id)) for r in rows])
    return page


def _run(session: Session, run_id: int) -> RunRow:
    row = session.scalars(select(RunRow).where(RunRow.id == run_id)).first()
    if row is None:
        raise HTTPException(404, f"no run {run_id}")
    return row


@router.get("/{run_id}", operation_id="read_run", response_model=RunPublic, responses=_NOT_FOUND)
def read_run(run_id: RunId, user: Caller, state: State, request: Request) -> RunPublic:
    """A run's status and progress."""
    with state.database.session(user.reader()) as session:
        row = _run(session, run_id)
        public = _public(session, row)
    audit_reads(state, request, user, "runs", [(row.label_id, str(run_id))])
    return public


@router.get(
    "/{run_id}/result",
    operation_id="read_run_result",
    responses={**_NOT_FOUND, 409: {"description": "the run has no result (yet)"}},
)
def read_run_result(run_id: RunId, user: Caller, state: State, request: Request) -> Any:
    """A finished run's result (JSON, as the CLI's ``--json`` prints it)."""
    with state.database.session(user.reader()) as session:
        row = _run(session, run_id)
    if row.result is None:
        raise HTTPException(409, f"run {run_id} is {row.status}: no result")
    audit_reads(state, request, user, "runs", [(row.label_id, str(run_id))])
    return json.loads(row.result)

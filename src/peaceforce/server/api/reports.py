"""``/api/v1/adjudications`` and ``/api/v1/daily-reports``: results of daily-report runs.

``POST /api/v1/daily-reports`` asks for one (202: a ``daily_report`` run is
queued, as ``POST /api/v1/runs`` with that kind also does); the background
worker computes it from the reports its starter may read, and it carries the
combined label of everything used. ``GET`` lists and reads the results.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from peaceforce.labels import Label
from peaceforce.server.api.deps import Caller, Paging, State, audit_reads
from peaceforce.server.api.runs import queue_run
from peaceforce.server.models import AdjudicationRow, DailyReportRow
from peaceforce.server.records import Page, label_of
from peaceforce.server.worker import RunCreate, RunKind, RunPublic

adjudications = APIRouter(prefix="/api/v1/adjudications", tags=["adjudications"])
daily_reports = APIRouter(prefix="/api/v1/daily-reports", tags=["daily-reports"])
RunKey = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "none with this run key, or one the caller may not read"}
}


#: A stored result that lists the same way (both have run key, agreement, day and label).
_Stored = TypeVar("_Stored", AdjudicationRow, DailyReportRow)


class ResultSummary(BaseModel):
    """A stored adjudication or daily report, listed."""

    run_key: str
    agreement_id: str
    date: str
    label: Label


@adjudications.get("", operation_id="list_adjudications", response_model=Page[ResultSummary])
def list_adjudications(
    user: Caller, state: State, request: Request, paging: Paging
) -> Page[ResultSummary]:
    """Stored adjudications the caller may read, newest first."""
    newest = (AdjudicationRow.id.desc(),)
    return _summaries(
        state, request, user, paging, row=AdjudicationRow, order=newest, resource="adjudications"
    )


@adjudications.get("/{run_key}", operation_id="read_adjudication", responses=_NOT_FOUND)
def read_adjudication(run_key: RunKey, user: Caller, state: State, request: Request) -> Any:
    """One adjudication (JSON, as ``peaceforce.monitoring.adjudicate.Adjudication``)."""
    with state.database.session(user.reader()) as session:
        row = session.scalars(
            select(AdjudicationRow).where(AdjudicationRow.run_key == run_key)
        ).first()
    if row is None:
        raise HTTPException(404, f"no adjudication {run_key}")
    audit_reads(state, request, user, "adjudications", [(row.label_id, run_key)])
    return json.loads(row.content)


class DailyReportCreate(BaseModel):
    """Which daily report to compute: an agreement, a day and its cut-off, the zones' inputs."""

    model_config = {"extra": "forbid", "frozen": True}

    agreement: str = Field(max_length=128, description="a stored agreement's id")
    date: dt.date = Field(description="the day reported (UTC)")
    cutoff: dt.time = Field(default=dt.time(19, 30), description="the report's end, UTC")
    scenario: str = Field(
        default="coalition-2025", max_length=128, description="scenario whose line is used"
    )
    occupied: dict[str, Any] | None = Field(
        default=None,
        description="occupied-area GeoJSON, for the line and its sides "
        "(default: the scenario's line of contact, which has no sides)",
    )
    sites_csv: str | None = Field(
        default=None, max_length=20_000_000, description="protected sites CSV"
    )


@daily_reports.post(
    "",
    operation_id="create_daily_report",
    response_model=RunPublic,
    status_code=202,
    responses={404: {"description": "no such scenario, or one the caller may not read"}},
)
def create_daily_report(
    body: DailyReportCreate, user: Caller, state: State, request: Request, response: Response
) -> RunPublic:
    """Queue a daily report; answers at once with its run (``Location``: the run to follow).

    When the run is done its ``run_key`` names the report at ``/daily-reports/{run_key}``.
    """
    run = RunCreate(kind=RunKind.DAILY_REPORT, **body.model_dump())
    public = queue_run(run, user, state, request)
    response.headers["Location"] = f"/api/v1/runs/{public.id}"
    return public


@daily_reports.get("", operation_id="list_daily_reports", response_model=Page[ResultSummary])
def list_daily_reports(
    user: Caller, state: State, request: Request, paging: Paging
) -> Page[ResultSummary]:
    """Stored daily reports the caller may read, newest day first."""
    newest = (DailyReportRow.day.desc(), DailyReportRow.id.desc())
    return _summaries(
        state, request, user, paging, row=DailyReportRow, order=newest, resource="daily-reports"
    )


def _summaries(
    state: State,
    request: Request,
    user: Caller,
    paging: Paging,
    *,
    row: type[_Stored],
    order: tuple[Any, ...],
    resource: str,
) -> Page[ResultSummary]:
    """A page of stored results of one kind the caller may read, each read audited."""
    with state.database.session(user.reader()) as session:
        count = session.execute(select(func.count()).select_from(row)).scalar_one()
        rows = session.scalars(
            select(row).order_by(*order).limit(paging.limit).offset(paging.offset)
        ).all()
        data = tuple(
            ResultSummary(
                run_key=r.run_key,
                agreement_id=r.agreement_id,
                date=r.day,
                label=label_of(session, r.label_id),
            )
            for r in rows
        )
    audit_reads(state, request, user, resource, [(r.label_id, r.run_key) for r in rows])
    return Page(data=data, count=count)


def _report(state: State, user: Caller, run_key: str) -> DailyReportRow:
    with state.database.session(user.reader()) as session:
        row = session.scalars(
            select(DailyReportRow).where(DailyReportRow.run_key == run_key)
        ).first()
    if row is None:
        raise HTTPException(404, f"no daily report {run_key}")
    return row


@daily_reports.get("/{run_key}", operation_id="read_daily_report", responses=_NOT_FOUND)
def read_daily_report(run_key: RunKey, user: Caller, state: State, request: Request) -> Any:
    """One daily report (JSON, as ``monitor report --json`` prints it)."""
    row = _report(state, user, run_key)
    audit_reads(state, request, user, "daily-reports", [(row.label_id, run_key)])
    return json.loads(row.content)


@daily_reports.get(
    "/{run_key}/html",
    operation_id="read_daily_report_html",
    response_class=HTMLResponse,
    responses=_NOT_FOUND,
)
def read_daily_report_html(
    run_key: RunKey, user: Caller, state: State, request: Request
) -> HTMLResponse:
    """One daily report as a self-contained HTML page (map, chart, tables)."""
    row = _report(state, user, run_key)
    audit_reads(state, request, user, "daily-reports", [(row.label_id, run_key)])
    return HTMLResponse(row.html)

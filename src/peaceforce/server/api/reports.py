"""``/api/v1/adjudications`` and ``/api/v1/daily-reports``: results of daily-report runs.

They are computed by a ``daily_report`` run (``POST /api/v1/runs``) from the
reports its starter may read, and carry the combined label of everything used.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import func, select

from peaceforce.labels import Label
from peaceforce.server.api.deps import Caller, Paging, State, audit_reads
from peaceforce.server.models import AdjudicationRow, DailyReportRow
from peaceforce.server.records import Page, label_of

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

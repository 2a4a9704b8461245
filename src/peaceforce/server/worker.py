"""Runs: stages started over the API, computed by a background worker, never in a request.

A run is a row (queued → running → done | failed) with its progress text; the
worker thread takes queued runs in order, reads its inputs with the clearance
of whoever started it (a daily report counts only the reports they may read),
and stores the result with its run key and label. A run that was running when
the server stopped is marked failed on the next start; queued ones are resumed.
Runs queued by another process (``serve --workers N`` answers requests in N
processes and computes runs in one) are found by looking for queued rows every
``POLL_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import tempfile
import threading
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select, update

from peaceforce.errors import InputError, PeaceforceError, Problem
from peaceforce.geo.frontline import line_of_contact_from_file
from peaceforce.labels import Clearance, Label
from peaceforce.mandate.analysis import analyse_mandate
from peaceforce.monitoring.adjudicate import adjudicate
from peaceforce.monitoring.agreement import compile_zones, load_sites
from peaceforce.monitoring.report import daily_report, report_window
from peaceforce.monitoring.store.protocol import IncidentQuery
from peaceforce.monitoring.store.sql import SqlIncidentStore
from peaceforce.presentation.monitoring_report import render_html
from peaceforce.protection.data import load_protection_data
from peaceforce.results import Result
from peaceforce.scenario.model import Scenario
from peaceforce.server.db import Database
from peaceforce.server.label_rows import label_id
from peaceforce.server.models import (
    AdjudicationRow,
    AgreementRow,
    BreachRow,
    DailyReportRow,
    RunRow,
    ScenarioRow,
    UserRow,
    utc_now,
)
from peaceforce.server.records import parse_agreement_text
from peaceforce.server.visibility import SYSTEM

log = logging.getLogger(__name__)
#: How often the worker looks for runs queued by other server processes.
POLL_SECONDS = 2.0


class RunKind(StrEnum):
    """What a run computes."""

    MANDATE = "mandate"
    SOURCE = "source"
    DEPLOY = "deploy"
    PROTECT = "protect"
    PLAN = "plan"
    DAILY_REPORT = "daily_report"


class RunStatus(StrEnum):
    """Where a run is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RunCreate(BaseModel):
    """What to run: a stage on a scenario, or a daily report on an agreement."""

    model_config = {"extra": "forbid", "frozen": True}

    kind: RunKind
    scenario: str = Field(default="coalition-2025", max_length=128, description="scenario id")
    mission: str | None = Field(default=None, max_length=128)
    framework: str | None = Field(default=None, max_length=128)
    time_limit: float = Field(default=20.0, gt=0, le=600, description="solver seconds")
    agreement: str | None = Field(default=None, max_length=128, description="daily_report only")
    date: dt.date | None = Field(default=None, description="daily_report only: the day (UTC)")
    cutoff: dt.time = Field(default=dt.time(19, 30), description="daily_report only: end, UTC")
    occupied: dict[str, Any] | None = Field(
        default=None,
        description="daily_report only: occupied-area GeoJSON, for the line and its sides "
        "(default: the scenario's line of contact, which has no sides)",
    )
    sites_csv: str | None = Field(
        default=None, max_length=20_000_000, description="daily_report only: protected sites CSV"
    )

    @model_validator(mode="after")
    def _needs(self) -> Self:
        needs = {
            RunKind.SOURCE: ("mission", "framework"),
            RunKind.DEPLOY: ("mission", "framework"),
            RunKind.PROTECT: ("mission", "framework"),
            RunKind.DAILY_REPORT: ("agreement", "date"),
        }.get(self.kind, ())
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.kind.value} run needs {' and '.join(missing)}")
        return self


class RunPublic(Result):
    """A run's state (its result is at ``/runs/{id}/result`` once done)."""

    id: int
    kind: RunKind
    scenario: str
    scenario_version: int
    status: RunStatus
    progress: str
    run_key: str | None
    label: Label
    problems: tuple[dict[str, str], ...] = ()


class RunWorker:
    """One background thread computing queued runs in order."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="peaceforce-runs", daemon=True)

    def start(self) -> None:
        """Fail runs a stopped server left running, resume queued ones, start the thread."""
        with self.database.session(SYSTEM, write=True) as session:
            session.execute(
                update(RunRow)
                .where(RunRow.status == RunStatus.RUNNING.value)
                .values(
                    status=RunStatus.FAILED.value,
                    problems=json.dumps([_problem("run", "-", "interrupted", "a finished run")]),
                    finished=utc_now(),
                )
            )
            waiting = session.scalars(
                select(RunRow.id).where(RunRow.status == RunStatus.QUEUED.value).order_by(RunRow.id)
            ).all()
        for ident in waiting:
            self._queue.put(ident)
        self._thread.start()

    def submit(self, run_id: int) -> None:
        """Queue a run (its row is committed already)."""
        self._queue.put(run_id)

    def stop(self) -> None:
        """Finish the run at hand, then stop."""
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            try:
                run_id = self._queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                for queued in self._queued():
                    self._queue.put(queued)
                continue
            if run_id is None:
                return
            try:
                self.execute(run_id)
            except Exception:  # a run's failure must never stop the worker
                log.exception("run %s failed", run_id)

    def _queued(self) -> list[int]:
        """Runs waiting in the database (queued by any server process), oldest first."""
        try:
            with self.database.session(SYSTEM) as session:
                return list(
                    session.scalars(
                        select(RunRow.id)
                        .where(RunRow.status == RunStatus.QUEUED.value)
                        .order_by(RunRow.id)
                        .limit(100)
                    )
                )
        except Exception:  # the database may be briefly away: look again next time
            log.exception("looking for queued runs failed")
            return []

    def _progress(self, run_id: int, text: str) -> None:
        with self.database.session(SYSTEM, write=True) as session:
            session.execute(update(RunRow).where(RunRow.id == run_id).values(progress=text[:500]))

    def execute(self, run_id: int) -> None:
        """Compute one run and store its outcome."""
        with self.database.session(SYSTEM, write=True) as session:
            run = session.get(RunRow, run_id)
            if run is None or run.status != RunStatus.QUEUED.value:
                return
            run.status = RunStatus.RUNNING.value
            scenario_row = session.get_one(ScenarioRow, run.scenario_row)
            user = session.get(UserRow, run.created_by) if run.created_by else None
            request = RunCreate.model_validate_json(run.settings)
            files = json.loads(scenario_row.files) if scenario_row.files else None
            scenario = Scenario.model_validate_json(scenario_row.content)
        reader = _reader(user)
        try:
            result = self._compute(run_id, request, scenario, files, reader)
        except PeaceforceError as exc:
            problems = exc.problems if isinstance(exc, InputError) else []
            listed = [_problem(p.file, p.location, p.value, p.expected) for p in problems] or [
                _problem("run", "-", str(exc)[:500], "a run that completes")
            ]
            self._finish(run_id, RunStatus.FAILED, problems=listed)
            return
        except Exception as exc:
            log.exception("run %s failed", run_id)
            listed = [_problem("run", "-", type(exc).__name__, "a run that completes")]
            self._finish(run_id, RunStatus.FAILED, problems=listed)
            return
        self._finish(run_id, RunStatus.DONE, result=result)

    def _finish(
        self,
        run_id: int,
        status: RunStatus,
        *,
        result: BaseModel | None = None,
        problems: list[dict[str, str]] | None = None,
    ) -> None:
        with self.database.session(SYSTEM, write=True) as session:
            run = session.get_one(RunRow, run_id)
            run.status = status.value
            run.finished = utc_now()
            run.progress = status.value
            if problems is not None:
                run.problems = json.dumps(problems)
            if result is not None:
                run.result = result.model_dump_json()
                run.run_key = getattr(result, "run_key", None)
                label = getattr(result, "label", None)
                if isinstance(label, Label):
                    run.label_id = label_id(session, label)

    def _compute(
        self,
        run_id: int,
        request: RunCreate,
        scenario: Scenario,
        files: dict[str, str] | None,
        reader: Clearance | None,
    ) -> BaseModel:
        def progress(text: str) -> None:
            self._progress(run_id, text)

        if request.kind is RunKind.DAILY_REPORT:
            return self._daily_report(request, scenario, reader, progress)
        from peaceforce.deployment.planner import deploy_mission
        from peaceforce.plan import run_plan
        from peaceforce.protection.stage import protect_mission
        from peaceforce.sources.cities import ukrainian_cities
        from peaceforce.sourcing.engine import source_mission

        with tempfile.TemporaryDirectory(prefix="peaceforce-run-") as folder:
            for name, text in (files or {}).items():
                (Path(folder) / name).write_text(text, encoding="utf-8")
            protection = (
                load_protection_data(scenario, folder)
                if files and "protection.yaml" in files
                else None
            )
        if request.kind is RunKind.MANDATE:
            progress("analysing the mandate")
            return analyse_mandate(scenario)
        if request.kind is RunKind.PLAN:
            return run_plan(scenario, progress=progress, protection=protection)
        assert request.mission is not None and request.framework is not None  # by RunCreate
        progress(f"sourcing {request.mission} under {request.framework}")
        sourced = source_mission(
            scenario, request.mission, request.framework, time_limit_s=request.time_limit
        )
        if request.kind is RunKind.SOURCE:
            return sourced
        if request.kind is RunKind.DEPLOY:
            progress("scheduling the deployment")
            return deploy_mission(scenario, sourced, time_limit_s=request.time_limit)
        if protection is None:
            raise InputError(
                [Problem("protection.yaml", "-", "missing", "a scenario with protection data")]
            )
        progress("placing air defence")
        return protect_mission(
            scenario,
            sourced,
            data=protection,
            cities=ukrainian_cities(),
            time_limit_s=request.time_limit,
        )

    def _daily_report(
        self, request: RunCreate, scenario: Scenario, reader: Clearance | None, progress: Any
    ) -> BaseModel:
        assert request.agreement is not None and request.date is not None  # by RunCreate
        if reader is None:
            raise InputError([Problem("run", "-", "no user", "a run started by a user")])
        with self.database.session(reader) as session:
            text = session.execute(
                select(AgreementRow.text).where(AgreementRow.agreement_id == request.agreement)
            ).scalar_one_or_none()
        if text is None:
            raise InputError([Problem("agreement", "-", request.agreement, "a stored agreement")])
        agreement = parse_agreement_text(text)
        with tempfile.TemporaryDirectory(prefix="peaceforce-report-") as folder:
            line = scenario.line_of_contact
            if request.occupied is not None:
                path = Path(folder) / "occupied.geojson"
                path.write_text(json.dumps(request.occupied), encoding="utf-8")
                line = line_of_contact_from_file(path)
            sites = None
            if request.sites_csv is not None:
                path = Path(folder) / "sites.csv"
                path.write_text(request.sites_csv, encoding="utf-8")
                sites = load_sites(path)
            progress("compiling zones")
            zones = compile_zones(agreement, line, sites)
        zones.require_sides()
        first, end = report_window(request.date, request.cutoff)
        progress("reading reports")
        reports = SqlIncidentStore(self.database, reader).query(
            IncidentQuery(start=first, end=end + dt.timedelta(seconds=1))
        )
        progress(f"adjudicating {len(reports):,} reports")
        report = daily_report(zones, reports, date=request.date, cutoff=request.cutoff)
        recent = [i for i in reports if first < i.time <= end]
        adjudication = adjudicate(zones, recent)
        html = render_html(report, zones)
        with self.database.session(SYSTEM, write=True) as session:
            if not session.execute(
                select(AdjudicationRow.id).where(AdjudicationRow.run_key == adjudication.run_key)
            ).first():
                row = AdjudicationRow(
                    run_key=adjudication.run_key,
                    agreement_id=agreement.id,
                    day=request.date.isoformat(),
                    content=adjudication.model_dump_json(),
                    label_id=label_id(session, adjudication.label),
                )
                session.add(row)
                session.flush()
                breaches = {
                    (f.incident_id, b.clause_id) for f in adjudication.findings for b in f.breaches
                }
                session.add_all(
                    BreachRow(adjudication_id=row.id, incident_id=i, clause=c) for i, c in breaches
                )
            if not session.execute(
                select(DailyReportRow.id).where(DailyReportRow.run_key == report.run_key)
            ).first():
                session.add(
                    DailyReportRow(
                        run_key=report.run_key,
                        agreement_id=agreement.id,
                        day=request.date.isoformat(),
                        content=report.model_dump_json(),
                        html=html,
                        label_id=label_id(session, report.label),
                    )
                )
        return report


def queue_plan(database: Database, scenario_id: str) -> int | None:
    """Queue a plan of the scenario's newest version unless one is done, queued or running.

    The run belongs to no user (the plan reads no reports); its result carries the
    scenario's label, so only who may read the scenario sees it. Returns the run id
    queued, or None when there was nothing to do.
    """
    with database.session(SYSTEM, write=True) as session:
        scenario = session.scalars(
            select(ScenarioRow)
            .where(ScenarioRow.scenario_id == scenario_id)
            .order_by(ScenarioRow.version.desc())
            .limit(1)
        ).first()
        if scenario is None:
            raise InputError([Problem("scenario", "-", scenario_id, "a stored scenario")])
        if session.execute(
            select(RunRow.id).where(
                RunRow.scenario_row == scenario.id,
                RunRow.kind == RunKind.PLAN.value,
                RunRow.status != RunStatus.FAILED.value,
            )
        ).first():
            return None
        row = RunRow(
            kind=RunKind.PLAN.value,
            scenario_row=scenario.id,
            settings=RunCreate(kind=RunKind.PLAN, scenario=scenario_id).model_dump_json(),
            status=RunStatus.QUEUED.value,
            progress="queued",
            created_by=None,
            label_id=scenario.label_id,
        )
        session.add(row)
        session.flush()
        return row.id


def _reader(user: UserRow | None) -> Clearance | None:
    if user is None:
        return None
    from peaceforce.labels import Classification

    return Clearance(
        classification=Classification(user.clearance),
        releasable=frozenset(json.loads(user.releasable)),
        caveats=frozenset(json.loads(user.caveats)),
    )


def _problem(file: str, location: str, value: str, expected: str) -> dict[str, str]:
    return {"location": f"{file}:{location}", "value": value, "expected": expected}

"""The server's queries and writes, between the API routes and the database.

Routes parse and answer; everything that touches rows is here, in functions
that take a session (opened for a reader, so visibility applies to every read)
and return public models.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import Field, ValidationError
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Classification, Clearance, Label, may_read
from peaceforce.monitoring.agreement.load import parse_agreement
from peaceforce.monitoring.agreement.model import Agreement
from peaceforce.monitoring.incidents import IncidentType, Observation
from peaceforce.monitoring.store.protocol import IncidentQuery
from peaceforce.monitoring.store.sql import incident_criteria
from peaceforce.results import Result
from peaceforce.scenario.loader import BUILTIN_SCENARIOS, builtin_scenario_dir, load_scenario
from peaceforce.scenario.model import Scenario
from peaceforce.server.db import Database
from peaceforce.server.label_rows import label_id, labels_by_id
from peaceforce.server.models import (
    AdjudicationRow,
    AgreementRow,
    BreachRow,
    IncidentRow,
    LabelRow,
    ScenarioRow,
)
from peaceforce.server.spatial import near_criteria
from peaceforce.server.visibility import SYSTEM

#: The most files and bytes a scenario given as files may have.
MAX_SCENARIO_FILES = 32
MAX_SCENARIO_BYTES = 20_000_000
T = TypeVar("T")


class Page(Result, Generic[T]):
    """A page of a list: ``data`` and how many match in all (``count``)."""

    data: tuple[T, ...]
    count: int


class ConflictError(InputError):
    """The input clashes with a stored record (the API answers 409)."""


# --- labels ----------------------------------------------------------------------------


def check_writable(writer: Clearance, label: Label, where: str) -> None:
    """A writer may only write a label they may read themselves: no wider than their own."""
    if not may_read(writer, label):
        raise InputError(
            [
                Problem(
                    where,
                    "label",
                    str(label),
                    "a label you may read yourself (your classification, one of your release "
                    "tokens, only your caveats)",
                )
            ]
        )


def label_of(session: Session, ident: int) -> Label:
    """The label stored under ``ident``."""
    content = session.execute(select(LabelRow.content).where(LabelRow.id == ident)).scalar_one()
    return Label.model_validate_json(content)


# --- scenarios --------------------------------------------------------------------------


class ScenarioPublic(Result):
    """A stored scenario version, summarised (``GET /scenarios/{id}`` adds the content)."""

    scenario_id: str
    version: int
    name: str
    label: Label
    run_key: str
    created: datetime


class ScenarioDetail(ScenarioPublic):
    """A stored scenario version with its content."""

    scenario: Scenario


def scenario_from_files(files: Mapping[str, str]) -> Scenario:
    """A scenario from a folder's files given as text, checked as ``peaceforce validate`` does.

    Problems name the file as given, never the temporary folder it was checked in.
    """
    problems: list[Problem] = []
    if len(files) > MAX_SCENARIO_FILES:
        problems.append(Problem("files", "-", str(len(files)), f"at most {MAX_SCENARIO_FILES}"))
    if sum(len(t) for t in files.values()) > MAX_SCENARIO_BYTES:
        problems.append(Problem("files", "-", "too large", f"at most {MAX_SCENARIO_BYTES} bytes"))
    for name in files:
        if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
            problems.append(Problem("files", name, repr(name), "a plain file name (scenario.yaml)"))
    if problems:
        raise InputError(problems)
    with tempfile.TemporaryDirectory(prefix="peaceforce-scenario-") as folder:
        for name, text in files.items():
            (Path(folder) / name).write_text(text, encoding="utf-8")
        try:
            return load_scenario(Path(folder))
        except InputError as exc:
            raise type(exc)(
                [
                    Problem(
                        p.file.replace(folder + "/", "").replace(folder, "."),
                        p.location,
                        p.value,
                        p.expected,
                    )
                    for p in exc.problems
                ]
            ) from None


def scenario_from_json(data: Mapping[str, Any]) -> Scenario:
    """A scenario from its JSON form (as ``GET`` returns it)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [
                Problem(
                    "scenario",
                    ".".join(str(p) for p in error["loc"]) or "-",
                    repr(error.get("input"))[:200],
                    error["msg"],
                )
                for error in exc.errors(include_url=False)
            ]
        ) from None


def builtin_files() -> dict[str, str]:
    """The built-in scenario's files."""
    folder = builtin_scenario_dir()
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}


def seed_builtin(database: Database) -> bool:
    """Store the built-in scenario as version 1 unless it is there; whether it was added."""
    with database.session(SYSTEM) as session:
        if session.execute(
            select(ScenarioRow.id).where(ScenarioRow.scenario_id == BUILTIN_SCENARIOS)
        ).first():
            return False  # checked before loading it: a restart should not wait for that
    files = builtin_files()
    scenario = scenario_from_files(files)
    with database.session(SYSTEM, write=True) as session:
        if session.execute(
            select(ScenarioRow.id).where(ScenarioRow.scenario_id == scenario.id)
        ).first():
            return False
        store_scenario(session, scenario, files, user_id=None)
    return True


def store_scenario(
    session: Session, scenario: Scenario, files: Mapping[str, str] | None, *, user_id: int | None
) -> ScenarioRow:
    """Add a new version of a scenario (the first if its id is new)."""
    latest = session.execute(
        select(func.max(ScenarioRow.version)).where(ScenarioRow.scenario_id == scenario.id)
    ).scalar_one()
    row = ScenarioRow(
        scenario_id=scenario.id,
        version=(latest or 0) + 1,
        name=scenario.name,
        content=scenario.model_dump_json(),
        files=None if files is None else json.dumps(dict(files)),
        created_by=user_id,
        label_id=label_id(session, scenario.result_label),
    )
    session.add(row)
    session.flush()
    return row


def scenario_versions_any(session: Session, scenario_id: str) -> bool:
    """Whether any version of a scenario exists, readable or not (a writer must not clash)."""
    return (
        session.execute(
            select(ScenarioRow.id).where(ScenarioRow.scenario_id == scenario_id).limit(1)
        ).first()
        is not None
    )


def latest_scenario(session: Session, scenario_id: str) -> ScenarioRow | None:
    """The newest version of a scenario the session's reader may read."""
    return session.scalars(
        select(ScenarioRow)
        .where(ScenarioRow.scenario_id == scenario_id)
        .order_by(ScenarioRow.version.desc())
        .limit(1)
    ).first()


def scenario_public(session: Session, row: ScenarioRow, *, detail: bool = False) -> ScenarioPublic:
    """The public form of a stored version."""
    scenario = Scenario.model_validate_json(row.content)
    fields: dict[str, Any] = {
        "scenario_id": row.scenario_id,
        "version": row.version,
        "name": row.name,
        "label": label_of(session, row.label_id),
        "run_key": scenario.run_key,
        "created": row.created,
    }
    return ScenarioDetail(**fields, scenario=scenario) if detail else ScenarioPublic(**fields)


def list_scenarios(
    session: Session, limit: int, offset: int
) -> tuple[Page[ScenarioPublic], list[tuple[int, str]]]:
    """The newest readable version of each scenario, and (label id, id) of each."""
    newest = (
        select(ScenarioRow.scenario_id, func.max(ScenarioRow.version).label("version"))
        .group_by(ScenarioRow.scenario_id)
        .subquery()
    )
    query = select(ScenarioRow).join(
        newest,
        (newest.c.scenario_id == ScenarioRow.scenario_id)
        & (newest.c.version == ScenarioRow.version),
    )
    count = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.scalars(
        query.order_by(ScenarioRow.scenario_id).limit(limit).offset(offset)
    ).all()
    return (
        Page(data=tuple(scenario_public(session, r) for r in rows), count=count),
        [(r.label_id, r.scenario_id) for r in rows],
    )


# --- agreements ------------------------------------------------------------------------


class AgreementPublic(Result):
    """A stored agreement: its id, name, label and the YAML it was written in."""

    agreement_id: str
    name: str
    label: Label
    text: str
    created: datetime


def parse_agreement_text(text: str) -> Agreement:
    """An agreement from YAML text, with the problems ``agreement validate`` gives."""
    return parse_agreement(text, file="agreement.yaml")


def store_agreement(
    session: Session, agreement: Agreement, text: str, *, user_id: int
) -> AgreementRow:
    """Add an agreement (ids are unique: a second one under a known id is refused)."""
    if session.execute(
        select(AgreementRow.id).where(AgreementRow.agreement_id == agreement.id)
    ).first():
        raise InputError(
            [Problem("agreement.yaml", "id", agreement.id, "an id no stored agreement has")]
        )
    row = AgreementRow(
        agreement_id=agreement.id,
        name=agreement.name,
        text=text,
        created_by=user_id,
        label_id=label_id(session, agreement.label),
    )
    session.add(row)
    session.flush()
    return row


def agreement_public(session: Session, row: AgreementRow) -> AgreementPublic:
    """The public form of a stored agreement."""
    return AgreementPublic(
        agreement_id=row.agreement_id,
        name=row.name,
        label=label_of(session, row.label_id),
        text=row.text,
        created=row.created,
    )


# --- incidents -------------------------------------------------------------------------


class IncidentFilter(Result):
    """``GET /incidents`` filters: every one optional, all applying together."""

    start: datetime | None = None
    end: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
    types: frozenset[IncidentType] | None = None
    observations: frozenset[Observation] | None = Field(
        default=None, description="seen, heard, ... as the reports state it (any of these)"
    )
    clause: str | None = None
    party: str | None = None
    near: tuple[float, float, float] | None = Field(
        default=None, description="lon, lat and a distance in metres"
    )

    def criteria(self, *, dialect: str = "", postgis: bool = False) -> list[ColumnElement[bool]]:
        """The SQL criteria: times, box (edges inside) and types as the store's query, and more.

        ``near`` is decided by PostGIS when ``postgis``, else by the same formula in
        SQL, which needs the ``dialect`` of the session it runs in.
        """
        query = IncidentQuery(
            start=self.start,
            end=self.end,
            types=self.types,
            area=None if self.bbox is None else IncidentQuery.within_bbox(*self.bbox).area,
        )
        criteria = incident_criteria(query)
        if self.party is not None:
            criteria.append(IncidentRow.attributed_to == self.party.strip().upper())
        if self.observations is not None:
            criteria.append(IncidentRow.observation.in_(sorted(self.observations)))
        if self.clause is not None:
            breached = (
                select(BreachRow.incident_id)
                .join(AdjudicationRow, AdjudicationRow.id == BreachRow.adjudication_id)
                .where(BreachRow.clause == self.clause)
            )
            criteria.append(IncidentRow.id.in_(breached))
        if self.near is not None:
            if not dialect:
                raise ValueError("a near= filter needs the session's dialect")
            criteria += near_criteria(*self.near, dialect=dialect, postgis=postgis)
        return criteria


def list_incidents(
    session: Session, where: IncidentFilter, limit: int, offset: int, *, postgis: bool = False
) -> tuple[bytes, list[tuple[int, str]]]:
    """A page of readable incidents in the order accepted, as ``Page[Incident]`` JSON.

    The page is assembled from the stored JSON of each report (written by
    ``Incident.model_dump_json`` on intake), so a read neither parses nor
    re-serialises 100 reports. Also (label id, id) of each, for the audit.
    """
    criteria = where.criteria(dialect=session.get_bind().dialect.name, postgis=postgis)
    count = session.execute(
        select(func.count()).select_from(IncidentRow).where(*criteria)
    ).scalar_one()
    rows = session.execute(
        select(IncidentRow.content, IncidentRow.label_id, IncidentRow.id)
        .where(*criteria)
        .order_by(IncidentRow.seq)
        .limit(limit)
        .offset(offset)
    ).all()
    body = '{"data":[' + ",".join(r[0] for r in rows) + f'],"count":{count}}}'
    return body.encode(), [(r[1], r[2]) for r in rows]


def above_unclassified(database: Database, label_ids: Sequence[int]) -> dict[int, Label]:
    """The labels among ``label_ids`` above UNCLASSIFIED (their reads are audited).

    Label rows never change, so each is read from the database once per process.
    """
    labels = labels_by_id(database, label_ids)
    return {
        ident: label
        for ident, label in labels.items()
        if label.classification > Classification.UNCLASSIFIED
    }

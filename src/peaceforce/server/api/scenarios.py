"""``/api/v1/scenarios``: create from files or JSON, read, update (a new version), validate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, model_validator

from peaceforce.errors import InputError, Problem
from peaceforce.scenario.model import Scenario
from peaceforce.server import audit
from peaceforce.server.api.deps import Caller, Paging, State, audit_reads, remote, require
from peaceforce.server.records import (
    MAX_SCENARIO_FILES,
    Page,
    ScenarioDetail,
    ScenarioPublic,
    check_writable,
    label_of,
    latest_scenario,
    list_scenarios,
    scenario_from_files,
    scenario_from_json,
    scenario_public,
    scenario_versions_any,
    store_scenario,
)
from peaceforce.server.users import Permission
from peaceforce.server.visibility import SYSTEM

router = APIRouter(prefix="/api/v1/scenarios", tags=["scenarios"])


class ScenarioCreate(BaseModel):
    """A scenario as its folder's files (name → text) or as JSON (one of the two)."""

    model_config = {"extra": "forbid"}

    files: Annotated[dict[str, str], Field(max_length=MAX_SCENARIO_FILES)] | None = Field(
        default=None, description="e.g. {'scenario.yaml': '...', 'nations.yaml': '...'}"
    )
    scenario: dict[str, Any] | None = Field(default=None, description="a scenario as JSON")

    @model_validator(mode="after")
    def _one(self) -> ScenarioCreate:
        if (self.files is None) == (self.scenario is None):
            raise ValueError("give either files or scenario")
        return self

    def load(self) -> Scenario:
        """The checked scenario (every problem at once, as ``peaceforce validate`` lists them)."""
        if self.files is not None:
            return scenario_from_files(self.files)
        assert self.scenario is not None  # by _one
        return scenario_from_json(self.scenario)


class ScenarioCheck(BaseModel):
    """A scenario that passed validation."""

    ok: bool
    scenario_id: str
    run_key: str


@router.post("/validate", operation_id="validate_scenario", response_model=ScenarioCheck)
def validate_scenario(body: ScenarioCreate, user: Caller) -> ScenarioCheck:
    """Check a scenario without storing it; 422 with every problem."""
    scenario = body.load()
    return ScenarioCheck(ok=True, scenario_id=scenario.id, run_key=scenario.run_key)


@router.post("", operation_id="create_scenario", response_model=ScenarioPublic, status_code=201)
def create_scenario(
    body: ScenarioCreate, user: Caller, state: State, request: Request
) -> ScenarioPublic:
    """Store a new scenario (version 1); its id must be new."""
    require(user, Permission.SCENARIOS)
    scenario = body.load()
    check_writable(user.reader(), scenario.result_label, "scenario")
    with state.database.session(SYSTEM, write=True) as session:
        if scenario_versions_any(session, scenario.id):
            raise InputError(
                [Problem("scenario", "id", scenario.id, "a new id (PUT updates a stored one)")]
            )
        row = store_scenario(session, scenario, body.files, user_id=user.id)
        audit.record(
            session,
            user=user,
            action="create",
            resource="scenarios",
            remote=remote(request),
            label=scenario.result_label,
            ids=[f"{scenario.id}@{row.version}"],
        )
        return scenario_public(session, row)


@router.put("/{scenario_id}", operation_id="update_scenario", response_model=ScenarioPublic)
def update_scenario(
    scenario_id: str, body: ScenarioCreate, user: Caller, state: State, request: Request
) -> ScenarioPublic:
    """Store a new version of a scenario the caller may read; a relabelling is audited."""
    require(user, Permission.SCENARIOS)
    with state.database.session(user.reader()) as session:
        current = latest_scenario(session, scenario_id)
        old_label = None if current is None else label_of(session, current.label_id)
    if current is None or old_label is None:
        raise HTTPException(404, f"no scenario {scenario_id!r}")
    scenario = body.load()
    if scenario.id != scenario_id:
        raise InputError([Problem("scenario", "id", scenario.id, f"{scenario_id} (the URL's)")])
    check_writable(user.reader(), scenario.result_label, "scenario")
    with state.database.session(SYSTEM, write=True) as session:
        row = store_scenario(session, scenario, body.files, user_id=user.id)
        relabelled = old_label != scenario.result_label
        for label in {old_label, scenario.result_label}:
            audit.record(
                session,
                user=user,
                action="relabel" if relabelled else "update",
                resource="scenarios",
                remote=remote(request),
                label=label,
                ids=[f"{scenario.id}@{row.version}"],
                detail=f"label {old_label} -> {scenario.result_label}" if relabelled else "",
            )
        return scenario_public(session, row)


@router.get("", operation_id="list_scenarios", response_model=Page[ScenarioPublic])
def list_scenarios_route(
    user: Caller, state: State, request: Request, paging: Paging
) -> Page[ScenarioPublic]:
    """The newest version of each scenario the caller may read."""
    with state.database.session(user.reader()) as session:
        page, read = list_scenarios(session, paging.limit, paging.offset)
    audit_reads(state, request, user, "scenarios", read)
    return page


@router.get(
    "/{scenario_id}",
    operation_id="read_scenario",
    response_model=ScenarioDetail,
    responses={404: {"description": "no such scenario, or one the caller may not read"}},
)
def read_scenario(scenario_id: str, user: Caller, state: State, request: Request) -> ScenarioDetail:
    """The newest readable version of a scenario, with its content."""
    with state.database.session(user.reader()) as session:
        row = latest_scenario(session, scenario_id)
        detail = None if row is None else scenario_public(session, row, detail=True)
    if row is None or not isinstance(detail, ScenarioDetail):
        raise HTTPException(404, f"no scenario {scenario_id!r}")
    audit_reads(state, request, user, "scenarios", [(row.label_id, scenario_id)])
    return detail

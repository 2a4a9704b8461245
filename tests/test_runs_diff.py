"""The diff of two plan runs: constructed results with known changes, figure by figure."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import computed_field

from constructed_results import deployment_result
from peaceforce.deployment.planner import DeploymentResult
from peaceforce.deployment.readiness import Readiness
from peaceforce.errors import InputError
from peaceforce.labels import Classification, Label
from peaceforce.plan import PlanResult, run_plan
from peaceforce.results import Result, StageResult
from peaceforce.runs import RunCommand, RunDiff, RunManifest, SavedRun, diff_runs
from peaceforce.runs.diff import FigureChange, ItemDiff, Presence, figures
from peaceforce.scenario.whatif import WhatIf
from peaceforce.solvers import SolveStatus
from peaceforce.sourcing.result import SourcingResult
from tiny_scenario import line, pledge, tiny_scenario

OUTCOME = ("m", "coalition")


def _deployment(plan: PlanResult, ioc_day: int, foc_day: int, seconds: float) -> DeploymentResult:
    return deployment_result(
        ioc=Readiness(day=ioc_day, personnel_required=750, personnel_in_place=1500),
        foc=Readiness(day=foc_day, personnel_required=1500, personnel_in_place=1500),
        personnel=1500,
        last_arrival_day=foc_day,
        solve_seconds=seconds,
        label=plan.label,
        run_key=plan.run_key,
    )


def _saved(plan: PlanResult, what_if: WhatIf, folder: str) -> SavedRun:
    manifest = RunManifest(
        command=RunCommand.PLAN,
        scenario_id=plan.scenario_id,
        folder=plan.run_key,
        what_if=what_if,
        settings={},
        written_at=datetime(2025, 4, 2, 12, 0, tzinfo=UTC),
        files=(),
        label=plan.label,
        run_key=plan.run_key,
    )
    return SavedRun(Path(folder), manifest, plan)


@pytest.fixture(scope="module")
def plan_a() -> PlanResult:
    """FRA 2 and GBR 1 infantry companies fill a line of 3; a deployment is added by hand."""
    scenario = tiny_scenario(
        [pledge("fra", "FRA", "inf", 2), pledge("gbr", "GBR", "inf", 1)],
        [line("l", "inf", 3, "far")],
    )
    plan = run_plan(scenario)
    assert [(s.mission_id, s.framework_id) for s in plan.sourcing] == [OUTCOME, ("m", "nato")]
    assert [line.filled for line in plan.sourcing[0].lines] == [3]
    return plan.model_copy(update={"deployments": (_deployment(plan, 20, 40, 1.0),)})


def _changed(plan: PlanResult) -> PlanResult:
    """Run B: GBR out of the coalition outcome (the line filled 2 of 3), IOC 25 and FOC 55,
    NATO blocked (its outcome gone), a restricted label with a caveat, slower solves."""
    data: dict[str, Any] = plan.model_dump(mode="json")
    sourced = data["sourcing"][0]
    sourced["lines"][0]["filled"] = 2
    sourced["contributions"] = [c for c in sourced["contributions"] if c["nation"] != "GBR"]
    sourced["solve_seconds"] += 5
    data["sourcing"] = [sourced]
    data["deployments"] = [_deployment(plan, 25, 55, 9.0).model_dump(mode="json")]
    for framework in data["mandate"]["frameworks"]:
        if framework["framework_id"] == "nato":
            framework["outcome"] = "blocked"
    data["label"] = {
        "classification": "RESTRICTED",
        "releasable_to": ["COALITION", "GBR"],
        "caveats": ["EXERCISE"],
    }
    return PlanResult.model_validate(data)


@pytest.fixture(scope="module")
def diff(plan_a: PlanResult) -> RunDiff:
    run_a = _saved(plan_a, WhatIf(), "runs/a")
    run_b = _saved(_changed(plan_a), WhatIf(us_backstop=True), "runs/b")
    return diff_runs(run_a, run_b)


def test_headline_figures_of_the_outcome_change_exactly(diff: RunDiff) -> None:
    [coalition, nato] = diff.outcomes
    assert (coalition.mission_id, coalition.framework_id, coalition.presence) == (
        "m",
        "coalition",
        Presence.BOTH,
    )
    # run B's sustainment was left as run A's, so only the first-tour fill moves
    assert coalition.figures == (
        FigureChange(figure="assigned_units", before=3, after=2, delta=-1),
        FigureChange(figure="missing_personnel", before=0, after=500, delta=500),
        FigureChange(figure="fill.first_tour", before=1.0, after=2 / 3, delta=2 / 3 - 1),
        FigureChange(figure="fill", before=1.0, after=2 / 3, delta=2 / 3 - 1),
        FigureChange(figure="fill.land", before=1.0, after=2 / 3, delta=2 / 3 - 1),
        FigureChange(figure="deployment.ioc.day", before=20, after=25, delta=5),
        FigureChange(figure="deployment.foc.day", before=40, after=55, delta=15),
        FigureChange(figure="deployment.last_arrival_day", before=40, after=55, delta=15),
        # the properties that name the same days
        FigureChange(figure="deployment.ioc_day", before=20, after=25, delta=5),
        FigureChange(figure="deployment.foc_day", before=40, after=55, delta=15),
    )  # solve_seconds changed too, and is not a figure
    assert (nato.framework_id, nato.presence, nato.lines) == ("nato", Presence.ONLY_A, ())


def test_shortfalls_and_contributions_change_exactly(plan_a: PlanResult, diff: RunDiff) -> None:
    coalition = diff.outcomes[0]
    assert coalition.lines == (
        ItemDiff(
            key="l",
            presence=Presence.BOTH,
            changes=(
                FigureChange(figure="filled", before=3, after=2, delta=-1),
                FigureChange(figure="shortfall", before=0, after=1, delta=1),
            ),
        ),
    )
    [gbr] = [c for c in plan_a.sourcing[0].contributions if c.nation == "GBR"]
    # one tour held: the unit itself is committed, no rotation behind it
    assert (gbr.units, gbr.deployed_personnel, gbr.committed_personnel) == (1, 500, 500)
    assert coalition.contributions == (
        ItemDiff(
            key="GBR",
            presence=Presence.ONLY_A,
            changes=tuple(
                FigureChange(figure=name, before=getattr(gbr, name), after=None, delta=None)
                for name in (
                    "units",
                    "deployed_personnel",
                    "rotations",
                    "committed_personnel",
                    "fair_share_personnel",
                    "over_pool",
                )
            ),  # ceiling: none in either run
        ),
    )
    assert coalition.withdrawals == ()  # the N-1 rows were not changed


def test_mandate_what_if_and_labels(diff: RunDiff) -> None:
    assert diff.frameworks == (
        ItemDiff(
            key="nato",
            presence=Presence.BOTH,
            changes=(
                FigureChange(figure="outcome", before="authorisable", after="blocked", delta=None),
            ),
        ),
    )
    assert diff.what_if == (
        FigureChange(figure="us_backstop", before=None, after=True, delta=None),
    )
    assert diff.sweep == ()
    assert diff.run_a.label == Label(
        classification=Classification.UNCLASSIFIED, releasable_to=frozenset({"COALITION"})
    )
    assert diff.label == Label(
        classification=Classification.RESTRICTED,
        releasable_to=frozenset({"COALITION"}),
        caveats=frozenset({"EXERCISE"}),
    )
    assert (diff.run_a.folder, diff.run_b.what_if) == ("runs/a", WhatIf(us_backstop=True))


def test_runs_under_two_label_policies_are_not_combined(plan_a: PlanResult) -> None:
    label = plan_a.label.model_copy(update={"policy": "NATO"})
    other = _saved(plan_a.model_copy(update={"label": label}), WhatIf(), "b")
    with pytest.raises(InputError) as caught:
        diff_runs(_saved(plan_a, WhatIf(), "a"), other)
    [problem] = caught.value.problems
    where = (problem.file, problem.location, problem.value)
    assert where == ("b/plan.json", "label.policy", "NATO")


def test_a_run_against_itself_has_no_change(plan_a: PlanResult) -> None:
    run = _saved(plan_a, WhatIf(), "a")
    same = diff_runs(run, run)
    assert same.same_figures
    assert (same.what_if, same.frameworks, same.outcomes, same.sweep) == ((), (), (), ())


def test_the_diff_round_trips_through_json(diff: RunDiff) -> None:
    assert RunDiff.model_validate_json(diff.model_dump_json()) == diff


# --- figures come from the models, so a figure a stage adds is compared unchanged ------------


class _Held(Result):
    months: int
    area: str


class _FutureResult(StageResult):
    note: str
    first_tour_fill: float
    status: SolveStatus
    held: _Held | None
    solve_seconds: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sustained_fill(self) -> float:
        return self.first_tour_fill / 2

    @property
    def handovers(self) -> int:
        return 1


def test_figures_are_every_number_flag_and_status_of_a_model(plan_a: PlanResult) -> None:
    result = _FutureResult(
        note="text is not a figure",
        first_tour_fill=0.8,
        status=SolveStatus.FEASIBLE,
        held=_Held(months=7, area="far"),
        solve_seconds=3.0,
        label=plan_a.label,
        run_key=plan_a.run_key,
    )
    assert figures(result) == {
        "first_tour_fill": 0.8,
        "status": "feasible",
        "held.months": 7,
        "sustained_fill": 0.4,
        "handovers": 1,
    }


class _ExtendedSourcing(SourcingResult):
    """A sourcing result as a later stage may extend it: one more headline figure."""

    reserve_fill: float


def test_a_field_added_to_the_sourcing_result_shows_in_the_diff(plan_a: PlanResult) -> None:
    def with_reserve(fill: float) -> PlanResult:
        sourced = _ExtendedSourcing(**dict(plan_a.sourcing[0]), reserve_fill=fill)
        return plan_a.model_copy(update={"sourcing": (sourced,)})

    changed = diff_runs(
        _saved(with_reserve(0.5), WhatIf(), "a"), _saved(with_reserve(0.75), WhatIf(), "b")
    )
    [outcome] = changed.outcomes
    assert outcome.figures == (
        FigureChange(figure="reserve_fill", before=0.5, after=0.75, delta=0.25),
    )

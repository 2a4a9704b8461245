"""The main job: run every stage of the flow on one scenario and collect the results.

Stages are added here as they land; each takes typed inputs and returns a
typed, serialisable result, so the whole plan serialises to JSON and back.
"""

from __future__ import annotations

from collections.abc import Callable

from peaceforce.deployment.planner import DeploymentResult, deploy_mission
from peaceforce.mandate.analysis import MandateReport, analyse_mandate
from peaceforce.protection.data import ProtectionData
from peaceforce.protection.result import ProtectionResult
from peaceforce.protection.stage import protect_mission
from peaceforce.results import StageResult
from peaceforce.scenario.model import Scenario
from peaceforce.sources.cities import ukrainian_cities
from peaceforce.sourcing.engine import solve_and_explain
from peaceforce.sourcing.optimise import build_problem
from peaceforce.sourcing.result import SourcingResult
from peaceforce.sourcing.sweep import SweepRow, WithdrawalRow, sweep, withdrawals

#: Called with a short description before each step, for progress display.
Progress = Callable[[str], None]
#: Called with each deployment and protection result as soon as it exists (e.g. to
#: start drawing its figures while the next stage solves).
StageDone = Callable[[StageResult], None]


class PlanResult(StageResult):
    """Everything ``peaceforce plan`` computes for a scenario."""

    scenario_id: str
    mandate: MandateReport
    sourcing: tuple[SourcingResult, ...]
    withdrawals: tuple[WithdrawalRow, ...]
    sweep: tuple[SweepRow, ...]
    deployments: tuple[DeploymentResult, ...]
    protection: tuple[ProtectionResult, ...]


def _quiet(_: str) -> None:
    """Default progress callback: say nothing."""


def _ignore(_: StageResult) -> None:
    """Default stage callback: nothing to start."""


def run_plan(
    scenario: Scenario,
    progress: Progress = _quiet,
    *,
    protection: ProtectionData | None = None,
    time_limit_s: float | None = None,
    stage_done: StageDone = _ignore,
) -> PlanResult:
    """Run every stage on a validated scenario.

    Sourcing (with explained gaps and N-1), deployment and protection (when
    the scenario has ``protection.yaml``, passed as ``protection``) run for
    every authorisable framework × mission option; the sweep covers every framework,
    blocked ones included,
    so analysts see what a different legal frame would change.
    """
    progress("analysing the mandate")
    mandate = analyse_mandate(scenario)
    sourced: list[SourcingResult] = []
    withdrawn: list[WithdrawalRow] = []
    deployed: list[DeploymentResult] = []
    protected: list[ProtectionResult] = []
    cities = ukrainian_cities() if protection is not None else ()
    for assessment in mandate.authorisable():
        for mission in scenario.missions:
            progress(f"sourcing {mission.id} under {assessment.framework_id}")
            problem = build_problem(scenario, mission, assessment)
            result = solve_and_explain(problem, time_limit_s=time_limit_s)
            sourced.append(result)
            progress(f"N-1 for {mission.id} under {assessment.framework_id}")
            contributors = [c.nation for c in result.contributions if c.units]
            withdrawn.extend(withdrawals(problem, contributors, sourced=result))
            if scenario.transport is not None:
                progress(
                    f"scheduling the deployment of {mission.id} under {assessment.framework_id}"
                )
                deployed.append(deploy_mission(scenario, result, time_limit_s=time_limit_s))
                stage_done(deployed[-1])
            if protection is not None:
                progress(f"placing air defence for {mission.id} under {assessment.framework_id}")
                protected.append(
                    protect_mission(
                        scenario,
                        result,
                        data=protection,
                        cities=cities,
                        mandate=mandate,
                        time_limit_s=time_limit_s,
                    )
                )
                stage_done(protected[-1])
    progress("sweeping frameworks × missions against the greedy baseline")
    return PlanResult(
        scenario_id=scenario.id,
        mandate=mandate,
        sourcing=tuple(sourced),
        withdrawals=tuple(withdrawn),
        sweep=tuple(sweep(scenario, mandate, sourced)),
        deployments=tuple(deployed),
        protection=tuple(protected),
        **scenario.stamp(protection),
    )

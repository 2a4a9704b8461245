"""Force sourcing: fill a mission's statement of requirements from the pledges.

:func:`source_mission` is the stage function: typed scenario in, typed,
serialisable :class:`SourcingResult` out, with every gap explained.
"""

from __future__ import annotations

import math

from pydantic import Field

from peaceforce.mandate.analysis import FrameworkAssessment, MandateReport, analyse_mandate
from peaceforce.results import StageResult
from peaceforce.scenario.model import Scenario
from peaceforce.sourcing.explain import explain_line
from peaceforce.sourcing.optimise import (
    OBJECTIVE_STATEMENT,
    Solution,
    SourcingProblem,
    build_problem,
    fair_shares,
    optimise,
    tour_months,
)
from peaceforce.sourcing.result import (
    Assignment,
    LineFill,
    NationContribution,
    Objective,
    SourcingResult,
)
from peaceforce.sourcing.sweep import WithdrawalRow, withdrawals


def _assignments(problem: SourcingProblem, solution: Solution) -> tuple[Assignment, ...]:
    result = []
    for (pledge_id, line_id), units in sorted(
        solution.units.items(), key=lambda kv: (kv[0][1], kv[0][0])
    ):
        pair = problem.candidates.pair(problem.candidate_index(pledge_id, line_id))
        result.append(
            Assignment(
                line_id=line_id,
                pledge_id=pledge_id,
                nation=pair.pledge.nation,
                unit_type=pair.pledge.unit_type,
                units=units,
                personnel=units * problem.unit_personnel(pair.pledge.unit_type),
                substitute=pair.substitute,
                distance_km=round(pair.distance_km, 1),
            )
        )
    return tuple(result)


def _contributions(
    problem: SourcingProblem, assignments: tuple[Assignment, ...]
) -> tuple[NationContribution, ...]:
    ratio = problem.scenario.assumptions.rotation_ratio
    months = problem.mission.duration_months
    shares = fair_shares(problem)
    total = sum(a.personnel for a in assignments)
    nations = sorted({a.nation for a in assignments} | set(shares))
    result = []
    for nation in nations:
        own = [a for a in assignments if a.nation == nation]
        deployed = sum(a.personnel for a in own)
        result.append(
            NationContribution(
                nation=nation,
                units=sum(a.units for a in own),
                deployed_personnel=deployed,
                rotations=sum(
                    a.units * math.ceil(months / tour_months(problem, a.pledge_id)) for a in own
                ),
                committed_personnel=deployed * ratio,
                fair_share_personnel=round(shares.get(nation, 0.0) * total, 1),
                ceiling=problem.ceilings.get(nation),
            )
        )
    return tuple(sorted(result, key=lambda c: -c.deployed_personnel))


def solve_and_explain(
    problem: SourcingProblem, *, explain: bool = True, time_limit_s: float = 20.0
) -> SourcingResult:
    """Optimise a built problem and turn the solution into a result with explained gaps."""
    return result_from_solution(
        problem, optimise(problem, time_limit_s=time_limit_s), explain=explain
    )


def result_from_solution(
    problem: SourcingProblem, solution: Solution, *, explain: bool
) -> SourcingResult:
    """Turn any solution (optimal or a baseline's) into a result, explaining gaps if asked.

    Without a solution (the solver found none in time) nothing is assigned and no
    gap is explained: the status says so.
    """
    assignments = _assignments(problem, solution)
    explain = explain and solution.status.has_solution
    lines = []
    for line in problem.mission.requirements:
        unit_type = problem.scenario.unit_type_by_id[line.capability]
        fill = LineFill(
            line_id=line.id,
            capability=line.capability,
            domain=unit_type.domain,
            area=line.area,
            priority=line.priority,
            latest_arrival_day=line.latest_arrival_day,
            required=line.quantity,
            filled=line.quantity - solution.shortfall[line.id],
            unit_personnel=unit_type.personnel,
        )
        if explain and fill.shortfall > 0:
            candidates, relaxation = explain_line(problem, solution, line.id)
            fill = fill.model_copy(update={"candidates": candidates, "relaxation": relaxation})
        lines.append(fill)
    weighted, burden, movement = (*solution.objectives, None, None, None)[:3]
    return SourcingResult(
        mission_id=problem.mission.id,
        framework_id=problem.assessment.framework_id,
        status=solution.status,
        objective=Objective(
            weighted_shortfall=None if weighted is None else round(weighted, 3),
            burden_deviation=None if burden is None else round(burden, 3),
            movement_personnel_km=None if movement is None else round(movement, 1),
            statement=OBJECTIVE_STATEMENT.format(
                basis=problem.scenario.assumptions.burden_share_basis
            ),
        ),
        lines=tuple(lines),
        assignments=assignments,
        contributions=_contributions(problem, assignments),
        rotation_ratio=problem.scenario.assumptions.rotation_ratio,
        solve_seconds=round(solution.seconds, 3),
        **problem.scenario.stamp(),
    )


def source_mission(
    scenario: Scenario,
    mission_id: str,
    framework_id: str,
    *,
    mandate: MandateReport | None = None,
    explain: bool = True,
    time_limit_s: float = 20.0,
) -> SourcingResult:
    """Source one mission option under one framework, explaining every gap.

    Raises ``InputError`` naming the known ids if the mission or framework is unknown.
    """
    mission = scenario.mission(mission_id)
    scenario.framework(framework_id)
    report = mandate or analyse_mandate(scenario)
    problem = build_problem(scenario, mission, report.assessment(framework_id))
    return solve_and_explain(problem, explain=explain, time_limit_s=time_limit_s)


class SourceReport(StageResult):
    """What ``peaceforce source`` answers: the sourcing, its N-1 table, and the frame's verdict."""

    sourcing: SourcingResult
    withdrawals: tuple[WithdrawalRow, ...]
    assessment: FrameworkAssessment = Field(
        description="the framework's verdict: a blocked frame is sourced as a what-if"
    )


def source_report(
    scenario: Scenario, mission_id: str, framework_id: str, *, time_limit_s: float = 20.0
) -> tuple[SourceReport, SourcingProblem]:
    """Source a mission with explained gaps and N-1; the problem comes back for MPS export.

    Raises ``InputError`` naming the known ids if the mission or framework is unknown.
    """
    mission = scenario.mission(mission_id)
    scenario.framework(framework_id)
    assessment = analyse_mandate(scenario).assessment(framework_id)
    problem = build_problem(scenario, mission, assessment)
    result = solve_and_explain(problem, time_limit_s=time_limit_s)
    withdrawn = withdrawals(problem, [c.nation for c in result.contributions if c.units])
    report = SourceReport(
        sourcing=result,
        withdrawals=tuple(withdrawn),
        assessment=assessment,
        **scenario.stamp(),
    )
    return report, problem

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
from peaceforce.solvers.budget import SOURCING, limit
from peaceforce.sourcing.explain import explain_line, firm_only_gaps
from peaceforce.sourcing.notes import what_if_notes
from peaceforce.sourcing.optimise import (
    OBJECTIVE_STATEMENT,
    Solution,
    SourcingProblem,
    build_problem,
    fair_shares,
    optimise,
)
from peaceforce.sourcing.result import (
    Assignment,
    LineFill,
    LineSustainment,
    NationContribution,
    Objective,
    SourcingResult,
)
from peaceforce.sourcing.sustain import line_sustainment, source_jointly
from peaceforce.sourcing.sweep import WithdrawalRow, withdrawals

#: Seconds for the first-tour solve of the firm pledges alone (the shortfall stage only).
_FIRM_ONLY_TIME_LIMIT_S = 5.0


def _assignments(problem: SourcingProblem, solution: Solution) -> tuple[Assignment, ...]:
    result = []
    for (pledge_id, line_id), units in sorted(
        solution.units.items(), key=lambda kv: (kv[0][1], kv[0][0])
    ):
        k = problem.candidate_index(pledge_id, line_id)
        pair, hulls = problem.candidates.pair(k), int(problem.hulls[k])
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
                units_per_station=hulls,
            )
        )
    return tuple(result)


def _contributions(
    problem: SourcingProblem,
    assignments: tuple[Assignment, ...],
    sustainment: tuple[LineSustainment, ...],
) -> tuple[NationContribution, ...]:
    """What each nation deploys for the first tour, and holds over the months it holds lines.

    Keeping a unit in place for n tours takes min(rotation ratio, n) units: one
    tour needs only the unit deployed; three or more need the whole rotation
    (rule of thirds: one deployed, one recovering, one preparing).
    """
    ratio = problem.scenario.assumptions.rotation_ratio
    pledges = {p.id: p for p in problem.scenario.pledges}
    shares = fair_shares(problem)
    total = sum(a.personnel for a in assignments)
    held = _stints_or_first_tour(problem, assignments, sustainment)
    nations = sorted({a.nation for a in assignments} | set(shares))
    result = []
    for nation in nations:
        own = [a for a in assignments if a.nation == nation]
        rotations = committed = 0
        for pledge_id, _, units, months in held:
            pledge = pledges[pledge_id]
            if pledge.nation != nation:
                continue
            tours = math.ceil(months / pledge.tour_months())
            size = problem.unit_personnel(pledge.unit_type)
            rotations += units * tours
            committed += units * size * min(ratio, tours)
        result.append(
            NationContribution(
                nation=nation,
                units=sum(a.units for a in own),
                deployed_personnel=sum(a.personnel for a in own),
                rotations=rotations,
                committed_personnel=committed,
                fair_share_personnel=round(shares.get(nation, 0.0) * total, 1),
                ceiling=problem.ceilings.get(nation),
                force_pool=_pool(problem, nation),
            )
        )
    return tuple(sorted(result, key=lambda c: (-c.deployed_personnel, c.nation)))


def _pool(problem: SourcingProblem, nation: str) -> int | None:
    found = problem.scenario.nation_by_code.get(nation)
    return found.force_pool.personnel if found and found.force_pool else None


def _stints_or_first_tour(
    problem: SourcingProblem,
    assignments: tuple[Assignment, ...],
    sustainment: tuple[LineSustainment, ...],
) -> list[tuple[str, str, int, int]]:
    """(pledge, line, units, months held) of every stint; without a sustained plan, the first
    tour held for as long as each pledge is sustained."""
    if sustainment:
        return [
            (stint.pledge_id, line.line_id, stint.units, stint.last_month - stint.first_month + 1)
            for line in sustainment
            for stint in line.stints
        ]
    months = problem.mission.duration_months
    pledges = {p.id: p for p in problem.scenario.pledges}
    return [
        (a.pledge_id, a.line_id, a.units, min(months, pledges[a.pledge_id].sustained_months()))
        for a in assignments
    ]


def _illustrative_units(problem: SourcingProblem, assignments: tuple[Assignment, ...]) -> int:
    illustrative = {p.id for p in problem.scenario.pledges if p.illustrative}
    return sum(a.units for a in assignments if a.pledge_id in illustrative)


def solve_and_explain(
    problem: SourcingProblem,
    *,
    explain: bool = True,
    sustained: bool = True,
    time_limit_s: float | None = None,
) -> SourcingResult:
    """Optimise a built problem and turn the solution into a result with explained gaps.

    With ``sustained`` the first tour and the months after it are chosen
    together (:func:`~peaceforce.sourcing.sustain.source_jointly`: the first
    tour's shortfall held at its optimum, then the sustained shortfall, then
    the first tour closest to the fairest, least-moving one), and the fills are
    worked out again from the firm pledges alone; with
    ``explain`` as well, each line short from firm pledges alone gets the
    conditional pledges that, made firm, would fill it. The time
    limit defaults to the sourcing budget for the problem's size.
    """
    seconds = limit(SOURCING, len(problem.candidates), time_limit_s)
    solution = optimise(problem, time_limit_s=seconds)
    if not sustained or not solution.status.has_solution:
        return result_from_solution(problem, solution, explain=explain)
    solution, months = source_jointly(problem, solution, time_limit_s=seconds)
    result = result_from_solution(problem, solution, explain=explain)
    held = line_sustainment(problem, months)
    firm = problem.firm_only()
    firm_first = optimise(firm, stages=1, time_limit_s=_FIRM_ONLY_TIME_LIMIT_S)
    # the firm-only plan gives fills and N-1, never hand-overs: no tie-breaks
    firm_first, firm_months = source_jointly(
        firm, firm_first, time_limit_s=seconds, tie_breaks=False
    )
    firm_result = result_from_solution(firm, firm_first, explain=False, notes=False)
    firm_held = line_sustainment(firm, firm_months)
    firm_result = firm_result.model_copy(update={"sustainment": firm_held})
    return result.model_copy(
        update={
            "sustainment": held,
            "contributions": _contributions(problem, result.assignments, held),
            "firm_only": firm_result.fills(),
            "firm_only_sustainment": firm_held,
            "firm_only_gaps": firm_only_gaps(problem, firm_first) if explain else (),
        }
    )


def result_from_solution(
    problem: SourcingProblem, solution: Solution, *, explain: bool, notes: bool = True
) -> SourcingResult:
    """Turn any solution (optimal or a baseline's) into a result, explaining gaps if asked.

    Without a solution (the solver found none in time) nothing is assigned and no
    gap is explained: the status says so. Without ``notes`` the what-if notes
    are left out, for a result only its figures are read from (the firm-only
    fills): a withdrawal's note builds the problem again with its pledges.
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
            candidates, fixes = explain_line(problem, solution, line.id)
            fill = fill.model_copy(update={"candidates": candidates, "fixes": fixes})
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
        contributions=_contributions(problem, assignments, ()),
        rotation_ratio=problem.scenario.assumptions.rotation_ratio,
        solve_seconds=round(solution.seconds, 3),
        illustrative_units=_illustrative_units(problem, assignments),
        notes=what_if_notes(problem) if notes else (),
        **problem.scenario.stamp(),
    )


def source_mission(
    scenario: Scenario,
    mission_id: str,
    framework_id: str,
    *,
    mandate: MandateReport | None = None,
    explain: bool = True,
    time_limit_s: float | None = None,
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
    scenario: Scenario, mission_id: str, framework_id: str, *, time_limit_s: float | None = None
) -> tuple[SourceReport, SourcingProblem]:
    """Source a mission with explained gaps and N-1; the problem comes back for MPS export.

    Raises ``InputError`` naming the known ids if the mission or framework is unknown.
    """
    mission = scenario.mission(mission_id)
    scenario.framework(framework_id)
    assessment = analyse_mandate(scenario).assessment(framework_id)
    problem = build_problem(scenario, mission, assessment)
    result = solve_and_explain(problem, time_limit_s=time_limit_s)
    contributors = [c.nation for c in result.contributions if c.units]
    withdrawn = withdrawals(problem, contributors, sourced=result)
    report = SourceReport(
        sourcing=result,
        withdrawals=tuple(withdrawn),
        assessment=assessment,
        **scenario.stamp(),
    )
    return report, problem

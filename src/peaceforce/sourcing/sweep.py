"""What-if tables over sourcing: N-1 robustness and the framework × mission sweep."""

from __future__ import annotations

from peaceforce.mandate.analysis import MandateReport, Outcome
from peaceforce.results import Result
from peaceforce.scenario.model import Domain, RequirementLine, Scenario
from peaceforce.sourcing.baseline import greedy_solution
from peaceforce.sourcing.optimise import (
    Solution,
    SourcingProblem,
    build_problem,
    optimise,
    priority_weight,
)

_FRONT_STAGE_TIME_LIMIT_S = 10.0


class WithdrawalRow(Result):
    """N-1: the fill rate of a mission if one contributing nation withdrew."""

    framework_id: str
    mission_id: str
    nation: str
    fill_rate: float
    baseline_fill_rate: float

    @property
    def drop(self) -> float:
        """Fill rate lost by the withdrawal."""
        return self.baseline_fill_rate - self.fill_rate


class SweepRow(Result):
    """Fill by domain for one framework × mission: the optimum beside the greedy baseline."""

    framework_id: str
    outcome: Outcome
    mission_id: str
    domain: Domain | None
    optimal_fill: float
    greedy_fill: float
    optimal_weighted_shortfall: float
    greedy_weighted_shortfall: float


def _lines(problem: SourcingProblem, domain: Domain | None) -> list[RequirementLine]:
    return [
        line
        for line in problem.mission.requirements
        if domain is None or problem.scenario.unit_type_by_id[line.capability].domain is domain
    ]


def weighted_shortfall(
    problem: SourcingProblem, solution: Solution, domain: Domain | None = None
) -> float:
    """The first objective (priority-weighted missing personnel), overall or within one domain."""
    return sum(
        priority_weight(line.priority)
        * problem.unit_personnel(line.capability)
        * solution.shortfall[line.id]
        for line in _lines(problem, domain)
    )


def fill_rate(problem: SourcingProblem, solution: Solution, domain: Domain | None = None) -> float:
    """Share of required units filled by a solution, overall or within one domain."""
    lines = _lines(problem, domain)
    required = sum(line.quantity for line in lines)
    missing = sum(solution.shortfall[line.id] for line in lines)
    return 1.0 if required == 0 else 1.0 - missing / required


def withdrawals(problem: SourcingProblem, contributors: list[str]) -> list[WithdrawalRow]:
    """Re-solve the shortfall stage without each contributor in turn."""
    base = fill_rate(problem, optimise(problem, stages=1, time_limit_s=_FRONT_STAGE_TIME_LIMIT_S))
    return [
        WithdrawalRow(
            framework_id=problem.assessment.framework_id,
            mission_id=problem.mission.id,
            nation=nation,
            fill_rate=round(
                fill_rate(
                    problem,
                    optimise(
                        problem.without_nation(nation),
                        stages=1,
                        time_limit_s=_FRONT_STAGE_TIME_LIMIT_S,
                    ),
                ),
                4,
            ),
            baseline_fill_rate=round(base, 4),
        )
        for nation in contributors
    ]


def sweep(scenario: Scenario, mandate: MandateReport) -> list[SweepRow]:
    """Fill by domain for every framework × mission, optimum (shortfall stage) and greedy."""
    rows = []
    for assessment in mandate.frameworks:
        for mission in scenario.missions:
            problem = build_problem(scenario, mission, assessment)
            best = optimise(problem, stages=1, time_limit_s=_FRONT_STAGE_TIME_LIMIT_S)
            greedy = greedy_solution(problem)
            domains = sorted(
                {scenario.unit_type_by_id[line.capability].domain for line in mission.requirements}
            )
            for domain in [None, *domains]:
                rows.append(
                    SweepRow(
                        framework_id=assessment.framework_id,
                        outcome=assessment.outcome,
                        mission_id=mission.id,
                        domain=domain,
                        optimal_fill=round(fill_rate(problem, best, domain), 4),
                        greedy_fill=round(fill_rate(problem, greedy, domain), 4),
                        optimal_weighted_shortfall=weighted_shortfall(problem, best, domain),
                        greedy_weighted_shortfall=weighted_shortfall(problem, greedy, domain),
                    )
                )
    return rows

"""What-if tables over sourcing: N-1 robustness and the framework × mission sweep.

Both report fills as the headline does, by personnel: the first tour
(required personnel in place) and sustained (required personnel-months
covered), each from every pledge and from firm pledges alone.

N-1 is quick, as a table of one re-solve per nation must be: the first tour of
every pledge is re-solved without the nation (the others step in where they
can); the sustained fill, and both firm-only fills, are the plans with the
nation's stints taken out, not re-planned (nobody steps in), so they are the
least the others hold without a new plan.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

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
from peaceforce.sourcing.result import LineSustainment, SourcingResult
from peaceforce.sourcing.sustain import line_sustainment, sustain

_FRONT_STAGE_TIME_LIMIT_S = 10.0
#: Seconds for the months after the first tour of a framework × mission the plan does not
#: source in full: the plan found by then stands, a lower bound (marked ≥).
_SUSTAIN_TIME_LIMIT_S = 0.3


class WithdrawalRow(Result):
    """N-1: a mission's fills if one contributing nation withdrew, beside the fills with it.

    First tour: re-solved without the nation. Sustained, and firm only (first
    tour and sustained): the plans without the nation's stints, not re-planned.
    """

    framework_id: str
    mission_id: str
    nation: str
    first_tour_fill: float
    sustained_fill: float
    firm_first_tour_fill: float
    firm_sustained_fill: float
    baseline_first_tour_fill: float
    baseline_sustained_fill: float
    baseline_firm_first_tour_fill: float
    baseline_firm_sustained_fill: float

    @property
    def drop(self) -> float:
        """First-tour fill lost by the withdrawal."""
        return self.baseline_first_tour_fill - self.first_tour_fill

    @property
    def sustained_drop(self) -> float:
        """Sustained fill lost by the withdrawal (not re-planned)."""
        return self.baseline_sustained_fill - self.sustained_fill


class SweepRow(Result):
    """Fills for one framework × mission (and domain): the optimum, and the greedy first tour.

    By personnel: ``first_tour_fill`` and ``sustained_fill`` from every pledge,
    ``firm_*`` from firm pledges alone; ``greedy_first_tour_fill`` is the
    spreadsheet baseline's first tour. ``joint`` says whether the sustained
    fills come from the first tour and sustainment chosen together (the
    missions the plan sources in full) or in turn, within a short time limit
    (a lower bound on the joint).
    """

    framework_id: str
    outcome: Outcome
    mission_id: str
    domain: Domain | None
    first_tour_fill: float
    sustained_fill: float
    firm_first_tour_fill: float
    firm_sustained_fill: float
    greedy_first_tour_fill: float
    optimal_weighted_shortfall: float
    greedy_weighted_shortfall: float
    joint: bool = False


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


def first_tour_fill(
    problem: SourcingProblem, shortfall: Mapping[str, int], domain: Domain | None = None
) -> float:
    """Required personnel in place for the first tour, as a share (overall or in one domain)."""
    lines = _lines(problem, domain)
    needed = sum(line.quantity * problem.unit_personnel(line.capability) for line in lines)
    missing = sum(shortfall[line.id] * problem.unit_personnel(line.capability) for line in lines)
    return 1.0 if needed == 0 else 1.0 - missing / needed


def sustained_fill(
    problem: SourcingProblem,
    held: Sequence[LineSustainment],
    domain: Domain | None = None,
    *,
    without: str | None = None,
    months: int | None = None,
) -> float:
    """Required personnel-months covered by a sustained plan, as a share.

    ``without`` takes one nation's stints out of the plan, re-planning nothing:
    a line keeps the stations the others hold in each month. ``months`` counts
    the first months only (1: the first tour).
    """
    by_id = {line.line_id: line for line in held}
    needed = covered = 0
    for line in _lines(problem, domain):
        size = problem.unit_personnel(line.capability)
        plan = by_id.get(line.id)
        counted = months or problem.mission.duration_months
        needed += size * line.quantity * counted
        if plan is None:
            continue
        per_month = (
            plan.held_per_month if without is None else _held_without(problem, plan, without)
        )
        covered += size * sum(per_month[:counted])
    return 1.0 if needed == 0 else covered / needed


def _held_without(problem: SourcingProblem, plan: LineSustainment, nation: str) -> list[int]:
    stations = [0.0] * plan.months
    for stint in plan.stints:
        if stint.nation == nation:
            continue
        share = stint.units / problem.hulls_of(stint.pledge_id, plan.line_id)
        for month in range(stint.first_month - 1, stint.last_month):
            stations[month] += share
    return [min(plan.required, math.floor(x + 1e-9)) for x in stations]


def withdrawals(
    problem: SourcingProblem, contributors: Iterable[str], *, sourced: SourcingResult
) -> list[WithdrawalRow]:
    """N-1 for each contributor in turn (see the module docstring for the quick method).

    ``sourced`` is the mission's sourcing: its fills are the baseline, its
    sustained plans (every pledge, firm only) lose the nation's stints.
    """
    baseline = sourced.fills()
    firm_base = sourced.firm_only or baseline
    firm_held = sourced.firm_only_sustainment
    rows = []
    for nation in contributors:
        first = optimise(
            problem.without_nation(nation), stages=1, time_limit_s=_FRONT_STAGE_TIME_LIMIT_S
        )
        firm_first, firm_sustained = firm_base.first_tour, firm_base.sustained
        if firm_held:
            firm_first = sustained_fill(problem, firm_held, without=nation, months=1)
            firm_sustained = sustained_fill(problem, firm_held, without=nation)
        rows.append(
            WithdrawalRow(
                framework_id=problem.assessment.framework_id,
                mission_id=problem.mission.id,
                nation=nation,
                first_tour_fill=round(first_tour_fill(problem, first.shortfall), 4),
                sustained_fill=round(
                    sustained_fill(problem, sourced.sustainment, without=nation), 4
                ),
                firm_first_tour_fill=round(firm_first, 4),
                firm_sustained_fill=round(firm_sustained, 4),
                baseline_first_tour_fill=baseline.first_tour,
                baseline_sustained_fill=baseline.sustained,
                baseline_firm_first_tour_fill=firm_base.first_tour,
                baseline_firm_sustained_fill=firm_base.sustained,
            )
        )
    return rows


def sweep(
    scenario: Scenario, mandate: MandateReport, sourced: Sequence[SourcingResult] = ()
) -> list[SweepRow]:
    """Fills by domain for every framework × mission: the optimum beside the greedy baseline.

    A framework × mission in ``sourced`` (the plan's full sourcing) takes its
    fills from there (first tour and sustainment chosen together); the others
    are solved here: the first tour (shortfall stage), then the months after it
    in turn, from every pledge and from the firm ones.
    """
    done = {(r.framework_id, r.mission_id): r for r in sourced}
    # frameworks that leave the same usable pairs (e.g. two that admit the same pledges)
    # give the same fills: each is solved once
    solved: dict[tuple[str, bytes, bytes], _InTurn] = {}
    rows = []
    for assessment in mandate.frameworks:
        for mission in scenario.missions:
            problem = build_problem(scenario, mission, assessment)
            greedy = greedy_solution(problem)
            result = done.get((assessment.framework_id, mission.id))
            if result is not None:
                shortfall = {line.line_id: line.shortfall for line in result.lines}
                held, firm_held = result.sustainment, result.firm_only_sustainment
                firm_shortfall = _shortfall_of(problem.firm_only(), firm_held, result)
            else:
                key = _usable_pairs(problem)
                if key not in solved:
                    solved[key] = _in_turn(problem)
                shortfall, held, firm_shortfall, firm_held = solved[key]
            optimal = Solution({}, dict(shortfall), (), greedy.status, 0.0)
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
                        first_tour_fill=round(first_tour_fill(problem, shortfall, domain), 4),
                        sustained_fill=round(sustained_fill(problem, held, domain), 4),
                        firm_first_tour_fill=round(
                            first_tour_fill(problem, firm_shortfall, domain), 4
                        ),
                        firm_sustained_fill=round(sustained_fill(problem, firm_held, domain), 4),
                        greedy_first_tour_fill=round(
                            first_tour_fill(problem, greedy.shortfall, domain), 4
                        ),
                        optimal_weighted_shortfall=weighted_shortfall(problem, optimal, domain),
                        greedy_weighted_shortfall=weighted_shortfall(problem, greedy, domain),
                        joint=result is not None,
                    )
                )
    return rows


_InTurn = tuple[
    dict[str, int], tuple[LineSustainment, ...], dict[str, int], tuple[LineSustainment, ...]
]


def _usable_pairs(problem: SourcingProblem) -> tuple[str, bytes, bytes]:
    """What a mission's fills depend on beyond the scenario: its usable (pledge, line) pairs."""
    usable = problem.usable_index
    cand = problem.candidates
    return problem.mission.id, cand.pledge[usable].tobytes(), cand.line[usable].tobytes()


def _in_turn(problem: SourcingProblem) -> _InTurn:
    """First tour (shortfall stage), then the months after it, of every pledge and of firm ones."""
    best = optimise(problem, stages=1, time_limit_s=_FRONT_STAGE_TIME_LIMIT_S)
    limit = _SUSTAIN_TIME_LIMIT_S
    held = line_sustainment(problem, sustain(problem, best, tie_breaks=False, time_limit_s=limit))
    firm = problem.firm_only()
    firm_best = optimise(firm, stages=1, time_limit_s=_FRONT_STAGE_TIME_LIMIT_S)
    firm_held = line_sustainment(
        firm, sustain(firm, firm_best, tie_breaks=False, time_limit_s=limit)
    )
    return best.shortfall, held, firm_best.shortfall, firm_held


def _shortfall_of(
    firm: SourcingProblem, held: Sequence[LineSustainment], result: SourcingResult
) -> dict[str, int]:
    """The firm-only first tour's shortfall per line: month 1 of its sustained plan."""
    if not held:  # not solved month by month: the first tour of every pledge
        return {line.line_id: line.shortfall for line in result.lines}
    by_id = {line.line_id: line for line in held}
    return {
        line.id: line.quantity - (by_id[line.id].held_per_month[0] if line.id in by_id else 0)
        for line in firm.mission.requirements
    }

"""Why a line is not filled, and the smallest single change that would fill it.

For every line with a shortfall: each candidate pledge with the obstacles that
kept it out (caveats, stances, mandate, readiness, units used on other lines,
the nation's ceiling). Then single relaxations are tried by re-solving the
shortfall stage: lift one candidate's only obstacle, let a nation pledge more
of a unit it has run out of, or raise a binding ceiling. The relaxation that
leaves the smallest shortfall wins; ties go to the least political change
(timing and distance before ceilings, extra units and political caveats).
"""

from __future__ import annotations

from collections.abc import Iterator

from peaceforce.sourcing.candidates import Pair
from peaceforce.sourcing.optimise import Solution, SourcingProblem, optimise
from peaceforce.sourcing.result import Candidate, Obstacle, ObstacleKind, Relaxation

#: How readily a planner can buy each relaxation: lower is easier to ask for.
_EFFORT = {
    ObstacleKind.READINESS: 0,
    ObstacleKind.WINDOW: 1,
    ObstacleKind.DISTANCE: 2,
    ObstacleKind.CEILING: 3,
    ObstacleKind.USED_ELSEWHERE: 4,
    ObstacleKind.DOMAIN: 5,
    ObstacleKind.US_BACKSTOP: 6,
    ObstacleKind.NO_PRESENCE: 7,
    ObstacleKind.MANDATE: 8,
}
_RELAXATION_TIME_LIMIT_S = 2.0


def _nation_personnel(problem: SourcingProblem, solution: Solution, nation: str) -> int:
    pledges = {p.id: p for p in problem.scenario.pledges}
    return sum(
        units * problem.unit_personnel(pledges[pledge_id].unit_type)
        for (pledge_id, _), units in solution.units.items()
        if pledges[pledge_id].nation == nation
    )


def capacity_obstacles(
    problem: SourcingProblem, solution: Solution, pair: Pair
) -> tuple[Obstacle, ...]:
    """Why a usable candidate does not send more units: used elsewhere, or its ceiling."""
    pledge = pair.pledge
    offered = problem.units_offered(pledge.id, pledge.count)
    elsewhere = {
        line: u
        for (pid, line), u in solution.units.items()
        if pid == pledge.id and line != pair.line.id
    }
    here = solution.units.get((pledge.id, pair.line.id), 0)
    found: list[Obstacle] = []
    if here + sum(elsewhere.values()) >= offered:
        where = (
            ", ".join(f"{u} on {line}" for line, u in sorted(elsewhere.items())) or "none elsewhere"
        )
        found.append(
            Obstacle(
                kind=ObstacleKind.USED_ELSEWHERE, detail=f"all {offered} units in use ({where})"
            )
        )
    ceiling = problem.ceilings.get(pledge.nation)
    unit = problem.unit_personnel(pledge.unit_type)
    if ceiling is not None and _nation_personnel(problem, solution, pledge.nation) + unit > ceiling:
        found.append(
            Obstacle(
                kind=ObstacleKind.CEILING,
                detail=f"{pledge.nation} at its ceiling of {ceiling:,} personnel",
            )
        )
    return tuple(found)


def _shortfall_after(problem: SourcingProblem, line_id: str) -> int:
    return optimise(problem, stages=1, time_limit_s=_RELAXATION_TIME_LIMIT_S).shortfall[line_id]


def _trials(
    problem: SourcingProblem, solution: Solution, pairs: list[Pair], shortfall: int
) -> Iterator[tuple[int, float, SourcingProblem, Relaxation]]:
    """Single relaxations worth trying, each with its effort rank and size."""
    for pair in pairs:
        pledge, line = pair.pledge, pair.line
        unit = problem.scenario.unit_type_by_id[pledge.unit_type].name
        if len(pair.obstacles) == 1:
            obstacle = pair.obstacles[0]
            yield (
                _EFFORT[obstacle.kind],
                obstacle.excess or 0.0,
                problem.waiving(pledge.id, line.id),
                Relaxation(
                    pledge_id=pledge.id,
                    nation=pledge.nation,
                    obstacle=obstacle.kind,
                    description=f"{pledge.nation} {unit} ({pledge.id}): lift '{obstacle.detail}'",
                    shortfall_after=0,
                ),
            )
        if pair.obstacles:
            continue
        for obstacle in capacity_obstacles(problem, solution, pair):
            if obstacle.kind is ObstacleKind.USED_ELSEWHERE:
                relaxed = problem.with_extra_units(
                    pledge.id, problem.extra_units.get(pledge.id, 0) + shortfall
                )
                text = f"{pledge.nation} pledges {shortfall} more {unit} ({pledge.id})"
                size = float(shortfall)
            else:
                extra = shortfall * problem.unit_personnel(pledge.unit_type)
                relaxed = problem.with_ceiling(
                    pledge.nation, problem.ceilings[pledge.nation] + extra
                )
                text = f"{pledge.nation} raises its ceiling by {extra:,} personnel"
                size = float(extra)
            yield (
                _EFFORT[obstacle.kind],
                size,
                relaxed,
                Relaxation(
                    pledge_id=pledge.id,
                    nation=pledge.nation,
                    obstacle=obstacle.kind,
                    description=text,
                    shortfall_after=0,
                ),
            )


def explain_line(
    problem: SourcingProblem, solution: Solution, line_id: str
) -> tuple[tuple[Candidate, ...], Relaxation]:
    """The candidates of an unfilled line with their obstacles, and the best single relaxation."""
    line = next(r for r in problem.mission.requirements if r.id == line_id)
    shortfall = solution.shortfall[line_id]
    pairs = problem.pairs_of_line(line_id)
    candidates = tuple(
        Candidate(
            pledge_id=p.pledge.id,
            nation=p.pledge.nation,
            unit_type=p.pledge.unit_type,
            obstacles=p.obstacles or capacity_obstacles(problem, solution, p),
        )
        for p in pairs
    )
    best: tuple[int, int, float, Relaxation] | None = None
    for effort, size, relaxed, relaxation in _trials(problem, solution, pairs, shortfall):
        after = _shortfall_after(relaxed, line_id)
        if after >= shortfall:
            continue
        key = (after, effort, size)
        if best is None or key < best[:3]:
            best = (after, effort, size, relaxation.model_copy(update={"shortfall_after": after}))
    if best is not None:
        return candidates, best[3]
    capability = problem.scenario.unit_type_by_id[line.capability]
    accepted = ", ".join([capability.id, *capability.substitutes])
    reason = "no pledge of" if not pairs else "no single change to the pledges of"
    return candidates, Relaxation(
        pledge_id=None,
        nation=None,
        obstacle=None,
        description=(
            f"{reason} {accepted} fills it: {shortfall} more {capability.name} must be pledged"
        ),
        shortfall_after=0,
    )

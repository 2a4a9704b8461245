"""Why a line is not filled, and up to three changes a political staff would propose.

For every line with a shortfall: each candidate pledge with the obstacles that
kept it out (caveats, stances, mandate, access regimes, readiness, units used
on other lines, the nation's ceiling). Then single changes are tried, each by
re-solving the shortfall stage: lift one candidate's only obstacle, let a
nation pledge more of a unit it has run out of, raise a binding ceiling, or
let a nation below its fair share pledge the missing units itself.

Fixes are ranked first by how much of the gap they close, then by burden
sharing and politics (:class:`~peaceforce.sourcing.result.Fix`): a nation
below its fair share giving more comes first, then a policy caveat lifted,
then a nation already at its share giving more (or one below it asked for
an air-defence system, aircraft or ships of a kind it pledges none of: the
fix says that whether it fields them is to be asked), and a legal limit (the
mandate, a treaty such as the Montreux Convention) last. A nation asked for
more of a pledged unit is told how many it pledged now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial

import numpy as np

from peaceforce.scenario.model import (
    AccessRegime,
    AllowedDomains,
    Commitment,
    Domain,
    MaxTourLength,
    Pledge,
    RequirementLine,
)
from peaceforce.sourcing.candidates import Pair
from peaceforce.sourcing.optimise import (
    AccessRows,
    Solution,
    SourcingProblem,
    build_problem,
    fair_shares,
    optimise,
)
from peaceforce.sourcing.result import Candidate, FirmOnlyGap, Fix, Obstacle, ObstacleKind

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
    ObstacleKind.ACCESS: 9,
}
#: Obstacles that rest on law (a mandate, a treaty) rather than a government's policy.
_LAW = frozenset({ObstacleKind.MANDATE, ObstacleKind.ACCESS})
_BELOW_SHARE, _POLICY, _AT_SHARE, _LEGAL = 0, 1, 2, 3
#: Domains of equipment a nation fields or not (air-defence systems, aircraft, ships).
_SYSTEMS = frozenset({Domain.AIR_DEFENCE, Domain.AIR, Domain.MARITIME})
_RELAXATION_TIME_LIMIT_S = 2.0
#: Fixes kept per gap, and nations below their share asked to pledge the missing units.
_FIXES_PER_GAP = 3
_NEW_PLEDGES_PER_GAP = 3


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
    """Why a usable candidate does not send more: used elsewhere, its ceiling, a tonnage limit."""
    pledge = pair.pledge
    offered = problem.units_offered(pledge.id, pledge.count)
    used = {line: u for (pid, line), u in solution.units.items() if pid == pledge.id}
    elsewhere = {line: u for line, u in used.items() if line != pair.line.id}
    hulls = problem.hulls_of(pledge.id, pair.line.id)
    found: list[Obstacle] = []
    if sum(used.values()) >= offered:
        where = (
            ", ".join(f"{u} on {line}" for line, u in sorted(elsewhere.items())) or "none elsewhere"
        )
        turns = f", {hulls} taking turns per station" if hulls > 1 else ""
        found.append(
            Obstacle(
                kind=ObstacleKind.USED_ELSEWHERE,
                detail=f"all {offered} units in use ({where}{turns})",
            )
        )
    ceiling = problem.ceilings.get(pledge.nation)
    unit = problem.unit_personnel(pledge.unit_type)
    if ceiling is not None and _nation_personnel(problem, solution, pledge.nation) + unit > ceiling:
        found.append(
            Obstacle(
                kind=ObstacleKind.CEILING,
                detail=f"{_nation(problem, pledge.nation)} at its ceiling of {ceiling:,} personnel",
            )
        )
    k = problem.candidate_index(pledge.id, pair.line.id)
    regime = problem.candidates.regime_of(k)
    access = problem.access_rows
    limits = access.of(k)
    if regime is not None and limits:
        in_use = np.zeros(len(access.limit))
        for (pid, line), u in solution.units.items():
            for row, share in access.of(problem.candidate_index(pid, line)):
                in_use[row] += u * share
        for row, share in limits:
            if in_use[row] + share > access.limit[row] + 1e-9:
                found.append(
                    Obstacle(
                        kind=ObstacleKind.ACCESS,
                        detail=_access_full(
                            access, row, in_use[row], share, regime=regime, pledge=pledge
                        ),
                    )
                )
    return tuple(found)


def _access_full(
    access: AccessRows,
    row: int,
    in_use: float,
    share: float,
    *,
    regime: AccessRegime,
    pledge: Pledge,
) -> str:
    """Why one more unit does not fit an access row, citing the article."""
    head = f"{regime.instrument}, {access.article[row]}"
    limit = access.limit[row]
    if access.unit[row] == "t":
        return (
            f"{head}: {in_use:,.0f} t of {limit:,.0f} t ({access.what[row]}) already; "
            f"a {share:,.0f} t {pledge.unit_type} does not fit"
        )
    return (
        f"{head}: at most {limit:g} {access.what[row]}; the stations held already take "
        f"{in_use:.1f} of them, and one more {pledge.unit_type} takes {share:.2f}"
    )


def _shortfall_after(problem: SourcingProblem, line_id: str) -> int:
    return optimise(problem, stages=1, time_limit_s=_RELAXATION_TIME_LIMIT_S).shortfall[line_id]


def _below_share(problem: SourcingProblem, solution: Solution) -> dict[str, float]:
    """Nations able to contribute, as deployed personnel over their fair share (below 1: under)."""
    shares = fair_shares(problem)
    total = sum(
        units * problem.unit_personnel(_pledge(problem, pid).unit_type)
        for (pid, _), units in solution.units.items()
    )
    return {
        nation: _nation_personnel(problem, solution, nation) / (share * total)
        for nation, share in shares.items()
        if share * total > 0
    }


def _pledge(problem: SourcingProblem, pledge_id: str) -> Pledge:
    return next(p for p in problem.scenario.pledges if p.id == pledge_id)


def _new_pledge(problem: SourcingProblem, nation: str, capability: str, units: int) -> Pledge:
    """A pledge of the missing units by a nation, modelled on its own pledges.

    It keeps the political caveats every one of the nation's pledges carries
    (caveats tied to one unit, such as allowed domains or tour length, are left
    out), its quickest readiness, its first pledge's base and window.
    """
    own = [p for p in problem.scenario.pledges if p.nation == nation]
    common = [
        c
        for c in own[0].caveats
        if not isinstance(c, AllowedDomains | MaxTourLength) and all(c in p.caveats for p in own)
    ]
    return own[0].model_copy(
        update={
            "id": f"{nation.lower()}-new-{capability}".replace("_", "-"),
            "unit_type": capability,
            "count": units,
            "readiness_days": min(p.readiness_days for p in own),
            "caveats": tuple(common),
            "sustain_months": None,
            "illustrative": True,
            "source": None,
        }
    )


def _with_new_pledge(problem: SourcingProblem, pledge: Pledge) -> SourcingProblem:
    """The problem with one more pledge, judged by the framework as the nation's others are."""
    scenario = problem.scenario.replace(pledges=(*problem.scenario.pledges, pledge))
    model = next(v for v in problem.assessment.pledges if v.nation == pledge.nation)
    verdict = model.model_copy(update={"pledge_id": pledge.id, "unit_type": pledge.unit_type})
    assessment = problem.assessment.model_copy(
        update={"pledges": (*problem.assessment.pledges, verdict)}
    )
    rebuilt = build_problem(scenario, problem.mission, assessment)
    return replace(rebuilt, ceilings=problem.ceilings, extra_units=problem.extra_units)


def _built(problem: SourcingProblem) -> Callable[[], SourcingProblem]:
    """A changed problem that is cheap to make, in the form the trials hand over."""
    return lambda: problem


def _trials(
    problem: SourcingProblem,
    solution: Solution,
    line: RequirementLine,
    pairs: list[Pair],
    shortfall: int,
) -> Iterator[tuple[int, int, float, Callable[[], SourcingProblem], Fix]]:
    """Single changes worth trying: (preference, effort, size, the changed problem, fix).

    The changed problem is built when the trial is made (a new pledge rebuilds it).
    """
    ratio = _below_share(problem, solution)
    for pair in pairs:
        pledge = pair.pledge
        unit = problem.scenario.unit_type_by_id[pledge.unit_type].name
        if len(pair.obstacles) == 1:
            obstacle = pair.obstacles[0]
            yield (
                _LEGAL if obstacle.kind in _LAW else _POLICY,
                _EFFORT[obstacle.kind],
                obstacle.excess or 0.0,
                partial(problem.waiving, pledge.id, line.id),
                Fix(
                    pledge_id=pledge.id,
                    nation=pledge.nation,
                    obstacle=obstacle.kind,
                    description=(
                        f"{_nation(problem, pledge.nation)} {unit} ({pledge.id}): "
                        f"lift '{obstacle.detail}'"
                    ),
                    shortfall_after=0,
                ),
            )
        if pair.obstacles:
            continue
        below = ratio.get(pledge.nation, 0.0) < 1.0
        for obstacle in capacity_obstacles(problem, solution, pair):
            if obstacle.kind is ObstacleKind.USED_ELSEWHERE:
                extra = shortfall * problem.hulls_of(pledge.id, line.id)
                relaxed = problem.with_extra_units(
                    pledge.id, problem.extra_units.get(pledge.id, 0) + extra
                )
                text = (
                    f"{_nation(problem, pledge.nation)} pledges {extra} more {unit} "
                    f"({pledge.id}: {pledge.count} pledged now)"
                )
                preference, size = (_BELOW_SHARE if below else _AT_SHARE), float(extra)
            elif obstacle.kind is ObstacleKind.CEILING:
                extra = shortfall * problem.unit_personnel(pledge.unit_type)
                relaxed = problem.with_ceiling(
                    pledge.nation, problem.ceilings[pledge.nation] + extra
                )
                text = (
                    f"{_nation(problem, pledge.nation)} raises its ceiling by {extra:,} personnel"
                )
                preference, size = _POLICY, float(extra)
            else:
                continue  # a treaty's tonnage is not ours to raise
            yield (
                preference,
                _EFFORT[obstacle.kind],
                size,
                _built(relaxed),
                Fix(
                    pledge_id=pledge.id,
                    nation=pledge.nation,
                    obstacle=obstacle.kind,
                    description=text,
                    shortfall_after=0,
                ),
            )
    yield from _new_pledge_trials(problem, line, pairs, shortfall, ratio)


def _nation(problem: SourcingProblem, code: str) -> str:
    """'Canada' for CAN: a fix is read out to ministers (``Fix.nation`` keeps the code)."""
    found = problem.scenario.nation_by_code.get(code)
    return found.name if found is not None else code


def _new_pledge_trials(
    problem: SourcingProblem,
    line: RequirementLine,
    pairs: list[Pair],
    shortfall: int,
    ratio: dict[str, float],
) -> Iterator[tuple[int, int, float, Callable[[], SourcingProblem], Fix]]:
    """Nations furthest below their fair share, and pledging nothing for the line, pledge it.

    Any army can raise infantry or engineers; an air-defence system, aircraft or
    ships a nation has or has not. A nation that pledges no unit the line
    accepts (its type or a substitute) of such a system is asked for it only
    after the others, and the fix says so: the scenario does not tell whether
    the nation fields the system at all.
    """
    pledging = {p.pledge.nation for p in pairs}
    below = sorted(
        (share, nation) for nation, share in ratio.items() if share < 1.0 and nation not in pledging
    )
    capability = problem.scenario.unit_type_by_id[line.capability]
    accepted = {capability.id, *capability.substitutes}
    for share, nation in below[:_NEW_PLEDGES_PER_GAP]:
        pledge = _new_pledge(problem, nation, capability.id, shortfall)
        unproven = capability.domain in _SYSTEMS and not any(
            p.nation == nation and p.unit_type in accepted for p in problem.scenario.pledges
        )
        name = _nation(problem, nation)
        caution = (
            f"; {name} pledges no {capability.name} now: whether it fields the system is to "
            "be asked"
            if unproven
            else ""
        )
        yield (
            _AT_SHARE if unproven else _BELOW_SHARE,
            _EFFORT[ObstacleKind.USED_ELSEWHERE],
            float(shortfall),
            partial(_with_new_pledge, problem, pledge),
            Fix(
                pledge_id=None,
                nation=nation,
                obstacle=None,
                description=(
                    f"{name} (at {share:.0%} of its fair share) "
                    f"pledges {shortfall} {capability.name}{caution}"
                ),
                shortfall_after=0,
            ),
        )


def explain_line(
    problem: SourcingProblem, solution: Solution, line_id: str
) -> tuple[tuple[Candidate, ...], tuple[Fix, ...]]:
    """The candidates of an unfilled line with their obstacles, and up to three fixes."""
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
    found: list[tuple[tuple[int, int, int, float], Fix]] = []
    # Tried most acceptable first: once three fixes close the gap, no later one ranks above them.
    trials = sorted(_trials(problem, solution, line, pairs, shortfall), key=lambda t: t[:3])
    for preference, effort, size, relaxed, fix in trials:
        if sum(key[0] == 0 for key, _ in found) >= _FIXES_PER_GAP:
            break
        after = _shortfall_after(relaxed(), line_id)
        if after >= shortfall:
            continue
        found.append(
            (
                (after, preference, effort, size),
                fix.model_copy(update={"shortfall_after": after, "preference": preference}),
            )
        )
    found.sort(key=lambda kv: kv[0])
    fixes = tuple({f.description: f for _, f in found}.values())[:_FIXES_PER_GAP]
    if fixes:
        return candidates, fixes
    capability = problem.scenario.unit_type_by_id[line.capability]
    accepted = ", ".join([capability.id, *capability.substitutes])
    reason = "no pledge of" if not pairs else "no single change to the pledges of"
    return candidates, (
        Fix(
            pledge_id=None,
            nation=None,
            obstacle=None,
            description=(
                f"{reason} {accepted} fills it: {shortfall} more {capability.name} must be pledged"
            ),
            shortfall_after=0,
        ),
    )


def firm_only_gaps(problem: SourcingProblem, firm_first: Solution) -> tuple[FirmOnlyGap, ...]:
    """Lines short from firm pledges alone, each with up to three conditional pledges to firm up.

    ``firm_first`` is the first tour solved from the firm pledges alone
    (``problem.firm_only()``). For each such line, every conditional pledge
    usable on it is made firm in turn and the shortfall stage re-solved; the
    fixes that shrink the gap are ranked as :class:`FirmOnlyGap` says. Each says
    what it adds to the whole firm-only first tour too: a re-solve may close
    this gap by moving units from a line of lower priority.
    """
    scenario = problem.scenario
    firm = [scenario.commitment(p)[0] is Commitment.FIRM for p in scenario.pledges]
    index = {p.id: k for k, p in enumerate(scenario.pledges)}
    ratio = _below_share(problem, firm_first)
    usable = set(problem.candidates.pledge[problem.usable_index].tolist())
    result = []
    for line in problem.mission.requirements:
        shortfall = firm_first.shortfall[line.id]
        if shortfall <= 0:
            continue
        found: list[tuple[tuple[int, int, int, str], Fix]] = []
        tried = sorted(
            (
                _AT_SHARE if ratio.get(p.pledge.nation, 0.0) >= 1.0 else _BELOW_SHARE,
                p.pledge.count * problem.unit_personnel(p.pledge.unit_type),
                p.pledge.id,
                p,
            )
            for p in problem.pairs_of_line(line.id)
            if not firm[index[p.pledge.id]] and index[p.pledge.id] in usable and not p.obstacles
        )
        for _, _, _, pair in tried:
            # tried most acceptable first: once three close the gap, none later ranks above
            if sum(key[0] == 0 for key, _ in found) >= _FIXES_PER_GAP:
                break
            pledge = pair.pledge
            k = index[pledge.id]
            made_firm = problem.keeping([f or j == k for j, f in enumerate(firm)])
            missing = optimise(made_firm, stages=1, time_limit_s=_RELAXATION_TIME_LIMIT_S).shortfall
            after = missing[line.id]
            if after >= shortfall:
                continue
            gained = sum(
                (firm_first.shortfall[x.id] - missing[x.id]) * problem.unit_personnel(x.capability)
                for x in problem.mission.requirements
            )
            preference = _BELOW_SHARE if ratio.get(pledge.nation, 0.0) < 1.0 else _AT_SHARE
            personnel = pledge.count * problem.unit_personnel(pledge.unit_type)
            unit = scenario.unit_type_by_id[pledge.unit_type].name
            why = scenario.commitment(pledge)[1]
            fix = Fix(
                pledge_id=pledge.id,
                nation=pledge.nation,
                obstacle=ObstacleKind.CONDITIONAL,
                description=(
                    f"make {_nation(problem, pledge.nation)}'s conditional pledge {pledge.id} "
                    f"({pledge.count} {unit}) firm; conditional because {why}; "
                    f"firm-only first tour {gained:+,} personnel in all"
                ),
                shortfall_after=after,
                preference=preference,
            )
            found.append(((after, preference, personnel, pledge.id), fix))
        found.sort(key=lambda kv: kv[0])
        result.append(
            FirmOnlyGap(
                line_id=line.id,
                required=line.quantity,
                filled=line.quantity - shortfall,
                fixes=tuple(f for _, f in found[:_FIXES_PER_GAP]),
            )
        )
    return tuple(result)

"""What the scenario's switches change in one sourcing, or why they change nothing.

A what-if that moves no figure must say so: a planner who flips "no US
backstop" and sees the same numbers needs to know that no pledge depended on it,
not wonder whether the switch worked.
"""

from __future__ import annotations

import numpy as np

from peaceforce.scenario.model import AccessStatus, RequiresUsBackstop
from peaceforce.sourcing.candidates import BIT
from peaceforce.sourcing.optimise import SourcingProblem, build_problem
from peaceforce.sourcing.result import ObstacleKind


def _usable_pledges(problem: SourcingProblem) -> set[str]:
    pledges = problem.scenario.pledges
    return {pledges[int(p)].id for p in np.unique(problem.candidates.pledge[problem.usable_index])}


def _pledges_blocked_by(problem: SourcingProblem, kind: ObstacleKind) -> list[str]:
    """Pledges with a candidate pair in this mission held back by this obstacle."""
    cand, pledges = problem.candidates, problem.scenario.pledges
    hit = (cand.blocked & BIT[kind]) != 0
    return sorted({pledges[int(p)].id for p in cand.pledge[hit]})


def _backstop_note(problem: SourcingProblem) -> str:
    scenario = problem.scenario
    needing = [p for p in scenario.pledges if p.caveats_of(RequiresUsBackstop)]
    if not needing:
        return "US backstop: no pledge depends on one; the switch changes no figure"
    if scenario.assumptions.us_backstop:
        usable = _usable_pledges(problem)
        kept = [p.id for p in needing if p.id in usable]
        return (
            f"US backstop assumed: {len(needing)} pledges whose caveat needs it stand "
            f"({', '.join(p.id for p in needing)}); {len(kept)} of them usable in this mission"
        )
    removed = _pledges_blocked_by(problem, ObstacleKind.US_BACKSTOP)
    if not removed:
        return (
            f"no US backstop: {len(needing)} pledges need one, none of them matches a line of "
            "this mission; no figure changes"
        )
    personnel = sum(
        p.count * problem.unit_personnel(p.unit_type) for p in needing if p.id in removed
    )
    return (
        f"no US backstop: removes the {len(removed)} pledges whose caveat needs one "
        f"({', '.join(removed)}; {personnel:,} personnel)"
    )


def _access_notes(problem: SourcingProblem) -> list[str]:
    scenario = problem.scenario
    areas = {line.area for line in problem.mission.requirements}
    notes = []
    for regime in scenario.access_regimes:
        if not areas & set(regime.areas):
            continue
        status = scenario.regimes_status()[regime.id]
        if status is AccessStatus.CLOSED:
            refused = _pledges_blocked_by(problem, ObstacleKind.ACCESS)
            notes.append(
                f"{regime.name} closed ({regime.instrument}, {regime.closure.article}): "
                f"{len(refused)} pledges refused on its lines"
                + (f" ({', '.join(refused)})" if refused else "")
                + "; --after-peace reopens it"
            )
            continue
        rules = []
        if regime.stay:
            rules.append(f"stays of at most {regime.stay.days} days ({regime.stay.article})")
        if regime.aggregate_tonnage:
            limit = regime.aggregate_tonnage
            rules.append(f"at most {limit.tonnes:,.0f} t at once ({limit.article})")
        if regime.state_tonnage:
            state = regime.state_tonnage
            rules.append(f"at most {state.tonnes:,.0f} t of any one state ({state.article})")
        if regime.transit and regime.transit.vessels:
            transit = regime.transit
            rules.append(
                f"at most {transit.vessels} vessels in transit at once ({transit.article})"
            )
        notes.append(
            f"{regime.name} open ({regime.instrument}): non-exempt units hold a station two "
            f"taking turns, " + ", ".join(rules)
        )
    return notes


def what_if_notes(problem: SourcingProblem) -> tuple[str, ...]:
    """One line per switch bearing on this sourcing: what it changed, or that it changed nothing."""
    scenario = problem.scenario
    usable = _usable_pledges(problem)
    notes = [_backstop_note(problem), *_access_notes(problem)]
    for nation in scenario.what_if.joins:
        own = [p.id for p in scenario.pledges if p.nation == nation]
        used = [pid for pid in own if pid in usable]
        notes.append(
            f"{nation} joins: its {len(own)} pledges are firm"
            + (
                f", {len(used)} usable in this mission ({', '.join(used)})"
                if used
                else "; none is usable in this mission, so no figure changes"
            )
        )
    for nation in scenario.what_if.withdraws:
        notes.append(_withdrawal_note(problem, nation))
    return tuple(notes)


def _withdrawal_note(problem: SourcingProblem, nation: str) -> str:
    """Which of the withdrawn pledges could have filled a line of this mission."""
    from peaceforce.mandate.analysis import analyse_mandate  # only for this note

    scenario = problem.scenario
    theirs = tuple(p for p in scenario.withdrawn if p.nation == nation)
    if not theirs:
        return f"{nation} withdraws: it pledged nothing, so no figure changes"
    restored = scenario.replace(pledges=scenario.pledges + theirs, withdrawn=())
    assessment = analyse_mandate(restored).assessment(problem.assessment.framework_id)
    usable = _usable_pledges(build_problem(restored, problem.mission, assessment))
    lost = [p.id for p in theirs if p.id in usable]
    if not lost:
        return (
            f"{nation} withdraws: none of its {len(theirs)} pledges could fill a line of this "
            "mission (see the mandate and gap tables), so no figure changes"
        )
    return f"{nation} withdraws: {len(lost)} usable pledges are lost ({', '.join(lost)})"

"""The spreadsheet baseline: largest pledges first, each filling lines by priority.

This is what a force-generation cell does by hand, and the yardstick the
optimiser is compared with. It respects every caveat and ceiling the optimiser
does (it uses the same usable pairs); it only chooses greedily.
"""

from __future__ import annotations

import time

from peaceforce.sourcing.optimise import Solution, SourcingProblem, priority_weight


def greedy_solution(problem: SourcingProblem) -> Solution:
    """Fill lines pledge by pledge, biggest pledge (personnel) first, most urgent line first."""
    started = time.perf_counter()
    need = {line.id: line.quantity for line in problem.mission.requirements}
    used_personnel: dict[str, int] = {}
    units: dict[tuple[str, str], int] = {}
    pledges = sorted(
        {p.pledge.id: p.pledge for p in problem.usable}.values(),
        key=lambda p: (-p.count * problem.unit_personnel(p.unit_type), p.id),
    )
    for pledge in pledges:
        left = problem.units_offered(pledge.id, pledge.count)
        size = problem.unit_personnel(pledge.unit_type)
        pairs = sorted(
            (p for p in problem.usable if p.pledge.id == pledge.id),
            key=lambda p: (p.line.priority, p.line.latest_arrival_day, p.line.id),
        )
        for pair in pairs:
            ceiling = problem.ceilings.get(pledge.nation)
            room = (
                left
                if ceiling is None
                else min(left, (ceiling - used_personnel.get(pledge.nation, 0)) // size)
            )
            sent = max(0, min(room, need[pair.line.id]))
            if sent:
                units[(pledge.id, pair.line.id)] = sent
                need[pair.line.id] -= sent
                left -= sent
                used_personnel[pledge.nation] = used_personnel.get(pledge.nation, 0) + sent * size
    weighted = sum(
        priority_weight(line.priority) * problem.unit_personnel(line.capability) * need[line.id]
        for line in problem.mission.requirements
    )
    return Solution(units, need, (float(weighted),), False, time.perf_counter() - started)

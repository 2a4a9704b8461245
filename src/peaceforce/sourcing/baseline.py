"""The spreadsheet baseline: largest pledges first, each filling lines by priority.

This is what a force-generation cell does by hand, and the yardstick the
optimiser is compared with. It respects every caveat and ceiling the optimiser
does (it uses the same usable pairs); it only chooses greedily.
"""

from __future__ import annotations

import math
import time

from peaceforce.solvers import SolveStatus
from peaceforce.sourcing.optimise import Solution, SourcingProblem, priority_weight


def greedy_solution(problem: SourcingProblem) -> Solution:
    """Fill lines pledge by pledge, biggest pledge (personnel) first, most urgent line first."""
    started = time.perf_counter()
    lines = problem.mission.requirements
    need: dict[str, float] = {line.id: float(line.quantity) for line in lines}  # in stations
    used_personnel: dict[str, int] = {}
    units: dict[tuple[str, str], int] = {}
    cand, all_pledges = problem.candidates, problem.scenario.pledges
    usable = problem.usable_index
    lines_of: dict[int, list[tuple[int, int]]] = {}  # pledge -> (line, candidate index)
    for k in usable.tolist():
        lines_of.setdefault(int(cand.pledge[k]), []).append((int(cand.line[k]), k))
    pledges = sorted(
        (all_pledges[p] for p in lines_of),
        key=lambda p: (-p.count * problem.unit_personnel(p.unit_type), p.id),
    )
    index = {p.id: k for k, p in enumerate(all_pledges)}
    access = problem.access_rows
    access_left = access.limit.copy()
    for pledge in pledges:
        left = problem.units_offered(pledge.id, pledge.count)
        size = problem.unit_personnel(pledge.unit_type)
        targets = sorted(
            lines_of[index[pledge.id]],
            key=lambda rk: (
                lines[rk[0]].priority,
                lines[rk[0]].latest_arrival_day,
                lines[rk[0]].id,
            ),
        )
        for r, k in targets:
            line = lines[r]
            hulls = int(problem.hulls[k])  # units taking turns on one station
            ceiling = problem.ceilings.get(pledge.nation)
            room = left
            if ceiling is not None:
                room = min(room, (ceiling - used_personnel.get(pledge.nation, 0)) // size)
            limits = access.of(k)
            for row, share in limits:
                room = min(room, int(access_left[row] / share + 1e-9))
            # whole stations only: a lone unit where units take turns holds none
            sent = max(0, min(room, round(need[line.id] * hulls)) // hulls * hulls)
            if sent:
                units[(pledge.id, line.id)] = sent
                need[line.id] -= sent / hulls
                left -= sent
                used_personnel[pledge.nation] = used_personnel.get(pledge.nation, 0) + sent * size
                for row, share in limits:
                    access_left[row] -= sent * share
    weighted = sum(
        priority_weight(line.priority) * problem.unit_personnel(line.capability) * need[line.id]
        for line in lines
    )
    # a lone unit where units take turns is half a station: not a station held
    missing = {line_id: math.ceil(left - 1e-9) for line_id, left in need.items()}
    return Solution(
        units, missing, (float(weighted),), SolveStatus.FEASIBLE, time.perf_counter() - started
    )

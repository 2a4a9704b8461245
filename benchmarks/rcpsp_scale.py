"""Scale benchmark of the RCPSP core: synthetic deployments of thousands of movement lines.

A synthetic deployment — 5,000 movement lines, 20 nodes with daily capacity
(dips for weather and closures), 120-day horizon, ready-to-load and
required-delivery days, priority weights, headquarters and enablers before
manoeuvre units — is solved by ``solve_schedule`` (the core the deployment
planner runs) for makespan and for weighted lateness, and for makespan by the
plain CP-SAT model of ``benchmarks/rcpsp.py``, same run, same time limit; the
gap is measured against our lower bound (critical path with releases, energy
per resource) and CP-SAT's. Prints a markdown table::

    .venv/bin/python benchmarks/rcpsp_scale.py [--time-limit 60] [--lines 5000] [--seeds 1 2]
"""

from __future__ import annotations

import argparse
import os
import random

from peaceforce.solvers.rcpsp import (
    Objective,
    Precedence,
    Resource,
    SchedulingProblem,
    Task,
    schedule_violations,
    solve_schedule,
)
from rcpsp import solve_plain

#: The 20 nodes by kind. Capacities are set from the generated load so that a
#: node of each kind would be busy this share of the days up to day 110.
NODES = {
    "air": [f"APOE-{k}" for k in range(5)],
    "sea": [f"SPOE-{k}" for k in range(3)],
    "apod": ["APOD-RZE", "APOD-LWO"],
    "spod": ["SPOD-CND", "SPOD-GDN"],
    "rail": [f"RAIL-{k}" for k in range(3)],
    "pool": ["LIFT-STRAT-AIR", "LIFT-CHARTER-AIR", "LIFT-ROLL-ON", "LIFT-RAIL-WAGONS", "LIFT-HET"],
}
#: Realistic: reception in theatre (PODs, border rail paths) and strategic lift
#: bind; ports of embarkation at home have room.
DEPLOYMENT_LOAD = {"air": 0.6, "sea": 0.6, "apod": 0.85, "spod": 0.85, "rail": 0.85, "pool": 0.8}
#: Stress test: every node at 85 %, each line holding three busy nodes at once.
STRESS_LOAD = dict.fromkeys(NODES, 0.85)
HORIZON = 120


def deployment_instance(
    lines: int, seed: int, load: dict[str, float] = DEPLOYMENT_LOAD
) -> SchedulingProblem:
    """A seeded synthetic deployment with the shape of a real one.

    Formations of ~20 lines: one headquarters line, four enablers, the rest
    manoeuvre units. Formations become ready over days 0-60; headquarters
    precede their formation's lines (one day lag for manoeuvre units), the
    first enabler (logistics) precedes the manoeuvre units. Air lines take 1-2
    days and use an APOE, an air lift pool and an APOD; sea lines 4-8 days and
    an SPOE, roll-on shipping and an SPOD; rail lines 2-4 days, a rail path,
    wagons and heavy transporters.
    """
    rng = random.Random(seed)
    tasks: list[Task] = []
    precedences: list[Precedence] = []
    raw: list[tuple[str, int, int, int, int, dict[str, int]]] = []
    formation = 0
    while len(raw) < lines:
        ready = rng.randint(0, 60)
        size = min(rng.randint(16, 24), lines - len(raw))
        ids = [f"F{formation:03d}-{k:02d}" for k in range(size)]
        for k, tid in enumerate(ids):
            role = "hq" if k == 0 else "enabler" if k <= 4 else "manoeuvre"
            mode = rng.choices(["air", "sea", "rail"], weights=[5, 2, 3])[0]
            if mode == "air":
                duration = rng.randint(1, 2)
                demands = {
                    rng.choice(NODES["air"]): rng.randint(1, 3),
                    rng.choice(NODES["pool"][:2]): rng.randint(1, 3),
                    rng.choice(NODES["apod"]): rng.randint(1, 2),
                }
            elif mode == "sea":
                duration = rng.randint(4, 8)
                demands = {
                    rng.choice(NODES["sea"]): 1,
                    "LIFT-ROLL-ON": rng.randint(1, 2),
                    rng.choice(NODES["spod"]): 1,
                }
            else:
                duration = rng.randint(2, 4)
                demands = {
                    rng.choice(NODES["rail"]): 1,
                    "LIFT-RAIL-WAGONS": rng.randint(2, 6),
                    "LIFT-HET": rng.randint(0, 2),
                }
            release = ready + {"hq": 0, "enabler": rng.randint(0, 5)}.get(role, rng.randint(2, 12))
            slack = rng.randint(4, 30)
            weight = {"hq": 10, "enabler": 5}.get(role, rng.randint(1, 3))
            raw.append((tid, duration, release, release + duration + slack, weight, demands))
            if k > 0:
                precedences.append(
                    Precedence(before=ids[0], after=tid, lag=0 if role == "enabler" else 1)
                )
            if role == "manoeuvre" and size > 1:
                precedences.append(Precedence(before=ids[1], after=tid))
        formation += 1
    energy: dict[str, int] = {}
    for _, duration, _, _, _, demands in raw:
        for rid, q in demands.items():
            energy[rid] = energy.get(rid, 0) + q * duration
    kind = {rid: k for k, ids in NODES.items() for rid in ids}
    resources = []
    for rid in sorted(energy):
        normal = max(6, round(energy[rid] / (load[kind[rid]] * (HORIZON - 10))))
        # Weather and closures: some days at half capacity, steady afterwards.
        profile = tuple(normal // 2 if rng.random() < 0.08 else normal for _ in range(HORIZON))
        resources.append(Resource(id=rid, capacity=(*profile, normal)))
    for _, _, _, _, _, demands in raw:
        for rid in list(demands):
            if demands[rid] == 0:
                del demands[rid]
    tasks = [
        Task(id=tid, duration=d, release=r, due=due, weight=w, demands=dem)
        for tid, d, r, due, w, dem in raw
    ]
    return SchedulingProblem(
        name=f"deployment-{lines}-s{seed}",
        tasks=tuple(tasks),
        resources=tuple(resources),
        precedences=tuple(precedences),
    )


def bench_scale(lines: int, seeds: list[int], time_limit_s: float, threads: int) -> None:
    """Part (b): synthetic deployments for makespan (ours and plain), then for
    weighted lateness; gap = (found - lower bound) / lower bound.
    """
    cases = [("deployment", DEPLOYMENT_LOAD, seed) for seed in seeds]
    cases.append(("stress", STRESS_LOAD, seeds[0]))
    print(
        f"\n### (b) Synthetic deployments: {lines} lines, {sum(map(len, NODES.values()))} nodes, "
        f"{HORIZON}-day capacity profiles, {time_limit_s:g} s limit, {threads} threads\n"
    )
    print(
        "| instance | objective | model | heuristic | found | lower bound | gap % "
        "| makespan | weighted lateness | late lines | status | s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for kind, load, seed in cases:
        problem = deployment_instance(lines, seed, load)
        name = f"{kind} s{seed} ({len(problem.precedences)} prec.)"
        for objective in (Objective.MAKESPAN, Objective.LATENESS):
            r = solve_schedule(problem, time_limit_s, threads=threads, objective=objective)
            assert not schedule_violations(problem, r.starts)
            assert r.value is not None
            print(
                f"| {name} | {objective.value} | ours | {r.heuristic_value} | {r.value} | "
                f"{r.lower_bound} | {_gap(r.value, r.lower_bound)} | {r.makespan} | "
                f"{r.weighted_lateness} | {len(r.late_tasks)} | {r.status.value} | "
                f"{r.time_s:.1f} |",
                flush=True,
            )
            if objective is Objective.MAKESPAN:
                plain = solve_plain(problem, time_limit_s, threads)
                status = "optimal" if plain.proven else "feasible" if plain.makespan else "none"
                print(
                    f"| {name} | makespan | plain CP-SAT | - | {plain.makespan or '-'} | "
                    f"{plain.bound} | {_gap(plain.makespan, r.lower_bound)} (to our bound) | "
                    f"{plain.makespan or '-'} | - | - | {status} | {plain.time_s:.1f} |",
                    flush=True,
                )


def _gap(found: int | None, bound: int) -> str:
    if found is None:
        return "-"
    return f"{100 * (found - bound) / bound:.1f}" if bound else "-"


def main() -> None:
    """Run the synthetic deployments and print their table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"<!-- load before: {os.getloadavg()} on {os.cpu_count()} cores -->")
    bench_scale(args.lines, args.seeds, args.time_limit, args.threads)
    print(f"\n<!-- load after: {os.getloadavg()} -->")


if __name__ == "__main__":
    main()

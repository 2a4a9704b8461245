"""Benchmarks of the resource-constrained scheduling core (deployment planner).

(a) PSPLIB j30: every instance solved by ``solve_schedule`` and by a plain
    CP-SAT model (intervals + cumulative + precedences, horizon = sum of
    durations, no bounds, hints or heuristics), same time limit and threads,
    against the known optimum.
(b) Scale: a synthetic deployment — 5,000 movement lines, 20 nodes with daily
    capacity (dips for weather and closures), 120-day horizon, ready-to-load and
    required-delivery days, priority weights, headquarters and enablers before
    manoeuvre units — solved for makespan and for weighted lateness; the gap is
    measured against our lower bound (critical path with releases, energy per
    resource) and CP-SAT's.

Prints markdown tables. Usage::

    .venv/bin/python benchmarks/rcpsp.py [--time-limit 10] [--scale-time-limit 60]
        [--only j30|scale] [--lines 5000] [--seeds 1 2]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from peaceforce import solvers
from peaceforce.deployment import (
    Objective,
    Precedence,
    Resource,
    SchedulingProblem,
    Task,
    read_optima,
    read_sm,
    schedule_violations,
    solve_schedule,
)
from peaceforce.deployment.psplib import instance_paths

J30 = Path(__file__).resolve().parents[2] / "shared" / "data" / "benchmarks" / "rcpsp-j30"


@dataclass(frozen=True)
class PlainRun:
    """Outcome of the plain CP-SAT model on one instance."""

    makespan: int | None
    bound: int
    proven: bool
    time_s: float


def solve_plain(problem: SchedulingProblem, time_limit_s: float, threads: int) -> PlainRun:
    """The textbook CP-SAT RCPSP model: the baseline we must beat.

    Intervals, precedences with lags, one cumulative per resource at its peak
    capacity with each day of lower capacity blocked by a fixed interval;
    horizon = every task in a row after the last release. No bounds, no hints,
    no heuristic.
    """
    cp = solvers.cp_sat()
    t0 = time.monotonic()
    model = cp.CpModel()
    settle = max(
        [0, *(t.release for t in problem.tasks), *(r.profile_length for r in problem.resources)]
    )
    horizon = (
        settle + sum(t.duration for t in problem.tasks) + sum(p.lag for p in problem.precedences)
    )
    start = {t.id: model.new_int_var(t.release, horizon, t.id) for t in problem.tasks}
    dur = {t.id: t.duration for t in problem.tasks}
    interval = {
        t.id: model.new_fixed_size_interval_var(start[t.id], t.duration, f"i{t.id}")
        for t in problem.tasks
    }
    for p in problem.precedences:
        model.add(start[p.after] >= start[p.before] + dur[p.before] + p.lag)
    for res in problem.resources:
        users = [t for t in problem.tasks if t.demands.get(res.id, 0) > 0]
        top = max(res.capacity_on(d) for d in range(res.profile_length))
        dips = [
            (model.new_fixed_size_interval_var(d, 1, f"{res.id}-{d}"), top - res.capacity_on(d))
            for d in range(res.profile_length)
            if res.capacity_on(d) < top
        ]
        model.add_cumulative(
            [interval[t.id] for t in users] + [i for i, _ in dips],
            [t.demands[res.id] for t in users] + [q for _, q in dips],
            top,
        )
    makespan = model.new_int_var(0, horizon, "makespan")
    for t in problem.tasks:
        model.add(makespan >= start[t.id] + t.duration)
    model.minimize(makespan)
    solver = cp.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = threads
    code = solver.solve(model)
    found = code in (cp.OPTIMAL, cp.FEASIBLE)
    return PlainRun(
        makespan=int(solver.objective_value) if found else None,
        bound=math.ceil(solver.best_objective_bound - 1e-6) if found else 0,
        proven=code == cp.OPTIMAL,
        time_s=time.monotonic() - t0,
    )


def bench_j30(folder: Path, time_limit_s: float, threads: int) -> None:
    """Part (a): ours vs plain on every j30 instance, in the same run."""
    optima = read_optima(folder / "optimum.csv")
    rows = []
    for path in instance_paths([folder]):
        problem = read_sm(path)
        ours = solve_schedule(problem, time_limit_s, threads=threads)
        assert not schedule_violations(problem, ours.starts), path
        plain = solve_plain(problem, time_limit_s, threads)
        rows.append((path.name, optima[path.name], ours, plain))
        print(
            f"<!-- {path.name}: opt {optima[path.name]} ours {ours.makespan} "
            f"{ours.status.value} {ours.time_s:.2f}s plain {plain.makespan} "
            f"{'proven' if plain.proven else 'open'} {plain.time_s:.2f}s -->",
            flush=True,
        )
    n = len(rows)

    def summary(name: str, at_opt: int, proven: int, times: list[float], dev: list[float]) -> str:
        return (
            f"| {name} | {at_opt}/{n} | {proven}/{n} | {statistics.mean(dev):.2f} | "
            f"{max(dev):.1f} | {statistics.median(times):.2f} | {max(times):.2f} | "
            f"{sum(times):.1f} |"
        )

    print(f"\n### (a) PSPLIB j30, {n} instances, {time_limit_s:g} s limit, {threads} threads\n")
    print(
        "| model | at known optimum | proven optimal | mean dev. from opt. % "
        "| max dev. % | median s | max s | total s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    ours_dev = [100 * ((o.makespan or 0) - opt) / opt for _, opt, o, _ in rows]
    plain_dev = [100 * ((p.makespan or 10**6) - opt) / opt for _, opt, _, p in rows]
    print(
        summary(
            "ours (bounds + SGS horizon + CP-SAT)",
            sum(o.makespan == opt for _, opt, o, _ in rows),
            sum(o.status.value == "optimal" for _, _, o, _ in rows),
            [o.time_s for *_, o, _ in rows],
            ours_dev,
        )
    )
    print(
        summary(
            "plain CP-SAT (intervals + cumulative)",
            sum(p.makespan == opt for _, opt, _, p in rows),
            sum(p.proven for *_, p in rows),
            [p.time_s for *_, p in rows],
            plain_dev,
        )
    )
    hard = [r for r in rows if r[2].time_s > 1 or r[3].time_s > 1 or r[2].makespan != r[1]]
    if hard:
        print("\nInstances where either model needed more than 1 s or missed the optimum:\n")
        print("| instance | optimum | ours | proven | s | plain | proven | s |")
        print("|---|---|---|---|---|---|---|---|")
        for name, opt, o, p in hard:
            print(
                f"| {name} | {opt} | {o.makespan} | {o.status.value == 'optimal'} | "
                f"{o.time_s:.2f} | {p.makespan} | {p.proven} | {p.time_s:.2f} |"
            )


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
    """Run the selected parts and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per j30 solve")
    parser.add_argument("--scale-time-limit", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", choices=["j30", "scale"])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--j30", type=Path, default=J30)
    args = parser.parse_args()
    print(f"<!-- load before: {os.getloadavg()} on {os.cpu_count()} cores -->")
    if args.only in (None, "j30"):
        bench_j30(args.j30, args.time_limit, args.threads)
    if args.only in (None, "scale"):
        bench_scale(args.lines, args.seeds, args.scale_time_limit, args.threads)
    print(f"\n<!-- load after: {os.getloadavg()} -->")


if __name__ == "__main__":
    main()

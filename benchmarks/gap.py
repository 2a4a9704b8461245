"""GAP benchmark: our engine vs a plain HiGHS MIP and a plain CP-SAT model, same run, same budget.

Prints a markdown table (objective, gap to the best known value of
``bounds.tsv``, time) for the three, instance by instance, then a summary.
Instances are OR-Library files given by path, or by name in ``--data``.
``--engine-only`` runs our engine alone (a table per file set, or ``--json``),
``--export-mps DIR`` writes every instance as MPS for another solver to check.

    .venv/bin/python benchmarks/gap.py --set gap1-12 --time-limit 30
    .venv/bin/python benchmarks/gap.py d05100 d10100 d20100 --time-limit 30
    .venv/bin/python benchmarks/gap.py --engine-only --time-limit 5 --json path/to/c0515_1.txt
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from rich.console import Console

from gap_engine.gap import (
    GapInstance,
    PlainSolver,
    export_mps,
    read_gap_bounds,
    read_orlib_gap,
    solve_gap_plain,
)
from gap_engine.gap_bench import GapBenchReport, GapBenchRow, render_gap_bench, run_gap_bench

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "benchmarks" / "gap"

#: Named subsets: OR-Library gap1…gap12 (c-type, 5–10 agents), the large
#: c-type instances, and the hard d-type ones.
SETS = {
    "gap1-12": "c[01][0-9][0-9][0-9]_*.txt",
    "c-large": "c[0-9][0-9][0-9]00.txt",
    "d": "d*.txt",
}


def _cell(row: GapBenchRow) -> str:
    if row.objective is None:
        return f"no solution | — | {row.wall_time_s:.1f}"
    gap = "—" if row.gap_to_best_known is None else f"{row.gap_to_best_known:.3%}"
    proven = " ✓" if row.proven_optimal else ""
    return f"{row.objective:g}{proven} | {gap} | {row.wall_time_s:.1f}"


def markdown(reports: list[GapBenchReport]) -> str:
    """One line per instance, three column groups (ours, HiGHS, CP-SAT)."""
    names = ["ours", "HiGHS", "CP-SAT"]
    head = "| instance | best known | " + " | ".join(f"{n} obj | {n} gap | {n} s" for n in names)
    lines = [head + " |", "|" + "---|" * (2 + 3 * len(names))]
    for rows in zip(*(r.rows for r in reports), strict=True):
        known = "—" if rows[0].best_known is None else f"{rows[0].best_known:g}"
        lines.append(f"| {rows[0].instance} | {known} | " + " | ".join(map(_cell, rows)) + " |")
    lines.append("")
    for name, report in zip(names, reports, strict=True):
        gaps = [r.gap_to_best_known for r in report.rows if r.gap_to_best_known is not None]
        proven = sum(r.proven_optimal for r in report.rows)
        worst = f"{max(gaps):.3%}" if gaps else "—"
        slowest = max(r.wall_time_s for r in report.rows)
        lines.append(
            f"- {name}: {proven}/{len(report.rows)} proven optimal, "
            f"{len(gaps)}/{len(report.rows)} with a solution, worst gap {worst}, "
            f"slowest {slowest:.2f} s"
        )
    return "\n".join(lines)


def _warm_up() -> None:
    """Pay the solvers' one-off start-up (HiGHS's thread pool) before any timing."""
    tiny = GapInstance("warm-up", np.ones((1, 1)), np.ones((1, 1)), np.ones(1))
    for solver in PlainSolver:
        solve_gap_plain(tiny, 1.0, solver)


def _paths(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Path]:
    """Instance files: paths as given, names looked up in ``--data``, then the named sets."""
    paths = [
        Path(name) if Path(name).is_file() else args.data / f"{name}.txt" for name in args.instances
    ]
    for subset in args.set:
        paths += sorted(args.data.glob(SETS[subset]))
    if not paths:
        parser.error("name instances or pick a --set")
    for path in paths:
        if not path.is_file():
            parser.error(f"instance file {path} not found (expected a path or a name in --data)")
    return paths


def main(argv: list[str] | None = None) -> None:
    """Parse flags, run the three solvers (or our engine alone) on each instance, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="*", help="instance files, or names e.g. d20100")
    parser.add_argument("--set", choices=sorted(SETS), action="append", default=[])
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per solve")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the .txt files")
    parser.add_argument("--bounds", type=Path, help="bounds.tsv (default: beside the files)")
    parser.add_argument("--engine-only", action="store_true", help="our engine alone")
    parser.add_argument("--export-mps", type=Path, help="write each instance as MPS here")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    args = parser.parse_args(argv)
    paths = _paths(parser, args)
    beside = paths[0].parent / "bounds.tsv"
    bounds_file = args.bounds or (beside if beside.is_file() else None)
    bounds = read_gap_bounds(bounds_file) if bounds_file else None
    if args.export_mps is not None:
        for instance in (i for path in paths for i in read_orlib_gap(path)):
            export_mps(instance, args.export_mps / f"{instance.name}.mps")
    if args.engine_only:
        report = run_gap_bench(paths, args.time_limit, bounds, threads=args.threads)
        if args.json:
            print(report.model_dump_json(indent=1))
        else:
            Console().print(render_gap_bench(report))
        return
    load_before = os.getloadavg()
    _warm_up()
    # each instance is solved by the three in turn, so load changes hit all alike
    per_instance = [
        [
            run_gap_bench([path], args.time_limit, bounds, threads=args.threads, solver=solver)
            for solver in (None, PlainSolver.HIGHS, PlainSolver.CP_SAT)
        ]
        for path in paths
    ]
    reports = [
        GapBenchReport(
            solver=runs[0].solver,
            time_limit_s=args.time_limit,
            rows=tuple(row for run in runs for row in run.rows),
        )
        for runs in zip(*per_instance, strict=True)
    ]
    if args.json:
        print("[" + ",\n".join(r.model_dump_json(indent=1) for r in reports) + "]")
        return
    before, after = (", ".join(f"{x:.2f}" for x in load) for load in (load_before, os.getloadavg()))
    print(f"time limit {args.time_limit:g} s, {args.threads} threads; load {before} → {after}")
    print(markdown(reports))


if __name__ == "__main__":
    main()

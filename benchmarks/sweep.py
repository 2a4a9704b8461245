"""A 10,000-case sweep of the built-in scenario: in-process, on 1 and 2 Dask workers, and the
plain loop an analyst would write without ``peaceforce sweep``, in one run.

* in-process: ``run_sweep`` with a fresh case store;
* Dask 1 / 2 workers: the same, on a local cluster of one-thread workers (fresh stores);
* plain loop: ``python -m peaceforce source`` run once per case with the case's what-if
  flags. It is timed on a sample of cases and scaled to the whole design: at several
  seconds per case, 10,000 cases would take most of a day. The command has no flag for
  a tour length, so the loop leaves that input at the scenario's (it costs the same).

Before each round, ``--repeat`` or not, a perfectly parallel NumPy kernel is run alone
and as two processes at once: the machine's own 1 → 2 scaling in that round, a ceiling
for the sweep's (it swings between rounds on a shared host).

Prints a markdown table, the machine's load average and, per run, the CPU seconds the
hypervisor gave to other machines meanwhile (Linux's steal time: on a shared host one run
of a mode lost 23 s of 100 to it, and the next run none); ``--json FILE`` also writes the
figures. Usage: ``python benchmarks/sweep.py [--cases 10000] [--sample 10] [--skip-dask]
[--repeat 3]``.

``--repeat N`` runs the three modes N times, in rounds (in-process, 1 worker, 2 workers,
then again), each on a fresh store, and gives the median of each mode and the median of
the rounds' 1 → 2 worker ratios: on a shared 2-core machine one run can be 15 % off
another, and a ratio of two such runs more so.

A speed-up must not change an answer: ``--reference`` (by default
``benchmarks/reference/turkey-germany-backstop.csv``, 132 distinct cases of the full spec
as solved before the speed-ups of issue 17) is compared with the in-process table, case by
case matched on the inputs, status and outcome by outcome. ``--write-reference FILE``
writes the in-process table's distinct cases in that form.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from peaceforce.sweeps.cases import forget_process_state, settings_of
from peaceforce.sweeps.design import design_cases
from peaceforce.sweeps.run import SweepRun, run_sweep
from peaceforce.sweeps.spec import SweepSpec, builtin_spec_dir, load_spec

#: Cases of the full built-in spec as solved before the speed-ups: no answer may change.
_REFERENCE = Path(__file__).parent / "reference" / "turkey-germany-backstop.csv"


def _text(value: Any) -> str:
    """A table cell as text that compares equal whatever the column's type (number, text, none)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return ""
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return str(value)


def _cases(spec: SweepSpec, table: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct case: the inputs, the status and the outcomes, as text."""
    columns = [i.name for i in spec.inputs] + ["status", *(o.value for o in spec.outcomes)]
    return table[columns].map(_text).drop_duplicates().reset_index(drop=True)


def _against_reference(spec: SweepSpec, table: pd.DataFrame, reference: Path) -> dict[str, Any]:
    """Compare a table with a reference's cases matched on the inputs, outcome by outcome."""
    expected = pd.read_csv(reference, dtype=str, keep_default_na=False).map(_text)
    inputs = [i.name for i in spec.inputs]
    measured = {"status", *(o.value for o in spec.outcomes)}
    if set(inputs) != set(expected.columns) - measured:
        return {"reference": str(reference), "compared": 0, "note": "other inputs than the spec's"}
    found = expected.merge(_cases(spec, table), on=inputs, how="inner", suffixes=("", ".now"))
    differing = [
        {"inputs": row[inputs].to_dict(), "outcome": column, "was": row[column], "now": now}
        for _, row in found.iterrows()
        for column in expected.columns
        if column not in inputs and (now := row[f"{column}.now"]) != row[column]
    ]
    return {
        "reference": str(reference),
        "compared": len(found),
        "of": len(expected),
        "differing": differing,
    }


def _spec(cases: int, inputs: str | None) -> SweepSpec:
    """The built-in spec with ``cases`` cases; only the named inputs vary if ``inputs`` is given
    (the others stay as the scenario has them)."""
    spec = load_spec(builtin_spec_dir() / "turkey-germany-backstop.yaml")
    kept = spec.inputs
    if inputs is not None:
        names = inputs.split(",")
        kept = tuple(i for i in spec.inputs if i.name in names)
    design = spec.design.model_copy(update={"cases": cases})
    return spec.model_copy(update={"design": design, "inputs": kept})


def _source_command(spec: SweepSpec, case: dict[str, Any]) -> list[str]:
    """``peaceforce source`` with the case's settings as command-line flags."""
    settings = settings_of(spec, case)
    what_if = settings.what_if
    command = [sys.executable, "-m", "peaceforce", "source", "--json"]
    command += ["--mission", settings.mission, "--framework", settings.framework]
    for nation in what_if.joins:
        command += ["--joins", nation]
    for nation in what_if.withdraws:
        command += ["--withdraws", nation]
    if what_if.us_backstop is not None:
        command.append("--us-backstop" if what_if.us_backstop else "--no-us-backstop")
    if what_if.rotation_ratio is not None:
        command += ["--rotation-ratio", str(what_if.rotation_ratio)]
    return command


def _plain_loop(spec: SweepSpec, sample: int) -> float:
    """Seconds per case of a loop that runs ``peaceforce source`` once per case."""
    cases = design_cases(spec)[:sample]
    started = time.perf_counter()
    for case in cases:
        subprocess.run(_source_command(spec, case), check=True, capture_output=True)
    return (time.perf_counter() - started) / len(cases)


def _stolen_seconds() -> float | None:
    """CPU seconds the hypervisor has given to other machines since boot, all cores
    (the ``steal`` column of Linux's ``/proc/stat``); None where there is no such file."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


#: Perfectly parallel work of the kind a sweep does (NumPy arrays made, multiplied and
#: sorted, in a Python loop), run as one process and as two at once: the 1 -> 2 process
#: scaling the machine itself gives in that round, a ceiling for the sweep's.
_PARALLEL_KERNEL = """
import numpy as np
generator = np.random.default_rng(1)
for _ in range(1500):
    a = generator.random((400, 400))
    np.sort(a @ a.T, axis=None)
"""


def _machine_scaling() -> float:
    """Throughput of two copies of the kernel at once over one alone (2.0 is perfect)."""
    command = [sys.executable, "-c", _PARALLEL_KERNEL]
    one_thread = os.environ | {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    started = time.perf_counter()
    subprocess.run(command, check=True, env=one_thread)
    alone = time.perf_counter() - started
    started = time.perf_counter()
    pair = [subprocess.Popen(command, env=one_thread) for _ in range(2)]
    if any(process.wait() != 0 for process in pair):
        raise RuntimeError("the parallel kernel failed")
    together = time.perf_counter() - started
    print(f"machine: {alone:.1f} s alone, {together:.1f} s two at once", file=sys.stderr)
    return 2 * alone / together


@dataclass(frozen=True)
class Timed:
    """One run of a mode, and the CPU time the hypervisor took from this machine during it:
    on a shared host a run can lose seconds of its cores to other machines."""

    run: SweepRun
    stolen: float | None

    @property
    def seconds(self) -> float:
        return self.run.seconds


def _timed(spec: SweepSpec, folder: Path, workers: int | None) -> Timed:
    """One cold run: in-process runs forget what earlier ones kept (workers start afresh)."""
    forget_process_state()
    before = _stolen_seconds()

    def report(done: int, total: int) -> None:
        print(f"  {folder.name}: {done:,} of {total:,} cases", file=sys.stderr, flush=True)

    run = run_sweep(spec, folder, workers=workers, progress=report)
    after = _stolen_seconds()
    stolen = None if before is None or after is None else after - before
    taken = "unknown" if stolen is None else f"{stolen:.1f}"
    print(f"{folder.name}: {run.seconds:.1f} s, {taken} s stolen", file=sys.stderr, flush=True)
    return Timed(run, stolen)


def _row(name: str, runs: list[Timed]) -> dict[str, Any]:
    """A mode's row: the median of its runs, and every run's seconds and stolen seconds."""
    seconds = float(np.median([timed.seconds for timed in runs]))
    first = runs[0].run
    return {
        "mode": name,
        "cases": first.cases,
        "sub_problems_solved": first.subproblems_solved,
        "seconds": round(seconds, 1),
        "cases_per_second": round(first.cases / seconds, 1),
        "runs_seconds": [round(timed.seconds, 1) for timed in runs],
        "runs_stolen_seconds": [
            None if timed.stolen is None else round(timed.stolen, 1) for timed in runs
        ],
    }


#: Columns that must agree between the in-process and the Dask tables.
_COMPARED = ("key", "status", "sustained_fill", "first_tour_fill", "firm_sustained_fill")


def _same_tables(runs: list[Timed]) -> bool:
    """Whether every run gave the first run's table, in the compared columns."""
    first = runs[0].run.table[list(_COMPARED)]
    return all(timed.run.table[list(_COMPARED)].equals(first) for timed in runs[1:])


def main() -> None:
    """Run every mode and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=10, help="cases the plain loop runs")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the three modes")
    parser.add_argument(
        "--inputs", default=None, help="comma-separated inputs of the spec to vary (default: all)"
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the case stores here (default: discard)"
    )
    parser.add_argument(
        "--reference",
        type=Path,
        default=_REFERENCE,
        help="cases whose outcomes the in-process table must match (matched on the inputs)",
    )
    parser.add_argument(
        "--write-reference", type=Path, default=None, help="write the distinct cases here"
    )
    args = parser.parse_args()
    spec = _spec(args.cases, args.inputs)
    try:  # model_copy does not validate: a left-out input the spec needs would fail mid-run
        SweepSpec.model_validate_json(spec.model_dump_json())
    except ValidationError as error:
        parser.error(f"--inputs {args.inputs}: {error.errors()[0]['msg']}")
    rows: list[dict[str, Any]] = []
    identical: bool | None = None
    machine: list[float] = []
    modes: dict[str, tuple[int | None, list[Timed]]] = {"in-process": (None, [])}
    if not args.skip_dask:
        modes |= {"Dask, 1 worker": (1, []), "Dask, 2 workers": (2, [])}
    with tempfile.TemporaryDirectory() as scratch:
        stores = args.keep or Path(scratch)
        for round_ in range(max(1, args.repeat)):
            if not args.skip_dask:
                machine.append(_machine_scaling())
            for workers, runs in modes.values():
                folder = stores / f"{workers or 0}-workers-round-{round_ + 1}"
                runs.append(_timed(spec, folder, workers))
    alone = modes["in-process"][1][0].run
    checked = _against_reference(spec, alone.table, args.reference)
    if args.write_reference is not None:
        _cases(spec, alone.table).to_csv(args.write_reference, index=False)
    rows.extend(_row(name, runs) for name, (_, runs) in modes.items())
    if not args.skip_dask:
        identical = _same_tables([run for _, runs in modes.values() for run in runs])
    per_case = _plain_loop(spec, args.sample)
    rows.append(
        {
            "mode": f"plain loop of `peaceforce source` ({args.sample} cases, scaled)",
            "cases": args.cases,
            "sub_problems_solved": args.cases,
            "seconds": round(per_case * args.cases, 1),
            "cases_per_second": round(1 / per_case, 2),
        }
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average after the runs: {load} ({os.cpu_count()} cores)")
    varied = ", ".join(i.name for i in spec.inputs)
    print(f"inputs varied: {varied}; {alone.distinct_cases:,} distinct cases\n")
    print(
        "| mode | cases | sub-problems solved | s (median) | cases/s | every run (s) "
        "| CPU s stolen in each run |"
    )
    print("|---|---:|---:|---:|---:|---|---|")
    for row in rows:
        every = ", ".join(f"{x:,.1f}" for x in row.get("runs_seconds", [])) or "-"
        stolen = row.get("runs_stolen_seconds", [])
        taken = ", ".join("?" if x is None else f"{x:,.1f}" for x in stolen) or "-"
        print(
            f"| {row['mode']} | {row['cases']:,} | {row['sub_problems_solved']:,} | "
            f"{row['seconds']:,.1f} | {row['cases_per_second']:,.2f} | {every} | {taken} |"
        )
    if "note" in checked:
        print(f"\nreference ({args.reference.name}): not compared, {checked['note']}")
    else:
        print(
            f"\nreference ({args.reference.name}): {checked['compared']} of "
            f"{checked['of']} cases found in this run, "
            f"{len(checked['differing'])} outcomes differ"
        )
    for difference in checked.get("differing", [])[:10]:
        print(f"  {difference}")
    summary: dict[str, Any] = {
        "rows": rows,
        "load_average": load,
        "identical_tables": identical,
        "reference": checked,
    }
    if not args.skip_dask:
        ratios = [
            one.seconds / two.seconds
            for one, two in zip(
                modes["Dask, 1 worker"][1], modes["Dask, 2 workers"][1], strict=True
            )
        ]
        scaling = float(np.median(ratios))
        summary["scaling_1_to_2_workers"] = round(scaling, 2)
        summary["scaling_per_round"] = [round(x, 2) for x in ratios]
        summary["machine_scaling_per_round"] = [round(x, 2) for x in machine]
        every = ", ".join(f"{x:.2f}x" for x in ratios)
        ceiling = ", ".join(f"{x:.2f}x" for x in machine)
        print(
            f"\nscaling from 1 to 2 workers: {scaling:.2f}x (median of the rounds: {every}); "
            f"tables identical: {identical}\n"
            f"the machine's own 1 -> 2 process scaling on perfectly parallel NumPy work: "
            f"{float(np.median(machine)):.2f}x (rounds: {ceiling})"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

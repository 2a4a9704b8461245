"""Running a sweep: plan the cases, solve what the store lacks, in-process or on Dask.

Planning happens in the caller's process: every case of the design gets its
content key; keys already stored are done; the rest are grouped by sub-problem
(:func:`~peaceforce.sweeps.cases.subproblem_of`), so identical cases and cases
that differ only in settings that change nothing are solved once. Batches of
sub-problems then go to :func:`solve_batch`, in this process or on Dask
workers (one thread each; each worker reads the scenario once and builds every
model itself: no solver object crosses a process). Only the caller writes the
store, as each batch comes back: a worker killed mid-batch loses nothing, since
its batch is simply run again elsewhere, and a caller stopped mid-sweep leaves
every finished batch on disk for the next run.

Sub-problems that differ only in what no model reads make equal solver models
(:mod:`peaceforce.solvers.proven`): a process solves each once. The workers of
a local cluster also share those runs, in a private folder that lives as long
as the sweep, so a model one worker proved is not solved again on the other.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from peaceforce.sweeps.cases import (
    CaseSettings,
    SweepContext,
    case_keys,
    case_scenario,
    context_for,
    evaluate,
    inputs_json,
    settings_of,
    subproblem_of,
)
from peaceforce.sweeps.design import Inputs, design_cases, dimension_values
from peaceforce.sweeps.spec import SetInput, SweepSpec
from peaceforce.sweeps.store import CaseStore

#: Sub-problems per batch: several seconds of work, so a lost worker costs little, and few
#: enough batches that Dask's own work per batch stays small (with 4 per batch a two-worker
#: sweep's caller used 1.3-1.7 s of CPU while the workers solved, with 8 1.1-1.2 s).
DEFAULT_BATCH = 8
#: Batches in flight per worker thread: enough to keep each busy, few enough to bound memory.
IN_FLIGHT_PER_THREAD = 2
#: Batches each worker thread should get at least, when there are enough jobs.
_BATCHES_PER_THREAD = 16
#: Towards the end of a sweep on Dask, a batch holds at most this share of the jobs left per
#: worker thread, down to one job: the workers then finish within about one job of each other
#: (with fixed batches of 4 one worker of two sat idle for a whole batch, about 1 s of 40).
_TAIL_SHARE = 1 / 4
#: Times a batch is tried again after an error on a worker (a killed worker is rescheduled too).
RETRIES = 2

#: The Dask settings of a local cluster (its scheduler and nannies, and the workers they start).
#:
#: * No statistical profiler. It wakes every 10 ms to sample the solving thread; with two
#:   workers on two cores a sweep took 56 s without it and 68 s with it (one run each,
#:   docs/benchmarks.md). The dashboard loses its flame graph, nothing else.
#: * No ``MALLOC_TRIM_THRESHOLD_``, which Dask sets by default to give memory back to the
#:   system sooner. Setting it turns off glibc's sliding mmap threshold, so every NumPy
#:   array over 128 KiB of a model build is mapped and unmapped afresh: the sweep of the
#:   benchmark took 87 s in-process with it set and 76 s without, and two workers 51 s
#:   against 39 s. A sweep worker's memory is bounded by its proven runs (solvers/proven.py).
#: * Dask's housekeeping at a slower pace: the event-loop tick (20 ms), the system monitor
#:   (500 ms) and the worker memory monitor (100 ms). Idle, a two-worker cluster's caller
#:   used 1.00 s of CPU per 20 s and each worker 0.4 s; at these intervals 0.19 s and
#:   0.08 s. With two workers on two cores every such second is taken from a solver.
_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1,
        "MKL_NUM_THREADS": 1,
        "OPENBLAS_NUM_THREADS": 1,
    },
}
#: Called as cases finish: (cases done, cases in all).
Progress = Callable[[int, int], None]
#: One sub-problem to solve: a representative case and every (key, inputs JSON) it answers.
Job = tuple[Inputs, list[tuple[str, str]]]


@dataclass
class SweepPlan:
    """The cases of a sweep, their keys, and the sub-problems still to solve."""

    context: SweepContext
    cases: list[Inputs]
    keys: list[str]
    jobs: list[Job]
    #: Distinct keys of the design found in the store before the run.
    stored: int = 0

    @property
    def distinct(self) -> int:
        """Distinct case keys."""
        return len(set(self.keys))

    @property
    def to_solve(self) -> int:
        """Distinct keys missing from the store."""
        return sum(len(members) for _, members in self.jobs)


@dataclass(frozen=True)
class SweepRun:
    """What a sweep did, and its table (one row per case of the design, in design order)."""

    spec: SweepSpec
    table: pd.DataFrame
    cases: int
    distinct_cases: int
    stored_before: int
    solved_cases: int
    subproblems_solved: int
    seconds: float
    where: str

    @property
    def cases_per_second(self) -> float:
        """Cases of the design answered per second of this run."""
        return self.cases / self.seconds if self.seconds > 0 else float("inf")


def plan_sweep(spec: SweepSpec, store: CaseStore) -> SweepPlan:
    """Design the cases, key them, and group the keys the store lacks by sub-problem."""
    context = context_for(spec)
    version = context.scenario_version
    cases = design_cases(spec)
    keys = case_keys(cases, version, spec)
    done = store.done_keys(version)
    groups: dict[Any, Job] = {}
    subproblems: dict[CaseSettings, Any] = {}
    seen: set[str] = set()
    for case, key in zip(cases, keys, strict=True):
        if key in done or key in seen:
            continue
        seen.add(key)
        settings = settings_of(spec, case)
        if settings not in subproblems:
            scenario = case_scenario(context, settings)
            subproblems[settings] = subproblem_of(context, scenario, settings)
        sub = subproblems[settings]
        if sub in groups:
            groups[sub][1].append((key, inputs_json(case)))
        else:
            groups[sub] = (case, [(key, inputs_json(case))])
    return SweepPlan(context, cases, keys, list(groups.values()), stored=len(done & set(keys)))


def solve_batch(spec_json: str, jobs: Sequence[Job]) -> list[dict[str, Any]]:
    """Solve sub-problems and give one store row per case they answer (runs on any worker)."""
    context = context_for(SweepSpec.model_validate_json(spec_json))
    rows: list[dict[str, Any]] = []
    for representative, members in jobs:
        settings = settings_of(context.spec, representative)
        outcome = evaluate(context, case_scenario(context, settings), settings)
        for index, (key, inputs) in enumerate(members):
            seconds = outcome["solve_seconds"] if index == 0 else 0.0
            rows.append({**outcome, "key": key, "inputs": inputs, "solve_seconds": seconds})
    return rows


def _batches(jobs: list[Job], size: int) -> Iterator[list[Job]]:
    for start in range(0, len(jobs), size):
        yield jobs[start : start + size]


def _tapering_batches(jobs: list[Job], size: int, threads: int) -> Iterator[list[Job]]:
    """Batches of ``size`` jobs, then smaller ones as the jobs run out, the last of one job
    each (guided self-scheduling): no worker is left with a long batch while the others idle."""
    start = 0
    while start < len(jobs):
        left = len(jobs) - start
        step = max(1, min(size, int(left * _TAIL_SHARE / threads)))
        yield jobs[start : start + step]
        start += step


def run_sweep(
    spec: SweepSpec,
    store_folder: Path | str,
    *,
    workers: int | None = None,
    cluster: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> SweepRun:
    """Run every case the store lacks, then read the whole table back from the store.

    ``workers`` starts a local Dask cluster of that many one-thread workers;
    ``cluster`` (``tcp://HOST:PORT``) uses a running scheduler; neither runs in-process.
    """
    started = time.perf_counter()
    spec_json = spec.model_dump_json()
    connecting: Future[tuple[Any, Any]] | None = None
    if workers is not None or cluster is not None:
        # The cluster starts, and its workers read the scenario, while the cases are planned.
        # A local cluster's workers share their proven solver runs in a private folder.
        with (
            ThreadPoolExecutor(max_workers=1) as pool,
            tempfile.TemporaryDirectory(prefix="peaceforce-proven-runs-") as runs,
        ):
            shared = Path(runs) if cluster is None else None
            connecting = pool.submit(_connect, spec_json, workers, cluster, shared)
            try:
                return _run(
                    spec,
                    store_folder,
                    spec_json=spec_json,
                    batch_size=batch_size,
                    progress=progress,
                    connecting=connecting,
                    address=cluster,
                    started=started,
                )
            finally:
                client, local = connecting.result()
                client.close()
                if local is not None:
                    local.close()
    return _run(
        spec,
        store_folder,
        spec_json=spec_json,
        batch_size=batch_size,
        progress=progress,
        connecting=None,
        address=None,
        started=started,
    )


def _run(
    spec: SweepSpec,
    store_folder: Path | str,
    *,
    spec_json: str,
    batch_size: int,
    progress: Progress | None,
    connecting: Future[tuple[Any, Any]] | None,
    address: str | None,
    started: float,
) -> SweepRun:
    store = CaseStore(store_folder)
    plan = plan_sweep(spec, store)
    version = plan.context.scenario_version
    total = len(plan.cases)
    per_key = Counter(plan.keys)
    done = total - sum(per_key[key] for _, members in plan.jobs for key, _ in members)
    if progress:
        progress(done, total)

    def finished(rows: list[dict[str, Any]]) -> None:
        nonlocal done
        store.write(version, rows)
        done += sum(per_key[row["key"]] for row in rows)
        if progress:
            progress(done, total)

    if connecting is None:
        for batch in _batches(plan.jobs, max(1, batch_size)):
            finished(solve_batch(spec_json, batch))
        where = "in-process"
    else:
        client, _ = connecting.result()
        where = _run_on_dask(client, spec_json, plan.jobs, batch_size, finished)
        if address is not None:
            where = where.replace(")", f" at {address})")
    table = sweep_table(spec, plan, store)
    return SweepRun(
        spec=spec,
        table=table,
        cases=total,
        distinct_cases=plan.distinct,
        stored_before=plan.stored,
        solved_cases=plan.to_solve,
        subproblems_solved=len(plan.jobs),
        seconds=time.perf_counter() - started,
        where=where,
    )


def warm(spec_json: str) -> None:
    """Read the spec's scenario on a worker now, before its first batch."""
    context_for(SweepSpec.model_validate_json(spec_json))


def _forget_dask_trim_threshold() -> None:
    """Take back the ``MALLOC_TRIM_THRESHOLD_`` an earlier Dask cluster of this process left.

    A nanny sets its pre-spawn variables in its parent's own environment, where they stay,
    so every worker started later inherits Dask's default even under ``_WORKER_CONFIG``.
    A value other than Dask's default was set by someone on purpose and is kept.
    """
    import dask

    name = "MALLOC_TRIM_THRESHOLD_"
    dasks = dask.config.get("distributed.nanny.pre-spawn-environ", {}).get(name)
    if dasks is not None and os.environ.get(name) == str(dasks):
        del os.environ[name]


def _connect(
    spec_json: str, workers: int | None, address: str | None, shared: Path | None
) -> tuple[Any, Any]:
    """A client of a new local cluster (or of the scheduler at ``address``), workers warmed;
    a local cluster's workers share proven runs in ``shared``."""
    import dask
    from distributed import Client, LocalCluster

    local = None
    if address is None:
        _forget_dask_trim_threshold()
        with dask.config.set(_WORKER_CONFIG):  # the nannies hand it to their workers
            local = LocalCluster(
                n_workers=workers or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
            )
        client = Client(local)
    else:
        client = Client(address)
    if shared is None:  # another machine's workers: each keeps its own runs
        client.run(warm, spec_json)
    else:
        from peaceforce.sweeps.worker import SweepWorker

        client.register_plugin(SweepWorker(spec_json, shared))
    return client, local


def _run_on_dask(
    client: Any,
    spec_json: str,
    jobs: list[Job],
    batch_size: int,
    finished: Callable[[list[dict[str, Any]]], None],
) -> str:
    """Run the jobs in batches on Dask, a bounded number in flight, writing each as it returns.

    Batches shrink when there are few jobs, so that every worker gets many, and towards the
    end, so that the workers finish together.
    """
    from distributed import as_completed

    threads = max(1, sum(client.nthreads().values()))
    limit = threads * IN_FLIGHT_PER_THREAD
    size = max(1, min(batch_size, len(jobs) // (_BATCHES_PER_THREAD * threads)))
    pending = _tapering_batches(jobs, size, threads)

    def submit(batch: list[Job]) -> Any:
        return client.submit(solve_batch, spec_json, batch, pure=False, retries=RETRIES)

    running = as_completed([submit(b) for _, b in zip(range(limit), pending, strict=False)])
    for future in running:
        finished(future.result())
        following = next(pending, None)
        if following is not None:
            running.add(submit(following))
    return f"Dask ({threads} worker threads)"


def sweep_table(spec: SweepSpec, plan: SweepPlan, store: CaseStore) -> pd.DataFrame:
    """One row per case of the design: its inputs, its status and its outcomes."""
    has_sets = any(isinstance(i, SetInput) for i in spec.inputs)
    records = []
    for index, (case, key) in enumerate(zip(plan.cases, plan.keys, strict=True)):
        record: dict[str, Any] = {"case": index, "key": key}
        for item in spec.inputs:
            value = case[item.name]
            record[item.name] = ",".join(value) if isinstance(value, tuple) else value
        if has_sets:
            record |= {k: v for k, v in dimension_values(spec, case).items() if "." in k}
        records.append(record)
    columns = ["key", "status", "error", *(o.value for o in spec.outcomes)]
    stored = store.read(plan.context.scenario_version, plan.keys).select(columns).to_pandas()
    return pd.DataFrame.from_records(records).merge(stored, on="key", how="left")

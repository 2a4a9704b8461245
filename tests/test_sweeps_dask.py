"""Sweeps on Dask: the same table as in-process, and a worker killed mid-sweep loses no case."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from peaceforce.sweeps.run import _tapering_batches, run_sweep
from peaceforce.sweeps.spec import SweepSpec, parse_spec

distributed = pytest.importorskip("distributed")

#: 16 distinct cases of the monitoring mission (about a tenth of a second each).
SPEC: dict[str, Any] = {
    "name": "dask-small",
    "question": "Which joiners does monitoring need, with Germany out or not and a backstop?",
    "mission": "monitoring",
    "framework": "coalition",
    "inputs": [
        {"name": "germany_out", "kind": "boolean", "target": "withdraws", "nation": "DEU"},
        {"name": "us_backstop", "kind": "boolean", "target": "us_backstop"},
        {"name": "join", "kind": "set", "target": "joins", "nations": ["SWE", "NOR"]},
    ],
    "outcomes": ["sustained_fill", "first_tour_fill", "firm_sustained_fill", "worst_gap"],
    "failure": {"outcome": "sustained_fill", "below": 0.3},
    "design": {"method": "factorial"},
}
#: What must match between runs (solve times differ).
COMPARED = [
    "case",
    "key",
    "status",
    "error",
    "sustained_fill",
    "first_tour_fill",
    "firm_sustained_fill",
    "worst_gap",
]


def spec() -> SweepSpec:
    return parse_spec(SPEC, "dask-small.yaml")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Two one-thread worker processes on 127.0.0.1."""
    local = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",
        host="127.0.0.1",
    )
    try:
        yield local
    finally:
        local.close()


def test_same_table_in_process_and_on_two_workers(tmp_path: Path) -> None:
    alone = run_sweep(spec(), tmp_path / "alone")
    spread = run_sweep(spec(), tmp_path / "spread", workers=2, batch_size=3)
    assert spread.where.startswith("Dask (2 worker threads")
    assert len(alone.table) == 16 and alone.table["status"].eq("optimal").all()
    pd.testing.assert_frame_equal(alone.table[COMPARED], spread.table[COMPARED])


def test_a_worker_killed_mid_sweep_loses_no_case(tmp_path: Path, cluster: Any) -> None:
    client = distributed.Client(cluster)
    pids = sorted(client.run(os.getpid).values())
    client.close()
    killed: list[int] = []

    def kill_one(done: int, total: int) -> None:
        if done >= 3 and not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    run = run_sweep(
        spec(),
        tmp_path / "store",
        cluster=cluster.scheduler_address,
        batch_size=1,
        progress=kill_one,
    )
    assert killed, "the sweep ended before a worker was killed"
    assert run.solved_cases == 16 and len(run.table) == 16
    assert run.table["status"].eq("optimal").all()
    assert run.table["key"].is_unique
    again = run_sweep(spec(), tmp_path / "store")
    assert again.solved_cases == 0 and again.stored_before == 16


def test_local_sweep_workers_keep_glibcs_mmap_threshold_and_slow_housekeeping(
    tmp_path: Path,
) -> None:
    """Dask's default MALLOC_TRIM_THRESHOLD_ makes every large NumPy array a fresh mmap
    (a sweep 15-30 % slower); its profiler samples the solving thread every 10 ms, and its
    monitors wake every 100-500 ms, each time taking a core from a solver."""
    from peaceforce.sweeps.run import _connect

    client, local = _connect(spec().model_dump_json(), 1, None, tmp_path)
    try:

        def settings() -> tuple[str | None, str | None, bool, str]:
            import dask

            return (
                os.environ.get("MALLOC_TRIM_THRESHOLD_"),
                os.environ.get("OMP_NUM_THREADS"),
                bool(dask.config.get("distributed.worker.profile.enabled")),
                str(dask.config.get("distributed.worker.memory.monitor-interval")),
            )

        assert list(client.run(settings).values()) == [(None, "1", False, "1s")]
    finally:
        client.close()
        local.close()


def test_batches_taper_to_single_jobs_so_workers_finish_together() -> None:
    # 100 jobs for 2 worker threads in batches of 8: whole batches while many jobs are left,
    # then at most a quarter of what is left per thread, down to one job each.
    jobs: list[Any] = [({"case": n}, [(f"key-{n}", "{}")]) for n in range(100)]
    batches = list(_tapering_batches(jobs, 8, threads=2))
    assert [job for batch in batches for job in batch] == jobs  # each job once, in order
    sizes = [len(batch) for batch in batches]
    assert sizes[0] == 8 and sizes == sorted(sizes, reverse=True)
    left = 100
    for size in sizes:
        assert size == max(1, min(8, left // 8))
        left -= size
    assert sizes[-8:] == [1] * 8

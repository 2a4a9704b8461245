"""How each worker of a sweep's local Dask cluster is set up (imported only with Dask)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from distributed import WorkerPlugin

from peaceforce.solvers.proven import share_between_processes
from peaceforce.sweeps.run import warm


class SweepWorker(WorkerPlugin):  # type: ignore[misc]  # distributed has no type hints
    """Set up each worker as it starts, one restarted after a crash too: it shares its
    proven solver runs with the other workers
    (:func:`~peaceforce.solvers.proven.share_between_processes`) and reads the scenario
    before its first batch."""

    name = "peaceforce-sweep"

    def __init__(self, spec_json: str, shared: Path) -> None:
        self.spec_json = spec_json
        self.shared = shared

    def setup(self, worker: Any) -> None:
        """Called by Dask on each worker as it starts."""
        share_between_processes(self.shared)
        warm(self.spec_json)

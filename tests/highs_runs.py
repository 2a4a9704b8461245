"""Count the HiGHS runs of one optimiser module, its store of proven runs emptied first."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from peaceforce.solvers.highs_mip import run as run_highs
from peaceforce.solvers.proven import ProvenRuns


def counted_highs_runs(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> list[int]:
    """A list that grows by one per HiGHS run of ``module``; its proven runs start empty."""
    monkeypatch.setattr(module, "_PROVEN", ProvenRuns(size=8))
    runs: list[int] = []

    def counted(highs: Any) -> None:
        runs.append(1)
        run_highs(highs)

    monkeypatch.setattr(module, "run_highs", counted)
    return runs

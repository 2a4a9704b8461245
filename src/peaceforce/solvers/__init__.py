"""Shared solver cores: lazy access to the solver libraries, one status vocabulary.

OR-Tools ships its own copy of HiGHS. If ``highspy`` is imported first, the later
``ortools`` import fails with an undefined HiGHS symbol, so every module reaches
the solvers through these functions, which always load OR-Tools first. Nothing
is imported until a solver is actually needed.

::

    solvers/
      __init__.py   cp_sat(), highs(): lazy imports in the order that works
      status.py     SolveStatus: how any solve ended, for every solver
      highs_mip.py  a configured HiGHS model, its outcome mapped to SolveStatus
      mclp.py       maximal covering location, several facility types (protection's core)
      rcpsp/        resource-constrained scheduling: CP-SAT model, SGS heuristics, bounds
"""

from __future__ import annotations

import importlib
from types import ModuleType

from peaceforce.solvers.status import SolveStatus

__all__ = ["SolveStatus", "cp_sat", "highs"]


def cp_sat() -> ModuleType:
    """Return ``ortools.sat.python.cp_model``."""
    from ortools.sat.python import cp_model

    return cp_model


def highs() -> ModuleType:
    """Return the ``highspy`` module, after OR-Tools has been loaded."""
    cp_sat()
    return importlib.import_module("highspy")

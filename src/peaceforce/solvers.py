"""Lazy access to the two solver libraries, in the one import order that works.

OR-Tools ships its own copy of HiGHS. If ``highspy`` is imported first, the later
``ortools`` import fails with an undefined HiGHS symbol, so every module reaches
the solvers through these functions, which always load OR-Tools first. Nothing
is imported until a solver is actually needed.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def cp_sat() -> ModuleType:
    """Return ``ortools.sat.python.cp_model``."""
    from ortools.sat.python import cp_model

    return cp_model


def highs() -> ModuleType:
    """Return the ``highspy`` module, after OR-Tools has been loaded."""
    cp_sat()
    return importlib.import_module("highspy")

"""Designs: which cases a sweep runs.

Every design draws points in the unit hypercube, one coordinate per *dimension*,
and decodes them into input values. A set-valued input has one dimension per
nation (in or out), so "which nations join" stays a set and is never a number
rounded into one. Full factorial enumerates the levels instead.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from peaceforce.sweeps.spec import (
    BooleanInput,
    CategoricalInput,
    Input,
    IntegerInput,
    Method,
    SetInput,
    SweepSpec,
)

#: A case's inputs: name → str, bool, int, float, or a tuple of nations (set input).
Value = str | bool | int | float | tuple[str, ...]
Inputs = dict[str, Value]

#: Largest full factorial design accepted (a typo in a range should not ask for billions).
MAX_FACTORIAL_CASES = 1_000_000


@dataclass(frozen=True)
class Dimension:
    """One coordinate of the design: an input, or one nation of a set input."""

    input: Input
    member: str | None = None

    @property
    def name(self) -> str:
        """Column name: the input's, or ``input.NATION`` for a member of a set."""
        return self.input.name if self.member is None else f"{self.input.name}.{self.member}"

    def decode(self, column: np.ndarray[Any, np.dtype[np.float64]]) -> list[Value]:
        """The values at points of [0, 1], one per point (a whole design's column at once)."""
        spec = self.input
        if isinstance(spec, SetInput | BooleanInput):
            return list((column >= 0.5).tolist())
        if isinstance(spec, CategoricalInput | IntegerInput):
            levels = spec.values if isinstance(spec, CategoricalInput) else spec.levels()
            bins = np.minimum(np.floor(column * len(levels)), len(levels) - 1).astype(int)
            return [levels[index] for index in bins.tolist()]
        low, span = spec.low, spec.high - spec.low
        return [round(low + span * u, 6) for u in column.tolist()]

    def levels(self) -> tuple[Value, ...]:
        """The values a full factorial design takes."""
        spec = self.input
        if isinstance(spec, SetInput | BooleanInput):
            return (False, True)
        if isinstance(spec, CategoricalInput):
            return spec.values
        return spec.levels()


def dimensions(spec: SweepSpec) -> list[Dimension]:
    """The design's coordinates, in the spec's order."""
    result: list[Dimension] = []
    for item in spec.inputs:
        if isinstance(item, SetInput):
            result.extend(Dimension(item, nation) for nation in item.nations)
        else:
            result.append(Dimension(item))
    return result


def _assemble(spec: SweepSpec, names: Sequence[str], values: Sequence[Value]) -> Inputs:
    """Inputs of one case from the value of every dimension, named ``names`` (set members
    gathered)."""
    by_dim = dict(zip(names, values, strict=True))
    case: Inputs = {}
    for item in spec.inputs:
        if isinstance(item, SetInput):
            case[item.name] = tuple(n for n in item.nations if by_dim[f"{item.name}.{n}"])
        else:
            case[item.name] = by_dim[item.name]
    return case


def unit_points(spec: SweepSpec) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The design's points in the unit hypercube (LHS, Sobol, Morris), one row per case."""
    dims = dimensions(spec)
    design = spec.design
    if design.method is Method.LHS:
        from scipy.stats import qmc

        return np.asarray(qmc.LatinHypercube(d=len(dims), seed=design.seed).random(design.cases))
    problem = salib_problem(spec)
    if design.method is Method.SOBOL:
        from SALib.sample import sobol

        return np.asarray(
            sobol.sample(problem, design.cases, calc_second_order=False, seed=design.seed)
        )
    from SALib.sample import morris

    return np.asarray(
        morris.sample(problem, design.cases, num_levels=design.morris_levels, seed=design.seed)
    )


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem: every dimension on [0, 1]."""
    names = [d.name for d in dimensions(spec)]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def design_cases(spec: SweepSpec) -> list[Inputs]:
    """Every case of the design, in design order (duplicates kept: the store solves them once)."""
    dims = dimensions(spec)
    if spec.design.method is Method.FACTORIAL:
        levels = [d.levels() for d in dims]
        size = math.prod(len(x) for x in levels)
        if size > MAX_FACTORIAL_CASES:
            from peaceforce.errors import InputError, Problem

            raise InputError(
                [
                    Problem(
                        spec.name,
                        "design.method",
                        f"factorial of {size:,} cases",
                        f"at most {MAX_FACTORIAL_CASES:,}: fewer levels, or method lhs",
                    )
                ]
            )
        names = [d.name for d in dims]
        return [_assemble(spec, names, combo) for combo in itertools.product(*levels)]
    points = unit_points(spec)
    columns = [d.decode(points[:, index]) for index, d in enumerate(dims)]
    names = [d.name for d in dims]
    return [_assemble(spec, names, values) for values in zip(*columns, strict=True)]


def dimension_values(spec: SweepSpec, case: Inputs) -> dict[str, Value]:
    """A case's value per dimension: set inputs as one in/out column per nation."""
    values: dict[str, Value] = {}
    for item in spec.inputs:
        value = case[item.name]
        if isinstance(item, SetInput):
            assert isinstance(value, tuple)
            values.update({f"{item.name}.{n}": n in value for n in item.nations})
        else:
            values[item.name] = value
    return values

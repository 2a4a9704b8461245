"""Maximal covering location on HiGHS, generalised to several system types.

The classic MCLP (Church and ReVelle, 1974) places ``p`` identical facilities
to maximise the weight of demand within one service radius. Air defence comes
in groups with their own count, range and allowed sites (a pledge's caveats), and
a site may hold more than one unit, so the model is::

    max   sum_i w_i y_i
    s.t.  y_i <= sum_{(g,j) : d_ij <= r_g, j allowed for g} x_gj    every demand i
          sum_j x_gj <= count_g                                    every group g
          sum_g x_gj <= capacity_j                                 every site j
          x_gj integer >= 0,  0 <= y_i <= 1

``y`` may stay continuous: for integer ``x`` an optimal ``y_i`` is
``min(1, cover_i)``, which is 0 or 1. Demand may come in layers (one per
threat class, each with its own radius per group: ``d_ij <= r_g[layer_i]``),
so the same place can be covered against one class and not another. With one
group, one layer, unit capacities and every site allowed it is exactly the
MCLP that PySAL's spopt builds, which is how the tests and
``benchmarks/coverage.py`` check it. A second, optional stage keeps the
coverage at its optimum and moves the units to the least exposed sites
(``site_penalty``).

The model knows nothing of air defence: :mod:`peaceforce.protection.coverage`
turns a mission's units, sites and assets into an :class:`MclpInstance`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from peaceforce.errors import SolverError
from peaceforce.solvers import highs
from peaceforce.solvers.highs_mip import new_highs, outcome
from peaceforce.solvers.highs_mip import run as run_highs
from peaceforce.solvers.status import SolveStatus

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

#: Relative slack with which the second stage holds the first stage's coverage (HiGHS
#: calls tighter holds infeasible once weights carry threat shares with many decimals).
_STAGE_TOLERANCE = 1e-7
#: Demand rows per block when the distance matrix is built (bounds memory).
_BLOCK = 4096


@dataclass(frozen=True)
class FacilityGroup:
    """Identical units that may stand at some of the sites.

    ``range_m`` is one radius for every demand layer, or one radius per layer
    (0: the group covers nothing of that layer).
    """

    key: str
    count: int
    range_m: float | tuple[float, ...]
    allowed: Bools

    def radius_m(self, layer: int) -> float:
        """The group's radius for demand of one layer."""
        return float(self.range_m) if isinstance(self.range_m, float | int) else self.range_m[layer]


@dataclass(frozen=True)
class MclpInstance:
    """Demand points, candidate sites and facility groups, all in metric x/y (metres)."""

    demand_xy: Floats
    weights: Floats
    site_xy: Floats
    capacity: Ints
    groups: tuple[FacilityGroup, ...]
    site_penalty: Floats | None = None
    demand_layer: Ints | None = None  # layer of each demand point; all 0 when None

    def without(self, keys: set[str]) -> MclpInstance:
        """The same instance without some groups (a nation withdraws)."""
        return replace(self, groups=tuple(g for g in self.groups if g.key not in keys))

    @property
    def layers(self) -> Ints:
        """The layer of each demand point."""
        if self.demand_layer is None:
            return np.zeros(len(self.weights), dtype=np.int64)
        return self.demand_layer


@dataclass(frozen=True)
class MclpSolution:
    """Units per (group, site), the demand they cover, and how the solve ended.

    ``status`` is ``NOTHING_TO_SOLVE`` when no unit may stand anywhere (no column),
    ``FEASIBLE`` when either stage stopped at the time limit.
    """

    status: SolveStatus
    objective: float
    bound: float
    placed: dict[tuple[int, int], int]
    covered: Bools
    seconds: float
    penalty: float = 0.0


@dataclass
class _Columns:
    """Column indices of the model: y per demand, then x per (group, allowed site)."""

    n_demand: int
    group: list[int] = field(default_factory=list)
    site: list[int] = field(default_factory=list)

    def x(self, k: int) -> int:
        return self.n_demand + k


def within_range(demand_xy: Floats, site_xy: Floats, range_m: float) -> tuple[Ints, Ints]:
    """(demand, site) index pairs no farther apart than ``range_m``, blockwise."""
    rows: list[Ints] = []
    cols: list[Ints] = []
    for start in range(0, len(demand_xy), _BLOCK):
        block = demand_xy[start : start + _BLOCK]
        d2 = ((block[:, None, :] - site_xy[None, :, :]) ** 2).sum(axis=2)
        i, j = np.nonzero(d2 <= range_m * range_m)
        rows.append(i.astype(np.int64) + start)
        cols.append(j.astype(np.int64))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def coverage_pairs(instance: MclpInstance) -> tuple[_Columns, Ints, Ints]:
    """The model's x columns and, for each, the demand points it covers (as pairs)."""
    columns = _Columns(len(instance.weights))
    demand_of: list[Ints] = []
    column_of: list[Ints] = []
    layer = instance.layers
    in_layer = {int(v): np.flatnonzero(layer == v) for v in np.unique(layer)}
    by_range: dict[tuple[int, float], tuple[Ints, Ints]] = {}
    for g, group in enumerate(instance.groups):
        sites = np.flatnonzero(group.allowed & (instance.capacity > 0))
        if group.count <= 0 or sites.size == 0:
            continue
        position = np.full(len(instance.site_xy), -1, dtype=np.int64)
        position[sites] = np.arange(len(columns.site), len(columns.site) + sites.size)
        for ell, members in in_layer.items():
            radius = group.radius_m(ell)
            if radius <= 0:
                continue
            if (ell, radius) not in by_range:
                i, j = within_range(instance.demand_xy[members], instance.site_xy, radius)
                by_range[ell, radius] = (members[i], j)
            i, j = by_range[ell, radius]
            keep = position[j] >= 0
            demand_of.append(i[keep])
            column_of.append(position[j[keep]])
        columns.group.extend([g] * sites.size)
        columns.site.extend(int(s) for s in sites)
    if not demand_of:
        return columns, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return columns, np.concatenate(demand_of), np.concatenate(column_of)


def _add_rows(h: Any, row: Ints, col: Ints, value: Floats, *, lower: Floats, upper: Floats) -> None:
    """Add rows given as coordinate triplets (row numbers local to this call)."""
    if len(lower) == 0:
        return
    order = np.lexsort((col, row))
    row, col, value = row[order], col[order], value[order]
    starts = np.searchsorted(row, np.arange(len(lower))).astype(np.int32)
    h.addRows(len(lower), lower, upper, len(col), starts, col.astype(np.int32), value)


def _build(instance: MclpInstance) -> tuple[Any, _Columns, Ints, Ints]:
    hs = highs()
    h = new_highs()
    columns, demand, column = coverage_pairs(instance)
    n, k = columns.n_demand, len(columns.site)
    coverable = np.zeros(n, dtype=bool)
    coverable[demand] = True
    upper_x = [
        float(min(instance.groups[g].count, instance.capacity[j]))
        for g, j in zip(columns.group, columns.site, strict=True)
    ]
    h.addVars(n + k, np.zeros(n + k), np.concatenate([coverable.astype(float), upper_x]))
    if k:
        index = np.arange(n, n + k, dtype=np.int32)
        h.changeColsIntegrality(k, index, np.array([hs.HighsVarType.kInteger] * k))
    # y_i - sum of covering x <= 0, one row per coverable demand point
    rows_of = np.cumsum(coverable) - 1
    covered_rows = np.flatnonzero(coverable)
    _add_rows(
        h,
        np.concatenate([rows_of[covered_rows], rows_of[demand]]),
        np.concatenate([covered_rows, n + column]),
        np.concatenate([np.ones(covered_rows.size), -np.ones(demand.size)]),
        lower=np.full(covered_rows.size, -math.inf),
        upper=np.zeros(covered_rows.size),
    )
    groups = np.asarray(columns.group, dtype=np.int64)
    sites = np.asarray(columns.site, dtype=np.int64)
    used_groups, group_row = np.unique(groups, return_inverse=True)
    _add_rows(
        h,
        group_row,
        n + np.arange(k),
        np.ones(k),
        lower=np.full(used_groups.size, -math.inf),
        upper=np.array([float(instance.groups[g].count) for g in used_groups]),
    )
    used_sites, site_row = np.unique(sites, return_inverse=True)
    _add_rows(
        h,
        site_row,
        n + np.arange(k),
        np.ones(k),
        lower=np.full(used_sites.size, -math.inf),
        upper=instance.capacity[used_sites].astype(float),
    )
    return h, columns, demand, column


def _run(h: Any, time_limit_s: float) -> tuple[SolveStatus, float, float]:
    """Solve; return the status, the objective and the best bound on it."""
    h.setOptionValue("time_limit", max(0.1, time_limit_s))
    run_highs(h)
    result = outcome(h)
    if result.objective is None:
        raise SolverError(f"HiGHS ended with {result.model_status} and no solution")
    if result.status is SolveStatus.OPTIMAL:
        return result.status, result.objective, result.objective
    return result.status, result.objective, float(h.getInfo().mip_dual_bound)


def solve_mclp(
    instance: MclpInstance, *, time_limit_s: float = 30.0, second_stage: bool = True
) -> MclpSolution:
    """Maximise weighted coverage; then, if penalties are given, pick the least exposed sites."""
    started = time.perf_counter()
    deadline = started + time_limit_s
    h, columns, demand, column = _build(instance)
    n, k = columns.n_demand, len(columns.site)
    hs = highs()
    if k == 0:
        return MclpSolution(
            SolveStatus.NOTHING_TO_SOLVE, 0.0, 0.0, {}, np.zeros(n, dtype=bool), 0.0
        )
    h.changeObjectiveSense(hs.ObjSense.kMaximize)
    everything = np.arange(n + k, dtype=np.int32)
    h.changeColsCost(n + k, everything, np.concatenate([instance.weights, np.zeros(k)]))
    status, objective, bound = _run(h, deadline - time.perf_counter())
    values = np.asarray(h.getSolution().col_value)
    penalty = instance.site_penalty
    if second_stage and penalty is not None and penalty.any():
        weights = instance.weights.astype(float)
        h.addRow(
            objective - _STAGE_TOLERANCE * max(1.0, abs(objective)),
            math.inf,
            n,
            np.arange(n, dtype=np.int32),
            weights,
        )
        h.changeObjectiveSense(hs.ObjSense.kMinimize)
        site_cost = penalty[np.asarray(columns.site, dtype=np.int64)]
        h.changeColsCost(n + k, everything, np.concatenate([np.zeros(n), site_cost]))
        try:
            second, _, _ = _run(h, deadline - time.perf_counter())
            values = np.asarray(h.getSolution().col_value)
        except SolverError:  # out of time in stage two: keep the stage-one placement
            second = SolveStatus.FEASIBLE
        if second is not SolveStatus.OPTIMAL:
            status = SolveStatus.FEASIBLE
    counts = np.rint(values[n:]).astype(np.int64)
    placed = {
        (columns.group[c], columns.site[c]): int(counts[c]) for c in np.flatnonzero(counts > 0)
    }
    covered = np.zeros(n, dtype=bool)
    covered[demand[counts[column] > 0]] = True
    site_penalty = (
        sum(float(penalty[j]) * u for (_, j), u in placed.items()) if penalty is not None else 0.0
    )
    return MclpSolution(
        status=status,
        objective=float(instance.weights[covered].sum()),
        bound=bound,
        placed=placed,
        covered=covered,
        seconds=time.perf_counter() - started,
        penalty=site_penalty,
    )


def covered_by(instance: MclpInstance, placed: dict[tuple[int, int], int]) -> Bools:
    """Demand covered by a given placement (to score a placement without solving)."""
    covered = np.zeros(len(instance.weights), dtype=bool)
    layer = instance.layers
    n_layers = int(layer.max()) + 1 if layer.size else 0
    for g, j in placed:
        group = instance.groups[g]
        radius = np.array([group.radius_m(ell) for ell in range(n_layers)])[layer]
        d2 = ((instance.demand_xy - instance.site_xy[j]) ** 2).sum(axis=1)
        covered |= (d2 <= radius**2) & (radius > 0)
    return covered

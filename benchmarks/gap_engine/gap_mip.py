"""Exact models of the GAP for HiGHS and CP-SAT, and MPS export.

:func:`build_highs_model` works on bare arrays (costs, resources, capacities,
the pairs allowed). Solver libraries are reached only through
:mod:`peaceforce.solvers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from gap_engine.gap_model import BoolArray, FloatArray, GapInstance, IntArray, Sense
from peaceforce.errors import InputError, Problem, SolverError
from peaceforce.outputs import write_highs_model
from peaceforce.solvers import cp_sat, highs


@dataclass(frozen=True)
class Arcs:
    """The (agent, job) pair behind each model column, in column order."""

    agent: IntArray
    job: IntArray

    @classmethod
    def of(cls, allowed: BoolArray) -> Arcs:
        """Every allowed pair of an m×n mask, row-major."""
        agent, job = np.nonzero(allowed)
        return cls(agent.astype(np.int64), job.astype(np.int64))

    def assignment(self, values: FloatArray, n: int) -> IntArray:
        """Job → agent from 0/1 column values (each job has exactly one column at 1)."""
        chosen = values > 0.5
        assignment = np.full(n, -1, dtype=np.int64)
        assignment[self.job[chosen]] = self.agent[chosen]
        return assignment

    def columns(self, assignment: IntArray) -> FloatArray:
        """0/1 column values of an assignment, e.g. for a warm start."""
        return np.where(assignment[self.job] == self.agent, 1.0, 0.0)


@dataclass(frozen=True)
class MipOutcome:
    """What an exact solver returned, in the instance's own objective sense."""

    assignment: IntArray | None
    bound: float | None
    optimal: bool
    infeasible: bool


class SolutionExchange(Protocol):
    """Lets a running HiGHS solve trade incumbents with a search running beside it."""

    def found(self, assignment: IntArray) -> None:
        """HiGHS found an improving solution."""

    def incoming(self) -> IntArray | None:
        """A better solution found elsewhere since the last call, if any."""

    def stopped(self) -> bool:
        """True once HiGHS should give up early."""


def build_highs_model(
    costs: FloatArray,
    resources: FloatArray,
    capacities: FloatArray,
    allowed: BoolArray,
    *,
    maximize: bool = False,
) -> tuple[Any, Arcs]:
    """A HiGHS model with one binary per allowed (agent, job) pair.

    Rows ``0…n-1`` say each job goes to exactly one agent, rows ``n…n+m-1``
    keep each agent within its capacity. Columns and rows are named
    ``x_<agent>_<job>``, ``job_<j>`` and ``cap_<i>`` so an MPS file reads plainly.
    """
    hs = highs()
    m, n = costs.shape
    arcs = Arcs.of(allowed)
    k = arcs.agent.size
    lp = hs.HighsLp()
    lp.num_col_, lp.num_row_ = k, n + m
    lp.col_cost_ = costs[arcs.agent, arcs.job]
    lp.col_lower_, lp.col_upper_ = np.zeros(k), np.ones(k)
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(m, -np.inf)])
    lp.row_upper_ = np.concatenate([np.ones(n), capacities])
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * k + 1, 2, dtype=np.int32)
    lp.a_matrix_.index_ = np.column_stack([arcs.job, n + arcs.agent]).ravel().astype(np.int32)
    lp.a_matrix_.value_ = np.column_stack([np.ones(k), resources[arcs.agent, arcs.job]]).ravel()
    lp.integrality_ = [hs.HighsVarType.kInteger] * k
    lp.sense_ = hs.ObjSense.kMaximize if maximize else hs.ObjSense.kMinimize
    lp.col_names_ = [f"x_{a}_{j}" for a, j in zip(arcs.agent, arcs.job, strict=True)]
    lp.row_names_ = [f"job_{j}" for j in range(n)] + [f"cap_{i}" for i in range(m)]
    model = hs.Highs()
    model.silent()
    if model.passModel(lp) != hs.HighsStatus.kOk:
        raise SolverError("HiGHS rejected the GAP model")
    return model, arcs


def fits_alone(instance: GapInstance) -> BoolArray:
    """Pairs that respect the agent's capacity on their own; no solution uses any other."""
    return instance.resources <= instance.capacities[:, None]


def _instance_model(instance: GapInstance, allowed: BoolArray | None) -> tuple[Any, Arcs]:
    mask = fits_alone(instance) if allowed is None else allowed & fits_alone(instance)
    return build_highs_model(
        instance.costs,
        instance.resources,
        instance.capacities,
        mask,
        maximize=instance.sense is Sense.MAX,
    )


def solve_highs(
    instance: GapInstance,
    time_limit_s: float,
    *,
    start: IntArray | None = None,
    allowed: BoolArray | None = None,
    seed: int = 0,
    exchange: SolutionExchange | None = None,
) -> MipOutcome:
    """Solve the MIP with HiGHS, optionally from a feasible start and on a subset of pairs.

    HiGHS's branch and bound is serial and its thread pool is sized once per
    process, so no thread count is set here (changing it later fails the solve).
    """
    hs = highs()
    model, arcs = _instance_model(instance, allowed)
    if np.unique(arcs.job).size < instance.n:
        return MipOutcome(None, None, optimal=False, infeasible=True)
    for option, value in (
        ("time_limit", max(time_limit_s, 0.01)),
        ("mip_rel_gap", 0.0),
        ("random_seed", seed),
    ):
        model.setOptionValue(option, value)
    if start is not None:
        solution = hs.HighsSolution()
        solution.col_value = arcs.columns(start)
        solution.value_valid = True
        model.setSolution(solution)
    if exchange is not None:
        _connect(model, arcs, instance.n, exchange)
    model.run()
    status = model.getModelStatus()
    info = model.getInfo()
    found = info.primal_solution_status == hs.SolutionStatus.kSolutionStatusFeasible
    assignment = arcs.assignment(np.asarray(model.getSolution().col_value), instance.n)
    if status == hs.HighsModelStatus.kInfeasible:
        return MipOutcome(None, None, optimal=False, infeasible=True)
    return MipOutcome(
        assignment if found and instance.is_feasible(assignment) else None,
        float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None,
        optimal=status == hs.HighsModelStatus.kOptimal,
        infeasible=False,
    )


def _connect(model: Any, arcs: Arcs, n: int, exchange: SolutionExchange) -> None:
    """Wire HiGHS's MIP callbacks to ``exchange`` (they run on the solver's thread)."""

    def improving(event: Any) -> None:
        exchange.found(arcs.assignment(np.asarray(event.data_out.mip_solution), n))

    def user_solution(event: Any) -> None:
        incoming = exchange.incoming()
        if incoming is not None:
            event.data_in.setSolution(arcs.columns(incoming))

    def interrupt(event: Any) -> None:
        if exchange.stopped():
            event.interrupt()

    model.cbMipImprovingSolution.subscribe(improving)
    model.cbMipUserSolution.subscribe(user_solution)
    model.cbMipInterrupt.subscribe(interrupt)


def solve_cp_sat(
    instance: GapInstance,
    time_limit_s: float,
    *,
    threads: int = 1,
    start: IntArray | None = None,
    allowed: BoolArray | None = None,
    seed: int = 0,
    better_than: float | None = None,
) -> MipOutcome:
    """Solve the same model with CP-SAT, ``start`` as a hint; needs integral data.

    ``better_than`` admits only solutions strictly better than that objective,
    so ``infeasible`` then means no better solution exists (on ``allowed``).
    """
    if not instance.integral:
        raise SolverError(f"CP-SAT needs integral costs and resources; {instance.name} has not")
    cp = cp_sat()
    mask = fits_alone(instance) if allowed is None else allowed & fits_alone(instance)
    arcs = Arcs.of(mask)
    if np.unique(arcs.job).size < instance.n:
        return MipOutcome(None, None, optimal=False, infeasible=True)
    model = cp.CpModel()
    x = [model.new_bool_var(f"x_{a}_{j}") for a, j in zip(arcs.agent, arcs.job, strict=True)]
    cost = instance.costs[arcs.agent, arcs.job].astype(np.int64).tolist()
    use = instance.resources[arcs.agent, arcs.job].astype(np.int64).tolist()
    by_job: list[list[int]] = [[] for _ in range(instance.n)]
    by_agent: list[list[int]] = [[] for _ in range(instance.m)]
    for column, (a, j) in enumerate(zip(arcs.agent.tolist(), arcs.job.tolist(), strict=True)):
        by_job[j].append(column)
        by_agent[a].append(column)
    for columns in by_job:
        model.add_exactly_one(x[c] for c in columns)
    for agent, columns in enumerate(by_agent):
        load = cp.LinearExpr.weighted_sum([x[c] for c in columns], [use[c] for c in columns])
        model.add(load <= int(instance.capacities[agent]))
    objective = cp.LinearExpr.weighted_sum(x, cost)
    if instance.sense is Sense.MAX:
        model.maximize(objective)
        if better_than is not None:
            model.add(objective >= math.floor(better_than) + 1)
    else:
        model.minimize(objective)
        if better_than is not None:
            model.add(objective <= math.ceil(better_than) - 1)
    if start is not None:
        for column, value in enumerate(arcs.columns(start).tolist()):
            model.add_hint(x[column], int(value))
    solver = cp.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.01)
    solver.parameters.num_workers = threads
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status == cp.INFEASIBLE:
        return MipOutcome(None, None, optimal=False, infeasible=True)
    if status not in (cp.OPTIMAL, cp.FEASIBLE):
        return MipOutcome(None, None, optimal=False, infeasible=False)
    values = np.array([solver.boolean_value(v) for v in x], dtype=np.float64)
    return MipOutcome(
        arcs.assignment(values, instance.n),
        float(solver.best_objective_bound),
        optimal=status == cp.OPTIMAL,
        infeasible=False,
    )


def export_mps(instance: GapInstance, path: Path) -> None:
    """Write the instance's MIP as a (free) MPS file any MIP solver can read."""
    model, _ = _instance_model(instance, None)
    write_highs_model(model, path)


def solve_mps(path: Path, time_limit_s: float) -> float | None:
    """Optimal (or best found) objective of an MPS model, to check an export independently."""
    hs = highs()
    model = hs.Highs()
    model.silent()
    if model.readModel(str(path)) != hs.HighsStatus.kOk:
        raise InputError([Problem(str(path), "file", "unreadable model", "an MPS file")])
    model.setOptionValue("time_limit", time_limit_s)
    model.setOptionValue("mip_rel_gap", 0.0)
    model.run()
    feasible = model.getInfo().primal_solution_status == hs.SolutionStatus.kSolutionStatusFeasible
    return float(model.getInfo().objective_function_value) if feasible else None

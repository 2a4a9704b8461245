"""The classic MCLP and PySAL's spopt as the peer of our maximal-covering core.

spopt's ``MCLP`` places ``p`` identical facilities, one per site, with one
service radius, and solves through PuLP (its bundled CBC here). Only instances
of that shape can be handed over: :func:`single_range_instance` builds them for
``peaceforce.solvers.mclp``, and :func:`solve_with_spopt` refuses the others.
``benchmarks/coverage.py`` and ``tests/test_mclp_peer.py`` use it; the product
never does.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from peaceforce.solvers.mclp import Bools, FacilityGroup, Floats, MclpInstance


def single_range_instance(
    demand_xy: Floats, weights: Floats, site_xy: Floats, p: int, range_m: float
) -> MclpInstance:
    """The classic MCLP: ``p`` identical facilities, one radius, one per site, any site."""
    return MclpInstance(
        demand_xy=np.asarray(demand_xy, dtype=float),
        weights=np.asarray(weights, dtype=float),
        site_xy=np.asarray(site_xy, dtype=float),
        capacity=np.ones(len(site_xy), dtype=np.int64),
        groups=(FacilityGroup("p", p, range_m, np.ones(len(site_xy), dtype=bool)),),
    )


@dataclass(frozen=True)
class PeerSolution:
    """spopt's optimum and where its time went."""

    objective: float
    covered: Bools
    sites: tuple[int, ...]
    build_seconds: float
    solve_seconds: float
    optimal: bool


def solve_with_spopt(instance: MclpInstance, *, time_limit_s: float = 600.0) -> PeerSolution:
    """Build the classic MCLP of a single-group instance in spopt and solve it with CBC."""
    if len(instance.groups) != 1:
        raise ValueError("spopt's MCLP has one facility type; the instance has several")
    group = instance.groups[0]
    if not group.allowed.all() or (instance.capacity != 1).any():
        raise ValueError("spopt's MCLP allows every site once; the instance restricts sites")
    import pulp  # type: ignore[import-untyped]  # PuLP ships no py.typed marker
    from spopt.locate import MCLP

    started = time.perf_counter()
    cost = np.sqrt(
        ((instance.demand_xy[:, None, :] - instance.site_xy[None, :, :]) ** 2).sum(axis=2)
    )
    with warnings.catch_warnings():
        # spopt still builds PuLP models through the API PuLP deprecates for 4.0.
        warnings.simplefilter("ignore", DeprecationWarning)
        model = MCLP.from_cost_matrix(
            cost, instance.weights, service_radius=group.range_m, p_facilities=group.count
        )
        built = time.perf_counter()
        model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s), results=False)
        solved = time.perf_counter()
    covered = np.array([(v.value() or 0.0) > 0.5 for v in model.cli_vars], dtype=bool)
    sites = tuple(j for j, v in enumerate(model.fac_vars) if (v.value() or 0.0) > 0.5)
    return PeerSolution(
        objective=float(instance.weights[covered].sum()),
        covered=covered,
        sites=sites,
        build_seconds=built - started,
        solve_seconds=solved - built,
        optimal=pulp.LpStatus[model.problem.status] == "Optimal",
    )

"""spopt, the peer of our maximal-covering core: the same optimum, and what it cannot express."""

from __future__ import annotations

import numpy as np
import pytest

from mclp_peer import single_range_instance, solve_with_spopt
from peaceforce.solvers import SolveStatus
from peaceforce.solvers.mclp import FacilityGroup, MclpInstance, solve_mclp


@pytest.mark.parametrize("seed", range(4))
def test_same_optimum_as_spopt(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n, m = 300, 40
    instance = single_range_instance(
        rng.uniform(0, 400e3, (n, 2)),
        rng.integers(1, 100, n).astype(float),
        rng.uniform(0, 400e3, (m, 2)),
        p=int(rng.integers(3, 8)),
        range_m=float(rng.uniform(30e3, 80e3)),
    )
    ours = solve_mclp(instance)
    peer = solve_with_spopt(instance)
    assert ours.status is SolveStatus.OPTIMAL and peer.optimal
    assert ours.objective == pytest.approx(peer.objective, rel=1e-9)


def test_spopt_refuses_what_it_cannot_express() -> None:
    # Four towns on a road at 0, 10, 20, 30 km; sites at 5, 15, 25 km; two facility types.
    demand = np.array([[0.0, 0.0], [10e3, 0.0], [20e3, 0.0], [30e3, 0.0]])
    sites = np.array([[5e3, 0.0], [15e3, 0.0], [25e3, 0.0]])
    base = single_range_instance(demand, np.array([5.0, 1, 1, 5]), sites, 1, 6e3)
    two = MclpInstance(
        base.demand_xy,
        base.weights,
        base.site_xy,
        base.capacity,
        (*base.groups, FacilityGroup("b", 1, 1e3, np.ones(3, dtype=bool))),
    )
    with pytest.raises(ValueError, match="one facility type"):
        solve_with_spopt(two)

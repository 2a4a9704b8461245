"""The maximal-covering core: hand-checked tiny instances and brute force (spopt: peer tests)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mclp_peer import single_range_instance
from peaceforce.solvers import SolveStatus
from peaceforce.solvers.mclp import FacilityGroup, MclpInstance, covered_by, solve_mclp


def _line_instance(p: int) -> MclpInstance:
    """Four towns on a road at 0, 10, 20, 30 km (weights 5, 1, 1, 5); sites at 5, 15, 25 km."""
    demand = np.array([[0.0, 0.0], [10e3, 0.0], [20e3, 0.0], [30e3, 0.0]])
    sites = np.array([[5e3, 0.0], [15e3, 0.0], [25e3, 0.0]])
    return single_range_instance(demand, np.array([5.0, 1, 1, 5]), sites, p, 6e3)


def test_one_unit_covers_the_heavier_end_of_the_road() -> None:
    # By hand: site 5 km covers towns 0 and 10 (5 + 1 = 6); site 25 km covers 20 and 30 (6);
    # site 15 km covers 10 and 20 (2). One unit reaches 6.
    solution = solve_mclp(_line_instance(1))
    assert solution.status is SolveStatus.OPTIMAL
    assert solution.objective == pytest.approx(6.0)
    assert set(solution.placed) <= {(0, 0), (0, 2)}


def test_two_units_cover_the_whole_road() -> None:
    solution = solve_mclp(_line_instance(2))
    assert solution.objective == pytest.approx(12.0)
    assert solution.placed == {(0, 0): 1, (0, 2): 1}
    assert solution.covered.all()


def test_unit_with_no_allowed_site_covers_nothing() -> None:
    base = _line_instance(1)
    blocked = MclpInstance(
        demand_xy=base.demand_xy,
        weights=base.weights,
        site_xy=base.site_xy,
        capacity=base.capacity,
        groups=(FacilityGroup("g", 1, 6e3, np.zeros(3, dtype=bool)),),
    )
    solution = solve_mclp(blocked)
    assert solution.status is SolveStatus.NOTHING_TO_SOLVE
    assert solution.objective == 0.0
    assert solution.placed == {}


def test_two_system_types_share_a_site_of_capacity_one() -> None:
    # A long-range unit (range 16 km) and a short-range one (6 km). The middle site (15 km)
    # lets the long-range unit cover all four towns (12) but holds only one unit, so the
    # short-range unit adds nothing and 12 is the optimum; with capacity 2 still 12.
    base = _line_instance(1)
    groups = (
        FacilityGroup("long", 1, 16e3, np.ones(3, dtype=bool)),
        FacilityGroup("short", 1, 6e3, np.array([False, True, False])),
    )
    instance = MclpInstance(base.demand_xy, base.weights, base.site_xy, base.capacity, groups)
    solution = solve_mclp(instance)
    assert solution.objective == pytest.approx(12.0)
    assert (0, 1) in solution.placed


def test_range_and_allowed_sites_per_type() -> None:
    # The long-range unit may only stand at the west end (5 km): it covers 0, 10, 20 (7).
    # The short-range unit may stand anywhere: at 25 km it adds town 30 (5). Total 12.
    base = _line_instance(1)
    groups = (
        FacilityGroup("long", 1, 16e3, np.array([True, False, False])),
        FacilityGroup("short", 1, 6e3, np.ones(3, dtype=bool)),
    )
    instance = MclpInstance(base.demand_xy, base.weights, base.site_xy, base.capacity, groups)
    solution = solve_mclp(instance)
    assert solution.placed == {(0, 0): 1, (1, 2): 1}
    assert solution.objective == pytest.approx(12.0)


def test_second_stage_moves_units_to_the_least_exposed_equivalent_site() -> None:
    # Two sites cover the same single town; the second is less exposed.
    demand = np.array([[0.0, 0.0]])
    sites = np.array([[1e3, 0.0], [-1e3, 0.0]])
    instance = single_range_instance(demand, np.array([1.0]), sites, 1, 5e3)
    exposed = MclpInstance(
        instance.demand_xy,
        instance.weights,
        instance.site_xy,
        instance.capacity,
        instance.groups,
        site_penalty=np.array([50.0, 10.0]),
    )
    assert solve_mclp(exposed).placed == {(0, 1): 1}


@pytest.mark.parametrize("seed", range(8))
def test_matches_brute_force_on_small_random_instances(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m, p = 25, 7, int(rng.integers(1, 4))
    demand = rng.uniform(0, 100e3, (n, 2))
    sites = rng.uniform(0, 100e3, (m, 2))
    weights = rng.integers(1, 20, n).astype(float)
    radius = float(rng.uniform(15e3, 40e3))
    instance = single_range_instance(demand, weights, sites, p, radius)
    solution = solve_mclp(instance)
    reach = ((demand[:, None, :] - sites[None]) ** 2).sum(axis=2) <= radius**2
    best = max(
        weights[reach[:, list(chosen)].any(axis=1)].sum()
        for chosen in itertools.combinations(range(m), p)
    )
    assert solution.objective == pytest.approx(best)
    assert np.array_equal(solution.covered, covered_by(instance, solution.placed))

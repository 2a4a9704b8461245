"""The GAP engine (benchmarks/gap_engine): exact answers on brute-forced and OR-Library
instances, files, exports, and the ``benchmarks/gap.py`` command line."""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gap as gap_script
from gap_engine.gap import (
    GapInstance,
    GapResult,
    GapStatus,
    PlainSolver,
    Sense,
    export_mps,
    format_orlib_gap,
    parse_orlib_gap,
    read_gap_bounds,
    read_orlib_gap,
    solve_gap,
    solve_gap_plain,
    solve_mps,
)
from gap_engine.gap_bench import GapBenchReport, render_gap_bench, run_gap_bench
from gap_engine.gap_lns import (
    Incumbent,
    highs_rounds,
    improving_pairs,
    neighbourhood_search,
    prove_or_improve,
)
from gap_engine.gap_model import Component
from gap_engine.gap_search import greedy
from peaceforce.errors import InputError

GAP1 = [f"c0515_{k}" for k in range(1, 6)]


def random_instance(seed: int, m: int, n: int, sense: Sense = Sense.MIN) -> GapInstance:
    """A small instance with capacities tight enough that the cheapest choice rarely fits."""
    rng = np.random.default_rng(seed)
    resources = rng.integers(1, 10, size=(m, n)).astype(float)
    capacities = np.floor(resources.sum(axis=1) * 0.8 / m) + 3
    costs = rng.integers(1, 30, size=(m, n)).astype(float)
    return GapInstance(f"random-{seed}", costs, resources, capacities, sense)


def brute_force(instance: GapInstance) -> float | None:
    """Best objective over all m**n assignments, or None when none is feasible."""
    values = [
        instance.objective(np.array(a))
        for a in itertools.product(range(instance.m), repeat=instance.n)
        if instance.is_feasible(np.array(a))
    ]
    if not values:
        return None
    return min(values) if instance.sense is Sense.MIN else max(values)


@pytest.mark.parametrize("sense", list(Sense))
@pytest.mark.parametrize("seed", range(6))
def test_engine_matches_brute_force(seed: int, sense: Sense) -> None:
    instance = random_instance(seed, m=3, n=7, sense=sense)
    expected = brute_force(instance)
    result = solve_gap(instance, time_limit_s=5.0)
    if expected is None:
        assert result.status is GapStatus.INFEASIBLE
        return
    assert result.status is GapStatus.OPTIMAL
    assert result.proven_optimal
    assert result.objective == pytest.approx(expected)
    assert result.best_bound == pytest.approx(expected)
    assert result.assignment is not None
    assert instance.is_feasible(np.array(result.assignment))


@pytest.mark.parametrize("seed", range(3))
def test_engine_on_one_thread_lets_highs_finish(seed: int) -> None:
    instance = random_instance(seed, m=3, n=7)
    expected = brute_force(instance)
    result = solve_gap(instance, time_limit_s=5.0, threads=1)
    if expected is None:
        assert result.status is GapStatus.INFEASIBLE
        return
    assert result.proven_optimal
    assert result.objective == pytest.approx(expected)


@pytest.mark.parametrize("solver", list(PlainSolver))
@pytest.mark.parametrize("seed", range(3))
def test_plain_solvers_match_brute_force(seed: int, solver: PlainSolver) -> None:
    """Both solver libraries, in this one process (OR-Tools is always loaded first)."""
    instance = random_instance(100 + seed, m=2, n=8)
    result = solve_gap_plain(instance, 5.0, solver)
    assert result.proven_optimal
    assert result.objective == pytest.approx(brute_force(instance))
    assert result.found_by is not None
    assert result.found_by.value == solver.value


def test_job_that_fits_nowhere_is_infeasible() -> None:
    instance = GapInstance("too-big", np.ones((2, 2)), np.array([[1, 9], [1, 9]]), np.array([5, 5]))
    result = solve_gap(instance, 2.0)
    assert result.status is GapStatus.INFEASIBLE
    assert result.assignment is None
    assert result.objective is None
    assert not result.proven_optimal


def test_not_enough_room_overall_is_infeasible() -> None:
    """Every job fits some agent alone, but three jobs of 4 never fit two agents of 5."""
    instance = GapInstance("crowded", np.ones((2, 3)), np.full((2, 3), 4.0), np.array([5.0, 5.0]))
    assert solve_gap(instance, 2.0).status is GapStatus.INFEASIBLE
    for solver in PlainSolver:
        assert solve_gap_plain(instance, 2.0, solver).status is GapStatus.INFEASIBLE


@pytest.mark.parametrize("name", GAP1)
def test_gap1_instances_reach_their_known_optimum(shared_data: Path, name: str) -> None:
    folder = shared_data / "benchmarks" / "gap"
    bounds = read_gap_bounds(folder / "bounds.tsv")
    for sense in Sense:
        (instance,) = read_orlib_gap(folder / f"{name}.txt", sense)
        result = solve_gap(instance, time_limit_s=10.0)
        assert result.proven_optimal
        assert result.objective == bounds[name, sense].best_known(sense)


def test_multi_instance_file_names_follow_bounds_tsv(shared_data: Path, tmp_path: Path) -> None:
    """OR-Library's gap1.txt holds five problems after a count; they are c0515_1…c0515_5."""
    folder = shared_data / "benchmarks" / "gap"
    singles = [read_orlib_gap(folder / f"{name}.txt")[0] for name in GAP1]
    gap1 = tmp_path / "gap1.txt"
    gap1.write_text(f" {len(singles)}\n" + "".join(format_orlib_gap(i) for i in singles))
    combined = read_orlib_gap(gap1)
    assert [i.name for i in combined] == GAP1
    for single, again in zip(singles, combined, strict=True):
        assert np.array_equal(single.costs, again.costs)
        assert np.array_equal(single.resources, again.resources)
        assert np.array_equal(single.capacities, again.capacities)


def test_mps_export_solves_to_the_same_objective(shared_data: Path, tmp_path: Path) -> None:
    (instance,) = read_orlib_gap(shared_data / "benchmarks" / "gap" / "c0515_1.txt")
    path = tmp_path / "c0515_1.mps"
    export_mps(instance, path)
    assert solve_mps(path, time_limit_s=30.0) == pytest.approx(261.0)
    assert solve_gap(instance, 10.0).objective == pytest.approx(261.0)


def test_result_round_trips_through_json() -> None:
    result = solve_gap(random_instance(3, m=3, n=6), 2.0)
    assert GapResult.model_validate_json(result.model_dump_json()) == result


def test_bench_script_takes_files_by_path(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = shared_data / "benchmarks" / "gap" / "c0515_1.txt"
    gap_script.main(
        [str(small), "--engine-only", "--time-limit", "5", "--json", "--export-mps", str(tmp_path)]
    )
    [row] = json.loads(capsys.readouterr().out)["rows"]
    assert row["proven_optimal"] and row["gap_to_best_known"] == pytest.approx(0.0)
    assert (tmp_path / f"{row['instance']}.mps").is_file()


def test_bench_report_round_trips_and_renders(shared_data: Path) -> None:
    folder = shared_data / "benchmarks" / "gap"
    report = run_gap_bench([folder / "c0515_2.txt"], 5.0, read_gap_bounds(folder / "bounds.tsv"))
    (row,) = report.rows
    assert row.objective == row.best_known == 269.0
    assert row.gap_to_best_known == 0.0
    assert GapBenchReport.model_validate_json(report.model_dump_json()) == report
    assert render_gap_bench(report).row_count == 1


# ------------------------------------------------------------------ files


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "f.txt:line 1: got an empty file; expected 'm n' or a problem count"),
        (
            "2 2\n1 2 3\n",
            "f.txt:line 1 (f): got 3 numbers after 'm n' = '2 2'; "
            "expected 10 (costs 2×2, resources 2×2, capacities 2)",
        ),
        (
            "2 2\n1 x 3 4\n1 2 3 4\n5 -6\n",
            "f.txt:line 2: got 'x'; expected a number (cost of agent 1, job 2)\n"
            "f.txt:line 4: got '-6'; expected a non-negative number (capacity of agent 2)",
        ),
        ("2 2\n1 2 3 4\n1 -2 3 4\n5 6\n", "f.txt:line 3: got '-2'; expected a non-negative"),
        ("2.5 2\n", "f.txt:line 1: got '2.5'; expected a positive integer (number of agents m)"),
        (
            "2 2\n1 2 3 4\n1 2 3 4\n5 6\n7\n",
            "f.txt:line 5: got 1 extra token(s) starting with '7'; "
            "expected end of file after the capacities",
        ),
        (
            "2\n1 1\n1\n1\n1\n",
            "f.txt:line 5 (problem 2): got end of file; expected an 'm n' header",
        ),
    ],
)
def test_malformed_gap_files_name_line_value_and_expectation(text: str, message: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_orlib_gap(text, "f.txt", "f")
    assert str(raised.value).startswith(message)


def test_bounds_file_faults_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "bounds.tsv"
    path.write_text("a_Min\t1\t2\nb_Foo 1 2\nc_Max 3 x\nd_Min 5 4\n")
    with pytest.raises(InputError) as raised:
        read_gap_bounds(path)
    assert [p.location for p in raised.value.problems] == ["line 2", "line 3", "line 4"]
    assert [p.expected for p in raised.value.problems] == [
        "'NAME_Min|NAME_Max LB UB'",
        "two numbers LB UB",
        "LB <= UB",
    ]


def test_real_bounds_file(shared_data: Path) -> None:
    bounds = read_gap_bounds(shared_data / "benchmarks" / "gap" / "bounds.tsv")
    assert bounds["c0515_1", Sense.MIN].best_known(Sense.MIN) == 261
    assert bounds["c0515_1", Sense.MAX].best_known(Sense.MAX) == 336
    assert bounds["d20100", Sense.MIN].lower < bounds["d20100", Sense.MIN].upper


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected a readable UTF-8 text file"):
        read_orlib_gap(tmp_path / "absent.txt")


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda m: st.integers(1, 6).flatmap(
            lambda n: st.tuples(
                st.lists(st.integers(-50, 50), min_size=m * n, max_size=m * n),
                st.lists(st.integers(0, 30), min_size=m * n, max_size=m * n),
                st.lists(st.integers(0, 99), min_size=m, max_size=m),
                st.just((m, n)),
            )
        )
    )
)
def test_orlib_text_round_trips(
    data: tuple[list[int], list[int], list[int], tuple[int, int]],
) -> None:
    costs, resources, capacities, (m, n) = data
    instance = GapInstance(
        "x", np.reshape(costs, (m, n)), np.reshape(resources, (m, n)), np.array(capacities)
    )
    (again,) = parse_orlib_gap(format_orlib_gap(instance), "x.txt", "x")
    assert np.array_equal(again.costs, instance.costs)
    assert np.array_equal(again.resources, instance.resources)
    assert np.array_equal(again.capacities, instance.capacities)


# ------------------------------------------------------------------ search components


def _started(instance: GapInstance) -> Incumbent:
    """A shared incumbent holding a greedy start (minimisation form)."""
    shared = Incumbent(instance.costs.copy())
    start = greedy(instance.costs, instance.resources, instance.capacities)
    assert start is not None
    shared.offer(start, Component.LAGRANGIAN_REPAIR)
    return shared


def _brute_force_tight(seed: int) -> tuple[GapInstance, float]:
    """A random instance with a feasible greedy start and its brute-forced optimum."""
    for offset in range(50):
        instance = random_instance(200 + 50 * seed + offset, m=3, n=7)
        optimum = brute_force(instance)
        start = greedy(instance.costs, instance.resources, instance.capacities)
        if optimum is not None and start is not None and instance.objective(start) > optimum:
            return instance, optimum
    raise AssertionError("no instance with a greedy start above the optimum")


@pytest.mark.parametrize("seed", range(3))
def test_prove_or_improve_reaches_and_proves_the_optimum(seed: int) -> None:
    """With the trivial forced bound (no pruning) the probes still meet the optimum."""
    instance, optimum = _brute_force_tight(seed)
    shared = _started(instance)
    shared.raise_lower(float(instance.costs.min(axis=0).sum()))
    forced = np.full(instance.costs.shape, -np.inf)
    prove_or_improve(instance, forced, shared, time.monotonic() + 10.0)
    assert shared.value == pytest.approx(optimum)
    assert shared.lower == pytest.approx(optimum)
    assert shared.assignment is not None
    assert instance.is_feasible(shared.assignment)


@pytest.mark.parametrize("seed", range(3))
def test_highs_rounds_keep_a_valid_bound_and_prove(seed: int) -> None:
    instance, optimum = _brute_force_tight(seed)
    shared = _started(instance)
    shared.raise_lower(float(instance.costs.min(axis=0).sum()))
    highs_rounds(instance, np.full(instance.costs.shape, -np.inf), shared, time.monotonic() + 10, 0)
    assert shared.lower <= optimum + 1e-9 <= shared.value + 1e-9
    assert shared.value == pytest.approx(optimum)
    assert shared.lower == pytest.approx(optimum)


def test_improving_pairs_prune_one_below_the_incumbent() -> None:
    """Integral costs: a better solution costs at most value - 1, so forced = value is pruned."""
    instance = random_instance(7, m=2, n=3)
    forced = np.array([[10.0, 11.0, 12.0], [9.0, 12.0, 13.0]])
    assert improving_pairs(instance, forced, 12.0).tolist() == [
        [True, True, False],
        [True, False, False],
    ]
    assert improving_pairs(instance, forced, np.inf).all()


@pytest.mark.parametrize("seed", range(3))
def test_neighbourhood_search_never_worsens_or_breaks_capacities(seed: int) -> None:
    tight = random_instance(300 + seed, m=5, n=30)
    # a little more room than random_instance gives, so that the greedy start exists
    roomier = np.floor(tight.capacities * 1.2)
    instance = GapInstance("roomier", tight.costs, tight.resources, roomier)
    shared = _started(instance)
    start_value = shared.value
    mip = threading.Thread(target=time.sleep, args=(1.5,), daemon=True)
    mip.start()
    forced = np.full(instance.costs.shape, -np.inf)
    regret = instance.costs - instance.costs.min(axis=0)
    neighbourhood_search(
        instance, regret, forced, shared, deadline=time.monotonic() + 1.5, mip=mip, seed=seed
    )
    assert shared.assignment is not None
    assert instance.is_feasible(shared.assignment)
    assert shared.value <= start_value
    assert shared.value == pytest.approx(instance.objective(shared.assignment))

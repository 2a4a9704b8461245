"""First tours reused from an earlier proven run: only for an equal model, read back afresh."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from highs_runs import counted_highs_runs
from peaceforce.mandate.analysis import analyse_mandate
from peaceforce.scenario.model import Scenario
from peaceforce.solvers.proven import ProvenRuns, digest, forget_all, share_between_processes
from peaceforce.sourcing import optimise as optimise_module
from peaceforce.sourcing.optimise import SourcingProblem, build_problem, optimise
from tiny_scenario import line, pledge, tiny_scenario


def _problem(scenario: Scenario) -> SourcingProblem:
    assessment = analyse_mandate(scenario).assessment("coalition")
    return build_problem(scenario, scenario.mission("m"), assessment)


def _scenario(prefix: str = "", *, ceiling: int | None = None) -> Scenario:
    """Two lines, three pledges: France's battalion can fill only one of them."""
    caveats = [] if ceiling is None else [{"kind": "personnel_ceiling", "personnel": ceiling}]
    return tiny_scenario(
        [
            pledge(f"{prefix}gbr", "GBR", "inf", 2),
            pledge(f"{prefix}fra", "FRA", "inf", 1, caveats=caveats),
            pledge(f"{prefix}pol", "POL", "armd", 1),
        ],
        [line("a", "inf", 2, "far"), line("b", "inf", 3, "near", priority=2)],
    )


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """HiGHS runs of the first-tour optimiser, with an empty store of proven runs."""
    return counted_highs_runs(monkeypatch, optimise_module)


def test_an_equal_model_reuses_the_first_tour_and_reads_it_back_by_its_own_ids(
    runs: list[int],
) -> None:
    first = optimise(_problem(_scenario()), time_limit_s=10)
    assert first.status.value == "optimal" and len(runs) > 0
    solved = len(runs)
    again = optimise(_problem(_scenario()), time_limit_s=10)
    assert len(runs) == solved  # nothing solved again
    assert (again.units, again.shortfall, again.objectives, again.status) == (
        first.units,
        first.shortfall,
        first.objectives,
        first.status,
    )
    # the same pledges under other ids make the same model: the answer names the new ids
    renamed = optimise(_problem(_scenario("x-")), time_limit_s=10)
    assert len(runs) == solved
    assert renamed.units == {(f"x-{p}", line_id): n for (p, line_id), n in first.units.items()}
    assert renamed.shortfall == first.shortfall


def test_a_model_differing_in_one_value_or_with_less_time_runs_again(runs: list[int]) -> None:
    optimise(_problem(_scenario()), time_limit_s=10)
    solved = len(runs)
    capped = optimise(_problem(_scenario(ceiling=100)), time_limit_s=10)
    assert len(runs) > solved  # France under a ceiling of 100 (a battalion is 500) is another model
    assert not any(pledge_id == "fra" for pledge_id, _ in capped.units)
    solved = len(runs)
    optimise(_problem(_scenario()), stages=2, time_limit_s=10)  # fewer stages: other costs
    assert len(runs) > solved
    solved = len(runs)
    optimise(_problem(_scenario()), time_limit_s=1e-9)  # less time than the kept run took
    assert len(runs) > solved


def test_a_run_cut_short_is_not_kept(runs: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    solve = optimise_module._Model.solve_mip

    def cut(model: Any, *args: Any, **kwargs: Any) -> Any:
        model.cut = True  # as a time limit reached mid-stage would
        return solve(model, *args, **kwargs)

    monkeypatch.setattr(optimise_module._Model, "solve_mip", cut)
    optimise(_problem(_scenario()), time_limit_s=10)
    solved = len(runs)
    optimise(_problem(_scenario()), time_limit_s=10)
    assert len(runs) == 2 * solved


def test_digests_tell_apart_what_differs_in_values_or_in_length() -> None:
    assert digest("k", [1.0, 2.0]) == digest("k", [1, 2])  # values, not types
    assert digest("k", [1.0, 2.0], [3.0]) != digest("k", [1.0], [2.0, 3.0])
    assert digest("k", None) != digest("k", [])
    assert digest("k", [1.0]) != digest("other", [1.0])


def test_runs_are_shared_through_a_folder_and_its_loss_costs_only_the_sharing(
    tmp_path: Path,
) -> None:
    # Two stores stand for two worker processes of one sweep.
    one: ProvenRuns[tuple[str, np.ndarray]] = ProvenRuns(size=4)
    other: ProvenRuns[tuple[str, np.ndarray]] = ProvenRuns(size=4)
    key = digest("k", [1.0])
    share_between_processes(tmp_path)
    try:
        one.keep(key, ("plan", np.arange(3.0)), seconds=0.5)
        found = other.get(key, seconds_left=1.0)
        assert found is not None and found[0] == "plan"
        assert (found[1] == np.arange(3.0)).all()
        assert not found[1].flags.writeable  # shared by every reuse, as a run kept here
        assert other.get(key, seconds_left=0.1) is None  # it took longer than there is now
        assert not list(tmp_path.glob(".*"))  # nothing left half-written
        shutil.rmtree(tmp_path)  # the sweep ended: the folder is gone
        assert ProvenRuns(size=4).get(key, seconds_left=1.0) is None
        one.keep(digest("k", [2.0]), ("later", np.zeros(1)), seconds=0.1)  # no error
        assert one.get(key, seconds_left=1.0) is not None  # its own runs stay in memory
        # and so does a run read from the folder: read once, not at every reuse
        assert other.get(key, seconds_left=1.0) is found
    finally:
        share_between_processes(None)


def test_forget_all_drops_every_store_of_the_process() -> None:
    # Benchmarks time cold runs in one process: nothing kept may leak from one into the next.
    kept: ProvenRuns[str] = ProvenRuns(size=4)
    key = digest("k", [1.0])
    kept.keep(key, "plan", seconds=0.1)
    assert kept.get(key, seconds_left=1.0) == "plan"
    forget_all()
    assert kept.get(key, seconds_left=1.0) is None

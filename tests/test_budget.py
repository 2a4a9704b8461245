"""Solver time limits scaled to the problem (``solvers/budget.py``); what the CLI says past them."""

from __future__ import annotations

from typing import Any

import pytest

from peaceforce.cli.common import out_of_time
from peaceforce.solvers.budget import DEPLOYMENT, PROTECTION, SOURCING, TimeBudget, limit
from peaceforce.sourcing import engine
from tiny_scenario import line, pledge, tiny_scenario


def test_the_limit_is_the_base_up_to_the_reference_then_grows_in_proportion_to_a_cap() -> None:
    budget = TimeBudget(base_s=20, reference=100_000, cap_s=600, measure="pairs")
    assert budget.seconds(0) == budget.seconds(100_000) == 20
    assert budget.seconds(250_000) == 50
    assert budget.seconds(10_000_000) == 600
    assert limit(budget, 250_000, None) == 50
    assert limit(budget, 250_000, 3.5) == 3.5  # --time-limit wins
    assert budget.describe() == "20 s up to 100,000 pairs, in proportion beyond, at most 600 s"


def test_the_stage_budgets_on_the_sizes_docs_benchmarks_md_measures() -> None:
    # the built-in scenario stays at the limits it always had
    assert SOURCING.seconds(2_000) == 20 and DEPLOYMENT.seconds(60) == 2
    assert PROTECTION.seconds(600 * 400) == 30
    # the NATO-scale sourcing problem: 926,396 usable of 2,492,507 candidate pairs
    assert SOURCING.seconds(2_492_507) == pytest.approx(498.5, abs=0.1)
    # the cases that had no solution in a fixed 20 s: 2,016 lines x 64 pledges
    assert SOURCING.seconds(2_016 * 64) == pytest.approx(25.8, abs=0.1)


def test_sourcing_runs_under_the_budget_for_its_size_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[float] = []
    real = engine.optimise

    def recording(problem: Any, **options: Any) -> Any:
        seen.append(options["time_limit_s"])
        return real(problem, **options)

    monkeypatch.setattr(engine, "optimise", recording)
    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 2)], [line("l", "inf", 2, "far")])
    engine.source_mission(scenario, "m", "coalition", explain=False)
    engine.source_mission(scenario, "m", "coalition", explain=False, time_limit_s=7)
    assert seen[0] == SOURCING.base_s  # one candidate pair: the base
    assert 7 in seen[1:]


def test_running_out_of_time_says_what_to_do() -> None:
    assert out_of_time("plan", 20, "no_solution") == (
        "no plan within 20 s (no_solution): raise --time-limit, e.g. --time-limit 40"
    )
    assert out_of_time("schedule", 2, "no_solution").endswith("--time-limit 12")

"""The sourcing scale benchmark at a small size: a valid generated scenario, both methods agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peaceforce.scenario.model import PersonnelCeiling, Scenario
from sourcing_scale import (
    MISSION,
    Size,
    describe_problem,
    generate,
    main,
    markdown,
    measure,
    run_one_shot,
    run_product,
)

SMALL = Size(seed=3, lines=60, pledges=120, nations=8, areas=12)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate(SMALL.seed, SMALL.lines, SMALL.pledges, SMALL.nations, SMALL.areas)


def test_generated_scenario_has_the_sizes_asked_for(scenario: Scenario) -> None:
    assert len(scenario.mission(MISSION).requirements) == SMALL.lines
    assert len(scenario.pledges) == SMALL.pledges
    assert len({p.nation for p in scenario.pledges}) == SMALL.nations
    assert any(p.caveats_of(PersonnelCeiling) for p in scenario.pledges)
    assert Scenario.model_validate_json(scenario.model_dump_json()) == scenario


def test_generation_is_seeded(scenario: Scenario) -> None:
    again = generate(SMALL.seed, SMALL.lines, SMALL.pledges, SMALL.nations, SMALL.areas)
    assert again == scenario
    other = generate(SMALL.seed + 1, SMALL.lines, SMALL.pledges, SMALL.nations, SMALL.areas)
    assert other.pledges != scenario.pledges


def test_both_methods_reach_the_same_stage_one_objective() -> None:
    product = run_product(SMALL, time_limit_s=30)
    one_shot = run_one_shot(SMALL, time_limit_s=30)
    assert product.status == one_shot.status == "optimal"
    assert product.objectives[0] == pytest.approx(one_shot.objectives[0])
    # the lexicographic optimum is never beaten on its second stage by the weighted sum
    assert product.objectives[1] is not None and one_shot.objectives[1] is not None
    assert product.objectives[1] <= one_shot.objectives[1] + 1e-6


def test_the_script_measures_both_in_child_processes(tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    tiny = ["--lines", "20", "--pledges", "40", "--nations", "5", "--areas", "6"]
    main([*tiny, "--time-limit", "20", "--json", str(out)])
    report = json.loads(out.read_text())
    assert report["sizes"] == describe_problem(Size(0, 20, 40, 5, 6))
    runs = {run["method"]: run for run in report["runs"]}
    assert set(runs) == {"product", "one-shot"}
    for run in runs.values():
        assert run["status"] == "optimal"
        assert run["peak_mb"] > 0
    assert runs["product"]["objectives"][0] == pytest.approx(runs["one-shot"]["objectives"][0])


def test_a_method_past_its_deadline_is_killed_and_reported() -> None:
    run = measure("one-shot", SMALL, time_limit_s=30, memory_limit_mb=4000, kill_after_s=0.5)
    assert run.status.startswith("killed after")
    assert run.objectives == (None, None, None)
    assert "| one-shot | — |" in markdown([run], describe_problem(SMALL), 30)

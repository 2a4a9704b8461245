"""Force sourcing: hand-checked optima, every caveat, explained gaps, golden built-in results."""

from __future__ import annotations

from pathlib import Path

import pytest

from peaceforce.mandate.analysis import analyse_mandate
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.whatif import WhatIf, apply_what_if
from peaceforce.solvers import SolveStatus, highs
from peaceforce.sourcing.baseline import greedy_solution
from peaceforce.sourcing.candidates import distance_to_line_km
from peaceforce.sourcing.engine import result_from_solution, solve_and_explain, source_mission
from peaceforce.sourcing.optimise import Solution, build_problem, export_mps, optimise
from peaceforce.sourcing.result import ObstacleKind, SourcingResult
from peaceforce.sourcing.sweep import sweep, weighted_shortfall, withdrawals
from tiny_scenario import line, pledge, tiny_scenario


def _source(scenario: Scenario, framework: str = "coalition") -> SourcingResult:
    return source_mission(scenario, "m", framework, time_limit_s=10)


def _blocked(
    scenario: Scenario, kind: ObstacleKind, framework: str = "coalition"
) -> set[tuple[str, str]]:
    problem = build_problem(
        scenario, scenario.mission("m"), analyse_mandate(scenario).assessment(framework)
    )
    return {
        (p.pledge.id, p.line.id) for p in problem.pairs if any(o.kind is kind for o in p.obstacles)
    }


def _filled(result: SourcingResult) -> dict[str, int]:
    return {fill.line_id: fill.filled for fill in result.lines}


# --- hand-checked optima -------------------------------------------------------------------


def test_higher_priority_line_is_filled_first_under_a_ceiling() -> None:
    # GBR may deploy 500 personnel: one infantry battalion. Two battalions are needed at
    # priority 1 and one at priority 3; FRA has one. Optimum: both on the priority-1 line.
    scenario = tiny_scenario(
        [
            pledge(
                "gbr", "GBR", "inf", 2, caveats=[{"kind": "personnel_ceiling", "personnel": 500}]
            ),
            pledge("fra", "FRA", "inf", 1),
        ],
        [line("urgent", "inf", 2, "far", priority=1), line("later", "inf", 1, "far", priority=3)],
    )
    result = _source(scenario)
    assert _filled(result) == {"urgent": 2, "later": 0}
    assert result.objective.weighted_shortfall == pytest.approx(4 * 500)
    gap = result.gaps()[0]
    assert gap.line_id == "later"
    assert any(o.kind is ObstacleKind.CEILING for c in gap.candidates for o in c.obstacles)
    assert gap.relaxation is not None and gap.relaxation.shortfall_after == 0


def test_substitute_fills_a_line_and_is_flagged() -> None:
    scenario = tiny_scenario(
        [pledge("armd", "FRA", "armd", 1)], [line("inf-line", "inf", 1, "far")]
    )
    result = _source(scenario)
    [assignment] = result.assignments
    assert (assignment.pledge_id, assignment.substitute, assignment.personnel) == (
        "armd",
        True,
        400,
    )


def test_fair_share_decides_between_equal_fills() -> None:
    # GBR's GDP is three times FRA's: of four battalions needed from pledges of four each,
    # the fair split is 3 GBR : 1 FRA.
    scenario = tiny_scenario(
        [pledge("gbr", "GBR", "inf", 4), pledge("fra", "FRA", "inf", 4)],
        [line("l", "inf", 4, "far")],
    )
    result = _source(scenario)
    units = {c.nation: c.units for c in result.contributions}
    assert units == {"GBR": 3, "FRA": 1}
    assert result.objective.burden_deviation == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    ("sustain", "tours", "committed"),
    [(12, 3, 1500), (None, 1, 500)],  # ceil(12 / 4) tours: rule of thirds; one tour: the unit
)
def test_rotations_and_commitment_follow_tour_length_and_ratio(
    sustain: int | None, tours: int, committed: int
) -> None:
    scenario = tiny_scenario(
        [
            pledge(
                "fra",
                "FRA",
                "inf",
                1,
                caveats=[{"kind": "max_tour_length", "months": 4}],
                sustain_months=sustain,
            )
        ],
        [line("l", "inf", 1, "far")],
        duration_months=12,
    )
    [contribution] = _source(scenario).contributions
    assert contribution.rotations == tours
    assert contribution.committed_personnel == committed


# --- each caveat excludes exactly what it should ------------------------------------------------

LINES = [
    line("near-inf", "inf", 1, "near", day=30),
    line("far-inf", "inf", 1, "far", day=90),
    line("pol-inf", "inf", 1, "pol", day=90),
    line("sea-ship", "ship", 1, "sea", day=90),
]


ALL_BUT_SEA = {("p", "near-inf"), ("p", "far-inf"), ("p", "pol-inf")}
IN_UKRAINE = {("p", "near-inf"), ("p", "far-inf")}
NEAR = {("p", "near-inf")}
CAVEAT_CASES = [
    ({"kind": "allowed_domains", "domains": ["maritime"]}, ObstacleKind.DOMAIN, ALL_BUT_SEA),
    ({"kind": "no_presence_on_ukrainian_territory"}, ObstacleKind.NO_PRESENCE, IN_UKRAINE),
    ({"kind": "min_distance_from_line_of_contact", "km": 50}, ObstacleKind.DISTANCE, NEAR),
    ({"kind": "requires_us_backstop"}, ObstacleKind.US_BACKSTOP, ALL_BUT_SEA),
    ({"kind": "parliamentary_vote", "lead_time_days": 45}, ObstacleKind.READINESS, NEAR),
    ({"kind": "required_frameworks", "frameworks": ["nato"]}, ObstacleKind.MANDATE, ALL_BUT_SEA),
]


@pytest.mark.parametrize(("caveat", "kind", "expected"), CAVEAT_CASES)
def test_each_caveat_excludes_exactly_its_pairs(
    caveat: dict[str, object], kind: ObstacleKind, expected: set[tuple[str, str]]
) -> None:
    scenario = tiny_scenario(
        [pledge("p", "FRA", "inf", 3, caveats=[caveat]), pledge("q", "GBR", "inf", 3)], LINES
    )
    assert _blocked(scenario, kind) == expected
    every_kind = set(ObstacleKind) - {kind}
    for other in every_kind:
        assert _blocked(scenario, other) == set(), other


def test_us_backstop_switch_lifts_the_caveat() -> None:
    pledges = [pledge("p", "FRA", "inf", 1, caveats=[{"kind": "requires_us_backstop"}])]
    assert (
        _blocked(tiny_scenario(pledges, LINES, us_backstop=True), ObstacleKind.US_BACKSTOP) == set()
    )


def test_declined_stance_keeps_troops_off_ukrainian_soil_only() -> None:
    stance = {
        "nation": "POL",
        "question": "troops_on_ukrainian_soil",
        "position": "declined",
        "date": "2025-04-11",
        "source": {"kind": "assumption", "reason": "test stance for Poland"},
    }
    scenario = tiny_scenario([pledge("p", "POL", "inf", 3)], LINES, stances=[stance])
    assert _blocked(scenario, ObstacleKind.NO_PRESENCE) == {("p", "near-inf"), ("p", "far-inf")}
    assert _filled(_source(scenario))["pol-inf"] == 1


def test_personnel_ceiling_caps_the_nation_not_the_pledge() -> None:
    ceiling = [{"kind": "personnel_ceiling", "personnel": 600}]
    scenario = tiny_scenario(
        [
            pledge("a", "GBR", "inf", 1, caveats=ceiling),
            pledge("b", "GBR", "ad", 2, caveats=ceiling),
        ],
        [line("inf", "inf", 1, "far"), line("ad", "ad", 2, "far", priority=2)],
    )
    # 500 (inf) + 100 (one AD battery) = 600: the second battery would break the ceiling.
    assert _filled(_source(scenario)) == {"inf": 1, "ad": 1}


def test_minimum_distance_is_measured_in_km_on_the_metric_projection() -> None:
    scenario = tiny_scenario([], [line("l", "inf", 1, "far")])
    # (33 E, 48 N) to the meridian 36 E at 48 N: 3° of longitude × 111.32 km × cos 48° ≈ 223.5 km.
    assert distance_to_line_km(scenario, scenario.area_by_id["far"]) == pytest.approx(
        223.5, rel=0.01
    )
    assert distance_to_line_km(scenario, scenario.area_by_id["near"]) == 0.0


# --- inputs with nothing to give ------------------------------------------------------------------


def test_no_pledges_at_all_gives_a_full_gap_with_reasons() -> None:
    result = _source(tiny_scenario([], [line("l", "inf", 2, "far")]))
    [gap] = result.gaps()
    assert gap.filled == 0 and gap.candidates == ()
    assert gap.relaxation is not None
    assert "no pledge of inf, armd" in gap.relaxation.description


def test_contradictory_caveats_are_reported_not_raised() -> None:
    caveats = [
        {"kind": "allowed_domains", "domains": ["air"]},
        {"kind": "no_presence_on_ukrainian_territory"},
    ]
    result = _source(
        tiny_scenario([pledge("p", "FRA", "inf", 1, caveats=caveats)], [line("l", "inf", 1, "far")])
    )
    [gap] = result.gaps()
    [candidate] = gap.candidates
    assert {o.kind for o in candidate.obstacles} == {ObstacleKind.DOMAIN, ObstacleKind.NO_PRESENCE}


def test_single_obstacle_relaxation_is_named() -> None:
    scenario = tiny_scenario(
        [
            pledge(
                "deu",
                "FRA",
                "inf",
                1,
                caveats=[{"kind": "parliamentary_vote", "lead_time_days": 45}],
            )
        ],
        [line("l", "inf", 1, "near", day=30)],
    )
    relaxation = _source(scenario).gaps()[0].relaxation
    assert relaxation is not None
    assert relaxation.obstacle is ObstacleKind.READINESS
    assert "parliamentary vote 45 d = day 50 > latest arrival day 30" in relaxation.description


# --- the built-in scenario (golden results) -----------------------------------------------------

GOLDEN = {  # mission: (fill rate, priority-weighted shortfall) under the coalition
    # issue 11: the UK's ground units wait on a US backstop (none assumed) and the Turkish
    # Straits are closed to non-Black Sea warships (Montreux Art. 19, since February 2022)
    "reassurance": (0.6852, 39320.0),
    "monitoring": (0.2063, 106680.0),
    "air_shield": (0.6154, 5600.0),
}


@pytest.fixture(scope="module")
def builtin() -> Scenario:
    return load_scenario()


@pytest.mark.parametrize("mission", sorted(GOLDEN))
def test_builtin_golden_results(builtin: Scenario, mission: str) -> None:
    result = source_mission(builtin, mission, "coalition", time_limit_s=20)
    fill, weighted = GOLDEN[mission]
    assert result.fill_rate() == pytest.approx(fill, abs=1e-3)
    assert result.objective.weighted_shortfall == pytest.approx(weighted, rel=1e-6)
    assert result.status.value == "optimal"
    for gap in result.gaps():  # no gap without a reason
        assert gap.relaxation is not None and gap.relaxation.description
        assert all(candidate.obstacles for candidate in gap.candidates)
    assert SourcingResult.model_validate_json(result.model_dump_json()) == result


def test_builtin_poland_and_italy_source_nothing_onto_ukrainian_soil(builtin: Scenario) -> None:
    for mission in GOLDEN:
        result = source_mission(builtin, mission, "coalition", explain=False)
        for assignment in result.assignments:
            if assignment.nation in {"POL", "ITA"}:
                area = builtin.mission(mission)
                line_area = next(r.area for r in area.requirements if r.id == assignment.line_id)
                assert not builtin.area_by_id[line_area].on_ukrainian_soil


def test_greedy_baseline_never_beats_the_optimum(builtin: Scenario) -> None:
    for row in sweep(builtin, analyse_mandate(builtin)):
        assert row.optimal_weighted_shortfall <= row.greedy_weighted_shortfall + 1e-6


def test_greedy_baseline_is_worse_on_the_air_shield(builtin: Scenario) -> None:
    problem = build_problem(
        builtin, builtin.mission("air_shield"), analyse_mandate(builtin).assessment("coalition")
    )
    best = optimise(problem, stages=1)
    assert weighted_shortfall(problem, best) < weighted_shortfall(problem, greedy_solution(problem))


def test_withdrawal_of_the_uk_hurts_the_reassurance_force(builtin: Scenario) -> None:
    # with the US backstop its ground units wait on (without it the UK sends one squadron)
    backed = apply_what_if(builtin, WhatIf(us_backstop=True))
    problem = build_problem(
        backed, backed.mission("reassurance"), analyse_mandate(backed).assessment("coalition")
    )
    sourced = solve_and_explain(problem, explain=False)
    rows = {r.nation: r for r in withdrawals(problem, ["GBR", "BGR"], sourced=sourced)}
    assert rows["GBR"].first_tour_fill < rows["GBR"].baseline_first_tour_fill
    assert rows["GBR"].drop > rows["BGR"].drop
    assert rows["GBR"].sustained_fill < rows["GBR"].baseline_sustained_fill


def test_mps_export_solves_to_the_same_shortfall(builtin: Scenario, tmp_path: Path) -> None:
    problem = build_problem(
        builtin, builtin.mission("air_shield"), analyse_mandate(builtin).assessment("coalition")
    )
    path = tmp_path / "air_shield.mps"
    export_mps(problem, path)
    h = highs().Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(path))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(
        optimise(problem, stages=1).objectives[0]
    )


# --- how a solve ends ------------------------------------------------------------------------


def test_no_time_to_prove_still_gives_the_greedy_plan_or_better(builtin: Scenario) -> None:
    problem = build_problem(
        builtin, builtin.mission("reassurance"), analyse_mandate(builtin).assessment("coalition")
    )
    rushed = optimise(problem, time_limit_s=0.0)
    assert rushed.status in {SolveStatus.OPTIMAL, SolveStatus.FEASIBLE}
    assert weighted_shortfall(problem, rushed) <= weighted_shortfall(
        problem, greedy_solution(problem)
    )
    assert [stage.status.has_solution for stage in rushed.stages] == [True] * len(rushed.stages)


def test_each_stage_reports_its_bound_and_proof(builtin: Scenario) -> None:
    problem = build_problem(
        builtin, builtin.mission("air_shield"), analyse_mandate(builtin).assessment("coalition")
    )
    solution = optimise(problem, time_limit_s=20)
    assert [stage.status for stage in solution.stages] == [SolveStatus.OPTIMAL] * 3
    for stage, value in zip(solution.stages, solution.objectives, strict=True):
        assert stage.value == value
        assert stage.bound is not None and stage.bound <= value + 1e-6 * max(1.0, value)


def test_a_solve_without_solution_says_so(builtin: Scenario) -> None:
    problem = build_problem(
        builtin, builtin.mission("monitoring"), analyse_mandate(builtin).assessment("coalition")
    )
    nothing = Solution(
        units={},
        shortfall={line.id: line.quantity for line in problem.mission.requirements},
        objectives=(),
        status=SolveStatus.NO_SOLUTION,
        seconds=20.0,
    )
    result = result_from_solution(problem, nothing, explain=True)
    assert result.status is SolveStatus.NO_SOLUTION
    assert result.assignments == ()
    assert result.objective.weighted_shortfall is None
    assert all(fill.relaxation is None for fill in result.lines)
    assert SourcingResult.model_validate_json(result.model_dump_json()) == result

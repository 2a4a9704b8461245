"""What-if sweeps: the spec, the designs, the case store, resuming, deduplication, discovery."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from peaceforce.cli import app
from peaceforce.errors import InputError
from peaceforce.scenario.model import Scenario
from peaceforce.sweeps import cases as sweep_cases
from peaceforce.sweeps.analysis import Describer, analyse, outcome_phrase
from peaceforce.sweeps.cases import case_scenario, context_for, evaluate, settings_of
from peaceforce.sweeps.design import design_cases, unit_points
from peaceforce.sweeps.prim import cart_boxes, prim_boxes
from peaceforce.sweeps.run import run_sweep
from peaceforce.sweeps.spec import Outcome, SweepSpec, builtin_spec_dir, load_spec, parse_spec
from peaceforce.sweeps.store import CaseStore

#: A small sweep of the built-in scenario: the monitoring mission solves in a tenth of a second.
SMALL: dict[str, Any] = {
    "name": "small",
    "question": "Does monitoring need Germany and a US backstop?",
    "mission": "monitoring",
    "framework": "coalition",
    "inputs": [
        {"name": "germany_out", "kind": "boolean", "target": "withdraws", "nation": "DEU"},
        {"name": "us_backstop", "kind": "boolean", "target": "us_backstop"},
    ],
    "outcomes": ["sustained_fill", "first_tour_fill", "worst_gap"],
    "failure": {"outcome": "sustained_fill", "below": 0.3},
    "design": {"method": "factorial"},
}


def small_spec(**changes: Any) -> SweepSpec:
    return parse_spec({**SMALL, **changes}, "small.yaml")


# --- the spec -------------------------------------------------------------------------------


def test_spec_error_names_field_value_and_expectation(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nquestion: q\nmission: monitoring\nframework: coalition\n"
        "inputs:\n  - {name: tur, kind: boolean, target: joins}\n"
        "  - {name: tour, kind: integer, target: tour_months, low: 6, high: 4}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_spec(path)
    text = str(caught.value)
    assert "bad.yaml:line 6" in text and "a nation exactly when the target is joins" in text
    assert "line 7" in text and "high (4) at least low (6)" in text


def test_spec_naming_an_unknown_framework_or_nation_is_refused() -> None:
    spec = small_spec(
        framework="nato-plus",
        inputs=[{"name": "x", "kind": "set", "target": "joins", "nations": ["TUR", "BRA"]}],
    )
    with pytest.raises(InputError) as caught:
        context_for(spec)
    problems = {(p.location, p.value) for p in caught.value.problems}
    assert ("framework", "'nato-plus'") in problems
    assert ("inputs[0].nation", "'BRA'") in problems


def test_builtin_spec_is_valid() -> None:
    spec = load_spec(builtin_spec_dir() / "turkey-germany-backstop.yaml")
    context_for(spec)
    assert {i.target.value for i in spec.inputs} >= {"joins", "withdraws", "us_backstop"}


# --- designs --------------------------------------------------------------------------------


def test_set_input_stays_a_set_and_designs_are_seeded() -> None:
    spec = small_spec(
        inputs=[{"name": "join", "kind": "set", "target": "joins", "nations": ["SWE", "NOR"]}],
        design={"method": "factorial"},
    )
    assert sorted(c["join"] for c in design_cases(spec)) == [(), ("NOR",), ("SWE",), ("SWE", "NOR")]
    lhs = small_spec(
        inputs=[
            {"name": "join", "kind": "set", "target": "joins", "nations": ["SWE", "NOR"]},
            {
                "name": "tour",
                "kind": "integer",
                "target": "tour_months",
                "low": 4,
                "high": 8,
                "step": 2,
            },
        ],
        design={"method": "lhs", "cases": 40, "seed": 7},
    )
    first, again = design_cases(lhs), design_cases(lhs)
    assert first == again
    assert {c["tour"] for c in first} == {4, 6, 8}
    assert all(isinstance(c["join"], tuple) for c in first)


def test_each_lhs_point_decodes_to_the_level_or_value_it_falls_on() -> None:
    # A coordinate u picks level floor(u * n) of n (the last for u = 1); a range maps linearly.
    inputs: list[tuple[str, str, str, dict[str, Any]]] = [
        ("frame", "categorical", "framework", {"values": ["coalition", "un"]}),
        ("tour", "integer", "tour_months", {"low": 4, "high": 8, "step": 2}),
        ("ioc", "real", "ioc_share", {"low": 0.5, "high": 0.9}),
        ("backstop", "boolean", "us_backstop", {}),
    ]
    lhs = small_spec(
        inputs=[{"name": n, "kind": k, "target": t, **more} for n, k, t, more in inputs],
        design={"method": "lhs", "cases": 50, "seed": 3},
    )
    points = unit_points(lhs)
    for case, (frame, tour, ioc, backstop) in zip(design_cases(lhs), points, strict=True):
        assert case["frame"] == ("coalition", "un")[min(int(frame * 2), 1)]
        assert case["tour"] == (4, 6, 8)[min(int(tour * 3), 2)]
        assert case["ioc"] == round(0.5 + 0.4 * ioc, 6)
        assert case["backstop"] is bool(backstop >= 0.5)


def test_sobol_and_morris_designs_have_salib_sizes() -> None:
    sobol = small_spec(design={"method": "sobol", "cases": 8})
    morris = small_spec(design={"method": "morris", "cases": 3})
    assert len(design_cases(sobol)) == 8 * (2 + 2)
    assert len(design_cases(morris)) == 3 * (2 + 1)


# --- one case --------------------------------------------------------------------------------


def test_a_sweep_setting_changes_the_scenario_as_stated() -> None:
    spec = small_spec(
        inputs=[
            {
                "name": "ceiling",
                "kind": "integer",
                "target": "ceiling",
                "nation": "FRA",
                "low": 1000,
                "high": 1000,
            },
            {
                "name": "tour",
                "kind": "integer",
                "target": "tour_months",
                "low": 4,
                "high": 4,
                "nation": "GBR",
            },
        ]
    )
    context = context_for(spec)
    scenario = case_scenario(context, settings_of(spec, {"ceiling": 1000, "tour": 4}))
    for pledge in scenario.pledges:
        if pledge.nation == "GBR":
            assert pledge.tour_months() == 4
        if pledge.nation == "FRA":
            ceilings = [c for c in pledge.caveats if c.kind == "personnel_ceiling"]
            assert [c.personnel for c in ceilings] == [1000]


def test_rotation_ratio_moves_no_outcome() -> None:
    """The sub-problem key leaves the rotation ratio out: it must not move an outcome."""
    spec = small_spec(
        inputs=[
            {"name": "ratio", "kind": "integer", "target": "rotation_ratio", "low": 2, "high": 4}
        ],
        outcomes=[*SMALL["outcomes"], "missing_personnel", "firm_sustained_fill"],
    )
    context = context_for(spec)
    rows = []
    for ratio in (2, 4):
        settings = settings_of(spec, {"ratio": ratio})
        row = evaluate(context, case_scenario(context, settings), settings)
        rows.append({k: v for k, v in row.items() if k != "solve_seconds"})
    assert rows[0] == rows[1]
    assert rows[0]["status"] == "optimal"


def test_an_error_is_a_case_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = small_spec()
    context = context_for(spec)

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("solver crashed")

    monkeypatch.setattr("peaceforce.sourcing.engine.source_mission", broken)
    settings = settings_of(spec, {"germany_out": False, "us_backstop": False})
    row = evaluate(context, case_scenario(context, settings), settings)
    assert row["status"] == "error" and row["error"] == "RuntimeError: solver crashed"


# --- the store: resume and duplicates ---------------------------------------------------------


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    solved: list[str] = []
    real = sweep_cases.evaluate

    def counted(context: Any, scenario: Scenario, settings: Any) -> dict[str, Any]:
        solved.append(json.dumps([settings.what_if.model_dump(mode="json")]))
        return real(context, scenario, settings)

    monkeypatch.setattr("peaceforce.sweeps.run.evaluate", counted)
    return solved


def test_duplicate_cases_are_solved_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    solved = _counting(monkeypatch)
    spec = small_spec(
        inputs=[
            *SMALL["inputs"],
            {"name": "ratio", "kind": "integer", "target": "rotation_ratio", "low": 2, "high": 3},
        ],
        design={"method": "lhs", "cases": 24, "seed": 3},
    )
    run = run_sweep(spec, tmp_path / "store")
    assert run.cases == 24 and len(run.table) == 24
    assert run.distinct_cases == 8  # 2 × 2 × 2 combinations, each drawn three times
    assert len(solved) == run.subproblems_solved == 4  # the ratio moves nothing
    assert run.table["status"].eq("optimal").all()
    again = run_sweep(spec, tmp_path / "store")
    assert len(solved) == 4 and again.stored_before == 8 and again.solved_cases == 0
    pd.testing.assert_frame_equal(run.table, again.table)


def test_an_interrupted_sweep_resumes_with_only_the_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = small_spec()
    calls = 0

    def stop_after_two(done: int, total: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:  # the first call reports nothing done; then one per batch
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, tmp_path / "store", batch_size=1, progress=stop_after_two)
    context = context_for(spec)
    assert len(CaseStore(tmp_path / "store").done_keys(context.scenario_version)) == 2
    solved = _counting(monkeypatch)
    run = run_sweep(spec, tmp_path / "store", batch_size=1)
    assert run.stored_before == 2 and len(solved) == 2 and run.solved_cases == 2
    assert run.table["status"].notna().all() and len(run.table) == 4


def test_store_reads_a_key_written_twice_once(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    row = {"key": "k1", "inputs": "{}", "status": "optimal", "sustained_fill": 0.5}
    store.write("v", [row])
    store.write("v", [row, {**row, "key": "k2"}])
    assert store.read("v").column("key").to_pylist() == ["k1", "k2"]
    assert not list(tmp_path.rglob(".*.tmp"))


# --- discovery ---------------------------------------------------------------------------------


def _planted(scenario: Scenario) -> tuple[SweepSpec, pd.DataFrame]:
    """Germany's absence always drops fill below 80 %; otherwise fill is 80–100 %."""
    spec = small_spec(
        inputs=[
            {"name": "germany_out", "kind": "boolean", "target": "withdraws", "nation": "DEU"},
            {"name": "us_backstop", "kind": "boolean", "target": "us_backstop"},
            {"name": "join", "kind": "set", "target": "joins", "nations": ["SWE", "NOR"]},
            {"name": "tour", "kind": "integer", "target": "tour_months", "low": 4, "high": 9},
        ],
        failure={"outcome": "sustained_fill", "below": 0.8},
    )
    rng = np.random.default_rng(11)
    n = 400
    frame = pd.DataFrame(
        {
            "germany_out": rng.random(n) < 0.3,
            "us_backstop": rng.random(n) < 0.5,
            "join.SWE": rng.random(n) < 0.5,
            "join.NOR": rng.random(n) < 0.5,
            "tour": rng.integers(4, 10, n),
        }
    )
    fill = np.where(frame["germany_out"], rng.uniform(0.4, 0.79, n), rng.uniform(0.8, 1.0, n))
    frame["sustained_fill"] = fill
    frame["status"] = "optimal"
    return spec, frame


def test_prim_finds_the_planted_effect_and_names_it(scenario: Scenario) -> None:
    spec, frame = _planted(scenario)
    failing = frame["sustained_fill"].to_numpy() < 0.8
    describe = Describer(spec, scenario)
    boxes = prim_boxes(
        frame[["germany_out", "us_backstop", "join.SWE", "join.NOR", "tour"]],
        failing,
        describe,
        outcome_phrase(spec),
    )
    assert boxes, "PRIM found no box"
    first = boxes[0]
    assert [r.column for r in first.restrictions] == ["germany_out"]
    assert first.density == 1.0 and first.coverage == 1.0
    assert first.sentence.startswith("With Germany out, sustained fill stays under 80 % in 100 %")
    assert "these cases are 100 % of all failures" in first.sentence
    tree = cart_boxes(
        frame[["germany_out", "us_backstop", "tour"]], failing, describe, outcome_phrase(spec)
    )
    assert tree[0].sentence.startswith("With Germany out,")


def test_analysis_of_a_planted_table(scenario: Scenario) -> None:
    spec, frame = _planted(scenario)
    frame["first_tour_fill"] = frame["sustained_fill"]
    frame["worst_gap"] = "fhq"
    frame["error"] = None
    analysis = analyse(spec, scenario, frame.rename(columns={}))
    assert analysis.prim[0].sentence.startswith("With Germany out")
    top = next(s for s in analysis.swings if s.outcome.value == "sustained_fill")
    assert top.input == "germany_out" and top.low_value == "True"
    assert json.loads(analysis.model_dump_json())["failures"] == analysis.failures


# --- the command -------------------------------------------------------------------------------


def test_sweep_command_writes_table_and_report(tmp_path: Path) -> None:
    spec_path = tmp_path / "small.yaml"
    spec_path.write_text(json.dumps(SMALL), encoding="utf-8")
    result = CliRunner().invoke(app, ["sweep", str(spec_path), "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["cases"] == 4 and document["analysis"]["errors"] == 0
    folder = tmp_path / "sweeps" / "small"
    for name in ("table.parquet", "table.csv", "report.html", "analysis.json"):
        assert (folder / name).is_file()
    table = pd.read_parquet(folder / "table.parquet")
    assert list(table.columns[:4]) == ["case", "key", "germany_out", "us_backstop"]
    assert "<script" not in (folder / "report.html").read_text(encoding="utf-8")


def test_failure_above_a_day_counts_never_reached_as_failing(scenario: Scenario) -> None:
    spec = small_spec(
        outcomes=["sustained_fill", "ioc_day"], failure={"outcome": "ioc_day", "above": 60}
    )
    table = pd.DataFrame(
        {"ioc_day": [30, 61, None, 60], "status": ["optimal", "optimal", "optimal", "error"]}
    )
    from peaceforce.sweeps.analysis import failing

    assert failing(spec, table).tolist() == [False, True, True, False]
    assert outcome_phrase(spec) == "ioc day is later than 60 or never"
    with pytest.raises(InputError, match="either below or above"):
        small_spec(failure={"outcome": "sustained_fill", "below": 0.5, "above": 0.9})


def test_sobol_indices_rank_the_input_that_drives_the_outcome() -> None:
    spec = small_spec(design={"method": "sobol", "cases": 64, "seed": 5})
    from peaceforce.sweeps.analysis import indices

    cases = design_cases(spec)
    table = pd.DataFrame(cases)
    table["sustained_fill"] = [
        0.4 + 0.4 * c["germany_out"] + 0.01 * c["us_backstop"] for c in cases
    ]
    found = indices(spec, table, Outcome.SUSTAINED_FILL)
    assert [i.input for i in found] == ["germany_out", "us_backstop"]
    assert found[0].first > 0.9 and found[1].total < 0.05


def test_ranges_and_categories_read_as_words(scenario: Scenario) -> None:
    from peaceforce.sweeps.prim import Restriction

    spec = small_spec(
        framework=None,
        inputs=[
            {
                "name": "frame",
                "kind": "categorical",
                "target": "framework",
                "values": ["coalition", "eu", "nato"],
            },
            {"name": "tour", "kind": "integer", "target": "tour_months", "low": 4, "high": 9},
            {
                "name": "fra",
                "kind": "integer",
                "target": "ceiling",
                "nation": "FRA",
                "low": 1000,
                "high": 9000,
                "step": 1000,
            },
        ],
    )
    describe = Describer(spec, scenario)
    assert describe(Restriction("frame", values=("eu", "nato"))) == "framework eu or nato"
    assert describe(Restriction("tour", low=4, high=6)) == "tours of 4 to 6 months"
    assert describe(Restriction("fra", high=3000)) == "France's ceiling of at most 3,000 personnel"

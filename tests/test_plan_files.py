"""A plan run's files: the plan and scenario JSON (with label and run key) in the run's folder.

Where the folder goes, its replacement and a failed run are tested in test_runs_folders.py.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from peaceforce.briefing import build_briefing, pack_files
from peaceforce.plan import PlanResult, run_plan
from peaceforce.presentation.plan_files import write_plan_files
from tiny_scenario import line, pledge, tiny_scenario


def test_writes_plan_and_scenario_with_label_and_run_key(tmp_path: Path) -> None:
    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 2)], [line("l", "inf", 2, "far")])
    plan = run_plan(scenario)
    out = tmp_path / "out"
    run = write_plan_files(plan, scenario, None, out)
    pack = pack_files(build_briefing(plan, scenario, date.today()))
    assert sorted(p.name for p in run.files) == sorted([*pack, "plan.json", "scenario.json"])
    assert "briefing-fill.png" in pack and "briefing.pdf" in pack
    assert run.folder == out / scenario.id / scenario.run_key
    stored = PlanResult.model_validate_json((run.folder / "plan.json").read_text(encoding="utf-8"))
    assert stored == plan
    assert stored.run_key == scenario.run_key
    assert json.loads((run.folder / "plan.json").read_text(encoding="utf-8"))["label"] == {
        "policy": "PEACEFORCE",
        "classification": "UNCLASSIFIED",
        "releasable_to": ["COALITION"],
        "caveats": [],
        "originator": None,
        "created": None,
        "review": None,
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]

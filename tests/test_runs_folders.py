"""Run folders: runs of other inputs side by side, the same inputs replacing their own folder,
a failed run leaving nothing, the pointer to the newest run, and finding runs back."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from peaceforce.briefing import build_briefing, pack_files
from peaceforce.errors import InputError
from peaceforce.plan import PlanResult, run_plan
from peaceforce.presentation import plan_files
from peaceforce.presentation.plan_files import write_plan_files
from peaceforce.runs import RunCommand, load_plan_run, resolve_run, write_run
from peaceforce.runs.folders import MANIFEST_FILE, PLAN_FILE, pointer_path, read_manifest
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.whatif import WhatIf, apply_what_if
from tiny_scenario import line, pledge, tiny_scenario

Planned = tuple[PlanResult, Scenario]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return tiny_scenario([pledge("fra", "FRA", "inf", 2)], [line("l", "inf", 2, "far")])


@pytest.fixture(scope="module")
def plain_run(scenario: Scenario) -> Planned:
    return run_plan(scenario), scenario


@pytest.fixture(scope="module")
def what_if_run(scenario: Scenario) -> Planned:
    changed = apply_what_if(scenario, WhatIf(rotation_ratio=2))
    return run_plan(changed), changed


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_plan_run_goes_to_its_own_folder_named_by_its_run_key(
    plain_run: Planned, tmp_path: Path
) -> None:
    plan, scenario = plain_run
    out = tmp_path / "out"
    run = write_plan_files(plan, scenario, None, out)
    assert run.folder == out / "tiny" / plan.run_key
    pack = pack_files(build_briefing(plan, scenario, date.today()))
    assert _listing(run.folder) == sorted([*pack, PLAN_FILE, MANIFEST_FILE, "scenario.json"])
    assert sorted(p.name for p in run.files) == sorted([*pack, PLAN_FILE, "scenario.json"])
    assert PlanResult.model_validate_json((run.folder / PLAN_FILE).read_bytes()) == plan
    manifest = read_manifest(run.folder / MANIFEST_FILE)
    assert manifest == run.manifest
    assert (manifest.command, manifest.scenario_id, manifest.folder) == (
        RunCommand.PLAN,
        "tiny",
        plan.run_key,
    )
    assert (manifest.run_key, manifest.label) == (plan.run_key, plan.label)
    assert manifest.what_if == WhatIf() and manifest.settings == {}
    assert manifest.files == (MANIFEST_FILE, "scenario.json", PLAN_FILE, *pack)
    assert run.pointer == out / "tiny" / "latest-plan.json"
    assert read_manifest(run.pointer) == manifest
    assert _listing(out / "tiny") == [".lock", plan.run_key, "latest-plan.json"]


def test_two_runs_with_different_what_ifs_land_side_by_side(
    plain_run: Planned, what_if_run: Planned, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = write_plan_files(*plain_run, None, out)
    second = write_plan_files(*what_if_run, None, out)
    assert first.folder != second.folder
    assert first.folder.parent == second.folder.parent == out / "tiny"
    assert read_manifest(first.folder / MANIFEST_FILE).what_if == WhatIf()
    assert read_manifest(second.folder / MANIFEST_FILE).what_if == WhatIf(rotation_ratio=2)
    stored = [load_plan_run(run.folder).plan for run in (first, second)]
    assert [p.sourcing[0].rotation_ratio for p in stored] == [3, 2]
    assert read_manifest(pointer_path(out / "tiny", RunCommand.PLAN)).folder == second.folder.name


def test_the_same_run_again_replaces_only_its_own_folder(
    plain_run: Planned, what_if_run: Planned, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = write_plan_files(*plain_run, None, out)
    other = write_plan_files(*what_if_run, None, out)
    other_bytes = {p.name: p.read_bytes() for p in other.folder.iterdir()}
    (first.folder / "deploy-stale.json").write_text("{}", encoding="utf-8")
    again = write_plan_files(*plain_run, None, out)
    assert again.folder == first.folder
    pack = pack_files(build_briefing(*plain_run, date.today()))
    assert _listing(first.folder) == sorted([*pack, PLAN_FILE, MANIFEST_FILE, "scenario.json"])
    assert {p.name: p.read_bytes() for p in other.folder.iterdir()} == other_bytes
    assert _listing(out / "tiny") == sorted(
        [".lock", first.folder.name, other.folder.name, "latest-plan.json"]
    )
    assert read_manifest(again.pointer).folder == first.folder.name


def test_a_failed_run_leaves_nothing_and_the_earlier_runs_as_they_were(
    plain_run: Planned, what_if_run: Planned, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    earlier = write_plan_files(*plain_run, None, out)
    before = {p.name: p.read_bytes() for p in earlier.folder.iterdir()}
    pointer_before = earlier.pointer.read_bytes()

    def disk_full(*_: object) -> None:
        raise InputError([])

    monkeypatch.setattr(plan_files, "write_atomic", disk_full)
    with pytest.raises(InputError):
        write_plan_files(*what_if_run, None, out)  # a new run fails
    with pytest.raises(InputError):
        write_plan_files(*plain_run, None, out)  # a rerun of the earlier one fails
    assert _listing(out / "tiny") == [".lock", earlier.folder.name, "latest-plan.json"]
    assert {p.name: p.read_bytes() for p in earlier.folder.iterdir()} == before
    assert earlier.pointer.read_bytes() == pointer_before


def test_refuses_to_replace_a_folder_that_is_not_a_run(plain_run: Planned, tmp_path: Path) -> None:
    plan, scenario = plain_run
    mine = tmp_path / "tiny" / plan.run_key
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        write_plan_files(plan, scenario, None, tmp_path)
    assert caught.value.problems[0].file == str(mine)
    assert MANIFEST_FILE in caught.value.problems[0].expected
    assert _listing(mine) == ["notes.txt"]


def test_out_that_is_a_file_is_a_clean_error(plain_run: Planned, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        write_plan_files(*plain_run, None, blocker)
    assert (caught.value.problems[0].file, caught.value.problems[0].value) == (
        str(blocker),
        "not a folder",
    )


def test_commands_with_settings_get_a_folder_per_setting(
    scenario: Scenario, tmp_path: Path
) -> None:
    def write_note(folder: Path) -> list[Path]:
        (folder / "note.txt").write_text("x", encoding="utf-8")
        return [folder / "note.txt"]

    runs = [
        write_run(tmp_path, scenario, RunCommand.DEPLOY, write_note, {"ioc_share": share})
        for share in (0.5, 0.6, 0.5)
    ]
    assert runs[0].folder == runs[2].folder != runs[1].folder
    assert runs[0].folder.name != scenario.run_key  # a plan run of the scenario keeps its own
    assert runs[1].manifest.run_key == scenario.run_key
    assert runs[1].manifest.settings == {"ioc_share": 0.6}
    assert _listing(tmp_path / "tiny") == sorted(
        [".lock", runs[0].folder.name, runs[1].folder.name, "latest-deploy.json"]
    )
    assert read_manifest(runs[2].pointer).folder == runs[0].folder.name


# --- finding runs back ---------------------------------------------------------------------


@pytest.fixture
def two_runs(plain_run: Planned, what_if_run: Planned, tmp_path: Path) -> tuple[Path, Path, Path]:
    out = tmp_path / "out"
    first = write_plan_files(*plain_run, None, out)
    second = write_plan_files(*what_if_run, None, out)
    return out, first.folder, second.folder


def test_a_run_is_found_by_folder_file_key_prefix_or_latest(
    two_runs: tuple[Path, Path, Path],
) -> None:
    out, first, second = two_runs
    prefix = next(
        first.name[:n] for n in range(1, 17) if not second.name.startswith(first.name[:n])
    )
    assert resolve_run(str(first), out) == first
    assert resolve_run(str(first / PLAN_FILE), out) == first
    assert resolve_run(first.name, out) == first
    assert resolve_run(prefix, out) == first
    assert resolve_run(f"tiny/{prefix}", out) == first
    assert resolve_run("latest", out) == second
    assert resolve_run("tiny/latest", out) == second


def test_an_ambiguous_or_unknown_reference_is_refused(two_runs: tuple[Path, Path, Path]) -> None:
    out, first, _ = two_runs
    twin = out / "other" / first.name  # the same key under another scenario folder
    twin.mkdir(parents=True)
    (twin / PLAN_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        resolve_run(first.name[:8], out)
    assert caught.value.problems[0].value.startswith("2 runs: ")
    for unknown in ("0" * 16 if not first.name.startswith("0") else "f" * 16, "not-a-key"):
        with pytest.raises(InputError) as caught:
            resolve_run(unknown, out)
        assert caught.value.problems[0].file == unknown
    (out / "other" / "latest-plan.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        resolve_run("latest", out)
    assert caught.value.problems[0].value == "plan runs of other, tiny"


def test_a_folder_that_is_not_a_run_is_refused_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_plan_run(tmp_path)
    [problem] = caught.value.problems
    assert (problem.file, problem.value) == (str(tmp_path / MANIFEST_FILE), "no such file")


def test_a_foreign_plan_json_is_refused_naming_the_file_and_field(
    two_runs: tuple[Path, Path, Path],
) -> None:
    _, first, _ = two_runs
    document = json.loads((first / PLAN_FILE).read_text(encoding="utf-8"))
    document["sourcing"][0]["lines"][0]["filled"] = "many"
    del document["mandate"]
    (first / PLAN_FILE).write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_plan_run(first)
    where = {(p.file, p.location, p.value) for p in caught.value.problems}
    assert where == {
        (str(first / PLAN_FILE), "mandate", "nothing"),
        (str(first / PLAN_FILE), "sourcing[0].lines[0].filled", "'many'"),
    }


def test_a_run_of_another_command_or_another_plan_is_refused(
    two_runs: tuple[Path, Path, Path],
) -> None:
    _, first, second = two_runs
    (first / PLAN_FILE).write_bytes((second / PLAN_FILE).read_bytes())
    with pytest.raises(InputError) as caught:
        load_plan_run(first)
    assert caught.value.problems[0].location == "run_key"
    manifest = json.loads((second / MANIFEST_FILE).read_text(encoding="utf-8"))
    (second / MANIFEST_FILE).write_text(json.dumps({**manifest, "command": "deploy"}))
    with pytest.raises(InputError) as caught:
        load_plan_run(second)
    assert caught.value.problems[0].expected == "a plan run (only plan runs are compared)"

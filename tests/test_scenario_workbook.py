"""The planner's workbook: exact round trips, notes and lists, faults at their cells."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from pydantic import Field
from typer.testing import CliRunner

from peaceforce.cli import app
from peaceforce.errors import InputError, Problem
from peaceforce.labels import Classification, Label
from peaceforce.scenario import workbook as workbook_module
from peaceforce.scenario.cells import columns_of, parse_tagged, tagged_text, union_members
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario
from peaceforce.scenario.model import (
    AllowedDomains,
    Caveat,
    MaxTourLength,
    NoPresenceOnUkrainianTerritory,
    Pledge,
    RequiredFrameworks,
    Scenario,
)
from peaceforce.scenario.workbook import (
    SHEETS,
    WorkbookSummary,
    export_workbook,
    import_workbook,
    read_scenario_sheets,
    scenario_workbook,
)
from scenario_copies import copy_builtin

DATA_SHEETS = [spec.name for spec in SHEETS]


def _values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The data of the four sheets, cell by cell."""
    book = load_workbook(path, read_only=True)
    values = {name: list(book[name].iter_rows(values_only=True)) for name in DATA_SHEETS}
    book.close()
    return values


def _edit(path: Path, edits: dict[tuple[str, str], Any]) -> None:
    """Set cells of a workbook on disk: (sheet, cell) -> value."""
    book = load_workbook(path)
    for (sheet, cell), value in edits.items():
        book[sheet][cell] = value
    book.save(path)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("book") / "coalition.xlsx"
    export_workbook(builtin_scenario_dir(), path)
    return path


def test_export_then_import_gives_the_same_scenario(
    exported: Path, scenario: Scenario, tmp_path: Path
) -> None:
    folder = copy_builtin(tmp_path)
    summary = import_workbook(exported, folder)
    again = load_scenario(folder)
    assert again == scenario
    assert summary.run_key == again.run_key == scenario.run_key
    assert summary.rows == {"Nations": 49, "Stances": 45, "Pledges": 64, "Requirements": 64}
    assert summary.removed == ("pledges.csv",)
    assert not (folder / "pledges.csv").exists()
    # the notes a file starts with (sources of the GDP figures) survive the rewrite
    assert "IMF World Economic Outlook" in (folder / "nations.yaml").read_text(encoding="utf-8")


def test_import_then_export_gives_the_same_data(exported: Path, tmp_path: Path) -> None:
    folder = tmp_path / "new"
    import_workbook(exported, folder, base=builtin_scenario_dir())
    again = tmp_path / "again.xlsx"
    export_workbook(folder, again)
    assert _values(again) == _values(exported)


def test_every_model_field_is_a_column_and_a_new_field_becomes_one() -> None:
    for spec in SHEETS:
        assert {c.path[0] for c in columns_of(spec.model)} == set(spec.model.model_fields)

    class PledgeWithMore(Pledge):
        reserve_months: int | None = Field(default=None, gt=0, description="months in reserve")

    column = columns_of(PledgeWithMore)[-1]
    assert (column.name, column.required) == ("reserve_months", False)
    assert column.note == "months in reserve; a whole number; more than 0; optional"


def test_header_notes_and_drop_down_lists(exported: Path) -> None:
    book = load_workbook(exported)
    stances = book["Stances"]
    header = {cell.value: cell for cell in stances[1]}
    assert "one of: committed, considering, declined, opposed" in header["position"].comment.text
    assert "required" in header["position"].comment.text
    lists = {
        str(rule.sqref).split(":")[0].rstrip("0123456789"): rule
        for rule in stances.data_validations.dataValidation
    }
    position = lists[header["position"].column_letter]
    assert (position.type, position.errorStyle) == ("list", "stop")
    first, last = position.formula1.split("!")[1].replace("$", "").split(":")
    assert [book["Lists"][f"{first[0]}{n}"].value for n in range(2, int(last[1:]) + 1)] == [
        "committed", "considering", "declined", "opposed"
    ]  # fmt: skip
    # references to the scenario's own names warn rather than forbid
    assert lists[header["nation"].column_letter].errorStyle == "warning"
    assert book["Lists"].sheet_state == "hidden"
    # a cell holding a list ("NATO, EU") has no drop-down that would refuse it
    nations = book["Nations"]
    assert nations["C1"].value == "memberships"
    assert all(not str(r.sqref).startswith("C") for r in nations.data_validations.dataValidation)
    pledges = book["Pledges"]
    caveats = next(cell for cell in pledges[1] if cell.value == "caveats")
    assert "parliamentary_vote=LEAD_TIME_DAYS" in caveats.comment.text
    assert book["About"]["B5"].value == "UNCLASSIFIED REL COALITION"


def test_caveats_read_back_from_their_cell() -> None:
    caveats = (
        AllowedDomains(domains=("maritime", "air")),  # type: ignore[arg-type]
        NoPresenceOnUkrainianTerritory(),
        RequiredFrameworks(frameworks=("eu", "coalition")),
        MaxTourLength(months=4),
    )
    text = "; ".join(tagged_text(c) for c in caveats)
    assert text == (
        "allowed_domains=maritime|air; no_presence_on_ukrainian_territory; "
        "required_frameworks=eu|coalition; max_tour_length=4"
    )
    parsed = parse_tagged(text, union_members(Caveat))
    assert tuple(type(c).model_validate(p) for c, p in zip(caveats, parsed, strict=True)) == caveats


def test_text_that_looks_like_a_formula_stays_text(scenario: Scenario) -> None:
    nations = (scenario.nations[0].model_copy(update={"name": "=HYPERLINK(1)"}),)
    data = scenario_workbook(scenario.replace(nations=nations), origin="test")
    cell = load_workbook(io.BytesIO(data))["Nations"]["B2"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1)", "s")
    read = read_scenario_sheets(data, "book.xlsx")
    assert read.items["nations"][0].item.name == "=HYPERLINK(1)"


def _import_problems(book: Path, folder: Path) -> list[Problem]:
    before = _files(folder)
    with pytest.raises(InputError) as caught:
        import_workbook(book, folder)
    assert _files(folder) == before  # nothing written
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []
    return caught.value.problems


def test_every_fault_names_sheet_row_column_value_and_expectation(
    exported: Path, tmp_path: Path
) -> None:
    book = tmp_path / "book.xlsx"
    book.write_bytes(exported.read_bytes())
    _edit(
        book,
        {
            ("Stances", "C3"): "maybe",  # position
            ("Stances", "F2"): None,  # source.article of an article source
            ("Pledges", "D4"): "many",  # count
            ("Pledges", "B5"): "ZAF",  # a real nation the scenario does not define
            ("Pledges", "K6"): "parliamentary_vote=soon",  # caveats
            ("Requirements", "A7"): "nope",  # mission
            ("Requirements", "E8"): "mars",  # area
        },
    )
    problems = _import_problems(book, copy_builtin(tmp_path))
    found = {(p.location, p.value): p for p in problems}
    assert all(p.file == "book.xlsx" for p in problems)
    position = found["sheet Stances, row 3, column position (C)", "'maybe'"]
    assert "'committed', 'considering', 'declined' or 'opposed'" in position.expected
    article = found["sheet Stances, row 2, column source.article (F)", "(empty)"]
    assert article.expected == "this required field"
    count = found["sheet Pledges, row 4, column count (D)", "'many'"]
    assert "valid integer" in count.expected
    caveat = found[
        "sheet Pledges, row 6, column caveats (K), caveats[0].lead_time_days",
        "'parliamentary_vote=soon'",
    ]
    assert "valid integer" in caveat.expected
    nation = found["sheet Pledges, row 5, column nation (B)", "'ZAF'"]
    assert nation.expected.startswith("a nation defined in the scenario")
    mission = found["sheet Requirements, row 7, column mission (A)", "'nope'"]
    assert mission.expected.startswith("a mission option of missions.yaml (reassurance")
    area = found["sheet Requirements, row 8, column area (E)", "'mars'"]
    assert area.expected.startswith("an area defined in the scenario")
    assert len(problems) == 7


def test_a_missing_sheet_or_column_and_an_unknown_column_are_named(
    scenario: Scenario, tmp_path: Path
) -> None:
    book = load_workbook(io.BytesIO(scenario_workbook(scenario, origin="test")))
    del book["Stances"]
    book["Nations"]["B1"] = "nom"  # 'name' renamed
    path = tmp_path / "book.xlsx"
    book.save(path)
    problems = _import_problems(path, copy_builtin(tmp_path))
    assert [(p.location, p.value, p.expected) for p in problems[:3]] == [
        ("sheet Nations, row 1, column nom (B)", "'nom'", problems[0].expected),
        ("sheet Nations, row 1", "(no such column)", "a column name"),
        ("sheet Stances", "(missing)", problems[2].expected),
    ]
    assert problems[0].expected.startswith("one of the columns code, name, memberships")


def test_a_workbook_marked_above_the_folder_is_refused(scenario: Scenario, tmp_path: Path) -> None:
    secret = Label(classification=Classification.SECRET, releasable_to=frozenset({"GBR"}))
    path = tmp_path / "book.xlsx"
    path.write_bytes(scenario_workbook(scenario.replace(label=secret), origin="test"))
    (problem,) = _import_problems(path, copy_builtin(tmp_path))
    assert (problem.location, problem.value) == (
        "sheet About, row 6, column value (B)",
        str(secret),
    )
    assert "at least as restrictively" in problem.expected


def test_a_folder_that_is_not_a_scenario_is_never_replaced(exported: Path, tmp_path: Path) -> None:
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(InputError, match=r"a folder without scenario\.yaml"):
        import_workbook(exported, other, base=builtin_scenario_dir())
    assert [p.name for p in other.iterdir()] == ["holiday.jpg"]
    with pytest.raises(InputError, match="no such folder"):
        import_workbook(exported, tmp_path / "new")


def test_a_failure_while_writing_leaves_the_folder_as_it_was(
    exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_builtin(tmp_path)
    before = _files(folder)

    def fail(folder: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(workbook_module, "load_scenario", fail)
    with pytest.raises(OSError, match="disk full"):
        import_workbook(exported, folder)
    assert _files(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario"]


def test_a_planners_own_workbook_reads_with_dates_and_numbers_as_excel_keeps_them(
    scenario: Scenario, tmp_path: Path
) -> None:
    book = Workbook()
    nations = book.active
    nations.title = "Nations"
    columns = columns_of(type(scenario.nations[0]))
    nations.append([c.name for c in columns])
    for nation in scenario.nations:
        nations.append([column.read(nation) for column in columns])
    source = load_workbook(io.BytesIO(scenario_workbook(scenario, origin="test")))
    for name in DATA_SHEETS[1:]:
        sheet = book.create_sheet(name)
        for row in source[name].iter_rows(values_only=True):
            sheet.append(row)
    book["Pledges"]["I2"] = "2025-06-01"  # a date typed as text
    book["Stances"]["D2"] = date(2025, 3, 24)
    path = tmp_path / "mine.xlsx"
    book.save(path)
    folder = copy_builtin(tmp_path)
    import_workbook(path, folder)
    assert load_scenario(folder) == scenario


def test_the_commands_print_json_and_report_problems_with_exit_code_2(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    runner = CliRunner()
    out = runner.invoke(app, ["export-xlsx", str(builtin_scenario_dir()), str(book), "--json"])
    assert out.exit_code == 0, out.output
    exported = WorkbookSummary.model_validate_json(out.stdout)
    assert exported.rows["Pledges"] == 64
    new = tmp_path / "new"
    out = runner.invoke(app, ["import-xlsx", str(book), str(new), "--json"])
    assert out.exit_code == 2
    assert json.loads(out.stdout)["problems"][0]["value"] == "no such folder"
    out = runner.invoke(
        app, ["import-xlsx", str(book), str(new), "--base", str(builtin_scenario_dir()), "--json"]
    )
    assert out.exit_code == 0, out.output
    assert WorkbookSummary.model_validate_json(out.stdout).run_key == exported.run_key

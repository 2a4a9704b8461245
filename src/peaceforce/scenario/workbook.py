"""A planner's workbook: a scenario's nations, stances, pledges and requirement lines, and back.

:func:`export_workbook` writes one sheet each (``Nations``, ``Stances``,
``Pledges``, ``Requirements``), their columns derived from the typed model
(:mod:`peaceforce.scenario.cells`), every header cell with a note saying what
the column holds, and a drop-down list on every enumerated column (positions,
phases, kinds of source, TRUE/FALSE) and on every reference to the scenario
(nations, unit types, areas, mission options), from a hidden ``Lists`` sheet.
An ``About`` sheet says where the data came from and carries its label.

:func:`import_workbook` reads such a workbook back into a scenario folder:
``nations.yaml``, ``stances.yaml``, ``pledges.yaml`` (``pledges.csv`` merged
into it) and the requirement lines of ``missions.yaml`` are rewritten; every
other file is kept. Every fault is a problem naming the workbook, the sheet,
the row, the column, the value and what was expected, the cross-reference
checks of a scenario folder included (an unknown nation in a pledge names its
cell). The folder is written whole or not at all: the files go to a fresh
folder beside it, which is loaded and checked before it takes the old one's
place.

Export then import gives files that load to an equal scenario (the same run
key); import then export gives a workbook with the same data.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from peaceforce.errors import InputError, Problem, ScenarioError
from peaceforce.labels import Label, combine_labels
from peaceforce.outputs import replacing_folder, write_atomic
from peaceforce.parsing import read_file
from peaceforce.parsing.limits import MAX_XLSX_BYTES
from peaceforce.parsing.xlsx import Sheet, SheetRow, column_letter, read_workbook
from peaceforce.results import StageResult
from peaceforce.scenario import checks
from peaceforce.scenario.cells import TAG, Column, columns_of, nested
from peaceforce.scenario.loader import (
    PLEDGES_CSV,
    SCENARIO_FILE,
    Draft,
    Located,
    Origin,
    expected_of,
    load_scenario,
    read_draft,
    read_yaml,
    reading_order,
    validate_item,
)
from peaceforce.scenario.model import (
    MissionOption,
    Nation,
    Pledge,
    RequirementLine,
    Scenario,
    Stance,
)

NATIONS_FILE = "nations.yaml"
STANCES_FILE = "stances.yaml"
PLEDGES_FILE = "pledges.yaml"
MISSIONS_FILE = "missions.yaml"
#: The files a workbook replaces in a scenario folder (``pledges.csv`` is merged into YAML).
REPLACED_FILES = (NATIONS_FILE, STANCES_FILE, PLEDGES_FILE, PLEDGES_CSV, MISSIONS_FILE)
ABOUT_SHEET = "About"
LISTS_SHEET = "Lists"
#: The About sheet's row holding the data's label as JSON, read back on import.
LABEL_ROW = "label (JSON)"
#: Data validation covers every row Excel has below the header.
_LAST_ROW = 1_048_576


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of the workbook: its name, the model of its rows, the file its rows go to."""

    name: str
    model: type[BaseModel]
    file: str
    #: The draft collection the items belong to (requirement lines belong to missions).
    collection: str
    #: The field that names an item, so references to an item that failed are not reported.
    key: str
    #: Columns before the model's own (the mission a requirement line belongs to).
    parent: tuple[Column, ...] = ()

    @property
    def columns(self) -> tuple[Column, ...]:
        """Every column of the sheet, in order."""
        return self.parent + columns_of(self.model)


MISSION_COLUMN = Column(
    "mission",
    ("mission",),
    "scalar",
    str,
    True,
    "the mission option (in missions.yaml) this line belongs to; text; required",
)
SHEETS = (
    SheetSpec("Nations", Nation, NATIONS_FILE, "nations", "code"),
    SheetSpec("Stances", Stance, STANCES_FILE, "stances", ""),
    SheetSpec("Pledges", Pledge, PLEDGES_FILE, "pledges", "id"),
    SheetSpec("Requirements", RequirementLine, MISSIONS_FILE, "missions", "id", (MISSION_COLUMN,)),
)


class WorkbookSummary(StageResult):
    """What an export or an import moved: rows per sheet, files written and removed."""

    scenario: str
    workbook: str
    folder: str
    rows: dict[str, int]
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def workbook_label(scenario: Scenario) -> Label:
    """The label of the data a workbook carries: the scenario's and its replaced files'."""
    marked = [label for name, label in scenario.file_labels.items() if name in REPLACED_FILES]
    return combine_labels([scenario.label, *marked])


# --- export ---------------------------------------------------------------------------


def _sheet_items(scenario: Scenario, spec: SheetSpec) -> list[tuple[Mapping[str, Any], BaseModel]]:
    """(values of the parent columns, item) for every row of a sheet, in the scenario's order."""
    if spec.collection == "missions":
        return [
            ({MISSION_COLUMN.name: mission.id}, line)
            for mission in scenario.missions
            for line in mission.requirements
        ]
    return [({}, item) for item in getattr(scenario, spec.collection)]


def _references(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """The ids a column of that name refers to: drop-down lists of the scenario's own names."""
    unit_types = tuple(u.id for u in scenario.catalogue)
    return {
        "nation": tuple(n.code for n in scenario.nations),
        "unit_type": unit_types,
        "capability": unit_types,
        "area": tuple(a.id for a in scenario.areas),
        "mission": tuple(m.id for m in scenario.missions),
    }


def scenario_workbook(scenario: Scenario, *, origin: str) -> bytes:
    """The workbook of a scenario as XLSX bytes; ``origin`` names its folder on the About sheet."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    lists = _Lists(book.create_sheet(LISTS_SHEET))
    references = _references(scenario)
    for spec in SHEETS:
        sheet = book.create_sheet(spec.name)
        columns = spec.columns
        rows = [
            [parents.get(c.name) if c in spec.parent else c.read(item) for c in columns]
            for parents, item in _sheet_items(scenario, spec)
        ]
        _write_table(sheet, columns, rows)
        for number, column in enumerate(columns, start=1):
            choices, strict = column.choices, True
            if not choices and column.path[0] in references and len(column.path) == 1:
                choices, strict = references[column.path[0]], False
            if choices and column.shape == "scalar":
                _validate(sheet, number, lists.range_of(column.name, choices), strict=strict)
    _write_about(book.create_sheet(ABOUT_SHEET), scenario, origin)
    book.move_sheet(LISTS_SHEET, offset=len(book.sheetnames) - 1)
    book[LISTS_SHEET].sheet_state = "hidden"
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_table(sheet: Any, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    bold, shade = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    for number, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=number, value=column.name)
        cell.font, cell.fill = bold, shade
        cell.comment = Comment(column.note, "peaceforce", width=320, height=140)
    for row_number, values in enumerate(rows, start=2):
        for number, value in enumerate(values, start=1):
            if value is not None:
                _set_cell(sheet, row_number, number, value)
    for number, column in enumerate(columns, start=1):
        longest = max((len(str(row[number - 1] or "")) for row in rows), default=0)
        width = min(50, max(len(column.name), longest) + 2)
        sheet.column_dimensions[column_letter(number)].width = width
    sheet.freeze_panes = "B2"


def _set_cell(sheet: Any, row: int, column: int, value: Any) -> None:
    """Write one value; text stays text (a value starting with '=' is no formula)."""
    from openpyxl.utils.exceptions import IllegalCharacterError

    cell = sheet.cell(row=row, column=column)
    try:
        cell.value = value
    except IllegalCharacterError:
        place = f"sheet {sheet.title}, row {row}, column {column_letter(column)}"
        raise InputError(
            [Problem("workbook", place, repr(value)[:80], "text without control characters")]
        ) from None
    if isinstance(value, str):
        cell.data_type = "s"


def _validate(sheet: Any, column: int, source: str, *, strict: bool) -> None:
    """A drop-down list on a column: strict for enumerations, a warning for references."""
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = column_letter(column)
    check = DataValidation(
        type="list",
        formula1=source,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop" if strict else "warning",
        errorTitle="Not in the list",
        error="Pick a value from the list"
        + ("." if strict else " (or add it to the scenario first)."),
    )
    check.add(f"{letter}2:{letter}{_LAST_ROW}")
    sheet.add_data_validation(check)


class _Lists:
    """The hidden sheet holding the values of every drop-down list, one column each."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.ranges: dict[tuple[Any, ...], str] = {}

    def range_of(self, name: str, values: Sequence[Any]) -> str:
        """The absolute range holding ``values`` (written once per distinct list)."""
        key = tuple(values)
        if key not in self.ranges:
            number = len(self.ranges) + 1
            letter = column_letter(number)
            self.sheet.cell(row=1, column=number, value=name)
            for row, value in enumerate(values, start=2):
                _set_cell(self.sheet, row, number, value)
            last = max(2, len(values) + 1)
            self.ranges[key] = f"{LISTS_SHEET}!${letter}$2:${letter}${last}"
        return self.ranges[key]


def _write_about(sheet: Any, scenario: Scenario, origin: str) -> None:
    label = workbook_label(scenario)
    rows = [
        ("field", "value"),
        ("scenario", scenario.id),
        ("name", scenario.name),
        ("exported from", origin),
        ("label", str(label)),
        (LABEL_ROW, label.model_dump_json()),
        (
            "how to use",
            "One sheet each for nations, stances, pledges and requirement lines. Hover "
            "over a column's name for what it holds; enumerated columns offer a list. "
            "Lists in one cell are separated by ','; caveats by ';', written as in "
            "pledges.csv (parliamentary_vote=30; allowed_domains=maritime|air). Read it "
            "back with: peaceforce import-xlsx WORKBOOK.xlsx SCENARIO_FOLDER",
        ),
    ]
    for number, (name, value) in enumerate(rows, start=1):
        _set_cell(sheet, number, 1, name)
        _set_cell(sheet, number, 2, value)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100


def export_workbook(folder: Path, path: Path) -> WorkbookSummary:
    """Write the workbook of the scenario folder ``folder`` to ``path`` (an .xlsx file).

    Raises
    ------
    InputError
        The folder is no valid scenario (every problem), or ``path`` does not end
        in .xlsx or cannot be written.
    """
    if path.suffix.lower() != ".xlsx":
        raise InputError([Problem(str(path), "-", repr(path.suffix), "a file name ending .xlsx")])
    scenario = load_scenario(folder)
    write_atomic(path, scenario_workbook(scenario, origin=str(folder)))
    return WorkbookSummary(
        label=workbook_label(scenario),
        run_key=scenario.run_key,
        scenario=scenario.id,
        workbook=str(path),
        folder=str(folder),
        rows={spec.name: len(_sheet_items(scenario, spec)) for spec in SHEETS},
        written=(str(path),),
    )


# --- import: cells to items, each fault at its cell --------------------------------------


@dataclass(frozen=True)
class CellOrigin(Origin):
    """Where an item came from in a workbook: a row of a sheet, its fields in columns."""

    sheet: Sheet
    row: int
    columns: tuple[Column, ...]

    def where(self, *subpath: str | int) -> str:
        """'sheet Pledges, row 7, column nation (B)', with the path inside the cell if any."""
        column, rest = _column_at(self.columns, subpath)
        place = self.sheet.where(self.row, column.name if column else None)
        if not rest:
            return place
        return f"{place}, {(column.name if column else '') + _shown(rest)}".replace(", .", ", ")


@dataclass(frozen=True)
class MissionOrigin(Origin):
    """A mission option: its own fields in missions.yaml, its lines in the Requirements sheet."""

    line_origins: tuple[Origin, ...]

    def where(self, *subpath: str | int) -> str:
        """The cell of a requirement line's field, or the line of missions.yaml."""
        if subpath[:1] == ("requirements",) and len(subpath) > 1:
            index = subpath[1]
            if isinstance(index, int) and 0 <= index < len(self.line_origins):
                return self.line_origins[index].where(*subpath[2:])
        return f"{MISSIONS_FILE}, {super().where(*subpath)}"


def _shown(rest: Sequence[str | int]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)


def _column_at(
    columns: Sequence[Column], loc: Sequence[str | int]
) -> tuple[Column | None, list[str | int]]:
    """The column holding the field at ``loc`` (a pydantic error path), and the path left over.

    The tag pydantic puts after a union's field (``source.article.paraphrase``) is skipped.
    """
    path: list[str | int] = []
    parts = list(loc)
    index = 0
    while index < len(parts):
        path.append(parts[index])
        index += 1
        for column in columns:
            if column.path == tuple(path):
                return column, _without_tags(column, parts[index:])
        kind_column = (*path, TAG)
        if index < len(parts) and any(c.path == kind_column for c in columns):
            kinds = next(c.choices for c in columns if c.path == kind_column)
            if parts[index] in kinds:
                index += 1
    for column in columns:
        if column.path[: len(path)] == tuple(path):
            return column, []
    return None, list(loc)


def _without_tags(column: Column, rest: list[str | int]) -> list[str | int]:
    """A caveat's path without the kind pydantic inserts: caveats[0].lead_time_days."""
    kinds = {str(member.model_fields[TAG].default) for member in column.members}
    return [part for index, part in enumerate(rest) if not (index == 1 and part in kinds)]


@dataclass
class WorkbookRows:
    """Items read from a workbook, by collection, and every fault found, each at its cell."""

    file: str
    items: dict[str, list[Located]] = field(default_factory=dict)
    broken: dict[str, set[str]] = field(default_factory=dict)
    #: Requirement lines by mission id, each with its origin; and missions with broken lines.
    lines: dict[str, list[Located]] = field(default_factory=dict)
    broken_lines: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    #: The label the About sheet gives the data (an exported workbook's), and its place.
    label: Label | None = None
    label_place: str = ""


def _check_header(sheet: Sheet, spec: SheetSpec, read: WorkbookRows) -> bool:
    """Unknown columns and missing required ones are problems; False when rows cannot be read."""
    names = [c.name for c in spec.columns]
    ok = True
    for name in sheet.columns:
        if name and name not in names:
            read.problems.append(
                Problem(
                    read.file,
                    sheet.where(1, name),
                    repr(name),
                    "one of the columns " + ", ".join(names),
                )
            )
    for column in spec.columns:
        if column.required and column.name not in sheet.columns:
            read.problems.append(
                Problem(read.file, sheet.where(1), "(no such column)", f"a column {column.name}")
            )
            ok = False
    return ok


def _read_sheet(sheet: Sheet, spec: SheetSpec, read: WorkbookRows) -> None:
    read.problems.extend(sheet.problems)
    if not _check_header(sheet, spec, read):
        return
    own = columns_of(spec.model)
    for row in sheet.rows:
        data = nested(own, row.values)
        origin = CellOrigin(read.file, (), {}, sheet, row.number, spec.columns)
        try:
            item = spec.model.model_validate(data)
        except ValidationError as exc:
            _report(exc, row, origin, read)
            if isinstance(data.get(spec.key), str):
                read.broken.setdefault(spec.collection, set()).add(data[spec.key])
            if spec.parent:
                read.broken_lines.add(str(row.values.get(MISSION_COLUMN.name, "")))
            continue
        if spec.parent:
            mission = str(row.values.get(MISSION_COLUMN.name, "")).strip()
            read.lines.setdefault(mission, []).append(Located(item, origin))
        else:
            read.items.setdefault(spec.collection, []).append(Located(item, origin))


def _report(exc: ValidationError, row: SheetRow, origin: CellOrigin, read: WorkbookRows) -> None:
    """Every error of one row, at its cell, with the cell's value as the sheet holds it."""
    for error in exc.errors(include_url=False):
        column, _ = _column_at(origin.columns, error["loc"])
        cell = row.values.get(column.name) if column else None
        value = "(empty)" if cell is None else repr(cell)[:80]
        read.problems.append(
            Problem(read.file, origin.where(*error["loc"]), value, expected_of(error))
        )


def _read_about(sheets: Mapping[str, Sheet], read: WorkbookRows) -> None:
    about = sheets.get(ABOUT_SHEET)
    if about is None or len(about.columns) < 2:
        return
    first, second = about.columns[:2]
    for row in about.rows:
        if row.values.get(first) == LABEL_ROW:
            text = row.values.get(second)
            place = about.where(row.number, second)
            try:
                read.label, read.label_place = Label.model_validate_json(str(text)), place
            except ValidationError:
                read.problems.append(
                    Problem(read.file, place, repr(text)[:80], "the label as export-xlsx wrote it")
                )


def read_scenario_sheets(data: bytes, file: str) -> WorkbookRows:
    """The items of a workbook's four sheets, validated row by row, every fault at its cell."""
    sheets = read_workbook(data, file)
    read = WorkbookRows(file)
    for spec in SHEETS:
        sheet = sheets.get(spec.name)
        if sheet is None:
            expected = f"a sheet {spec.name} (sheets: {', '.join(s.name for s in SHEETS)})"
            read.problems.append(Problem(file, f"sheet {spec.name}", "(missing)", expected))
            continue
        _read_sheet(sheet, spec, read)
    _read_about(sheets, read)
    return read


# --- import: the scenario folder ----------------------------------------------------------


def _target_problems(folder: Path, base: Path) -> list[Problem]:
    """The folder is a scenario folder or does not exist yet; the base is a scenario folder."""
    problems = []
    if folder.exists() and not (folder.is_dir() and (folder / SCENARIO_FILE).is_file()):
        problems.append(
            Problem(
                str(folder),
                "-",
                "a folder without scenario.yaml" if folder.is_dir() else "not a folder",
                "a scenario folder to update, or a path that does not exist yet",
            )
        )
    elif base == folder and not folder.exists():
        expected = "an existing scenario folder, or a base folder to take the other files from"
        problems.append(Problem(str(folder), "-", "no such folder", expected))
    elif not (base / SCENARIO_FILE).is_file():
        expected = "a scenario folder to update or to take the other files from"
        problems.append(Problem(str(base), "-", "no scenario.yaml", expected))
    return problems


def _rebuild_missions(draft: Draft, read: WorkbookRows) -> list[Located]:
    """The base folder's mission options with their requirement lines from the workbook."""
    parsed = read_yaml(draft, MISSIONS_FILE)
    if parsed is None:
        return []
    raw, lines = parsed
    if not isinstance(raw, list):
        draft.problems.append(
            Problem(MISSIONS_FILE, "top level", repr(raw)[:80], "a YAML list of missions")
        )
        return []
    sheet = next(s for s in SHEETS if s.collection == "missions").name
    missions = []
    for index, mission in enumerate(raw):
        mission_id = mission.get("id") if isinstance(mission, dict) else None
        located = read.lines.pop(str(mission_id), [])
        if not located:
            if str(mission_id) not in read.broken_lines:
                expected = f"at least one line of mission {mission_id} in sheet {sheet}"
                where = f"sheet {sheet}, column {MISSION_COLUMN.name}"
                read.problems.append(Problem(read.file, where, "(no line)", expected))
            draft.remember_broken("missions", mission)
            continue
        data = {**mission, "requirements": [line.item for line in located]}
        origin = MissionOrigin(
            read.file,
            (index,),
            lines,
            line_origins=tuple(line.origin for line in located),
        )
        item = validate_item(draft, MissionOption, data, origin)
        if item is None:
            draft.remember_broken("missions", mission)
        else:
            missions.append(Located(item, origin))
    known = ", ".join(str(m.get("id")) for m in raw if isinstance(m, dict))
    for mission_id, stray in read.lines.items():
        for line in stray:
            read.problems.append(
                Problem(
                    read.file,
                    line.origin.where(MISSION_COLUMN.name),
                    repr(mission_id),
                    f"a mission option of {MISSIONS_FILE} ({known})",
                )
            )
    return missions


def _label_problems(draft: Draft, read: WorkbookRows) -> list[Problem]:
    """The folder's marking covers the workbook's; no replaced file carries its own label."""
    if draft.header is None:
        return []
    header = draft.header.item
    problems = [
        Problem(
            SCENARIO_FILE,
            draft.header.origin.where("file_labels", name),
            name,
            "no label of its own on a file the workbook replaces (the workbook carries one "
            "label: mark the scenario as a whole in label)",
        )
        for name in header.file_labels
        if name in REPLACED_FILES
    ]
    if read.label is not None and not _covers(header.label, read.label):
        problems.append(
            Problem(
                read.file,
                read.label_place,
                str(read.label),
                f"a marking the scenario's label ({header.label}) covers: import into a "
                "scenario marked at least as restrictively",
            )
        )
    return problems


def _covers(outer: Label, inner: Label) -> bool:
    """Whoever may read ``outer`` may read ``inner``: data marked ``inner`` may go under it."""
    return (
        outer.policy == inner.policy
        and not outer.classification < inner.classification
        and outer.releasable_to <= inner.releasable_to
        and outer.caveats >= inner.caveats
    )


def _assemble(base: Path, read: WorkbookRows) -> Draft:
    """The base folder's draft with the workbook's items in place of the replaced files'."""
    draft = read_draft(base)
    draft.problems = [p for p in draft.problems if p.file not in REPLACED_FILES]
    draft.problems.sort(key=reading_order)
    for spec in SHEETS:
        draft.items[spec.collection] = list(read.items.get(spec.collection, []))
        draft.broken_ids[spec.collection] = set(read.broken.get(spec.collection, set()))
    draft.items["missions"] = _rebuild_missions(draft, read)
    return draft


def import_workbook(path: Path, folder: Path, *, base: Path | None = None) -> WorkbookSummary:
    """Read a workbook into the scenario folder ``folder``, whole or not at all.

    ``folder`` is a scenario folder to update, or a new path when ``base`` names
    the scenario folder whose other files (scenario.yaml, catalogue, areas, ...)
    the new folder takes.

    Raises
    ------
    InputError
        The workbook or the folder is refused, or the scenario it makes has
        problems: every one, each naming its sheet, row and column.
    """
    source = base or folder
    problems = _target_problems(folder, source)
    if problems:
        raise InputError(problems)
    data = read_file(path, "an XLSX workbook", MAX_XLSX_BYTES, name=path.name)
    read = read_scenario_sheets(data, path.name)
    draft = _assemble(source, read)
    found = [*draft.problems, *read.problems, *_label_problems(draft, read)]
    found.extend(checks.run_all(draft))
    if found:
        raise ScenarioError(found)
    removed = tuple(name for name in REPLACED_FILES if (folder / name).is_file())
    with replacing_folder(folder) as staging:
        _copy_kept(source, staging)
        written = _write_files(staging, draft, source, path.name)
        scenario = load_scenario(staging)
    return WorkbookSummary(
        label=scenario.result_label,
        run_key=scenario.run_key,
        scenario=scenario.id,
        workbook=str(path),
        folder=str(folder),
        rows={spec.name: len(_sheet_items(scenario, spec)) for spec in SHEETS},
        written=written,
        removed=tuple(name for name in removed if name not in written),
    )


def _copy_kept(source: Path, staging: Path) -> None:
    """Every file and folder of the base but those the workbook replaces."""
    for entry in sorted(source.iterdir()):
        if entry.name in REPLACED_FILES:
            continue
        if entry.is_dir():
            shutil.copytree(entry, staging / entry.name)
        else:
            shutil.copy2(entry, staging / entry.name)


def _write_files(staging: Path, draft: Draft, source: Path, book: str) -> tuple[str, ...]:
    """The replaced files from the draft's items, each under the earlier file's notes."""
    written = []
    for name, collection in _FILE_COLLECTIONS.items():
        items = [located.item for located in draft.of(collection)]
        notes = _leading_comment(source / name)
        merged = name == PLEDGES_FILE and (source / PLEDGES_CSV).is_file()
        heading = (
            f"# Written by peaceforce import-xlsx from {book}"
            + (f" ({PLEDGES_CSV} merged in)" if merged else "")
            + ("; the notes below are the earlier file's.\n" if notes else ".\n")
        )
        write_atomic(staging / name, heading + notes + _yaml_text(items))
        written.append(name)
    return tuple(written)


_FILE_COLLECTIONS = {
    NATIONS_FILE: "nations",
    STANCES_FILE: "stances",
    PLEDGES_FILE: "pledges",
    MISSIONS_FILE: "missions",
}


def _leading_comment(path: Path) -> str:
    """The comment lines a file starts with (its sources and notes), kept across an import."""
    if not path.is_file():
        return ""
    kept = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("#"):
            break
        kept.append(line + "\n")
    return "".join(kept)


def _yaml_text(items: Iterable[BaseModel]) -> str:
    data = [_yaml_value(item) for item in items]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _yaml_value(value: Any) -> Any:
    """Plain data for YAML: fields left at an empty default are left out; dates stay dates."""
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return {
            name: _yaml_value(getattr(value, name))
            for name, info in fields.items()
            if not (getattr(value, name) in (None, ()) and info.default in (None, ()))
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_yaml_value(v) for v in value]
    return value

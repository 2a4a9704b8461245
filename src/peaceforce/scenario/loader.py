"""Read a scenario folder (YAML, CSV, GeoJSON) into a checked :class:`Scenario`.

Every fault in every file is collected before anything is returned, each as a
:class:`~peaceforce.errors.Problem` naming the file, the line (YAML, CSV) or the
JSON path (GeoJSON), the value found and what was expected. Items that parse are
kept so that cross-reference checks can still run on them and report their own
faults in the same pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from shapely.geometry import shape

from peaceforce.errors import InputError, Problem, ScenarioError
from peaceforce.geo.frontline import LineOfContact, check_line
from peaceforce.geo.geojson import Feature, parse_geojson
from peaceforce.parsing import YamlPath, format_path, parse_table, parse_yaml, read_file
from peaceforce.parsing.limits import MAX_CSV_BYTES, MAX_JSON_BYTES, MAX_YAML_BYTES
from peaceforce.scenario import checks
from peaceforce.scenario.base import Source
from peaceforce.scenario.cells import parse_tagged, union_members
from peaceforce.scenario.model import (
    AccessRegime,
    Area,
    Caveat,
    Framework,
    MissionOption,
    Nation,
    Pledge,
    Scenario,
    ScenarioHeader,
    Stance,
    UnitType,
)
from peaceforce.scenario.transport import TransportNetwork

BUILTIN_SCENARIOS = "coalition-2025"

#: Entity files holding a YAML list, and the model of each item.
LIST_FILES: dict[str, type[BaseModel]] = {
    "nations.yaml": Nation,
    "stances.yaml": Stance,
    "catalogue.yaml": UnitType,
    "pledges.yaml": Pledge,
    "frameworks.yaml": Framework,
    "missions.yaml": MissionOption,
}
SCENARIO_FILE = "scenario.yaml"
TRANSPORT_FILE = "transport.yaml"
#: Optional list of access regimes (straits, airspace, land transit).
ACCESS_FILE = "access.yaml"
PLEDGES_CSV = "pledges.csv"
AREAS_FILE = "areas.geojson"
LINE_FILE = "line_of_contact.geojson"


def builtin_scenario_dir(name: str = BUILTIN_SCENARIOS) -> Path:
    """Folder of a scenario shipped inside the package."""
    return Path(str(resources.files("peaceforce") / "data" / "scenarios" / name))


@dataclass(frozen=True)
class Origin:
    """Where an item came from: its file, its path inside it, and a line map."""

    file: str
    path: YamlPath
    lines: Mapping[YamlPath, int] = field(repr=False, compare=False)

    def where(self, *subpath: str | int) -> str:
        """'line N, field a[2].b' for YAML/CSV, or the JSON path for GeoJSON."""
        full = self.path + subpath
        shown = format_path(full)
        for cut in range(len(full), -1, -1):
            line = self.lines.get(full[:cut])
            if line is not None:
                return f"line {line}, {shown}" if shown else f"line {line}"
        return shown or "top level"


@dataclass(frozen=True)
class Located:
    """A parsed item and where it came from."""

    item: Any
    origin: Origin


@dataclass
class Draft:
    """Parsed items before cross-reference checks, and the problems found so far."""

    folder: Path
    items: dict[str, list[Located]] = field(default_factory=dict)
    header: Located | None = None
    problems: list[Problem] = field(default_factory=list)
    #: Ids of items that failed validation, so references to them are not reported again.
    broken_ids: dict[str, set[str]] = field(default_factory=dict)

    def known_ids(self, collection: str, attr: str) -> set[str]:
        """Ids defined by a collection, including those of items that failed to parse."""
        parsed = {getattr(x.item, attr) for x in self.of(collection)}
        return parsed | self.broken_ids.get(collection, set())

    def remember_broken(self, collection: str, data: Any, attr: str = "id") -> None:
        """Note the id of an item that failed validation, if it has a readable one."""
        if isinstance(data, dict) and isinstance(data.get(attr), str):
            self.broken_ids.setdefault(collection, set()).add(data[attr])

    def of(self, collection: str) -> list[Located]:
        """Parsed items of one collection (e.g. 'pledges')."""
        return self.items.setdefault(collection, [])

    def problem(
        self, origin: Origin, subpath: Sequence[str | int], value: Any, expected: str
    ) -> None:
        """Record a problem at a place inside an item."""
        self.problems.append(Problem(origin.file, origin.where(*subpath), _show(value), expected))


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# --- YAML with line numbers -----------------------------------------------------------


def read_yaml(draft: Draft, name: str) -> tuple[Any, Mapping[YamlPath, int]] | None:
    """Parse one YAML file of the draft's folder with line numbers; record problems, return None."""
    try:
        data = read_file(draft.folder / name, "a YAML file", MAX_YAML_BYTES, name=name)
        document = parse_yaml(data, name)
    except InputError as exc:
        draft.problems.extend(exc.problems)
        return None
    return document.data, document.lines


# --- validation of one item against its model ------------------------------------------


def expected_of(error: Any) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Input should be ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error["type"] == "extra_forbidden":
        return "no such field (misspelt or unknown)"
    if error["type"] == "missing":
        return "this required field"
    return message


def validate_item(draft: Draft, model: type[BaseModel], data: Any, origin: Origin) -> Any | None:
    """Validate one item against its model; record every error with its line, return None."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
            value = "(missing)" if error["type"] == "missing" else error["input"]
            draft.problem(origin, loc, value, expected_of(error))
        return None


def _is_union_tag(part: Any) -> bool:
    """Pydantic puts a discriminated union's tag (e.g. 'article') into error paths; hide it."""
    return isinstance(part, str) and part in _UNION_TAGS


_UNION_TAGS = frozenset(
    member.model_fields["kind"].default
    for union in (Caveat, Source)
    for member in get_args(get_args(union)[0])
)


def _load_list_file(draft: Draft, name: str, model: type[BaseModel], collection: str) -> None:
    parsed = read_yaml(draft, name)
    if parsed is None:
        return
    data, lines = parsed
    if not isinstance(data, list):
        draft.problems.append(
            Problem(name, "top level", _show(data), f"a YAML list of {collection}")
        )
        return
    for index, item in enumerate(data):
        origin = Origin(name, (index,), lines)
        value = validate_item(draft, model, item, origin)
        if value is not None:
            draft.of(collection).append(Located(value, origin))
        else:
            draft.remember_broken(collection, item, "code" if collection == "nations" else "id")


def _load_mapping_file(draft: Draft, name: str, model: type[BaseModel]) -> Located | None:
    """Parse a YAML file holding one mapping (not a list) into one validated item."""
    parsed = read_yaml(draft, name)
    if parsed is None:
        return None
    data, lines = parsed
    origin = Origin(name, (), lines)
    value = validate_item(draft, model, data, origin)
    return None if value is None else Located(value, origin)


def _load_transport(draft: Draft) -> None:
    located = _load_mapping_file(draft, TRANSPORT_FILE, TransportNetwork)
    if located is not None:
        draft.of("transport").append(located)


def _load_header(draft: Draft) -> None:
    draft.header = _load_mapping_file(draft, SCENARIO_FILE, ScenarioHeader)


# --- pledges as CSV --------------------------------------------------------------------

PLEDGE_CSV_COLUMNS = (
    "id",
    "nation",
    "unit_type",
    "count",
    "readiness_days",
    "home_base",
    "available_start",
    "available_end",
    "caveats",
    "illustrative",
)
#: Columns pledges.csv may add: how long the units are sustained, and how firm the pledge is.
PLEDGE_CSV_OPTIONAL = ("sustain_months", "commitment", "condition")


def _csv_caveats(text: str) -> list[dict[str, Any]]:
    """'no_presence_on_ukrainian_territory; parliamentary_vote=30' → caveat dicts."""
    return parse_tagged(text, union_members(Caveat))


def _csv_home_base(text: str) -> dict[str, Any]:
    """'30.52 50.45' (lon lat) or an MGRS reference."""
    parts = text.replace(",", " ").split()
    if len(parts) == 2:
        return {"lon": parts[0], "lat": parts[1]}
    return {"mgrs": text}


def _load_pledges_csv(draft: Draft) -> None:
    name = PLEDGES_CSV
    try:
        data = read_file(draft.folder / name, "a CSV of pledges", MAX_CSV_BYTES, name=name)
        table = parse_table(data, name, what="a CSV of pledges")
    except InputError as exc:
        draft.problems.extend(exc.problems)
        return
    draft.problems.extend(table.problems)
    missing = [c for c in PLEDGE_CSV_COLUMNS if c not in table.columns]
    if missing:
        shown = ",".join(repr(c) if not c.isprintable() else c for c in table.columns)
        draft.problems.append(
            Problem(name, "line 1", shown, "columns " + ",".join(PLEDGE_CSV_COLUMNS))
        )
        return
    for row in table.rows:
        origin = Origin(name, (), {(): row.line})
        if len(row.values) < len(table.columns):
            expected = f"{len(table.columns)} fields as in the header"
            draft.problem(origin, (), list(row.values.values()), expected)
            continue
        cell = row.values
        pledge = {
            "id": cell["id"],
            "nation": cell["nation"],
            "unit_type": cell["unit_type"],
            "count": cell["count"],
            "readiness_days": cell["readiness_days"],
            "home_base": _csv_home_base(cell["home_base"]),
            "available": {"start": cell["available_start"], "end": cell["available_end"]},
            "caveats": _csv_caveats(cell["caveats"]),
            "illustrative": cell["illustrative"].strip().lower() in {"true", "yes", "1"},
        }
        pledge |= {
            column: cell[column].strip()
            for column in PLEDGE_CSV_OPTIONAL
            if column in cell and cell[column].strip()
        }
        value = validate_item(draft, Pledge, pledge, origin)
        if value is not None:
            draft.of("pledges").append(Located(value, origin))


# --- GeoJSON ---------------------------------------------------------------------------


def _read_features(draft: Draft, name: str, kinds: tuple[str, ...]) -> list[Feature]:
    """The features of one GeoJSON file of the folder, read by the one GeoJSON reader.

    A feature with a bad geometry is kept without one, so its properties are checked
    and its id is known to cross-references; the geometry's problem is reported.
    """
    try:
        data = read_file(draft.folder / name, "a GeoJSON file", MAX_JSON_BYTES, name=name)
        features, problems = parse_geojson(data, name, kinds=kinds, valid=True, keep_broken=True)
    except InputError as exc:
        draft.problems.extend(exc.problems)
        return []
    draft.problems.extend(problems)
    return features


def _load_areas(draft: Draft) -> None:
    for feature in _read_features(draft, AREAS_FILE, ("Polygon", "MultiPolygon", "Point")):
        props = dict(feature.properties)
        origin = Origin(AREAS_FILE, (f"{feature.location}.properties",), {})
        wkt = feature.geometry.wkt if feature.geometry is not None else "POINT EMPTY"
        value = validate_item(draft, Area, {**props, "geometry_wkt": wkt}, origin)
        if value is not None and feature.geometry is not None:
            draft.of("areas").append(Located(value, origin))
        else:
            draft.remember_broken("areas", props)


def _load_line_of_contact(draft: Draft) -> None:
    features = _read_features(draft, LINE_FILE, ("LineString", "MultiLineString"))
    if len(features) != 1:
        found = f"{len(features)} features"
        draft.problems.append(Problem(LINE_FILE, "$.features", found, "exactly one feature"))
        return
    (feature,) = features
    origin = Origin(LINE_FILE, (f"{feature.location}.properties",), {})
    # a broken geometry is reported already; the properties are still checked, on an empty line
    line = feature.geometry or shape({"type": "LineString", "coordinates": []})
    value = validate_item(draft, LineOfContact, {**feature.properties, "geometry": line}, origin)
    if value is None or feature.geometry is None:
        return
    implausible = check_line(
        feature.geometry, file=LINE_FILE, location=f"{feature.location}.geometry"
    )
    draft.problems.extend(implausible)
    if not implausible:
        draft.of("line_of_contact").append(Located(value, origin))


# --- the folder --------------------------------------------------------------------------

_LOADERS: tuple[tuple[str, Callable[[Draft], None]], ...] = (
    (SCENARIO_FILE, _load_header),
    (AREAS_FILE, _load_areas),
    (LINE_FILE, _load_line_of_contact),
)


def read_draft(folder: Path) -> Draft:
    """Parse every file of a scenario folder, collecting problems instead of stopping."""
    draft = Draft(folder)
    if not folder.is_dir():
        draft.problems.append(Problem(str(folder), "-", "not a folder", "a scenario folder"))
        return draft
    for name, loader in _LOADERS:
        if (folder / name).is_file():
            loader(draft)
        else:
            draft.problems.append(Problem(name, "-", "(missing file)", f"{name} in {folder}"))
    for name, model in LIST_FILES.items():
        collection = name.removesuffix(".yaml")
        if (folder / name).is_file():
            _load_list_file(draft, name, model, collection)
        elif name != "pledges.yaml":
            draft.problems.append(Problem(name, "-", "(missing file)", f"{name} in {folder}"))
    if (folder / TRANSPORT_FILE).is_file():
        _load_transport(draft)
    if (folder / ACCESS_FILE).is_file():
        _load_list_file(draft, ACCESS_FILE, AccessRegime, "access_regimes")
    if (folder / PLEDGES_CSV).is_file():
        _load_pledges_csv(draft)
    elif not (folder / "pledges.yaml").is_file():
        draft.problems.append(
            Problem("pledges.yaml", "-", "(missing file)", "pledges.yaml or pledges.csv")
        )
    return draft


def reading_order(problem: Problem) -> tuple[str, int]:
    """Sort problems by file, then by line where the location starts with one."""
    head = problem.location.removeprefix("line ").split(",", 1)[0]
    return problem.file, int(head) if head.isdigit() else 0


def load_scenario(folder: Path | str | None = None) -> Scenario:
    """Load and check a scenario folder (the built-in one by default).

    Raises
    ------
    ScenarioError
        With every problem found, in file order.
    """
    draft = read_draft(Path(folder) if folder is not None else builtin_scenario_dir())
    draft.problems.extend(checks.run_all(draft))
    draft.problems.sort(key=reading_order)
    if draft.problems or draft.header is None or not draft.of("line_of_contact"):
        if not draft.problems:  # a missing header is already reported; keep the invariant
            draft.problems.append(Problem(SCENARIO_FILE, "-", "(unreadable)", "a scenario header"))
        raise ScenarioError(draft.problems)
    return Scenario(
        **dict(draft.header.item),
        nations=tuple(x.item for x in draft.of("nations")),
        stances=tuple(x.item for x in draft.of("stances")),
        catalogue=tuple(x.item for x in draft.of("catalogue")),
        pledges=tuple(x.item for x in draft.of("pledges")),
        frameworks=tuple(x.item for x in draft.of("frameworks")),
        missions=tuple(x.item for x in draft.of("missions")),
        areas=tuple(x.item for x in draft.of("areas")),
        line_of_contact=draft.of("line_of_contact")[0].item,
        transport=draft.of("transport")[0].item if draft.of("transport") else None,
        access_regimes=tuple(x.item for x in draft.of("access_regimes")),
    )

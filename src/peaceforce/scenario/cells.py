"""How a scenario field is written in one spreadsheet cell, derived from the typed model.

A sheet has one column per scalar field of its model; a nested model spreads
over columns named by their path (``home_base.lon``); a union told apart by
``kind`` (a source) takes a ``kind`` column and one column per field of any of
its members (``source.kind``, ``source.article``, ...). Two shapes share one cell:

- a list of plain values (memberships): ``NATO, EU``;
- a list of tagged values (caveats), as ``pledges.csv`` writes them:
  ``parliamentary_vote=30; allowed_domains=maritime|air`` — each value its kind,
  ``=`` and the value of its one field (a list joined with ``|``), or the kind
  alone when it has no field; a list in which a value carries more than that
  (a caveat with its ``source``) is written as JSON, ``[{"kind": ...}, ...]``.

Columns come from the models' fields, so a field added to a model becomes a
column, with its description as the column's note, without a change here.
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from peaceforce.errors import InputError
from peaceforce.parsing import parse_json

#: The field that tells the members of a union apart (caveats and sources use it).
TAG = "kind"
#: Between the values of a list in one cell, and between the tagged values of one cell.
LIST_SEPARATOR = ","
TAGGED_SEPARATOR = ";"
#: Between the values of a tagged value's list (``allowed_domains=maritime|air``).
VALUE_SEPARATOR = "|"

#: Patterns of the id types, in words a planner reads.
_PATTERN_WORDS = {
    r"^[A-Z]{3}$": "an ISO 3166 alpha-3 country code such as GBR",
    r"^[a-z0-9][a-z0-9_\-]*$": "an id: lower-case letters, digits, _ and -",
}


@dataclass(frozen=True)
class Column:
    """One column of a sheet: the field it holds, how its cell is written, what it means.

    ``shape`` is ``scalar`` (one value), ``list`` (plain values) or ``tagged``
    (tagged values). ``scalar`` is the type of the value or of each list item
    (str, int, float, bool, date, an enumeration); ``members`` are the models of
    a tagged list. ``choices`` are the values an enumerated column allows.
    """

    name: str
    path: tuple[str, ...]
    shape: Literal["scalar", "list", "tagged"]
    scalar: Any
    required: bool
    note: str
    choices: tuple[Any, ...] = ()
    members: tuple[type[BaseModel], ...] = ()

    def read(self, item: BaseModel) -> Any:
        """The cell value of this column for ``item``: None where it has nothing."""
        value: Any = item
        for step in self.path:
            value = getattr(value, step, None)
            if value is None:
                return None
        if self.shape == "tagged":
            if any(_beyond_tagged_text(v) for v in value):
                return json.dumps([_tagged_json(v) for v in value], ensure_ascii=False)
            return f"{TAGGED_SEPARATOR} ".join(tagged_text(v) for v in value) or None
        if self.shape == "list":
            return f"{LIST_SEPARATOR} ".join(str(_plain(v)) for v in value) or None
        return _plain(value)

    def parse(self, cell: Any) -> Any:
        """The field's raw value from a cell, for the model to validate."""
        if self.shape == "tagged":
            text = _text(cell).strip()
            if text.startswith("["):
                try:
                    return parse_json(text, self.name)
                except InputError:
                    return text  # the model names it: not a list of caveats
            return parse_tagged(text, self.members)
        if self.shape == "list":
            return [part.strip() for part in _text(cell).split(LIST_SEPARATOR) if part.strip()]
        return _scalar_from_cell(cell, self.scalar)


def _beyond_tagged_text(value: BaseModel) -> bool:
    """The value carries more than its tagged text holds (a caveat's source): written as JSON."""
    return bool(
        set(value.model_dump(exclude_defaults=True)) - {TAG, *dict(_value_fields(type(value)))}
    )


def _tagged_json(value: BaseModel) -> dict[str, Any]:
    """A tagged value as JSON: every field that is set (nested kinds included)."""
    dumped: dict[str, Any] = value.model_dump(mode="json", exclude_none=True)
    return dumped


def _plain(value: Any) -> Any:
    """An enumeration as its value; anything else as it is."""
    return value.value if isinstance(value, Enum) else value


def _text(cell: Any) -> str:
    """A cell as text: a whole number without '.0', a date in ISO 8601."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime) and cell.time() == datetime.min.time():
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def _scalar_from_cell(cell: Any, scalar: Any) -> Any:
    if scalar is date and isinstance(cell, datetime) and cell.time() == datetime.min.time():
        return cell.date()
    if isinstance(cell, str):
        return cell.strip()
    wants_text = scalar is str or (isinstance(scalar, type) and issubclass(scalar, Enum))
    if wants_text and not isinstance(cell, bool):
        return _text(cell)  # Excel turns an id typed as 2025 or 01/02 into a number or a date
    return cell


def tagged_text(value: BaseModel) -> str:
    """A tagged value as its cell writes it: ``parliamentary_vote=30``, ``requires_us_backstop``."""
    kind = str(getattr(value, TAG))
    fields = _value_fields(type(value))
    if not fields:
        return kind
    field = getattr(value, fields[0][0])
    if isinstance(field, tuple | list):
        return f"{kind}={VALUE_SEPARATOR.join(str(_plain(v)) for v in field)}"
    return f"{kind}={_plain(field)}"


def parse_tagged(text: str, members: Sequence[type[BaseModel]]) -> list[dict[str, Any]]:
    """'no_presence_on_ukrainian_territory; parliamentary_vote=30' → a dict per tagged value.

    A value for a kind without a field is kept under ``value``, so the model names it.
    """
    by_kind = {_kind_of(member): member for member in members}
    parsed: list[dict[str, Any]] = []
    for part in filter(None, (p.strip() for p in text.split(TAGGED_SEPARATOR))):
        kind, equals, value = (s.strip() for s in part.partition("="))
        item: dict[str, Any] = {TAG: kind}
        fields = _value_fields(by_kind.get(kind))
        if equals and fields:
            name, field = fields[0]
            listy = get_origin(_strip(field.annotation)[0]) is tuple
            item[name] = value.split(VALUE_SEPARATOR) if listy else value
        elif equals:
            item["value"] = value
        parsed.append(item)
    return parsed


def _value_fields(member: type[BaseModel] | None) -> list[tuple[str, FieldInfo]]:
    """The fields a tagged value's cell holds: the required ones besides its kind.

    Optional ones (a caveat's ``source``) have no place in the cell.
    """
    if member is None:
        return []
    return [
        (name, field)
        for name, field in member.model_fields.items()
        if name != TAG and field.is_required()
    ]


def _kind_of(member: type[BaseModel]) -> str:
    return str(member.model_fields[TAG].default)


# --- columns from a model -------------------------------------------------------------


def _strip(annotation: Any) -> tuple[Any, tuple[type[BaseModel], ...], bool]:
    """A type without Annotated and None: the core type, the members of a union, optional."""
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            if len(args) == 1:
                annotation = args[0]
                continue
            if all(isinstance(a, type) and issubclass(a, BaseModel) for a in args):
                return annotation, tuple(args), optional
            raise TypeError(f"a union of {args} has no cell form")
        return annotation, (), optional


def union_members(annotation: Any) -> tuple[type[BaseModel], ...]:
    """The models of a union told apart by ``kind`` (e.g. ``Caveat``), none for other types."""
    return _strip(annotation)[1]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _choices(scalar: Any) -> tuple[Any, ...]:
    if isinstance(scalar, type) and issubclass(scalar, Enum):
        return tuple(member.value for member in scalar)
    if get_origin(scalar) is Literal:
        return get_args(scalar)
    if scalar is bool:
        return (True, False)
    return ()


_TYPE_WORDS: Mapping[Any, str] = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "TRUE or FALSE",
    date: "a date",
}


def _describe(info: FieldInfo, scalar: Any, required: bool, default_shown: bool = True) -> str:
    """A column's note: what it holds, its type and limits, whether it must be filled."""
    words = [info.description] if info.description else []
    choices = _choices(scalar)
    if choices and scalar is not bool:
        words.append("one of: " + ", ".join(map(str, choices)))
    else:
        words.append(_TYPE_WORDS.get(scalar, str(scalar)))
    words.extend(_limits(info.metadata))
    if required:
        words.append("required")
    elif default_shown and not info.is_required() and info.default not in (None, (), ""):
        words.append(f"optional (empty: {_plain(info.default)})")
    else:
        words.append("optional")
    return "; ".join(words)


def _limits(metadata: Sequence[Any]) -> list[str]:
    limits = []
    for item in metadata:
        if isinstance(item, annotated_types.Gt):
            limits.append(f"more than {item.gt}")
        elif isinstance(item, annotated_types.Ge):
            limits.append(f"at least {item.ge}")
        elif isinstance(item, annotated_types.Lt):
            limits.append(f"less than {item.lt}")
        elif isinstance(item, annotated_types.Le):
            limits.append(f"at most {item.le}")
        elif isinstance(item, annotated_types.MinLen):
            limits.append(f"at least {item.min_length} characters")
        elif isinstance(item, annotated_types.MaxLen):
            limits.append(f"at most {item.max_length} characters")
        elif getattr(item, "pattern", None):
            limits.append(_PATTERN_WORDS.get(item.pattern, f"matching {item.pattern}"))
    return limits


@cache
def columns_of(model: type[BaseModel]) -> tuple[Column, ...]:
    """The columns of a sheet holding ``model`` items, in field order.

    Raises
    ------
    TypeError
        A field whose type has no cell form (a mapping, a union of plain types,
        a tagged value with more than one field): a model change this module
        must learn, found by its tests rather than by a planner.
    """
    return tuple(_columns(model, (), required=True))


def _columns(model: type[BaseModel], prefix: tuple[str, ...], *, required: bool) -> list[Column]:
    columns: list[Column] = []
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        core, members, optional = _strip(info.annotation)
        needed = required and info.is_required() and not optional
        if members:
            columns.extend(_union_columns(path, info, members, required=needed))
        elif _is_model(core):
            columns.extend(_columns(core, path, required=needed))
        elif get_origin(core) is tuple:
            columns.append(_list_column(path, info, get_args(core)[0], required=needed))
        else:
            _check_scalar(core, path)
            note = _describe(info, core, needed)
            columns.append(
                Column(".".join(path), path, "scalar", core, needed, note, _choices(core))
            )
    return columns


def _check_scalar(core: Any, path: tuple[str, ...]) -> None:
    if core in _TYPE_WORDS or _choices(core):
        return
    raise TypeError(f"field {'.'.join(path)}: a {core!r} has no cell form")


def _union_columns(
    path: tuple[str, ...],
    info: FieldInfo,
    members: tuple[type[BaseModel], ...],
    *,
    required: bool,
) -> list[Column]:
    """A ``kind`` column, then a column per field of any member (filled as the kind needs)."""
    tags = tuple(_kind_of(member) for member in members)
    what = info.description or path[-1]
    kind_note = f"{what}: which kind; one of: {', '.join(tags)}; " + (
        "required" if required else "optional (empty: none)"
    )
    columns = [
        Column(".".join((*path, TAG)), (*path, TAG), "scalar", str, required, kind_note, tags)
    ]
    seen: dict[str, list[str]] = {}
    infos: dict[str, FieldInfo] = {}
    for member in members:
        for name, field in _value_fields(member):
            seen.setdefault(name, []).append(_kind_of(member))
            infos.setdefault(name, field)
    for name, used_by in seen.items():
        core, _, _ = _strip(infos[name].annotation)
        _check_scalar(core, (*path, name))
        kinds = ", ".join(used_by)
        note = f"for kind {kinds}: " + _describe(infos[name], core, infos[name].is_required())
        columns.append(
            Column(".".join((*path, name)), (*path, name), "scalar", core, False, note, ())
        )
    return columns


def _list_column(path: tuple[str, ...], info: FieldInfo, item: Any, *, required: bool) -> Column:
    core, members, _ = _strip(item)
    name = ".".join(path)
    if members:
        for member in members:
            if len(_value_fields(member)) > 1:
                raise TypeError(f"field {name}: kind {_kind_of(member)} has several fields")
        forms = "; ".join(_tagged_form(member) for member in members)
        note = (
            f"{info.description or name}: any number, separated by "
            f"'{TAGGED_SEPARATOR}', each one of: {forms}"
        )
        return Column(name, path, "tagged", None, required, note, members=members)
    _check_scalar(core, path)
    note = _describe(info, core, required, default_shown=False)
    note = f"any number, separated by '{LIST_SEPARATOR}'; each " + note
    return Column(name, path, "list", core, required, note, _choices(core))


def _tagged_form(member: type[BaseModel]) -> str:
    fields = _value_fields(member)
    if not fields:
        return _kind_of(member)
    name, field = fields[0]
    core, _, _ = _strip(field.annotation)
    if get_origin(core) is tuple:
        return f"{_kind_of(member)}={name.upper()}{VALUE_SEPARATOR}..."
    return f"{_kind_of(member)}={name.upper()}"


def nested(columns: Sequence[Column], cells: Mapping[str, Any]) -> dict[str, Any]:
    """The raw data of one item from its cells by column name (empty cells left out)."""
    data: dict[str, Any] = {}
    for column in columns:
        cell = cells.get(column.name)
        if cell is None:
            continue
        target = data
        for step in column.path[:-1]:
            target = target.setdefault(step, {})
        target[column.path[-1]] = column.parse(cell)
    return data

"""What every intake format shares: the result, the collector, decoding, record labels.

Every reader keeps the valid reports of a source and lists each broken one with
its line (or JSON path, or CoT event) and the reason, so a monitoring cell never
loses the good reports of a half-broken feed. Intake is idempotent: a report id
seen twice is kept once, and a second report under the same id with different
content is rejected, not silently merged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Label
from peaceforce.monitoring.incidents import Incident
from peaceforce.parsing import decode_text
from peaceforce.results import Result

#: The fields of a record a source gives; the label comes from ``LABEL_FIELDS`` or the importer.
RECORD_FIELDS = tuple(name for name in Incident.model_fields if name != "label")
#: Fields a record may carry its own label in (CSV columns, GeoJSON properties).
LABEL_FIELDS = ("classification", "releasable_to", "caveats")
#: Record fields a source must give (a column each, or a default).
REQUIRED_FIELDS = tuple(
    name for name, info in Incident.model_fields.items() if info.is_required() and name != "label"
)
#: Fields that hold several values, separated by ``;``.
LIST_FIELDS = frozenset({"evidence"})
_ENCODINGS = ("utf-8", "cp1252")
_TOKEN_SEPARATORS = re.compile(r"[\s;]+")


class IntakeResult(Result):
    """The reports accepted from one or more sources, and every one rejected with its reason."""

    incidents: tuple[Incident, ...] = ()
    rejected: tuple[Problem, ...] = ()
    duplicates: int = 0


def decode(data: bytes | str, file: str) -> str:
    """Text from bytes as feeds send them: UTF-8 (with or without BOM), else Windows-1252."""
    return data if isinstance(data, str) else decode_text(data, file, _ENCODINGS)


def split_tokens(value: Any) -> list[str]:
    """Release tokens or caveats as given: a list, or one string separated by spaces or ``;``."""
    items = value if isinstance(value, list | tuple) else _TOKEN_SEPARATORS.split(str(value))
    return [str(item).strip().upper() for item in items if str(item).strip()]


class Collector:
    """Accepts incidents in order, first id wins, and records why anything was turned away."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.by_id: dict[str, Incident] = {}
        self.rejected: list[Problem] = []
        self.duplicates = 0

    def add(self, incident: Incident, location: str) -> None:
        """Keep a valid incident unless its id is taken (same content: a duplicate)."""
        known = self.by_id.get(incident.id)
        if known is None:
            self.by_id[incident.id] = incident
        elif known == incident:
            self.duplicates += 1
        else:
            self.rejected.append(
                Problem(
                    self.file,
                    location,
                    f"id {incident.id!r}",
                    "a new id: this one was already given other content",
                )
            )

    def reject(self, location: str, value: str, expected: str) -> None:
        """Turn a record away for a reason found before it could be validated."""
        self.rejected.append(Problem(self.file, location, value, expected))

    def label(
        self,
        default: Label,
        given: Mapping[str, Any],
        location: str,
        where: Mapping[str, str],
    ) -> Label | None:
        """The record's label: ``default`` with the classification, releases and caveats given.

        ``None`` (with every fault recorded) when what the record gives is no label.
        """
        changes: dict[str, Any] = {}
        for field in LABEL_FIELDS:
            value = given.get(field)
            if value is None or value in ("", []):
                continue
            changes[field] = (
                str(value).strip().upper() if field == "classification" else split_tokens(value)
            )
        if not changes:
            return default
        try:
            return Label.model_validate({**default.model_dump(), **changes})
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                field = str(error["loc"][0]) if error["loc"] else "label"
                column = where.get(field, field)
                self.reject(f"{location}, {column}", repr(given.get(field))[:80], error["msg"])
            return None

    def validate(
        self,
        data: Mapping[str, Any],
        location: str,
        where: Mapping[str, str],
        *,
        label_rejected: bool = False,
    ) -> None:
        """Validate one report (its label included); ``where`` names each field's input column.

        With ``label_rejected`` the record's own label was bad (and recorded) and
        ``data`` carries a stand-in: the other fields are still checked, so every
        fault is named, but the record is not kept.
        """
        try:
            incident = Incident.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                loc = [str(part) for part in error["loc"]]
                field = ".".join(loc[:2]) if loc[:1] == ["label"] else (loc[0] if loc else "")
                place = f"{location}, {where.get(field, field)}" if field else location
                value = (
                    "nothing"
                    if error["type"] == "missing"
                    else repr(error["input"])[:80]
                    if field
                    else "report"
                )
                self.reject(place, value, error["msg"])
            return
        if not label_rejected:
            self.add(incident, location)

    def result(self) -> IntakeResult:
        """What was accepted and what was not, in the order read."""
        return IntakeResult(
            incidents=tuple(self.by_id.values()),
            rejected=tuple(self.rejected),
            duplicates=self.duplicates,
        )


def parse_columns(
    text: str, *, option: str = "--columns", fields: tuple[str, ...] = RECORD_FIELDS + LABEL_FIELDS
) -> dict[str, str]:
    """A mapping written ``field=column,field=column`` (e.g. ``time=reported_at,lon=x``).

    ``InputError`` names every pair that is malformed or names none of ``fields``.
    """
    mapping: dict[str, str] = {}
    problems: list[Problem] = []
    for pair in (p.strip() for p in text.split(",")):
        field, equals, column = (part.strip() for part in pair.partition("="))
        if not pair:
            continue
        if not equals or not field or not column:
            problems.append(Problem(option, "-", repr(pair), "field=column"))
        elif field not in fields:
            problems.append(Problem(option, "-", repr(field), f"a field among {sorted(fields)}"))
        else:
            mapping[field] = column
    if problems:
        raise InputError(problems)
    return mapping

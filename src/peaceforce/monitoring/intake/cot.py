"""Cursor-on-Target (TAK) events as incidents: weapon symbols, CASEVAC, our detail extension."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Label
from peaceforce.monitoring.incidents import IncidentType, Source, WeaponClass
from peaceforce.monitoring.intake.common import LIST_FIELDS, Collector, IntakeResult

#: CoT (MIL-STD-2525 function id) type prefixes that are weapons, after the
#: affiliation letter: ``a-h-G-E-W-H`` is a hostile howitzer.
_COT_WEAPONS: tuple[tuple[str, WeaponClass], ...] = (
    ("G-E-W-H", WeaponClass.ARTILLERY_100MM_PLUS),
    ("G-E-W-R", WeaponClass.MLRS),
    ("G-E-W-M", WeaponClass.TACTICAL_MISSILE),
    ("G-E-W-Z", WeaponClass.MORTAR),
    ("G-E-V-A-T", WeaponClass.TANK),
)
_COT_CASEVAC = "b-r-f-h-c"
_EVENT_TAG = re.compile(r"<event\b")
_XML_DECLARATION = re.compile(r"<\?xml[^>]*\?>")
_FORBIDDEN_XML = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def _cot_fields(event: ET.Element, default_source: Source) -> dict[str, Any]:
    """The Incident fields one CoT event gives; our ``<detail><__incident .../>`` wins."""
    cot_type = event.get("type", "")
    data: dict[str, Any] = {
        "id": event.get("uid"),
        "time": event.get("start") or event.get("time"),
        "source": default_source,
    }
    point = event.find("point")
    if point is not None:
        data["lon"], data["lat"] = point.get("lon"), point.get("lat")
    if cot_type.startswith(_COT_CASEVAC):
        data["type"] = IncidentType.CIVILIAN_HARM
    else:
        function = cot_type[4:] if cot_type.startswith("a-") else ""
        for prefix, weapon in _COT_WEAPONS:
            if function.startswith(prefix):
                data["type"], data["weapon_class"] = IncidentType.WEAPONS_SIGHTING, weapon
    detail = event.find("detail")
    if detail is None:
        return data
    extension = detail.find("__incident")
    if extension is not None:
        for key, value in extension.attrib.items():
            data[key] = tuple(v for v in value.split(";") if v) if key in LIST_FIELDS else value
    remarks = detail.find("remarks")
    if remarks is not None and remarks.text and "description" not in data:
        data["description"] = remarks.text.strip()
    links = tuple(link.get("url", "") for link in detail.findall("link") if link.get("url"))
    if links:
        data["evidence"] = (*data.get("evidence", ()), *links)
    return data


def parse_cot(
    text: str, *, file: str, label: Label, default_source: Source = Source.PATROL
) -> IntakeResult:
    """Read Cursor-on-Target events: one ``<event>``, a wrapper of events, or a stream of them.

    The incident type comes from ``<detail><__incident type=... />`` (which may
    also carry source, confidence, weapon_class, weapon_count, attributed_to,
    attribution_confidence, evidence), else from the CoT type: a weapon symbol
    (howitzer, rocket launcher, missile launcher, mortar, tank) is a
    ``weapons_sighting``; a CASEVAC request is ``civilian_harm``. The time is
    ``start`` (when observed), else ``time``. Every event is labelled ``label``.
    DTDs are refused, so no entity expansion or external fetch can happen.
    """
    if _FORBIDDEN_XML.search(text):
        raise InputError([Problem(file, "-", "a DTD or entity declaration", "CoT XML without DTD")])
    body = _XML_DECLARATION.sub("", text)
    try:
        root = ET.fromstring(f"<cot>{body}</cot>")
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(
            [Problem(file, f"line {line} column {column}", str(exc), "well-formed XML")]
        ) from None
    lines = [text.count("\n", 0, m.start()) + 1 for m in _EVENT_TAG.finditer(_strip_comments(text))]
    collector = Collector(file)
    where = {
        "lon": "point@lon",
        "lat": "point@lat",
        "id": "@uid",
        "time": "@start",
        "type": "@type",
    }
    for index, event in enumerate(root.iter("event")):
        location = f"line {lines[index]}" if index < len(lines) else f"event {index + 1}"
        data = _cot_fields(event, default_source)
        if "type" not in data:
            collector.reject(
                f"{location}, @type", repr(event.get("type")), "an incident: <__incident type=...>"
            )
            continue
        collector.validate({**data, "label": label}, location, where)
    return collector.result()


def _strip_comments(text: str) -> str:
    """Blank out XML comments, keeping offsets, so commented-out events shift no line number."""
    return re.sub(r"<!--.*?-->", lambda m: " " * len(m.group()), text, flags=re.DOTALL)

"""Cursor-on-Target (TAK) events as incidents: weapon symbols, CASEVAC, our detail extension."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from xml.parsers import expat

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
_EVENT = "event"
_WRAPPER_OPEN, _WRAPPER_CLOSE = "<cot>", "</cot>"
_XML_DECLARATION = re.compile(r"<\?xml[^>]*\?>")
_BLANK = re.compile(r"[^\n]")
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


class _EventReader:
    """Each ``<event>`` of a CoT text as an element, with the line its start tag is on.

    expat drives the reading, so the line is expat's own count and the cost is one
    pass over the text however many events it holds. Only the events are built,
    one at a time, and each is handed to ``on_event`` once its end tag is read,
    so memory holds one event, not the whole feed. An event inside another is no
    report of its own: ``on_nested`` hears of its line.
    """

    def __init__(
        self,
        on_event: Callable[[ET.Element, int], None],
        on_nested: Callable[[int], None],
    ) -> None:
        self.on_event = on_event
        self.on_nested = on_nested
        self.count = 0
        self._parser = expat.ParserCreate()
        self._parser.buffer_text = True
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._data
        self._builder: ET.TreeBuilder | None = None
        self._depth = 0
        self._line = 0

    def read(self, document: bytes) -> None:
        """Read a whole document; ``expat.ExpatError`` if it is not well-formed."""
        self._parser.Parse(document, True)

    def _start(self, tag: str, attributes: dict[str, str]) -> None:
        if self._builder is None:
            if tag != _EVENT:
                return
            self._builder = ET.TreeBuilder()
            self._line = self._parser.CurrentLineNumber
            self.count += 1
        elif tag == _EVENT:
            self.on_nested(self._parser.CurrentLineNumber)
        self._depth += 1
        self._builder.start(tag, attributes)

    def _end(self, tag: str) -> None:
        if self._builder is None:
            return
        self._builder.end(tag)
        self._depth -= 1
        if self._depth == 0:
            event, self._builder = self._builder.close(), None
            self.on_event(event, self._line)

    def _data(self, text: str) -> None:
        if self._builder is not None:
            self._builder.data(text)


def parse_cot(
    text: str, *, file: str, label: Label, default_source: Source = Source.PATROL
) -> IntakeResult:
    """Read Cursor-on-Target events: one ``<event>``, a wrapper of events, or a stream of them.

    The incident type comes from ``<detail><__incident type=... />`` (which may
    also carry source, confidence, weapon_class, weapon_count, attributed_to,
    attribution_confidence, evidence), else from the CoT type: a weapon symbol
    (howitzer, rocket launcher, missile launcher, mortar, tank) is a
    ``weapons_sighting``; a CASEVAC request is ``civilian_harm``. The time is
    ``start`` (when observed), else ``time``. Every event is labelled ``label``
    and named in problems by the line its start tag is on. DTDs are refused, so
    no entity expansion or external fetch can happen; the time taken grows with
    the length of the text, not faster.
    """
    if _FORBIDDEN_XML.search(text):
        raise InputError([Problem(file, "-", "a DTD or entity declaration", "CoT XML without DTD")])
    collector = Collector(file)
    where = {
        "lon": "point@lon",
        "lat": "point@lat",
        "id": "@uid",
        "time": "@start",
        "type": "@type",
    }

    def collect(event: ET.Element, line: int) -> None:
        data = _cot_fields(event, default_source)
        if "type" not in data:
            collector.reject(
                f"line {line}, @type", repr(event.get("type")), "an incident: <__incident type=...>"
            )
            return
        collector.validate({**data, "label": label}, f"line {line}", where)

    def nested(line: int) -> None:
        collector.reject(f"line {line}", "an <event> inside another <event>", "events side by side")

    # Declarations go (a stream of events may repeat them) but their lines stay, and the
    # wrapper opens on line 1 so that every line expat counts is a line of the text.
    body = _XML_DECLARATION.sub(lambda m: _BLANK.sub(" ", m.group()), text)
    reader = _EventReader(collect, nested)
    try:
        reader.read(f"{_WRAPPER_OPEN}{body}{_WRAPPER_CLOSE}".encode("utf-8", "surrogatepass"))
    except expat.ExpatError as exc:
        column = exc.offset - len(_WRAPPER_OPEN) if exc.lineno == 1 else exc.offset
        raise InputError(
            [
                Problem(
                    file,
                    f"line {exc.lineno} column {max(column, 0)}",
                    expat.errors.messages[exc.code],
                    "well-formed XML",
                )
            ]
        ) from None
    if reader.count == 0:
        # an empty feed or an XML file of some other kind: nothing read is no "0 rejected"
        raise InputError([Problem(file, "-", "no <event> element", "one or more CoT <event>s")])
    return collector.result()

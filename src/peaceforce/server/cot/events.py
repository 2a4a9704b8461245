"""Cursor-on-Target events: built for sending, read (hardened) when received.

An event is written as TAK devices expect it: ``<event version="2.0" uid type
time start stale how>`` with a ``<point>`` and a ``<detail>``. Its label rides
on the event as ``access`` (the classification), ``caveat`` and
``releasableTo`` (space-separated tokens); TAK protocol version 1 has no such
fields, so there the same marking travels inside the detail as
``<__label access caveat releasableTo/>``. Both spellings ``releasableTo`` and
``releaseableTo`` are read.

Received XML is parsed by ``defusedxml`` with DTDs, entities and external
references forbidden, so no entity expansion or external fetch can happen.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from peaceforce.labels import Classification, Label

#: How a time is written in CoT: UTC, milliseconds, ``Z``.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
#: CoT's "unknown" for heights and errors.
UNKNOWN = 9_999_999.0
#: The label element inside ``<detail>`` (TAK protocol version 1 has no label fields).
LABEL_ELEMENT = "__label"
RELEASABLE_ATTRIBUTES = ("releasableTo", "releaseableTo")


class EventError(ValueError):
    """An event that cannot be read, with the reason a log line gives."""


def cot_time(moment: datetime) -> str:
    """A time as CoT writes it (UTC, milliseconds)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime(TIME_FORMAT)[:-4] + "Z"


def parse_time(text: str | None, name: str) -> datetime:
    """A CoT time (``...Z``, with or without fractions) as an aware UTC datetime."""
    if not text:
        raise EventError(f"@{name}: missing, expected an ISO 8601 UTC time")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise EventError(f"@{name}: {text[:40]!r}, expected an ISO 8601 UTC time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Marking:
    """The label attributes an event carries, as given (each may be absent)."""

    access: str | None = None
    caveat: tuple[str, ...] | None = None
    releasable_to: tuple[str, ...] | None = None

    @property
    def given(self) -> bool:
        """Whether the event says anything about its label."""
        return any(v is not None for v in (self.access, self.caveat, self.releasable_to))


def _tokens(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(t.strip().upper() for t in text.replace(",", " ").replace(";", " ").split() if t)


def marking_of(event: ET.Element) -> Marking:
    """The label attributes of an event: on ``<event>``, else in ``<detail><__label/>``."""
    sources = [event]
    detail = event.find("detail")
    if detail is not None and (label := detail.find(LABEL_ELEMENT)) is not None:
        sources.append(label)
    access = caveat = releasable = None
    for source in sources:
        access = access or source.get("access")
        caveat = caveat if caveat is not None else source.get("caveat")
        for name in RELEASABLE_ATTRIBUTES:
            if releasable is None:
                releasable = source.get(name)
    return Marking(access=access, caveat=_tokens(caveat), releasable_to=_tokens(releasable))


@functools.lru_cache(maxsize=4096)
def narrow(default: Label, marking: Marking) -> tuple[Label, tuple[str, ...]]:
    """The connection's label narrowed by what the event gives; never wider.

    The classification may rise, caveats may be added, release tokens may only
    be dropped (a token beyond ``default`` is ignored and reported in the
    notes). ``EventError`` when nothing would be left to release to or the
    classification is unknown.
    """
    notes: list[str] = []
    classification = default.classification
    if marking.access:
        try:
            given = Classification(marking.access.strip().upper())
        except ValueError:
            expected = ", ".join(c.value for c in Classification)
            raise EventError(
                f"@access: {marking.access[:40]!r}, expected one of {expected}"
            ) from None
        classification = max(classification, given)
    releasable = default.releasable_to
    if marking.releasable_to is not None:
        asked = frozenset(marking.releasable_to)
        if asked - releasable:
            notes.append(
                f"releasableTo {' '.join(sorted(asked - releasable))} ignored: beyond the "
                f"connection's release list ({' '.join(sorted(releasable))})"
            )
        releasable = releasable & asked
        if not releasable:
            raise EventError(
                f"@releasableTo: {' '.join(sorted(asked)) or 'nothing'}, expected at least one of "
                f"{' '.join(sorted(default.releasable_to))} (a label may be narrowed, not widened)"
            )
    caveats = default.caveats | frozenset(marking.caveat or ())
    try:
        label = default.model_copy(
            update={"classification": classification, "releasable_to": releasable}
        )
        label = Label.model_validate({**label.model_dump(), "caveats": sorted(caveats)})
    except ValueError:
        raise EventError(
            f"@caveat: {' '.join(marking.caveat or ())!r}, expected upper-case tokens"
        ) from None
    return label, tuple(notes)


_TEXT_SPECIAL = re.compile(r"[&<>]")
_ATTRIBUTE_SPECIAL = re.compile(r'[&<>"\n\r\t]')
_ATTRIBUTE_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)


def _text(value: str) -> str:
    if not _TEXT_SPECIAL.search(value):
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(value: str) -> str:
    return value.translate(_ATTRIBUTE_ESCAPES) if _ATTRIBUTE_SPECIAL.search(value) else value


def _serialize(element: ET.Element) -> str:
    attributes = "".join(f' {k}="{_attribute(v)}"' for k, v in element.attrib.items())
    inner = _text(element.text) if element.text else ""
    for child in element:
        inner += _serialize(child) + (_text(child.tail) if child.tail else "")
    tag = element.tag
    return f"<{tag}{attributes}>{inner}</{tag}>" if inner else f"<{tag}{attributes} />"


def serialize(element: ET.Element) -> bytes:
    """An element as UTF-8 XML; for the plain elements events are made of (no namespaces).

    Written out directly: ``ElementTree.tostring`` spends most of its time on
    namespace handling these events never need, and every event is sent once
    per format to every connection.
    """
    return _serialize(element).encode("utf-8")


def parse_event(data: bytes) -> ET.Element:
    """One ``<event>`` element from XML bytes, hardened; ``EventError`` says why not."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise EventError(
            f"refused XML: {type(exc).__name__} (no DTD, entity or external)"
        ) from None
    except ET.ParseError as exc:
        raise EventError(f"not well-formed XML: {exc}") from None
    if not isinstance(root, ET.Element) or root.tag != "event":
        raise EventError(f"<{str(getattr(root, 'tag', ''))[:40]}>, expected a CoT <event>")
    for name in ("uid", "type"):
        if not root.get(name):
            raise EventError(f"@{name}: missing, expected a CoT event {name}")
    return root


@dataclass(frozen=True)
class Shape:
    """A drawing: vertices (lon, lat), closed or not, and its stroke colour (ARGB int)."""

    points: tuple[tuple[float, float], ...]
    closed: bool
    color: int = -1


@dataclass(frozen=True)
class OutEvent:
    """An event the server sends: a unit, a drawing or an incident, with its label."""

    uid: str
    type: str
    lon: float
    lat: float
    label: Label
    time: datetime
    stale: datetime
    how: str = "h-g-i-g-o"
    callsign: str | None = None
    remarks: str | None = None
    shape: Shape | None = None
    extra: tuple[ET.Element, ...] = field(default=())

    def element(self) -> ET.Element:
        """The event as an XML element, its label on the event and in ``<__label>``."""
        marking = {
            "access": self.label.classification.value,
            "caveat": " ".join(sorted(self.label.caveats)),
            "releasableTo": " ".join(sorted(self.label.releasable_to)),
        }
        event = ET.Element(
            "event",
            {
                "version": "2.0",
                "uid": self.uid,
                "type": self.type,
                "time": cot_time(self.time),
                "start": cot_time(self.time),
                "stale": cot_time(self.stale),
                "how": self.how,
                **{k: v for k, v in marking.items() if v},
            },
        )
        ET.SubElement(
            event,
            "point",
            {
                "lat": f"{self.lat:.6f}",
                "lon": f"{self.lon:.6f}",
                "hae": f"{UNKNOWN:.1f}",
                "ce": f"{UNKNOWN:.1f}",
                "le": f"{UNKNOWN:.1f}",
            },
        )
        detail = ET.SubElement(event, "detail")
        if self.callsign:
            ET.SubElement(detail, "contact", {"callsign": self.callsign})
        if self.remarks:
            ET.SubElement(detail, "remarks").text = self.remarks
        if self.shape is not None:
            for lon, lat in self.shape.points:
                ET.SubElement(detail, "link", {"point": f"{lat:.6f},{lon:.6f}"})
            ET.SubElement(detail, "strokeColor", {"value": str(self.shape.color)})
            ET.SubElement(detail, "strokeWeight", {"value": "3.0"})
            if self.shape.closed:
                ET.SubElement(detail, "fillColor", {"value": str(self.shape.color & 0x40FFFFFF)})
            ET.SubElement(detail, "labels_on", {"value": "true"})
        detail.extend(self.extra)
        ET.SubElement(detail, LABEL_ELEMENT, {k: v for k, v in marking.items() if v})
        return event

    def xml(self) -> bytes:
        """The event as XML bytes, as sent on a stream."""
        return b"<?xml version='1.0' encoding='utf-8'?>\n" + serialize(self.element())


def stale_after(moment: datetime, lifetime: timedelta, now: datetime | None = None) -> datetime:
    """When an event goes stale: ``lifetime`` after it, and never already in the past."""
    now = now or datetime.now(UTC)
    base = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return max(base, now) + lifetime

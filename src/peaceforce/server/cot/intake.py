"""What a received event becomes: an incident, a unit track, a protocol message, or nothing.

Incidents go through ``peaceforce.monitoring.intake.parse_cot``, the code that
reads CoT files, so a report sent from a device and the same report in a file
become the same incident (idempotent by event uid). The label is the
connection user's release list (``default_label``) narrowed, never widened,
by the event's own marking (``peaceforce.server.cot.events.narrow``).

A friendly atom (``a-f-...``) without an ``<__incident>`` is a position report:
from a coalition user it updates the unit-track table; a party's liaison
device is no coalition unit, so its position is not kept.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

from peaceforce.errors import InputError
from peaceforce.labels import Classification, Label
from peaceforce.monitoring.incidents import Incident, Source
from peaceforce.monitoring.intake import parse_cot
from peaceforce.server.cot.events import EventError, marking_of, narrow, parse_time
from peaceforce.server.users import Role, UserPublic

#: CoT types of TAK's own traffic: pings and protocol negotiation.
PING = "t-x-c-t"
PONG = "t-x-c-t-r"
PROTOCOL_REQUEST = "t-x-takp-q"
PROTOCOL_SUPPORT = "t-x-takp-v"
PROTOCOL_RESPONSE = "t-x-takp-r"
#: What a received event that is read but kept nowhere is marked as.
IGNORED = "ignored"
#: The source an incident from a party's liaison is recorded as; everyone else reports as a patrol.
_SOURCES = {Role.LIAISON: Source.PARTY_COMPLAINT}


def default_label(user: UserPublic) -> Label:
    """What a user's reports are labelled without a marking: UNCLASSIFIED, their release list."""
    return _default_label(user.nation, frozenset(user.releasable))


@functools.lru_cache(maxsize=1024)
def _default_label(nation: str, releasable: frozenset[str]) -> Label:
    return Label(
        classification=Classification.UNCLASSIFIED, releasable_to=releasable, originator=nation
    )


@dataclass(frozen=True)
class TrackUpdate:
    """A coalition device's position, to upsert by uid."""

    uid: str
    callsign: str | None
    cot_type: str
    lon: float
    lat: float
    time: datetime
    stale: datetime
    label: Label


@dataclass(frozen=True)
class Received:
    """What one event is: exactly one of incident, track, or control (a TAK message type,
    or ``IGNORED``)."""

    incident: Incident | None = None
    track: TrackUpdate | None = None
    control: str | None = None
    notes: tuple[str, ...] = ()


def _track(event: ET.Element, label: Label) -> TrackUpdate:
    point = event.find("point")
    if point is None:
        raise EventError("<point>: missing, expected a position")
    try:
        lat, lon = float(point.get("lat", "")), float(point.get("lon", ""))
    except ValueError:
        raise EventError(
            f"<point>: {point.get('lat')!r}, {point.get('lon')!r}, expected degrees"
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise EventError(f"<point>: lat {lat}, lon {lon}, expected -90..90 and -180..180")
    contact = event.find("detail/contact")
    time = parse_time(event.get("time"), "time")
    stale = parse_time(event.get("stale"), "stale")
    return TrackUpdate(
        uid=event.get("uid", "")[:256],
        callsign=None if contact is None else (contact.get("callsign") or None),
        cot_type=event.get("type", "")[:64],
        lon=lon,
        lat=lat,
        time=time.astimezone(UTC),
        stale=stale.astimezone(UTC),
        label=label,
    )


def receive(event: ET.Element, user: UserPublic, peer: str, *, text: str | None = None) -> Received:
    """What ``event`` from ``user`` (connected from ``peer``) becomes; ``EventError`` why not.

    ``text`` is the event as received, when it came as XML (the intake reads it
    as it is rather than the event written out again).
    """
    kind = event.get("type", "")
    if kind.startswith("t-x-"):
        return Received(control=kind)
    label, notes = narrow(default_label(user), marking_of(event))
    if not user.reader().classification >= label.classification or not label.caveats <= set(
        user.caveats
    ):
        raise EventError(f"label {label}: above what {user.name} may read themselves")
    if kind.startswith("a-f-") and event.find("detail/__incident") is None:
        if user.role is Role.LIAISON:  # a party's device is no coalition unit: not tracked
            return Received(control=IGNORED)
        return Received(track=_track(event, label), notes=tuple(notes))
    try:
        result = parse_cot(
            text if text is not None else ET.tostring(event, encoding="unicode"),
            file=f"cot:{peer}",
            label=label,
            default_source=_SOURCES.get(user.role, Source.PATROL),
        )
    except InputError as exc:
        raise EventError(
            "; ".join(f"{p.location}: {p.value}, expected {p.expected}" for p in exc.problems)
        ) from None
    if result.rejected:
        problem = result.rejected[0]
        raise EventError(f"{problem.location}: {problem.value}, expected {problem.expected}")
    return Received(incident=result.incidents[0], notes=tuple(notes))

"""CoT framing, hardened parsing, labels on events and TAK protocol 1, without a server."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from peaceforce.labels import Classification, Label
from peaceforce.monitoring.incidents import Incident, IncidentType, Observation, Source
from peaceforce.monitoring.intake import parse_cot
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario
from peaceforce.server.cot.events import (
    EventError,
    Marking,
    OutEvent,
    marking_of,
    narrow,
    parse_event,
)
from peaceforce.server.cot.framing import Frame, FrameError, StreamSplitter, from_proto, to_proto
from peaceforce.server.cot.picture import incident_event
from peaceforce.server.cot.sidc import cot_type

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
UKR_GBR = Label(classification=Classification.UNCLASSIFIED, releasable_to=frozenset({"UKR", "GBR"}))


def _event(uid: str, remarks: str = "") -> bytes:
    return OutEvent(
        uid=uid,
        type="a-f-G-U-C-I",
        lon=36.2,
        lat=49.9,
        label=UKR_GBR,
        time=NOW,
        stale=NOW + timedelta(hours=1),
        callsign="ALPHA",
        remarks=remarks or None,
    ).xml()


def _uids(frames: list[Frame | FrameError]) -> list[str]:
    return [parse_event(f.data).get("uid", "") for f in frames if isinstance(f, Frame)]


# --- SIDC to CoT type --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sidc", "expected"),
    [
        ("10031000161211000000", "a-f-G-U-C-I"),  # infantry battalion
        ("10031000161211020000", "a-f-G-U-C-I-Z"),  # mechanised infantry
        ("10061000161211000000", "a-h-G-U-C-I"),  # the same, hostile
        ("10031000151301000000", "a-f-G-U-C-D"),  # air defence battery
        ("10030100001101040000", "a-f-A-M-F-F"),  # fighter
        ("10033000001202040000", "a-f-S-C-L-F-F"),  # frigate
        ("10031000161299000000", "a-f-G-U"),  # an entity the table lacks: the generic unit
        ("10031000161211990000", "a-f-G-U-C-I"),  # an unknown subtype: its entity
    ],
)
def test_sidc_to_cot_type(sidc: str, expected: str) -> None:
    assert cot_type(sidc) == expected


def test_every_catalogue_sidc_has_a_specific_cot_type() -> None:
    scenario = load_scenario(builtin_scenario_dir())
    for unit in scenario.catalogue:
        kind = cot_type(unit.sidc)
        assert kind.startswith("a-f-"), unit.id
        assert kind not in {"a-f-G-U", "a-f-A", "a-f-S"}, (unit.id, kind)


# --- framing -------------------------------------------------------------------------------


def test_several_events_in_one_segment_and_one_split_across_segments() -> None:
    one, two, three = _event("one"), _event("two"), _event("three")
    stream = one + b"\n" + two + three
    splitter = StreamSplitter()
    cut = len(one) + 1 + len(two) + 17  # inside the third event
    first = splitter.feed(stream[:cut])
    assert _uids(first) == ["one", "two"]
    assert splitter.feed(stream[cut : cut + 3]) == []
    assert _uids(splitter.feed(stream[cut + 3 :])) == ["three"]


def test_byte_by_byte_stream() -> None:
    stream = _event("a") + _event("b")
    splitter = StreamSplitter()
    frames = [f for i in range(len(stream)) for f in splitter.feed(stream[i : i + 1])]
    assert _uids(frames) == ["a", "b"]


def test_oversized_event_is_dropped_and_the_next_is_read() -> None:
    splitter = StreamSplitter(max_bytes=2000)
    big = _event("big", remarks="x" * 5000)
    frames = splitter.feed(big[:2500]) + splitter.feed(big[2500:] + _event("after"))
    errors = [f for f in frames if isinstance(f, FrameError)]
    assert len(errors) == 1 and "over 2000 bytes" in errors[0].reason
    assert _uids(frames) == ["after"]


def test_garbage_between_events_is_reported_and_skipped() -> None:
    frames = StreamSplitter().feed(_event("a") + b"junk" + _event("b"))
    assert _uids(frames) == ["a", "b"]
    assert any(isinstance(f, FrameError) and "4 byte(s)" in f.reason for f in frames)


# --- hardened parsing --------------------------------------------------------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<event version="2.0" uid="bomb" type="a-h-G-E-W-H" time="2026-03-01T12:00:00Z"
 start="2026-03-01T12:00:00Z" stale="2026-03-01T13:00:00Z" how="h-g-i-g-o">
<point lat="48.0" lon="37.8" hae="0" ce="10" le="10"/>
<detail><remarks>&lol3;</remarks></detail></event>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<event version="2.0" uid="ext" type="a-h-G" time="2026-03-01T12:00:00Z"
 start="2026-03-01T12:00:00Z" stale="2026-03-01T13:00:00Z" how="h-g-i-g-o">
<point lat="48.0" lon="37.8" hae="0" ce="10" le="10"/>
<detail><remarks>&x;</remarks></detail></event>"""


@pytest.mark.parametrize("document", [BOMB, EXTERNAL])
def test_entity_expansion_and_external_entities_are_refused(document: bytes) -> None:
    frames = StreamSplitter().feed(document)
    assert len(frames) == 1 and isinstance(frames[0], Frame)
    with pytest.raises(EventError, match="refused XML"):
        parse_event(frames[0].data)


def test_an_event_without_uid_is_refused_with_its_reason() -> None:
    with pytest.raises(EventError, match="@uid: missing"):
        parse_event(b'<event type="a-f-G"/>')


# --- labels ---------------------------------------------------------------------------------


def test_a_client_may_narrow_a_label_but_never_widen_it() -> None:
    label, notes = narrow(UKR_GBR, Marking(releasable_to=("UKR", "RUS")))
    assert label.releasable_to == {"UKR"}
    assert notes and "RUS ignored" in notes[0]
    with pytest.raises(EventError, match="narrowed, not widened"):
        narrow(UKR_GBR, Marking(releasable_to=("RUS",)))
    raised, _ = narrow(UKR_GBR, Marking(access="RESTRICTED", caveat=("OBS",)))
    assert raised.classification is Classification.RESTRICTED and raised.caveats == {"OBS"}
    lowered, _ = narrow(raised, Marking(access="UNCLASSIFIED"))
    assert lowered.classification is Classification.RESTRICTED  # never lowered


def test_both_spellings_of_releasable_are_read() -> None:
    for name in ("releasableTo", "releaseableTo"):
        event = ET.fromstring(f'<event uid="a" type="b" {name}="UKR"/>')
        assert marking_of(event).releasable_to == ("UKR",)


# --- TAK protocol 1 ---------------------------------------------------------------------------


def test_protocol_1_round_trip_keeps_the_event_and_its_label() -> None:
    original = parse_event(_event("round", remarks="seen at the bridge"))
    frame = to_proto(original)
    assert frame[0] == 0xBF
    splitter = StreamSplitter()
    assert splitter.feed(frame[:3]) == []  # the header alone is no event yet
    received = splitter.feed(frame[3:])
    assert len(received) == 1 and isinstance(received[0], Frame) and received[0].kind == "proto"
    back = from_proto(received[0].data)
    for name in ("uid", "type", "how", "time", "stale"):
        assert back.get(name) == original.get(name)
    point = back.find("point")
    assert point is not None and float(point.get("lat", "0")) == pytest.approx(49.9)
    assert back.findtext("detail/remarks") == "seen at the bridge"
    assert back.find("detail/contact") is not None
    assert marking_of(back).releasable_to == ("GBR", "UKR")


def test_protocol_1_with_a_broken_payload_is_refused() -> None:
    with pytest.raises(EventError):
        from_proto(b"\xff\xff\xff")


def test_events_written_out_read_back_with_markup_in_their_text() -> None:
    tricky = "shelling near \"Bridge 3\" & <checkpoint>\n'A' side"
    event = OutEvent(
        uid='u&"<1>',
        type="a-f-G",
        lon=36.0,
        lat=49.0,
        label=UKR_GBR,
        time=NOW,
        stale=NOW,
        callsign=tricky,
        remarks=tricky,
    )
    back = parse_event(event.xml())
    assert back.get("uid") == 'u&"<1>'
    assert back.findtext("detail/remarks") == tricky
    contact = back.find("detail/contact")
    assert contact is not None and contact.get("callsign") == tricky
    assert ET.tostring(back) == ET.tostring(event.element())


def test_an_incident_sent_as_cot_reads_back_as_the_same_report() -> None:
    """What the gateway sends of a report (observation included) its intake reads back."""
    sent = Incident(
        id="heard-1",
        time=NOW,
        lon=37.5,
        lat=48.0,
        type=IncidentType.ARTILLERY,
        source=Source.PATROL,
        observation=Observation.HEARD,
        attributed_to="RUS",
        label=UKR_GBR,
    )
    (back,) = parse_cot(incident_event(sent, NOW).xml().decode(), file="t", label=UKR_GBR).incidents
    assert (back.id, back.type, back.observation, back.attributed_to) == (
        "heard-1",
        IncidentType.ARTILLERY,
        Observation.HEARD,
        "RUS",
    )

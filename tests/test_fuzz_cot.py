"""Fuzzing the Cursor-on-Target reader: a result or an ``InputError``, nothing else.

Two generators: a real feed mutated as a careless sender or an attacker would
(markup, entities, DTDs, surrogates, NULs, repeated and cut slices, raw bytes),
and well-formed events whose every value is hostile (times out of range,
infinite and enormous numbers, unknown enums, markup in ids). Each input must
give an ``IntakeResult`` whose problems all name the source, or an
``InputError`` that does, within a memory budget; hangs are caught by the
suite's timeout. ``PEACEFORCE_FUZZ_EXAMPLES`` sets the number of inputs per
property (200 by default) for longer runs.
"""

from __future__ import annotations

import os
import tracemalloc
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peaceforce.errors import InputError
from peaceforce.monitoring.intake import IntakeResult, parse_incidents

EXAMPLES = int(os.environ.get("PEACEFORCE_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SOURCE = "fuzz.cot"
#: Peak memory one parse of a few kilobytes may take: entity expansion would blow far past it.
MEMORY_BUDGET = 64 * 2**20

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<events>
<event version="2.0" uid="cot-1" type="a-h-G-E-W-R" time="2025-04-10T06:00:00Z"
       start="2025-04-10T05:58:00Z" stale="2025-04-10T07:00:00Z" how="m-g">
  <point lat="48.1" lon="37.8" hae="0" ce="25" le="10"/>
  <detail><__incident weapon_count="6" attributed_to="RUS" attribution_confidence="0.7"/>
    <remarks>Grad battery in firing position</remarks><link url="https://evidence.example/1"/>
  </detail>
</event>
<!-- <event uid="commented-out"/> -->
<event version="2.0" uid="cot-2" type="b-m-p-s-p-i" time="2025-04-10T06:05:00Z">
  <point lat="47.9" lon="37.6"/>
  <detail><__incident type="artillery" source="fixed_sensor" confidence="0.9"
     evidence="acoustic-7;radar-2"/><remarks><![CDATA[<event> in remarks]]></remarks></detail>
</event>
<event uid="cot-3" type="b-r-f-h-c" time="2025-04-10T06:09:00Z"><point lat="47" lon="37"/></event>
</events>
"""
HOSTILE_TEXT = [
    "<",
    ">",
    "/>",
    "<event ",
    "</event>",
    "<event uid='x' type='b-r-f-h-c' time='2025-04-10T06:00:00Z'><point lat='48' lon='37'/>",
    '"',
    "'",
    "&",
    "&amp;",
    "&lol;",
    "&#0;",
    "&#x110000;",
    "&#xD800;",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<?xml version='1.0' encoding='UTF-16'?>",
    "<?pi x?>",
    '<!DOCTYPE e [<!ENTITY a "aaaaaaaaaa">]>',
    "<!ENTITY",
    '<!doctype e SYSTEM "http://example.org/x.dtd">',
    "<x:event xmlns:x='urn:x'>",
    "<event xmlns='urn:cot'>",
    "\x00",
    "\ud800",
    "\ufeff",
    "\u202e",
    "\r\n",
    "\n" * 50,
    "[/x]",
    "\x1b]0;owned\x07",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+14:00",
    "1e309",
    "-inf",
    "nan",
    "9" * 5000,
    "<__incident type='weapons_sighting' weapon_class='tank' weapon_count='1e400'/>",
    "<__incident mgrs='37UDQ 12345 67890' lat='' lon=''/>",
    "<__incident label='x' unknown='y'/>",
    "<a>" * 300,
]
HOSTILE_VALUES = [
    "",
    " ",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+05:00",
    "1899-12-31T23:59:59Z",
    "2025-04-10T06:00:00Z",
    "2025-04-10",
    "yesterday",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "-0",
    "91",
    "-181",
    "99999999999999999999",
    "1" * 5000,
    "0x10",
    "[/x]evil",
    "\x1b[31mred",
    "RUS",
    "rus",
    "a;b;;c",
    "tank",
    "weapons_sighting",
    "martians",
    "37UDQ 12345 67890",
    "ZZZ",
]
FIELDS = [
    "type",
    "source",
    "confidence",
    "weapon_class",
    "weapon_count",
    "attributed_to",
    "attribution_confidence",
    "evidence",
    "description",
    "deaths",
    "mgrs",
    "lon",
    "lat",
    "time",
    "id",
    "label",
]
COT_TYPES = ["a-h-G-E-W-H", "a-h-G-E-W-R", "a-f-G-E-V-A-T", "b-r-f-h-c", "b-m-p-s-p-i", "", "a-"]


@st.composite
def mutated_feeds(draw: st.DrawFn) -> bytes | str:
    """The real feed, cut, spliced and repeated a few times; as text or as bytes."""
    text = FEED
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 80)))
        operation = draw(st.sampled_from(["insert", "delete", "replace", "repeat"]))
        piece = draw(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=12))
        if operation == "insert":
            text = text[:start] + piece + text[start:]
        elif operation == "delete":
            text = text[:start] + text[end:]
        elif operation == "replace":
            text = text[:start] + piece + text[end:]
        else:
            text = text[:start] + text[start:end] * draw(st.integers(2, 40)) + text[end:]
    if not draw(st.booleans()):
        return text
    data = text.encode("utf-8", "surrogatepass")
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.binary(max_size=8)) + data[at:]


@st.composite
def hostile_events(draw: st.DrawFn) -> str:
    """Well-formed events whose attributes and extension fields carry hostile values."""
    value = st.sampled_from(HOSTILE_VALUES) | st.text(max_size=20)
    events = []
    for index in range(draw(st.integers(1, 5))):
        attributes = {
            "uid": draw(st.sampled_from([f"e{index}", "e0"]) | value),
            "type": draw(st.sampled_from(COT_TYPES) | value),
            "time": draw(value),
        }
        if draw(st.booleans()):
            attributes["start"] = draw(value)
        point = {"lat": draw(value), "lon": draw(value)}
        extension = draw(st.dictionaries(st.sampled_from(FIELDS), value, max_size=6))
        remarks = draw(value)
        events.append(
            f"<event {_attributes(attributes)}><point {_attributes(point)}/>"
            f"<detail><__incident {_attributes(extension)}/>"
            f"<remarks>{escape(remarks)}</remarks></detail></event>"
        )
    return "<events>\n" + "\n".join(events) + "\n</events>"


def _attributes(values: dict[str, str]) -> str:
    # XML 1.0 has no way to write control characters or surrogates: leave those out here,
    # the mutated feeds try them raw
    clean = {k: "".join(c for c in v if c.isprintable() or c in "\t\n") for k, v in values.items()}
    return " ".join(f"{key}={quoteattr(text)}" for key, text in clean.items())


def _a_result_or_an_input_error(data: bytes | str) -> None:
    tracemalloc.start()
    try:
        result = parse_incidents(data, "cot", source=SOURCE)
    except InputError as exc:
        assert exc.problems
        assert {problem.file for problem in exc.problems} == {SOURCE}
        return
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < MEMORY_BUDGET, peak
    assert isinstance(result, IntakeResult)
    assert all(problem.file == SOURCE for problem in result.rejected)
    assert all(problem.location.startswith("line ") for problem in result.rejected)


@FUZZ
@given(mutated_feeds())
def test_a_mutated_feed_gives_a_result_or_an_input_error(data: bytes | str) -> None:
    _a_result_or_an_input_error(data)


@FUZZ
@given(hostile_events())
def test_hostile_values_are_rejected_per_event(text: str) -> None:
    _a_result_or_an_input_error(text)


def test_the_feed_itself_is_read() -> None:
    result = parse_incidents(FEED, "cot", source=SOURCE)
    assert [i.id for i in result.incidents] == ["cot-1", "cot-2", "cot-3"]
    assert not result.rejected

"""Cursor-on-Target intake: exact lines per event at any volume, hostile XML refused cleanly."""

from __future__ import annotations

import pytest

from peaceforce.errors import InputError
from peaceforce.monitoring.intake import parse_incidents


def _event(uid: str, lat: str = "48.1") -> str:
    return (
        f'<event version="2.0" uid="{uid}" type="b-m-p-s-p-i" time="2025-04-10T06:00:00Z">\n'
        f'  <point lat="{lat}" lon="37.8"/>\n'
        '  <detail><__incident type="artillery"/></detail>\n'
        "</event>"
    )


def test_every_event_of_a_large_feed_is_named_by_its_own_line() -> None:
    # 3,000 events of 4 lines after a 2-line header; every third one has a latitude of 91.
    n = 3000
    events = [_event(f"e{i}", lat="91" if i % 3 == 0 else "48.1") for i in range(n)]
    text = '<?xml version="1.0"?>\n<events>\n' + "\n".join(events) + "\n</events>\n"
    result = parse_incidents(text, "cot")
    assert len(result.incidents) == n - n // 3
    assert [p.location for p in result.rejected] == [
        f"line {3 + 4 * i}, point@lat" for i in range(0, n, 3)
    ]


def test_markup_that_only_looks_like_an_event_moves_no_line() -> None:
    # "<event" in a comment, a CDATA section and a processing instruction, an XML
    # declaration repeated mid-stream over two lines: none of them is an event and
    # none shifts the line of the events after it.
    text = (
        '<?xml version="1.0"?>\n'  # 1
        "<events><!-- <event uid='c'\n"  # 2
        " type='x'/> -->\n"  # 3
        + _event("a", lat="91").replace(
            "<detail>", "<detail><remarks><![CDATA[ <event ]]></remarks>"
        )  # 4-7
        + "\n<?pi <event ?>\n"  # 8
        '<?xml version="1.0"\n'  # 9
        '  encoding="UTF-8"?>' + _event("b", lat="91") + "\n"  # 10-13
        "</events>\n"
    )
    result = parse_incidents(text, "cot")
    assert [p.location for p in result.rejected] == ["line 4, point@lat", "line 10, point@lat"]


def test_an_event_inside_an_event_is_rejected_not_lost() -> None:
    outer = _event("outer").replace("<detail>", '<detail>\n<event uid="inner"/>')
    result = parse_incidents(outer, "cot")
    assert [i.id for i in result.incidents] == ["outer"]
    (problem,) = result.rejected
    assert problem.location == "line 4"
    assert problem.value == "an <event> inside another <event>"


@pytest.mark.parametrize(
    ("text", "location", "value"),
    [
        ('<event uid="x"></evnt>', "line 1 column 17", "mismatched tag"),
        ('<event uid="x">\n<point lat="1"', "line 2 column 14", "not well-formed (invalid token)"),
        ("<event>\ud800</event>", "line 1 column 7", "not well-formed (invalid token)"),
        ("<event>&foo;</event>", "line 1 column 7", "undefined entity"),
        ('<event uid="&#0;"/>', "line 1 column 12", "reference to invalid character number"),
        ("\x00", "line 1 column 0", "not well-formed (invalid token)"),
    ],
)
def test_malformed_xml_is_one_problem_at_its_place(text: str, location: str, value: str) -> None:
    # a lone surrogate in text handed over as str was a UnicodeEncodeError traceback
    with pytest.raises(InputError) as caught:
        parse_incidents(text, "cot", source="feed.cot")
    (problem,) = caught.value.problems
    assert (problem.file, problem.location, problem.value) == ("feed.cot", location, value)
    assert problem.expected == "well-formed XML"


@pytest.mark.parametrize("text", ["", "  \n", '<?xml version="1.0"?><kml><Document/></kml>'])
def test_a_text_without_events_is_refused_not_read_as_nothing(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_incidents(text, "cot", source="feed.xml")
    (problem,) = caught.value.problems
    assert (problem.file, problem.value) == ("feed.xml", "no <event> element")


@pytest.mark.parametrize(
    "text",
    [
        '<!DOCTYPE z [<!ENTITY a "aaa"><!ENTITY b "&a;&a;&a;&a;">]><event>&b;</event>',
        '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><event>&xxe;</event>',
        '<event uid="a"/>\n<!doctype x SYSTEM "http://example.org/x.dtd">',
    ],
)
def test_entities_and_external_dtds_are_refused_before_parsing(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_incidents(text, "cot", source="feed.cot")
    (problem,) = caught.value.problems
    assert problem.value == "a DTD or entity declaration"

"""Times and numbers: outside the stated window or not finite, a row or a field is named.

A time is accepted from 1900-01-01 to 2100-12-31 23:59:59 UTC (``TIME_WINDOW``);
counts, clause distances and periods have stated maxima; infinities and NaN are
refused when a file is validated, never later when zones are compiled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from peaceforce.errors import InputError
from peaceforce.monitoring.agreement import parse_agreement
from peaceforce.monitoring.agreement.base import MAX_DAYS, MAX_KM
from peaceforce.monitoring.importer import import_reports
from peaceforce.monitoring.incidents import MAX_COUNT, TIME_WINDOW
from peaceforce.monitoring.intake import parse_incidents

WINDOW = "a time from 1900-01-01 to 2100-12-31 23:59:59 UTC"
AGREEMENT = """\
id: times
name: Every clause with a time or a distance
parties:
  - {id: UKR, name: Ukraine, holds: unoccupied}
  - {id: RUS, name: Russian Federation, holds: occupied}
period: {start: 2025-04-10, days: 30}
scope: full
clauses:
  - {kind: no_fire_across_line, id: art1, within_km: 30}
  - {kind: demilitarised_buffer, id: buffer, width_km: 15}
  - kind: heavy_weapon_withdrawal
    id: art2
    security_zone_km: {artillery_100mm_plus: 50, mlrs: 70}
  - {kind: protected_sites, id: energy, categories: [nuclear], radius_km: 5}
  - kind: window_of_silence
    id: easter
    windows:
      - {start: 2025-04-19T16:00:00Z, end: 2025-04-21T00:00:00Z}
"""
HEADER = "id,time,lon,lat,type,source,confidence,weapon_class,weapon_count,deaths\n"


def test_the_window_is_1900_to_2100_utc() -> None:
    earliest, end = TIME_WINDOW
    assert earliest == datetime(1900, 1, 1, tzinfo=UTC)
    assert end == datetime(2101, 1, 1, tzinfo=UTC)
    assert MAX_DAYS == (TIME_WINDOW[1] - TIME_WINDOW[0]).days == 73_414


@pytest.mark.parametrize(
    ("time", "kept"),
    [
        ("9999-12-31T23:59:59-05:00", False),  # overflowed on conversion to UTC: a traceback
        ("0001-01-01T00:00:00+05:00", False),  # the same below year 1
        ("1899-12-31T23:59:59Z", False),
        ("1900-01-01T00:00:00+01:00", False),  # 1899-12-31T23:00Z
        ("1900-01-01T00:00:00Z", True),
        ("2100-12-31T23:59:59Z", True),
        ("2100-12-31T20:00:00-05:00", False),  # 2101-01-01T01:00Z
        ("2101-01-01T00:00:00Z", False),
    ],
)
def test_a_time_outside_the_window_rejects_its_row_only(time: str, kept: bool) -> None:
    text = HEADER + "good,2025-04-10T06:00:00Z,37.8,48.1,artillery,patrol,0.8,,,\n"
    text += f"odd,{time},37.8,48.1,artillery,patrol,0.8,,,\n"
    result = parse_incidents(text, "csv", source="feed.csv")
    assert [i.id for i in result.incidents] == (["good", "odd"] if kept else ["good"])
    if not kept:
        (problem,) = result.rejected
        assert (problem.file, problem.location, problem.value) == (
            "feed.csv",
            "line 3, time",
            repr(time),
        )
        assert WINDOW in problem.expected


def test_one_overflowing_time_no_longer_aborts_a_multi_file_import(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(HEADER + "a1,9999-12-31T23:59:59-05:00,37.8,48.1,artillery,patrol,0.8,,,\n")
    second.write_text(HEADER + "b1,2025-04-10T06:00:00Z,37.8,48.1,artillery,patrol,0.8,,,\n")
    result = import_reports([first, second])
    assert result.accepted == 1
    assert [(p.file, p.location) for p in result.rejected] == [(str(first), "line 2, time")]


def test_cot_and_ucdp_times_are_held_to_the_same_window() -> None:
    cot = (
        '<event uid="late" type="b-r-f-h-c" time="2025-04-10T06:00:00Z"'
        ' start="9999-12-31T23:59:59-05:00"><point lat="48" lon="37"/></event>'
    )
    (problem,) = parse_incidents(cot, "cot").rejected
    assert problem.location == "line 1, @start"
    assert WINDOW in problem.expected


@pytest.mark.parametrize(
    ("cells", "column", "expected"),
    [
        ("nan,48.1,artillery,patrol,0.8,,,", "lon", "finite number"),
        ("37.8,inf,artillery,patrol,0.8,,,", "lat", "finite number"),
        ("37.8,48.1,artillery,patrol,nan,,,", "confidence", "finite number"),
        ("37.8,48.1,weapons_sighting,uav,0.5,tank,100001,", "weapon_count", "100000"),
        ("37.8,48.1,artillery,patrol,0.8,,,1000000000000000", "deaths", "100000"),
    ],
)
def test_report_numbers_are_finite_and_bounded(cells: str, column: str, expected: str) -> None:
    assert MAX_COUNT == 100_000
    result = parse_incidents(HEADER + f"r,2025-04-10T06:00:00Z,{cells}\n", "csv", source="f.csv")
    (problem,) = result.rejected
    assert problem.location == f"line 2, {column}"
    assert expected in problem.expected


@pytest.mark.parametrize(
    ("old", "new", "location", "expected"),
    [
        # each overflowed (OverflowError traceback) or crashed zone compiling before
        ("days: 30", "days: 99999999999", "line 6: period.days", "less than or equal to 73414"),
        (
            "start: 2025-04-10,",
            "start: '9999-12-31T23:59:59-05:00',",
            "line 6: period.start",
            WINDOW,
        ),
        ("days: 30", "days: 73414", "line 6: period", "the period to end by 2101-01-01"),
        ("width_km: 15", "width_km: 1e309", "line 10: clauses[1].width_km", "finite number"),
        ("width_km: 15", "width_km: .nan", "line 10: clauses[1].width_km", "finite number"),
        ("width_km: 15", "width_km: 1501", "line 10: clauses[1].width_km", "1500"),
        ("within_km: 30", "within_km: -.inf", "line 9: clauses[0].within_km", "finite number"),
        (
            "mlrs: 70",
            "mlrs: 1e400",
            "line 13: clauses[2].security_zone_km.mlrs",
            "finite number",
        ),
        ("radius_km: 5", "radius_km: .inf", "line 14: clauses[3].radius_km", "finite number"),
        (
            "end: 2025-04-21T00:00:00Z",
            "end: 9999-12-31T23:59:59-05:00",
            "line 18: clauses[4].windows[0].end",
            WINDOW,
        ),
    ],
)
def test_agreement_times_and_distances_are_checked_at_validation(
    old: str, new: str, location: str, expected: str
) -> None:
    assert MAX_KM == 1500.0
    assert old in AGREEMENT
    with pytest.raises(InputError) as caught:
        parse_agreement(AGREEMENT.replace(old, new), file="agreement.yaml")
    (problem,) = caught.value.problems
    assert (problem.file, problem.location) == ("agreement.yaml", location)
    assert expected in problem.expected

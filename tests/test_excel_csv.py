"""CSV as Excel writes it, wherever the product reads CSV: a BOM, ';' and day-first dates."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from peaceforce.errors import ScenarioError
from peaceforce.monitoring.intake import parse_incidents, read_incident_file
from peaceforce.parsing import parse_table
from peaceforce.parsing.csv import DecimalMark, detect_delimiter
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.model import Scenario
from scenario_copies import copy_builtin

BOM = "\ufeff"


def _as_excel_writes(text: str, date_columns: tuple[str, ...]) -> bytes:
    """A CSV rewritten as Excel saves 'CSV UTF-8' in a day-first locale: BOM, ';', dd/mm/yyyy."""
    rows = list(csv.reader(io.StringIO(text)))
    header = [f"{c} (dd/mm/yyyy)" if c in date_columns else c for c in rows[0]]
    marked = [rows[0].index(c) for c in date_columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows[1:]:
        for index in marked:
            year, month, day = row[index].split("-")
            row[index] = f"{day}/{month}/{year}"
        writer.writerow(row)
    return (BOM + buffer.getvalue()).encode("utf-8")


def test_pledges_csv_saved_by_excel_loads_to_the_same_scenario(
    scenario: Scenario, tmp_path: Path
) -> None:
    folder = copy_builtin(tmp_path)
    path = folder / "pledges.csv"
    excel = _as_excel_writes(path.read_text(encoding="utf-8"), ("available_start", "available_end"))
    assert b";01/09/2025;31/12/2027;" in excel
    path.write_bytes(excel)
    assert load_scenario(folder) == scenario


def test_a_date_not_written_as_the_header_says_names_its_line_and_column(tmp_path: Path) -> None:
    folder = copy_builtin(tmp_path)
    path = folder / "pledges.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("available_end", "available_end (dd/mm/yyyy)")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    first = caught.value.problems[0]
    assert (first.file, first.location, first.value) == (
        "pledges.csv",
        "line 2, available_end",
        "'2027-12-31'",
    )
    assert first.expected.startswith("a date written dd/mm/yyyy")


INCIDENTS = (
    "id,time,lon,lat,type,source,confidence,evidence\n"
    "r1,2025-04-10T06:30:00,37.8,48.1,artillery,patrol,0.8,p-1;p-2\n"
    "r2,2025-04-11T00:00:00,37.9,48.2,drone,uav,0.5,\n"
)


def test_an_incident_csv_saved_by_excel_gives_the_same_reports(tmp_path: Path) -> None:
    plain = parse_incidents(INCIDENTS, "csv", source="feed.csv")
    excel = _as_excel_writes(INCIDENTS.replace("T", " ").replace(":00\n", "\n"), ())
    text = excel.decode("utf-8").replace("time;", "time (dd/mm/yyyy);")
    text = text.replace("2025-04-10 06:30", "10/04/2025 06:30").replace(
        "2025-04-11 00:00", "11/04/2025 00:00"
    )
    path = tmp_path / "feed.csv"
    path.write_bytes(text.encode("utf-8"))
    read = read_incident_file(path)
    assert read.rejected == ()
    assert read.incidents == plain.incidents
    assert read.incidents[0].time == datetime(2025, 4, 10, 6, 30, tzinfo=UTC)
    assert read.incidents[0].evidence == ("p-1", "p-2")


def test_the_delimiter_is_the_one_the_header_holds_most_of_or_the_one_given() -> None:
    assert detect_delimiter("a;b;c\n1,5;2;3\n") == ";"
    assert detect_delimiter("a,b;c\n") == ","  # a tie goes to the comma
    assert detect_delimiter('"a;b";"c;d",e,f\n') == ","  # quoted names do not count
    assert detect_delimiter("a\tb\tc\n") == "\t"
    table = parse_table("a;b\n1;2\n", "f.csv", delimiter=",")
    assert table.columns == ("a;b",)


def test_day_first_dates_become_iso_and_impossible_ones_are_problems() -> None:
    table = parse_table(
        "id,on (DD/MM/YYYY),at\n1,2/9/2025,x\n2,31/02/2025,y\n3,01/12/2025 14:05:09,z\n4,,w\n",
        "f.csv",
    )
    assert table.columns == ("id", "on", "at")
    assert [dict(r.values) for r in table.rows] == [
        {"id": "1", "on": "2025-09-02", "at": "x"},
        {"id": "3", "on": "2025-12-01T14:05:09", "at": "z"},
        {"id": "4", "on": "", "at": "w"},
    ]
    (problem,) = table.problems
    assert (problem.location, problem.value) == ("line 3, on", "'31/02/2025'")


def test_decimal_commas_in_a_semicolon_file_become_decimal_points() -> None:
    table = parse_table(
        "id;count;tonnes;home_base;caveats\n"
        'a;4,5;1.234,5;30,52 50,45;"min_distance_from_line_of_contact=12,5; x=1"\n'
        "b;-0,25;12.345.678;23 61;\n",
        "f.csv",
    )
    assert table.problems == ()
    assert [dict(r.values) for r in table.rows] == [
        {
            "id": "a",
            "count": "4.5",
            "tonnes": "1234.5",
            "home_base": "30.52 50.45",
            "caveats": "min_distance_from_line_of_contact=12.5; x=1",
        },
        {"id": "b", "count": "-0.25", "tonnes": "12345678", "home_base": "23 61", "caveats": ""},
    ]


def test_the_decimal_mark_is_detected_only_in_semicolon_files_unless_named() -> None:
    # a comma file keeps its numbers; a quoted "4,5" there is text unless the mark is named
    assert parse_table('a,b\n"4,5",1.5\n', "f.csv").rows[0].values == {"a": "4,5", "b": "1.5"}
    named = parse_table('a,b\n"4,5",1.234\n', "f.csv", numbers=DecimalMark.COMMA)
    assert named.rows[0].values == {"a": "4.5", "b": "1234"}
    # a ';' file whose numbers have decimal points is read as it stands
    assert parse_table("a;b\n4.5;1.234\n", "f.csv").rows[0].values == {"a": "4.5", "b": "1.234"}
    # dates, versions and identifiers are not numbers
    kept = parse_table("a;b;c\n28.02.2022;v1,5;x-1,5\n4,5;;\n", "f.csv")
    assert kept.rows[0].values == {"a": "28.02.2022", "b": "v1,5", "c": "x-1,5"}


def test_a_decimal_point_beside_decimal_commas_names_its_line_and_column() -> None:
    table = parse_table("id;count;share\na;4,5;0,5\nb;3;0.25\nc;1.234;2\n", "units.csv")
    assert [r.get("id") for r in table.rows] == ["a", "c"]
    assert table.rows[1].values["count"] == "1234"
    (problem,) = table.problems
    assert (problem.file, problem.location, problem.value) == (
        "units.csv",
        "line 3, share",
        "'0.25'",
    )
    assert "decimal comma" in problem.expected


def test_a_thousands_dot_that_could_be_a_decimal_point_is_a_problem() -> None:
    table = parse_table("id;count\na;1.234\nb;12\n", "units.csv")
    assert [r.get("id") for r in table.rows] == ["b"]
    (problem,) = table.problems
    assert (problem.location, problem.value) == ("line 2, count", "'1.234'")
    assert "1234 (thousands dot) or 1.234" in problem.expected
    assert parse_table("id;count\na;1.234\n", "u.csv", numbers=DecimalMark.POINT).problems == ()


def test_pledges_csv_with_decimal_commas_loads_to_the_same_scenario(
    scenario: Scenario, tmp_path: Path
) -> None:
    folder = copy_builtin(tmp_path)
    path = folder / "pledges.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    column = rows[0].index("home_base")
    for row in rows[1:]:
        row[column] = row[column].replace(".", ",")
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    path.write_bytes((BOM + buffer.getvalue()).encode("utf-8"))
    assert ";25,75 61,24;" in buffer.getvalue()
    assert load_scenario(folder) == scenario

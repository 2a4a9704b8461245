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
from peaceforce.parsing.csv import detect_delimiter
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

"""TPFDD files: ordered arrival windows, C-days and dates, stable ULNs, a workbook a logistician
can filter, all on constructed movements with known answers.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from constructed_results import deployment_result
from peaceforce.deployment.planner import DeploymentResult, MovementRecord, RecordKind
from peaceforce.presentation import tpfdd
from peaceforce.presentation.tpfdd import (
    LATE_FILL,
    TPFDD_COLUMNS,
    Calendar,
    force_requirement_numbers,
    tpfdd_csv,
    tpfdd_rows,
    unit_line_number,
    write_tpfdd_xlsx,
)
from peaceforce.scenario.model import Scenario

CALENDAR = Calendar(d_day=date(2025, 9, 1), c_day=date(2025, 9, 1))
ULN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{7}$")


def record(unit: str = "fra-inf#1@kyiv-inf", leg: str = "rail", **changes: Any) -> MovementRecord:
    """A deployment leg ready on day 5 that can arrive on day 10, for a line due on day 20.

    ``leg`` ``relief-<k>`` makes the id of the k-th relief's flight, as the model writes it.
    """
    relief = leg.startswith("relief-")
    fields: dict[str, Any] = {
        "id": f"{unit}:{leg}:fly" if relief else f"{unit}:{leg}",
        "kind": RecordKind.DEPLOYMENT,
        "leg": "fly" if relief else leg,
        "route_node_ids": "medyka",
        "route_node_names": "Medyka rail gateway",
        "unit": unit,
        "nation": "FRA",
        "unit_type": "mech_inf_bn",
        "requirement_line": unit.rpartition("@")[2],
        "mode": "rail",
        "port_of_embarkation": "home base (FRA)",
        "port_of_debarkation": "Medyka rail gateway",
        "destination": "Kyiv",
        "ready_to_load_day": 5,
        "earliest_arrival_day": 10,
        "latest_arrival_day": 20,
        "required_delivery_day": 20,
        "passengers": 0,
        "short_tons": 5500.0,
        "vehicles": 120,
        "start_day": 5,
        "arrival_day": 12,
        "days_late": 0,
    }
    return MovementRecord.model_validate({**fields, **changes})


def result(*records: MovementRecord, mission: str = "reassurance") -> DeploymentResult:
    """A deployment result holding just these records."""
    return deployment_result(mission_id=mission, mission_name=mission.title(), records=records)


def only_row(movement: MovementRecord, calendar: Calendar = CALENDAR) -> dict[str, Any]:
    (row,) = tpfdd_rows(result(movement), calendar)
    return row


# --- the window ---------------------------------------------------------------------------


days = st.integers(min_value=0, max_value=1000)


@st.composite
def movements(draw: st.DrawFn) -> MovementRecord:
    """Any movement record: a deployment leg or a relief, with any days at all."""
    kind = draw(st.sampled_from(RecordKind))
    leg = "relief-" + str(draw(st.integers(1, 40))) if kind is RecordKind.ROTATION else "rail"
    scheduled = draw(st.booleans())
    start = draw(days)
    return record(
        leg=leg,
        kind=kind,
        ready_to_load_day=draw(days),
        earliest_arrival_day=draw(days),
        latest_arrival_day=draw(days),
        required_delivery_day=draw(st.none() | days),
        start_day=start if scheduled else None,
        arrival_day=start + draw(days) if scheduled else None,
    )


@given(st.lists(movements(), min_size=1, max_size=8))
def test_every_record_has_ead_on_or_before_lad(records: list[MovementRecord]) -> None:
    for row in tpfdd_rows(result(*records), CALENDAR):
        assert row["ead_day"] <= row["lad_day"]
        assert row["lad_missed_by_days"] == max(0, row["earliest_possible_day"] - row["lad_day"])
        if row["kind"] == "deployment":
            assert row["ead_day"] == min(row["earliest_possible_day"], row["lad_day"])


def test_a_leg_that_can_arrive_in_time_keeps_its_window() -> None:
    row = only_row(record(earliest_arrival_day=10, latest_arrival_day=20, arrival_day=12))
    assert (row["ead_day"], row["lad_day"], row["lad_missed_by_days"], row["late"]) == (
        10,
        20,
        0,
        "no",
    )


def test_a_leg_that_cannot_meet_its_lad_keeps_the_lad_and_says_by_how_much() -> None:
    # A fighter squadron ready on day 8 needs 21 days of sorties for a line due on day 14.
    row = only_row(
        record(
            leg="fly",
            ready_to_load_day=8,
            earliest_arrival_day=29,
            latest_arrival_day=14,
            required_delivery_day=14,
            start_day=8,
            arrival_day=29,
        )
    )
    assert (row["ead_day"], row["lad_day"], row["earliest_possible_day"]) == (14, 14, 29)
    assert (row["lad_missed_by_days"], row["days_late"], row["late"]) == (15, 15, "yes")


def test_a_relief_has_its_own_window_at_the_end_of_the_tour() -> None:
    # The model copies the first deployment's line day (14) into the relief due on day 200.
    relief = record(
        leg="relief-1",
        kind=RecordKind.ROTATION,
        ready_to_load_day=190,
        earliest_arrival_day=200,
        latest_arrival_day=14,
        required_delivery_day=200,
        start_day=None,
        arrival_day=None,
    )
    row = only_row(relief)
    assert (row["ead_day"], row["lad_day"], row["rdd_day"], row["late"]) == (200, 200, 200, "no")
    assert (row["leg"], row["uln"][-2:]) == ("relief", "01")


# --- C-days and dates ---------------------------------------------------------------------


def test_c_day_and_date_columns_for_a_known_c_day() -> None:
    row = only_row(record(ready_to_load_day=0, earliest_arrival_day=12, arrival_day=30))
    assert (row["rld_c"], row["rld_date"]) == ("C+0", date(2025, 9, 1))
    assert (row["ead_day"], row["ead_c"], row["ead_date"]) == (12, "C+12", date(2025, 9, 13))
    assert (row["arrival_c"], row["arrival_date"]) == ("C+30", date(2025, 10, 1))
    # A headquarters' C-day a week before D-day: the same day reads C+19 on the same date.
    earlier = Calendar(d_day=date(2025, 9, 1), c_day=date(2025, 8, 25))
    row = only_row(record(earliest_arrival_day=12), earlier)
    assert (row["ead_day"], row["ead_c"], row["ead_date"]) == (12, "C+19", date(2025, 9, 13))
    later = Calendar(d_day=date(2025, 9, 1), c_day=date(2025, 9, 11))
    assert later.c_form(3) == "C-7"


def test_unscheduled_days_are_empty_in_every_form() -> None:
    row = only_row(record(required_delivery_day=None, start_day=None, arrival_day=None))
    assert [row[f"arrival_{part}"] for part in ("day", "c", "date")] == [None, None, None]
    text = tpfdd_csv(result(record(start_day=None, arrival_day=None)), CALENDAR)
    assert next(csv.DictReader(io.StringIO(text)))["start_c"] == ""


def test_the_scenario_c_day_defaults_to_d_day(scenario: Scenario) -> None:
    assert scenario.c_day is None
    assert Calendar.of(scenario) == Calendar(d_day=scenario.d_day, c_day=scenario.d_day)
    declared = scenario.replace(c_day=date(2025, 8, 25))
    assert Calendar.of(declared).c_form(12) == "C+19"


# --- unit line numbers --------------------------------------------------------------------


def test_ulns_are_stable_and_tell_requirements_apart() -> None:
    first = tpfdd_rows(result(record("fra-inf#1@kyiv-inf"), record("fra-inf#2@kyiv-inf")), CALENDAR)
    again = tpfdd_rows(
        result(record("gbr-eng#1@odesa-eng"), record("fra-inf#1@kyiv-inf")), CALENDAR
    )
    assert all(ULN.match(row["uln"]) for row in first + again)
    assert first[0]["uln"] == again[1]["uln"]  # same requirement, another run with other units
    assert first[0]["uln"] != first[1]["uln"]  # two units of one line are two requirements
    assert len({first[0]["uln"], first[1]["uln"], again[0]["uln"]}) == 3
    # A hash of the requirement, not of Python's per-process string hash: pinned.
    assert force_requirement_numbers("reassurance", ["fra-inf#1@kyiv-inf"]) == {
        "fra-inf#1@kyiv-inf": first[0]["uln"][:5]
    }
    assert first[0]["uln"] == "NEX5Z00"


def test_legs_of_one_requirement_share_its_uln_and_each_relief_has_its_own() -> None:
    rows = tpfdd_rows(
        result(
            record(leg="rail"),
            record(leg="pax", mode="air"),
            record(leg="relief-1", kind=RecordKind.ROTATION),
            record(leg="relief-2", kind=RecordKind.ROTATION),
        ),
        CALENDAR,
    )
    ulns = [row["uln"] for row in rows]
    assert ulns[0] == ulns[1]
    assert [u[:5] for u in ulns] == [ulns[0][:5]] * 4
    assert [u[5:] for u in ulns] == ["00", "00", "01", "02"]
    assert unit_line_number("ABCDE", 33) == "ABCDE11"
    with pytest.raises(ValueError, match="does not fit"):
        unit_line_number("ABCDE", 32 * 32)


def test_colliding_hashes_still_give_different_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every requirement hashes to the same number unless salted: the later one is salted.
    def colliding(scope: str, requirement: str, salt: int) -> str:
        return f"AAAA{salt}"

    monkeypatch.setattr(tpfdd, "_frn", colliding)
    assert force_requirement_numbers("m", ["b", "a", "c"]) == {
        "a": "AAAA0",
        "b": "AAAA1",
        "c": "AAAA2",
    }


# --- files --------------------------------------------------------------------------------


def test_csv_has_every_column_in_order_and_iso_dates() -> None:
    text = tpfdd_csv(result(record()), CALENDAR)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(TPFDD_COLUMNS)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["lad_day"], row["lad_c"], row["lad_date"]) == ("20", "C+20", "2025-09-21")


def test_workbook_has_frozen_header_filters_widths_and_late_rows_highlighted(
    tmp_path: Path,
) -> None:
    on_time = record("fra-inf#1@kyiv-inf")
    late = record(
        "pol-f16#1@air-policing", leg="fly", earliest_arrival_day=25, latest_arrival_day=14
    )
    path = tmp_path / "t.xlsx"
    write_tpfdd_xlsx(result(on_time, late), CALENDAR, path)
    book = load_workbook(path)
    assert book.sheetnames == ["TPFDD", "Node use", "Columns"]
    sheet = book["TPFDD"]
    header = [cell.value for cell in sheet[1]]
    assert header == list(TPFDD_COLUMNS)
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}3"
    assert all(cell.font.bold for cell in sheet[1])
    column = {name: sheet.cell(1, i + 1).column_letter for i, name in enumerate(header)}
    assert sheet.column_dimensions[column["requirement"]].width >= len("pol-f16#1@air-policing")
    assert sheet.column_dimensions[column["port_of_debarkation"]].width >= len(
        "port_of_debarkation"
    )
    by_requirement = {row[header.index("requirement")].value: row for row in sheet.iter_rows(2)}
    assert {c.fill.fgColor.rgb for c in by_requirement["pol-f16#1@air-policing"]} == {LATE_FILL}
    assert {c.fill.fill_type for c in by_requirement["fra-inf#1@kyiv-inf"]} == {None}
    ead = by_requirement["fra-inf#1@kyiv-inf"][header.index("ead_date")]
    assert ead.value == datetime(2025, 9, 11) and ead.number_format == "yyyy-mm-dd"
    for name in ("Node use", "Columns"):
        assert book[name].freeze_panes == "C2" and book[name].auto_filter.ref
    meanings = {row[0].value: row[1].value for row in book["Columns"].iter_rows(2)}
    assert set(TPFDD_COLUMNS) <= set(meanings)
    assert meanings["C-day"] == "2025-09-01"


def test_a_name_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    trap = '=HYPERLINK("http://example.invalid","Kyiv")'
    path = tmp_path / "t.xlsx"
    write_tpfdd_xlsx(result(record(destination=trap)), CALENDAR, path)
    sheet = load_workbook(path)["TPFDD"]
    cell = sheet.cell(2, list(TPFDD_COLUMNS).index("destination") + 1)
    assert (cell.value, cell.data_type) == (trap, "s")


def test_a_unit_on_time_against_its_lad_but_after_its_rdd_is_late() -> None:
    # the model closes the window of a unit that cannot meet its RDD (day 14) at its
    # earliest arrival (day 15): the row is in its window, and still a day late
    row = only_row(
        record(
            leg="fly",
            earliest_arrival_day=15,
            latest_arrival_day=15,
            required_delivery_day=14,
            start_day=14,
            arrival_day=15,
        )
    )
    assert (row["ead_day"], row["lad_day"], row["lad_missed_by_days"]) == (15, 15, 0)
    assert (row["days_late"], row["late"]) == (1, "yes")

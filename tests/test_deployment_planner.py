"""Deployment planner: constructed networks with known answers — routes chosen over the
network, IOC/FOC against the requirement, declared dependencies, bottlenecks from
re-solves, the EAD ≤ LAD window of every record — and the files.

Arithmetic used throughout: units of the tiny scenario are based near Kyiv (30.5 E,
50.4 N) and ready on day 5 unless said otherwise. Bound for the Polish hub 'pol'
(22 E, 50 N, about 605 km away) their cargo goes straight there by rail (726 km at
500 km a day: day 7) and their people fly (a day: released day 6) into an airfield,
one sortie each, and drive on (at least a day).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from peaceforce.deployment.movements import RELIEFS_MOVE
from peaceforce.deployment.planner import (
    Bottleneck,
    DeploymentResult,
    RecordKind,
    deploy_mission,
)
from peaceforce.deployment.travel import great_circle_km, sea_km
from peaceforce.errors import InputError
from peaceforce.presentation.tables import deployments_table
from peaceforce.presentation.tpfdd import Calendar, write_deployment_files, write_tpfdd_xlsx
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.transport import TransportNetwork
from peaceforce.solvers import SolveStatus
from peaceforce.sourcing.engine import source_mission
from tiny_scenario import line, pledge, tiny_scenario

SOURCE = {"kind": "assumption", "reason": "hand-made test network"}


def _node(node_id: str, kind: str, lon: float, lat: float, capacity: int) -> dict[str, Any]:
    country = "UKR" if kind == "staging_area" else "POL"
    node: dict[str, Any] = {
        "id": node_id,
        "name": node_id.capitalize(),
        "kind": kind,
        "country": country,
        "lon": lon,
        "lat": lat,
        "daily_capacity": capacity,
        "source": SOURCE,
    }
    if kind == "airfield":
        node["runway_length_ft"] = 10000
    if kind == "rail_gateway":
        node["gauge_change"] = True
    return node


def _pool(pool_id: str, mode: str, count: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": pool_id,
        "name": pool_id.capitalize(),
        "mode": mode,
        "count": count,
        "payload_short_tons": extra.pop("payload_short_tons", 40),
        "passengers": extra.pop("passengers", 500),
        "round_trip_days": extra.pop("round_trip_days", 1),
        "source": SOURCE,
        **extra,
    }


def _network(nodes: list[dict[str, Any]], jets: int = 40, ships: int = 1) -> TransportNetwork:
    return TransportNetwork.model_validate(
        {
            "nodes": nodes,
            "lift_pools": [
                _pool("jets", "air", jets),
                _pool("ships", "sea", ships, payload_short_tons=9000, passengers=0),
            ],
        }
    )


def _ukraine_network(gateway_trains: int = 2, staging_units: int = 1) -> TransportNetwork:
    """One airfield, gateway, staging area and port, as on the Polish–Ukrainian border."""
    return _network(
        [
            _node("air", "airfield", 22.0, 50.1, 40),
            _node("gate", "rail_gateway", 22.9, 49.8, gateway_trains),
            _node("stage", "staging_area", 30.0, 50.0, staging_units),
            _node("port", "seaport", 28.65, 44.17, 1),
        ]
    )


#: An airfield at the Polish hub itself, taking one landing a day.
NEAR = _node("near", "airfield", 22.0, 50.0, 1)
#: An airfield about 333 km north of the hub (433 km by road: two days' drive).
FAR = _node("far", "airfield", 22.0, 53.0, 1)


def _deploy(scenario: Scenario, network: TransportNetwork, **options: Any) -> DeploymentResult:
    scenario = scenario.replace(transport=network)
    return deploy_mission(
        scenario,
        source_mission(scenario, "m", "coalition", explain=False),
        time_limit_s=options.pop("time_limit_s", 5),
        **options,
    )


def _arrivals(result: DeploymentResult) -> dict[str, int]:
    """The day each unit is in place (its last final leg)."""
    found: dict[str, int] = {}
    for r in result.records:
        if r.kind is RecordKind.DEPLOYMENT and r.required_delivery_day is not None:
            assert r.arrival_day is not None
            found[r.unit] = max(found.get(r.unit, 0), r.arrival_day)
    return found


def _three_for_the_hub(day: int = 60, priority: int = 1) -> Scenario:
    return tiny_scenario(
        [pledge("fra", "FRA", "inf", 3)], [line("l", "inf", 3, "pol", day=day, priority=priority)]
    )


# --- IOC and FOC ------------------------------------------------------------------------


def test_one_landing_a_day_puts_three_units_in_place_on_days_8_9_10() -> None:
    # One sortie each into an airfield of one landing a day from day 6: the people land on
    # days 6, 7 and 8 (the legs end a day later) and drive a day: in place days 8, 9, 10.
    result = _deploy(_three_for_the_hub(), _network([NEAR]))
    assert sorted(_arrivals(result).values()) == [8, 9, 10]
    assert result.foc.day == 10
    assert result.ioc.day == 10  # the only line is priority 1: IOC needs all of it
    assert result.foc.missing == () and result.foc.shortfall is None
    assert result.landings == {"Near": 3}


def test_ioc_is_the_share_of_the_required_personnel() -> None:
    # A priority-2 line of 3 × 500: IOC at 750 in place, reached with the second unit.
    result = _deploy(_three_for_the_hub(priority=2), _network([NEAR]))
    assert (result.ioc.personnel_required, result.foc.personnel_required) == (750, 1500)
    assert (result.ioc.day, result.foc.day) == (9, 10)


def test_an_unfilled_line_means_foc_not_reached_and_says_what_is_missing() -> None:
    # Three units required, two pledged: FOC is never reached. IOC (half of the 1,500
    # required personnel, no priority-1 line) is reached when the second unit is in.
    scenario = tiny_scenario(
        [pledge("fra", "FRA", "inf", 2)], [line("l", "inf", 3, "pol", priority=2)]
    )
    result = _deploy(scenario, _network([NEAR]))
    assert result.foc.day is None
    [missing] = result.foc.missing
    assert (missing.line_id, missing.units_missing, missing.personnel_missing) == ("l", 1, 500)
    assert result.foc.shortfall == "l not filled; 500 personnel short"
    # what a person reads names the line, and says the same
    named = result.foc.described(lambda line_id: f"Infantry at Area {line_id.upper()}")
    assert named == "Infantry at Area L not filled; 500 personnel short"
    assert result.ioc.day == 9
    assert result.last_arrival_day == 9


def test_an_unfilled_priority_one_line_means_no_ioc_whatever_the_share() -> None:
    scenario = tiny_scenario(
        [pledge("fra", "FRA", "inf", 2), pledge("pol", "POL", "ad", 1)],
        [line("l", "inf", 2, "pol", priority=2), line("a", "ad", 2, "pol", priority=1)],
    )
    result = _deploy(scenario, _network([NEAR]))
    assert result.ioc.personnel_in_place >= result.ioc.personnel_required
    assert result.ioc.day is None and result.foc.day is None
    assert [m.line_id for m in result.ioc.missing] == ["a"]
    assert result.ioc.shortfall == "a not filled"
    assert result.ioc.described(str.upper) == "A not filled"


# --- routes -----------------------------------------------------------------------------


def test_when_the_nearer_airfield_is_full_one_unit_goes_through_the_farther() -> None:
    # Needed in place by day 9. Through 'near' alone the third unit is in on day 10; 'far'
    # lands it on day 6 and two days' drive put it in on day 9: FOC 10 -> 9, none late.
    alone = _deploy(_three_for_the_hub(day=9), _network([NEAR]))
    both = _deploy(_three_for_the_hub(day=9), _network([NEAR, FAR]))
    assert (alone.foc.day, alone.days_late) == (10, 1)
    assert (both.foc.day, both.days_late) == (9, 0)
    assert both.landings == {"Near": 2, "Far": 1}
    far_leg = next(r for r in both.records if r.leg == "pax" and r.port_of_debarkation == "Far")
    assert (far_leg.route_node_ids, far_leg.route_node_names) == ("far", "Far")


def test_no_one_takes_the_longer_route_when_nothing_is_late() -> None:
    # Due on day 60 the third unit may wait for the near airfield: less distance, same lateness.
    result = _deploy(_three_for_the_hub(day=60), _network([NEAR, FAR]))
    assert result.landings == {"Near": 3}


def test_every_record_carries_the_nodes_of_its_flow() -> None:
    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 1)], [line("l", "inf", 1, "far")])
    result = _deploy(scenario, _ukraine_network())
    route = {r.leg: r.route_node_ids for r in result.records if r.kind is RecordKind.DEPLOYMENT}
    assert route == {"rail": "gate > stage", "pax": "air > stage", "rsoi": "stage"}
    [relief] = [r for r in result.records if r.kind is RecordKind.ROTATION]
    assert (relief.leg, relief.route_node_ids) == ("pax", "air")


def test_sealift_from_australia_follows_the_shipping_lanes() -> None:
    # Townsville to Constanța is about 9,000 nautical miles (16,700 km) through Torres
    # Strait, the Indian Ocean, Suez and the Bosporus — more than the great circle across
    # Asia (13,600 km), far less than round the Cape of Good Hope.
    townsville, constanta = (146.77, -19.26), (28.65, 44.167)
    km = sea_km(townsville, constanta)
    assert great_circle_km(townsville, constanta) < km
    assert 15_500 < km < 18_000


@pytest.mark.parametrize(
    ("nation", "home", "ships"),
    [
        ("GBR", (24.33, 57.07), False),  # a battalion based at Ādaži, Latvia: rail
        ("GBR", (-1.66, 51.24), True),  # at Tidworth, Great Britain: no fixed link known
        ("FRA", (4.32, 49.10), False),  # at Mourmelon, on the continent
        ("FRA", (9.15, 41.92), True),  # on Corsica
    ],
)
def test_overseas_is_decided_by_the_home_base_not_the_nation(
    nation: str, home: tuple[float, float], ships: bool
) -> None:
    scenario = tiny_scenario(
        [pledge("p", nation, "inf", 1, home_base={"lon": home[0], "lat": home[1]})],
        [line("l", "inf", 1, "far")],
    )
    result = _deploy(scenario, _ukraine_network(), bottlenecks=False)
    legs = {r.leg for r in result.records if r.kind is RecordKind.DEPLOYMENT}
    assert ("sea" in legs) is ships, legs
    assert "rail" in legs


def test_a_chartered_ship_is_held_for_its_voyage_back() -> None:
    # One ship: the second British unit's cargo sails only when the ship is back.
    scenario = tiny_scenario(
        [pledge("gbr", "GBR", "inf", 2, home_base={"lon": -1.1, "lat": 50.8})],
        [line("l", "inf", 2, "far", day=200)],
    )
    result = _deploy(scenario, _ukraine_network())
    sea = sorted(
        (r.start_day, r.arrival_day)
        for r in result.records
        if r.leg == "sea" and r.kind is RecordKind.DEPLOYMENT
    )
    (first_start, first_in), (second_start, _) = sea
    assert first_start is not None and first_in is not None and second_start is not None
    voyage = first_in - first_start - 1  # the leg ends after a day unloading
    assert second_start >= first_start + 2 * voyage + 1
    assert {r.port_of_debarkation for r in result.records if r.leg == "sea"} == {"Port"}


def test_reliefs_are_scheduled_on_the_airfields_they_use() -> None:
    # A 12-month mission and 6-month tours: one relief each, flown into the one-a-day
    # airfield within the relief window, never two on a day.
    result = _deploy(_three_for_the_hub(), _network([NEAR]))
    reliefs = [r for r in result.records if r.kind is RecordKind.ROTATION]
    assert len(reliefs) == 3
    assert len({r.start_day for r in reliefs}) == 3
    for r in reliefs:
        assert r.start_day is not None and r.arrival_day is not None
        assert r.earliest_arrival_day <= r.latest_arrival_day == r.required_delivery_day
    assert result.reliefs_days_late == 0


def test_reliefs_move_people_only_and_every_output_says_so(tmp_path: Path) -> None:
    # Three infantry companies, one relief each: the relieving people fly in with no
    # cargo and no vehicles (they take over the equipment in place), while the
    # deployment itself moved the units' vehicles and stores.
    result = _deploy(_three_for_the_hub(), _network([NEAR]))
    reliefs = [r for r in result.records if r.kind is RecordKind.ROTATION]
    deployed = [r for r in result.records if r.kind is RecordKind.DEPLOYMENT]
    assert len(reliefs) == 3
    assert all(r.passengers > 0 and r.short_tons == 0 and r.vehicles == 0 for r in reliefs)
    assert sum(r.short_tons for r in deployed) > 0
    assert "reliefs move people only" in RELIEFS_MOVE
    assert RELIEFS_MOVE in (deployments_table((result,)).caption or "")
    write_tpfdd_xlsx(result, Calendar.of(_three_for_the_hub()), tmp_path / "t.xlsx")
    about = openpyxl.load_workbook(tmp_path / "t.xlsx")["Columns"]
    assert ["reliefs", RELIEFS_MOVE] in [[c.value for c in row] for row in about.iter_rows()]


# --- dependencies and lateness ----------------------------------------------------------


def test_a_declared_dependency_delays_exactly_the_unit_that_declares_it() -> None:
    # The headquarters (armour, ready day 20) is in place on day 23 (people released day 21,
    # landed, a day's drive). Infantry declares it waits for it: its people fly only after,
    # landing day 23 and in place day 25. The air defence waits for nothing: day 8.
    scenario = tiny_scenario(
        [
            pledge("hq", "FRA", "armd", 1, readiness_days=20),
            pledge("inf", "FRA", "inf", 1),
            pledge("ad", "POL", "ad", 1),
        ],
        [
            line("hq", "armd", 1, "pol"),
            line("inf", "inf", 1, "pol", after=("hq",)),
            line("ad", "ad", 1, "pol"),
        ],
    )
    arrivals = _arrivals(_deploy(scenario, _network([_node("big", "airfield", 22, 50, 20)])))
    assert arrivals == {"hq#1@hq": 23, "inf#1@inf": 25, "ad#1@ad": 8}


def test_enablers_hold_back_no_one_unless_declared() -> None:
    scenario = tiny_scenario(
        [pledge("hq", "FRA", "ad", 1, readiness_days=20), pledge("inf", "GBR", "inf", 1)],
        [line("ad", "ad", 1, "far", day=90), line("inf", "inf", 1, "far", day=90)],
    )
    arrivals = _arrivals(_deploy(scenario, _ukraine_network(staging_units=5)))
    assert arrivals["inf#1@inf"] < arrivals["hq#1@ad"]


def test_a_line_waiting_for_an_unknown_line_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        _builtin_with("fhq", after="no-such-line")
    [problem] = caught.value.problems
    assert problem.value == "'no-such-line'"
    assert "another requirement line" in problem.expected


def test_lines_waiting_for_each_other_are_an_input_error() -> None:
    # kyiv-inf waits for kyiv-hq in the built-in scenario; make kyiv-hq wait for kyiv-inf.
    with pytest.raises(InputError) as caught:
        _builtin_with("kyiv-hq", after="kyiv-inf")
    assert {p.expected for p in caught.value.problems} == {
        "no circle of lines each waiting for the next"
    }
    assert len(caught.value.problems) == 2  # one for each line of the circle


def _builtin_with(line_id: str, *, after: str) -> Scenario:
    """The built-in scenario loaded from a copy where the reassurance line ``line_id``
    (which declares no ``after`` of its own) waits for ``after``.
    """
    import shutil
    import tempfile

    from peaceforce.scenario.loader import builtin_scenario_dir

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "s"
        shutil.copytree(builtin_scenario_dir(), folder)
        missions = folder / "missions.yaml"
        text = missions.read_text(encoding="utf-8")
        edited = text.replace(f"{{id: {line_id},", f"{{after: [{after}], id: {line_id},", 1)
        assert edited != text
        missions.write_text(edited, encoding="utf-8")
        return load_scenario(folder)


def test_unavoidable_only_where_the_capacity_free_bound_proves_it() -> None:
    # Ready on day 5 but needed in place by day 6: even with every node free the rail
    # journey ends day 7 and the people are in on day 8 — two days late, both proven.
    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 1)], [line("l", "inf", 1, "pol", day=6)])
    [late] = _deploy(scenario, _network([NEAR])).late
    assert (late.days_late, late.unavoidable_days, late.not_proven_days) == (2, 2, 0)


def test_days_late_behind_a_full_node_are_not_proven_and_name_it() -> None:
    # Two battalions at the one-a-day staging area on day 11, in place two days' drive on
    # (needed by day 14): the second waits a day for staging. No bound proves that day.
    scenario = tiny_scenario(
        [pledge("fra", "FRA", "inf", 2)], [line("l", "inf", 2, "far", day=14, priority=2)]
    )
    result = _deploy(scenario, _ukraine_network(gateway_trains=10))
    assert (result.ioc.day, result.foc.day) == (14, 15)
    [late] = result.late
    assert (late.days_late, late.unavoidable_days, late.not_proven_days) == (1, 0, 1)
    assert late.held_by == ("Stage",)


# --- bottlenecks ------------------------------------------------------------------------


def test_one_more_landing_a_day_saves_two_days_late_and_a_day_of_foc() -> None:
    # All three needed by day 8: one landing a day makes them 0, 1 and 2 days late (FOC 10).
    # Two a day land two on day 6: in place 8, 8, 9 — two days saved, FOC day 9. The
    # airlift (40 sorties a day) is never full: not binding.
    result = _deploy(_three_for_the_hub(day=8), _network([NEAR]))
    assert (result.days_late, result.foc.day) == (3, 10)
    [bottleneck] = result.bottlenecks
    assert (bottleneck.name, bottleneck.days_full, bottleneck.binding) == ("Near", 3, True)
    assert (bottleneck.days_late_saved, bottleneck.foc_gain_days) == (2, 1)
    assert bottleneck.foc_day_with_one_more == 9
    assert {b.name: b.note for b in result.not_binding} == {"Jets": "never full"}
    assert Bottleneck.model_validate_json(bottleneck.model_dump_json()) == bottleneck


def test_a_full_node_whose_extra_slot_changes_nothing_is_not_binding() -> None:
    # One aircraft and one landing a day: both are full on the same days, and one more of
    # either alone gains nothing — the other still allows one a day.
    result = _deploy(_three_for_the_hub(day=8), _network([NEAR], jets=1))
    assert result.days_late == 3
    assert result.bottlenecks == ()
    assert {b.name: (b.days_full, b.note) for b in result.not_binding} == {
        "Near": (3, "+1 a day changes nothing"),
        "Jets": (3, "+1 a day changes nothing"),
    }


def test_no_node_or_lift_is_ever_over_capacity() -> None:
    scenario = tiny_scenario(
        [
            pledge("fra", "FRA", "inf", 4),
            pledge("gbr", "GBR", "inf", 3),
            pledge("pol", "POL", "ad", 4),
        ],
        [line("a", "inf", 7, "far", day=30), line("b", "ad", 4, "near", day=30)],
    )
    result = _deploy(scenario, _ukraine_network(gateway_trains=1, staging_units=2))
    for use in result.node_use:
        assert max(use.daily_use, default=0) <= use.capacity, use.name


def test_the_same_input_gives_the_same_plan() -> None:
    """16 units through two one-landing-a-day airfields: too many for CP-SAT to prove
    optimal in 0.2 s, so a wall-clock limit gave a different plan from run to run.
    """
    nations = ["FRA", "GBR", "POL"]
    pledges = [
        pledge(f"p{i}", nations[i % 3], ["inf", "ad"][i % 2], 1, readiness_days=i % 5)
        for i in range(16)
    ]
    lines = [
        line(f"l{i}", ["inf", "ad"][i % 2], 1, ["far", "near"][i % 2], day=5 + (i * 3) % 11)
        for i in range(16)
    ]
    network = _network(
        [
            NEAR,
            FAR,
            _node("gate", "rail_gateway", 22.9, 49.8, 1),
            _node("stage", "staging_area", 30.0, 50.0, 1),
            _node("port", "seaport", 28.65, 44.17, 1),
        ]
    )
    scenario = tiny_scenario(pledges, lines)
    first, second = (
        _deploy(scenario, network, time_limit_s=0.2, bottlenecks=False) for _ in range(2)
    )
    assert first.status is SolveStatus.FEASIBLE  # cut short by the limit, not proven optimal
    assert first.model_dump(exclude={"solve_seconds"}) == second.model_dump(
        exclude={"solve_seconds"}
    )


# --- records ----------------------------------------------------------------------------


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    units=st.lists(
        st.tuples(
            st.sampled_from(["FRA", "GBR", "POL"]),
            st.sampled_from(["inf", "ad", "ship"]),
            st.integers(0, 40),
        ),
        min_size=1,
        max_size=4,
    ),
    days=st.lists(st.integers(0, 90), min_size=4, max_size=4),
    area=st.sampled_from(["far", "near", "pol"]),
)
def test_every_record_has_ead_no_later_than_lad(
    units: list[tuple[str, str, int]], days: list[int], area: str
) -> None:
    pledges = [
        pledge(f"p{i}", nation, kind, 1, readiness_days=ready)
        for i, (nation, kind, ready) in enumerate(units)
    ]
    lines = [
        line(f"l{i}", kind, 1, "sea" if kind == "ship" else area, day=max(days[i], ready))
        for i, (_, kind, ready) in enumerate(units)
    ]
    result = _deploy(
        tiny_scenario(pledges, lines), _ukraine_network(), time_limit_s=0.5, bottlenecks=False
    )
    assert result.records
    for record in result.records:
        assert record.earliest_arrival_day <= record.latest_arrival_day, record.id
        if record.arrival_day is not None:
            assert record.earliest_arrival_day <= record.arrival_day, record.id


@pytest.fixture(scope="module")
def builtin_air_shield() -> DeploymentResult:
    scenario = load_scenario()
    return deploy_mission(
        scenario, source_mission(scenario, "air_shield", "coalition", explain=False)
    )


def test_builtin_air_shield_reports_what_keeps_it_from_ioc_and_foc(
    builtin_air_shield: DeploymentResult,
) -> None:
    # The Odesa SAMP/T line (priority 1) is not sourced: neither IOC nor FOC is reached.
    result = builtin_air_shield
    assert result.ioc.day is None and result.foc.day is None
    assert "odesa-lr" in {m.line_id for m in result.ioc.missing}
    assert result.last_arrival_day is not None and result.last_arrival_day < 180
    assert sum(result.landings.values()) >= len(result.landings) > 1
    assert result.status.value in {"optimal", "feasible"}
    assert any(r.kind is RecordKind.ROTATION for r in result.records)
    assert all(r.earliest_arrival_day <= r.latest_arrival_day for r in result.records)
    assert DeploymentResult.model_validate_json(result.model_dump_json()) == result


def test_deployment_files(builtin_air_shield: DeploymentResult, tmp_path: Path) -> None:
    written = write_deployment_files(builtin_air_shield, tmp_path, Calendar.of(load_scenario()))
    names = {p.name for p in written}
    assert "deploy-air_shield-coalition.tpfdd.csv" in names
    assert {p.suffix for p in written} >= {".csv", ".xlsx", ".json", ".png", ".svg"}
    with (tmp_path / "deploy-air_shield-coalition.tpfdd.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == len(builtin_air_shield.records)
    assert {
        "uln",
        "port_of_embarkation",
        "port_of_debarkation",
        "rdd_day",
        "rdd_c",
        "rdd_date",
        "short_tons",
        "route_node_ids",
        "route_node_names",
    } <= set(rows[0])
    assert all(int(row["ead_day"]) <= int(row["lad_day"]) for row in rows)
    book = load_workbook(tmp_path / "deploy-air_shield-coalition.tpfdd.xlsx")
    assert book.sheetnames == ["TPFDD", "Node use", "Columns"]
    assert (tmp_path / "deploy-air_shield-coalition-gantt.png").read_bytes().startswith(b"\x89PNG")


def test_units_bound_outside_ukraine_are_judged_against_the_lines_day() -> None:
    # Cargo by rail and people by air both end the move to the Polish hub: each
    # final leg carries the line's day as its RDD, and lateness is counted from it.
    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 1)], [line("l", "inf", 1, "pol", day=6)])
    result = _deploy(scenario, _network([NEAR]))
    finals = [
        r
        for r in result.records
        if r.kind is RecordKind.DEPLOYMENT and r.required_delivery_day is not None
    ]
    assert {r.leg for r in finals} == {"rail", "pax"}
    assert {r.required_delivery_day for r in finals} == {6}
    for record in finals:
        assert record.arrival_day is not None
        assert record.days_late == max(0, record.arrival_day - 6)
    for late in result.late:
        assert late.required_delivery_day == 6
        assert late.days_late == late.arrival_day - 6

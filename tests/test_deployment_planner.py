"""Deployment planner: hand-checked schedules, capacities kept, late lines explained,
bottlenecks and what one more slot a day gains, files.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from peaceforce.deployment.planner import (
    Bottleneck,
    DeploymentResult,
    RecordKind,
    deploy_mission,
)
from peaceforce.presentation.tpfdd import Calendar, write_deployment_files
from peaceforce.scenario.loader import load_scenario
from peaceforce.scenario.model import Scenario
from peaceforce.scenario.transport import TransportNetwork
from peaceforce.solvers.rcpsp import LatenessReason
from peaceforce.sourcing.engine import source_mission
from tiny_scenario import line, pledge, tiny_scenario

SOURCE = {"kind": "assumption", "reason": "hand-made test network"}


def _network(gateway_trains: int = 2, staging_units: int = 1) -> TransportNetwork:
    node: dict[str, Any] = {"source": SOURCE}
    return TransportNetwork.model_validate(
        {
            "nodes": [
                {
                    **node,
                    "id": "air",
                    "name": "Airfield",
                    "kind": "airfield",
                    "country": "POL",
                    "lon": 22.0,
                    "lat": 50.1,
                    "daily_capacity": 40,
                    "runway_length_ft": 10000,
                },
                {
                    **node,
                    "id": "gate",
                    "name": "Gateway",
                    "kind": "rail_gateway",
                    "country": "POL",
                    "lon": 22.9,
                    "lat": 49.8,
                    "daily_capacity": gateway_trains,
                    "gauge_change": True,
                },
                {
                    **node,
                    "id": "stage",
                    "name": "Staging",
                    "kind": "staging_area",
                    "country": "UKR",
                    "lon": 30.0,
                    "lat": 50.0,
                    "daily_capacity": staging_units,
                },
                {
                    **node,
                    "id": "port",
                    "name": "Port",
                    "kind": "seaport",
                    "country": "ROU",
                    "lon": 28.65,
                    "lat": 44.17,
                    "daily_capacity": 1,
                },
            ],
            "lift_pools": [
                {
                    "id": "jets",
                    "name": "Jets",
                    "mode": "air",
                    "count": 40,
                    "payload_short_tons": 40,
                    "passengers": 500,
                    "round_trip_days": 1,
                    "source": SOURCE,
                },
                {
                    "id": "ships",
                    "name": "Ships",
                    "mode": "sea",
                    "count": 1,
                    "payload_short_tons": 9000,
                    "passengers": 0,
                    "round_trip_days": 20,
                    "source": SOURCE,
                },
            ],
        }
    )


def _deploy(scenario: Scenario, network: TransportNetwork) -> DeploymentResult:
    scenario = scenario.replace(transport=network)
    return deploy_mission(
        scenario, source_mission(scenario, "m", "coalition", explain=False), time_limit_s=10
    )


def test_one_staging_slot_a_day_receives_units_one_after_the_other() -> None:
    # Two French infantry battalions (2,000 short tons = 2 trains each) for the area 'far'
    # (33 E), ready on day 5; staging takes one unit a day, so they arrive a day apart.
    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 2)], [line("l", "inf", 2, "far", day=60)])
    result = _deploy(scenario, _network())
    finals = sorted(
        r.arrival_day
        for r in result.records
        if r.kind is RecordKind.DEPLOYMENT
        and r.required_delivery_day is not None
        and r.arrival_day is not None
    )
    assert len(finals) == 2 and finals[1] - finals[0] >= 1
    assert result.foc_day == finals[1]
    assert result.ioc_day == finals[0]  # half the personnel in place with the first battalion
    assert result.late == ()


def test_the_full_node_is_the_bottleneck_and_one_more_slot_a_day_gains_a_day() -> None:
    # Two battalions, both at the staging area on day 11 (rail and air legs done), needed
    # in place by day 14 (two days' drive on): one staging slot a day receives the first on
    # day 11 (in place day 14) and holds the second to day 12 (day 15, one day late). A
    # second slot receives both on day 11: FOC 15 -> 14, one day late -> none. The gateway
    # (10 trains a day), the airfield and the airlift are never full: no bottleneck.
    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 2)], [line("l", "inf", 2, "far", day=14)])
    result = _deploy(scenario, _network(gateway_trains=10))
    assert (result.ioc_day, result.foc_day) == (14, 15)
    [late] = result.late
    assert (late.days_late, late.unavoidable_days) == (1, 0)
    assert late.reason is LatenessReason.RESOURCE
    assert late.blocked_by == ("Staging",)
    [bottleneck] = result.bottlenecks
    assert bottleneck.name == "Staging"
    use = {u.name: u for u in result.node_use}
    assert bottleneck.days_full == use["Staging"].days_full == 2
    assert use["Staging"].daily_use[11:13] == (1, 1)
    assert (bottleneck.foc_day_with_one_more, bottleneck.foc_gain_days) == (14, 1)
    assert (bottleneck.days_late_with_one_more, bottleneck.days_late_gain) == (0, 1)
    assert {u.name for u in result.node_use if u.days_full} == {"Staging"}
    assert Bottleneck.model_validate_json(bottleneck.model_dump_json()) == bottleneck


def test_no_node_or_lift_is_ever_over_capacity() -> None:
    scenario = tiny_scenario(
        [
            pledge("fra", "FRA", "inf", 4),
            pledge("gbr", "GBR", "inf", 3),
            pledge("pol", "POL", "ad", 4),
        ],
        [line("a", "inf", 7, "far", day=30), line("b", "ad", 4, "near", day=30)],
    )
    result = _deploy(scenario, _network(gateway_trains=1, staging_units=2))
    for use in result.node_use:
        assert max(use.daily_use, default=0) <= use.capacity, use.name


def test_an_impossible_delivery_day_is_reported_with_its_reason() -> None:
    # Ready on day 5 (so sourcing keeps it) but needed in place by day 6: the rail
    # journey to the border alone takes longer.
    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 1)], [line("l", "inf", 1, "far", day=6)])
    result = _deploy(scenario, _network())
    [late] = result.late
    assert late.requirement_line == "l"
    assert late.required_delivery_day == 6
    assert late.days_late > 0 and late.unavoidable_days > 0
    assert late.reason.value in {"release", "precedence"}


def test_overseas_cargo_goes_by_sea_one_ship_at_a_time() -> None:
    scenario = tiny_scenario(
        [pledge("gbr", "GBR", "inf", 2)], [line("l", "inf", 2, "far", day=200)]
    )
    result = _deploy(scenario, _network())
    sea = [r for r in result.records if r.mode.value == "sea" and r.kind is RecordKind.DEPLOYMENT]
    assert {r.port_of_debarkation for r in sea} >= {"Port"}
    legs = sorted((r.start_day, r.arrival_day) for r in sea if r.id.endswith(":sea"))
    (first_start, first_arrival), (second_start, _) = legs
    assert first_start is not None and first_arrival is not None and second_start is not None
    # one ship outbound at a time: the second sailing leaves when the first has arrived
    assert second_start >= first_arrival


def test_headquarters_arrive_before_manoeuvre_units() -> None:
    scenario = tiny_scenario(
        [pledge("hq", "FRA", "ad", 1), pledge("inf", "GBR", "inf", 1, readiness_days=1)],
        [line("ad", "ad", 1, "far"), line("inf", "inf", 1, "far")],
    )
    result = _deploy(scenario, _network(staging_units=5))
    arrival = {
        r.requirement_line: r.arrival_day
        for r in result.records
        if r.kind is RecordKind.DEPLOYMENT and r.required_delivery_day is not None
    }
    assert arrival["ad"] is not None and arrival["inf"] is not None
    assert arrival["inf"] > arrival["ad"]  # received after the enabler, though ready earlier


@pytest.fixture(scope="module")
def builtin_air_shield() -> DeploymentResult:
    scenario = load_scenario()
    return deploy_mission(
        scenario, source_mission(scenario, "air_shield", "coalition", explain=False)
    )


def test_builtin_air_shield_deploys_with_ioc_before_foc(
    builtin_air_shield: DeploymentResult,
) -> None:
    result = builtin_air_shield
    assert result.ioc_day is not None and result.foc_day is not None
    assert 0 < result.ioc_day <= result.foc_day < 180
    assert result.status.value in {"optimal", "feasible"}
    assert any(r.kind is RecordKind.ROTATION for r in result.records)
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
    } <= set(rows[0])
    assert all(int(row["ead_day"]) <= int(row["lad_day"]) for row in rows)
    book = load_workbook(tmp_path / "deploy-air_shield-coalition.tpfdd.xlsx")
    assert book.sheetnames == ["TPFDD", "Node use", "Columns"]
    assert (tmp_path / "deploy-air_shield-coalition-gantt.png").read_bytes().startswith(b"\x89PNG")


def test_units_bound_outside_ukraine_are_judged_against_the_lines_day() -> None:
    # Cargo by rail and people by air both end the move to the Polish hub: each
    # final leg carries the line's day as its RDD, and lateness is counted from it.
    scenario = tiny_scenario([pledge("fra", "FRA", "inf", 1)], [line("l", "inf", 1, "pol", day=6)])
    result = _deploy(scenario, _network())
    finals = [
        r
        for r in result.records
        if r.kind is RecordKind.DEPLOYMENT and r.required_delivery_day is not None
    ]
    assert {r.id.rsplit(":", 1)[-1] for r in finals} == {"rail", "pax"}
    assert {r.required_delivery_day for r in finals} == {6}
    for record in finals:
        assert record.arrival_day is not None
        assert record.days_late == max(0, record.arrival_day - 6)
    for late in result.late:
        assert late.required_delivery_day == 6
        assert late.days_late == late.arrival_day - 6

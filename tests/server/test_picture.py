"""The operational picture: tracks on a constructed deployment, and the ``/picture`` routes.

The routes run on one SQLite database with the built-in plan computed once
(a few seconds); releasability of the picture is checked with a liaison, who
may read neither the coalition's plan nor its coalition-only reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from constructed_results import deployment_result
from peaceforce.deployment.planner import DeploymentResult, MovementRecord
from peaceforce.presentation.tpfdd import Calendar, tpfdd_rows
from peaceforce.scenario.model import Scenario
from peaceforce.server.api import create_app
from peaceforce.server.api.picture import PictureSettings
from peaceforce.server.db import Database, migrate, open_database
from peaceforce.server.picture import in_place_day, unit_tracks
from peaceforce.server.records import seed_builtin
from peaceforce.server.users import Role, add_user
from peaceforce.server.web import NOT_BUILT, mount_web
from peaceforce.server.worker import RunWorker, queue_plan

SECRET = b"p" * 48
API = "/api/v1/picture"
AGREEMENT = Path(__file__).resolve().parents[2] / "src/peaceforce/data/agreements"


def _record(**fields: Any) -> MovementRecord:
    base: dict[str, Any] = {
        "kind": "deployment",
        "nation": "POL",
        "unit_type": "fighter_sqn",
        "requirement_line": "air-policing",
        "mode": "air",
        "destination": "Airspace over western and central Ukraine",
        "ready_to_load_day": 4,
        "earliest_arrival_day": 13,
        "latest_arrival_day": 14,
        "required_delivery_day": 14,
        "passengers": 250,
        "short_tons": 0.0,
        "vehicles": 0,
        "days_late": 0,
    }
    return MovementRecord.model_validate(base | fields)


def test_a_unit_moves_from_home_through_its_route_nodes_to_its_area(scenario: Scenario) -> None:
    pledge = scenario.pledges[0]
    unit = f"{pledge.id}#1@line"
    assert scenario.transport is not None
    nodes = {n.id: n for n in scenario.transport.nodes}
    lublin, staging = nodes["eplb"], nodes["vinnytsia-staging"]
    area = next(a for a in scenario.areas if a.id == "vinnytsia")
    pax = _record(
        id=f"{unit}:pax",
        unit=unit,
        leg="pax",
        port_of_embarkation="home base",
        port_of_debarkation=lublin.name,
        route_node_ids="eplb > vinnytsia-staging",
        route_node_names=f"{lublin.name} > {staging.name}",
        required_delivery_day=None,
        start_day=10,
        arrival_day=12,
    )
    rsoi = _record(
        id=f"{unit}:rsoi",
        unit=unit,
        leg="rsoi",
        mode="road",
        port_of_embarkation=staging.name,
        port_of_debarkation=area.name,
        destination=area.name,
        route_node_ids="vinnytsia-staging",
        route_node_names=staging.name,
        start_day=14,
        arrival_day=16,
    )
    cargo = _record(
        id=f"{unit}:rail",
        unit=unit,
        leg="rail",
        mode="rail",
        passengers=0,
        port_of_embarkation="home base",
        port_of_debarkation=staging.name,
        route_node_ids="vinnytsia-staging",
        route_node_names=staging.name,
        required_delivery_day=None,
        start_day=9,
        arrival_day=13,
    )
    result: DeploymentResult = deployment_result(records=(cargo, rsoi, pax))
    (track,) = unit_tracks(result, scenario)
    home = (pledge.home_base.lon, pledge.home_base.lat)
    days = [point[0] for point in track.track]
    places = [(point[1], point[2]) for point in track.track]
    # the people's legs (pax then rsoi), not the cargo's: home, Lublin, staging on days 10-12,
    # then staging to the area on days 14-16
    assert days == [10, 11, 12, 14, 16]
    assert places[:3] == [home, (lublin.lon, lublin.lat), (staging.lon, staging.lat)]
    assert places[4] != places[3]
    assert track.in_place_day == 16 == in_place_day(result.records)
    assert track.sidc == {u.id: u.sidc for u in scenario.catalogue}["fighter_sqn"]


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A database holding the built-in scenario and a finished plan of it."""
    database = open_database(str(tmp_path_factory.mktemp("picture") / "picture.db"))
    migrate(database)
    seed_builtin(database)
    run = queue_plan(database, "coalition-2025")
    assert run is not None
    assert queue_plan(database, "coalition-2025") is None  # one is enough
    RunWorker(database).execute(run)
    yield database
    database.dispose()


def _client(database: Database, shared_data: Path, tmp_path: Path) -> TestClient:
    settings = PictureSettings(
        snapshots=shared_data / "frontline",
        regions=shared_data / "boundaries/ukraine_adm1_geoboundaries.geojson",
        sites=shared_data / "infrastructure/power_plants_ukraine.csv",
    )
    app = create_app(database, SECRET, run_worker=False, picture_settings=settings, web=False)
    mount_web(app, tmp_path / "not-built")
    return TestClient(app)


def _reports(release: list[str], ident: str) -> dict[str, Any]:
    return {
        "id": ident,
        "time": "2025-04-10T12:00:00Z",
        "lon": 37.5,
        "lat": 47.5,
        "type": "artillery",
        "source": "patrol",
        "label": {"classification": "UNCLASSIFIED", "releasable_to": release},
    }


def test_the_picture_follows_the_plan_and_the_callers_releasability(
    planned: Database, shared_data: Path, tmp_path: Path, scenario: Scenario
) -> None:
    planner = add_user(planned, SECRET, "planner", nation="GBR", role=Role.PLANNER)
    monitor = add_user(planned, SECRET, "monitor", nation="FRA", role=Role.MONITOR)
    liaison = add_user(planned, SECRET, "liaison", nation="UKR", role=Role.LIAISON)
    as_planner = {"Authorization": f"Bearer {planner.token}"}
    as_monitor = {"Authorization": f"Bearer {monitor.token}"}
    as_liaison = {"Authorization": f"Bearer {liaison.token}"}
    with _client(planned, shared_data, tmp_path) as client:
        assert client.get("/").status_code == 503
        assert client.get("/").text == NOT_BUILT
        assert client.get(f"{API}/plan").status_code == 401

        picture = client.get(f"{API}/plan", headers=as_planner).json()
        assert len(picture["options"]) == 3
        option = picture["options"][0]
        laid_down = {f["properties"]["nation"] for f in option["laydown"]["features"]}
        assert set(option["nations"]) <= laid_down
        assert all(f["properties"]["sidc"] for f in option["laydown"]["features"])
        # units in theatre on a day, as the TPFDD says: rows with an RDD that have arrived
        result = client.get(f"/api/v1/runs/{picture['run_id']}/result", headers=as_planner).json()
        deployment = DeploymentResult.model_validate(result["deployments"][0])
        rows = tpfdd_rows(deployment, Calendar.of(scenario))
        in_place: dict[str, int] = {}
        for row in rows:
            if row["kind"] == "deployment" and row["rdd_day"] is not None:
                in_place[row["requirement"]] = max(
                    in_place.get(row["requirement"], 0), row["arrival_day"]
                )
        for day in (10, 30, 60):
            expected = {unit for unit, arrived in in_place.items() if arrived <= day}
            shown = {
                u["unit"]
                for u in option["units"]
                if u["in_place_day"] is not None and u["in_place_day"] <= day
            }
            assert shown == expected
        assert any(option["air_defence"]["features"] for option in picture["options"])
        assert picture["mandate"][0]["pledges"]

        context = client.get(f"{API}/context", headers=as_planner).json()
        assert len(context["snapshots"]) >= 2 and context["regions"]
        front = client.get(
            f"{API}/frontline", params={"date": context["snapshots"][0]}, headers=as_planner
        ).json()
        assert front["features"][0]["properties"]["as_of"] == context["snapshots"][0]
        assert len(client.get(f"{API}/regions", headers=as_planner).json()["features"]) == 27

        text = (AGREEMENT / "ceasefire-2025.yaml").read_text(encoding="utf-8")
        stored = client.post("/api/v1/agreements", json={"text": text}, headers=as_monitor)
        assert stored.status_code == 201, stored.text
        zones = client.get(
            f"{API}/zones", params={"agreement": "ceasefire-2025"}, headers=as_monitor
        ).json()
        kinds = {f["properties"]["kind"] for f in zones["features"]}
        assert {"line_of_contact", "protected_site"} <= kinds
        again = client.get(f"{API}/zones", headers=as_monitor).json()  # the first readable one
        assert again == zones
        earlier = client.get(
            f"{API}/zones", params={"date": context["snapshots"][0]}, headers=as_monitor
        ).json()
        assert earlier["features"][0]["properties"]["as_of"] == context["snapshots"][0]

        both = [_reports(["COALITION", "UKR"], "shared"), _reports(["COALITION"], "coalition")]
        assert client.post("/api/v1/incidents", json=both, headers=as_monitor).status_code == 200
        seen = client.get(f"{API}/incidents", headers=as_monitor).json()["features"]
        assert {f["properties"]["id"] for f in seen} == {"shared", "coalition"}

        # a liaison (UKR, not COALITION) sees neither the plan nor the coalition-only report
        assert client.get(f"{API}/plan", headers=as_liaison).status_code == 404
        seen = client.get(f"{API}/incidents", headers=as_liaison).json()["features"]
        assert [f["properties"]["id"] for f in seen] == ["shared"]

"""``near=``: the same reports within a distance on SQLite, on PostgreSQL, and on PostGIS."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from peaceforce.labels import Classification
from peaceforce.server.api import create_app
from peaceforce.server.db import Database, open_database
from peaceforce.server.spatial import EARTH_RADIUS_M, bounding_box, distance_m
from peaceforce.server.users import Role, add_user

SECRET = b"g" * 48
KYIV = (30.5234, 50.4501)
LVIV = (24.0297, 49.8397)


def test_distance_has_known_answers() -> None:
    # one degree of a meridian on the mean sphere: R * pi / 180
    assert distance_m(30.0, 48.0, 30.0, 49.0) == pytest.approx(EARTH_RADIUS_M * math.pi / 180)
    assert round(EARTH_RADIUS_M, 2) == 6_371_008.77
    # Kyiv to Lviv: about 468 km as the crow flies
    assert distance_m(*KYIV, *LVIV) == pytest.approx(468_000, abs=2_000)
    assert distance_m(179.5, 0.0, -179.5, 0.0) == pytest.approx(111_195, abs=1)


@settings(max_examples=300, deadline=None, database=None)
@given(
    lon=st.floats(-180, 180),
    lat=st.floats(-89.9, 89.9),
    km=st.floats(0, 3000),
    bearing=st.floats(0, 2 * math.pi),
    share=st.floats(0, 1),
)
def test_the_box_holds_every_point_of_the_circle(
    lon: float, lat: float, km: float, bearing: float, share: float
) -> None:
    """A point at distance <= r in any direction lies in ``bounding_box`` (destination formula)."""
    angle = km * 1000 * share / EARTH_RADIUS_M
    phi, lam = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi) * math.cos(angle) + math.cos(phi) * math.sin(angle) * math.cos(bearing)
    )
    lam2 = lam + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(phi),
        math.cos(angle) - math.sin(phi) * math.sin(phi2),
    )
    lon2 = (math.degrees(lam2) + 540) % 360 - 180
    lat2 = math.degrees(phi2)
    west, south, east, north = bounding_box(lon, lat, km * 1000)
    assert south <= lat2 <= north
    assert west <= lon2 <= east or abs(abs(lon2) - 180) < 1e-9


def _reports(count: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    return [
        {
            "id": f"n{n}",
            "time": "2025-04-05T10:00:00Z",
            "lon": round(rng.uniform(22.0, 40.0), 5),
            "lat": round(rng.uniform(44.5, 52.5), 5),
            "type": "artillery",
            "source": "patrol",
            "label": {"classification": "UNCLASSIFIED", "releasable_to": ["COALITION"]},
        }
        for n in range(count)
    ]


CENTRES = [(*KYIV, 100.0), (*LVIV, 250.0), (37.8, 48.0, 40.0), (33.0, 46.5, 600.0), (30.0, 49, 0)]


def _near_ids(
    client: TestClient, headers: dict[str, str], lon: float, lat: float, km: float
) -> list[str]:
    answer = client.get(
        "/api/v1/incidents",
        params={"near": f"{lon},{lat},{km}", "limit": 1000},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    ids = [i["id"] for i in body["data"]]
    assert body["count"] == len(ids)
    return ids


def test_near_gives_the_oracle_s_answer_with_and_without_postgis(database: Database) -> None:
    reports = _reports(600)
    token = add_user(
        database, SECRET, "m", nation="GBR", role=Role.MONITOR, clearance=Classification.SECRET
    ).token
    headers = {"Authorization": f"Bearer {token}"}
    databases = [database]
    if not database.is_sqlite:
        with database.engine.connect() as connection:
            installed = connection.execute(
                text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
            ).first()
        available = connection_has_postgis(database)
        assert database.postgis == (installed is not None) == available
        databases.append(open_database(database.url, use_postgis=False))
        assert not databases[-1].postgis
    answers = []
    for opened in databases:
        with TestClient(create_app(opened, SECRET, run_worker=False)) as client:
            if opened is database:
                posted = client.post("/api/v1/incidents", json=reports, headers=headers)
                assert posted.status_code == 200
            answers.append([_near_ids(client, headers, *centre) for centre in CENTRES])
    for lon, lat, km in CENTRES:
        expected = [
            r["id"] for r in reports if distance_m(lon, lat, r["lon"], r["lat"]) <= km * 1000
        ]
        for answer in answers:
            assert answer[CENTRES.index((lon, lat, km))] == expected
    assert all(answer == answers[0] for answer in answers)
    assert 0 < len(answers[0][0]) < len(reports)
    for opened in databases[1:]:
        opened.dispose()


def connection_has_postgis(database: Database) -> bool:
    """Whether the server offers PostGIS (then migration 0004 created it here)."""
    with database.engine.connect() as connection:
        return (
            connection.execute(
                text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
            ).first()
            is not None
        )


def test_postgis_measures_as_distance_m(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite has no PostGIS: the PostgreSQL run of this test measures it")
    if not database.postgis:
        pytest.skip("PostGIS is not installed in this PostgreSQL")
    with database.engine.connect() as connection:
        measured = connection.execute(
            text(
                "SELECT ST_Distance(geography(ST_SetSRID(ST_MakePoint(:a, :b), 4326)), "
                "geography(ST_SetSRID(ST_MakePoint(:c, :d), 4326)), false)"
            ),
            {"a": KYIV[0], "b": KYIV[1], "c": LVIV[0], "d": LVIV[1]},
        ).scalar_one()
    assert measured == pytest.approx(distance_m(*KYIV, *LVIV), rel=1e-9)


def test_a_bad_near_is_named(database: Database) -> None:
    token = add_user(database, SECRET, "m", nation="GBR", role=Role.MONITOR).token
    with TestClient(create_app(database, SECRET, run_worker=False)) as client:
        bad = client.get(
            "/api/v1/incidents",
            params={"near": "30,95,10"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["location"] == "near"

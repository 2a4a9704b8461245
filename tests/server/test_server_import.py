"""``POST /api/v1/incidents/import``: a report file uploaded as ``monitor import`` reads it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from peaceforce.labels import Classification
from peaceforce.server.api import create_app
from peaceforce.server.db import Database
from peaceforce.server.users import Role, add_user

SECRET = b"i" * 48
URL = "/api/v1/incidents/import"
CSV = (
    "id,time,lon,lat,type,source\n"
    "p1,2025-04-05T10:00:00Z,37.5,48.0,artillery,patrol\n"
    "p2,2025-04-05T11:00:00Z,37.6,48.1,explosion,uav\n"
)


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(database, SECRET, run_worker=False)) as test_client:
        yield test_client


def _headers(database: Database, name: str, nation: str, role: Role) -> dict[str, str]:
    token = add_user(
        database, SECRET, name, nation=nation, role=role, clearance=Classification.SECRET
    ).token
    return {"Authorization": f"Bearer {token}"}


def test_an_uploaded_csv_is_stored_once_with_the_label_asked_for(
    client: TestClient, database: Database
) -> None:
    monitor = _headers(database, "mon", "GBR", Role.MONITOR)
    first = client.post(
        URL,
        files={"file": ("feed.csv", CSV.encode(), "text/csv")},
        data={"release": ["GBR"], "classification": "RESTRICTED"},
        headers=monitor,
    )
    assert first.status_code == 200, first.text
    assert first.json() == {
        "file": "feed.csv",
        "format": "csv",
        "reports": 2,
        "accepted": 2,
        "duplicates": 0,
        "rejected": [],
    }
    stored = client.get("/api/v1/incidents/p1", headers=monitor).json()
    assert stored["label"]["releasable_to"] == ["GBR"]
    assert stored["label"]["classification"] == "RESTRICTED"
    # a French monitor may not read what was released to GBR only
    french = _headers(database, "fr", "FRA", Role.MONITOR)
    assert client.get("/api/v1/incidents/p1", headers=french).status_code == 404

    # again, with p1 changed and a bad row: duplicates counted, p1 and the bad row named
    changed = CSV.replace("37.5,48.0", "30.0,50.0") + "p3,not a time,37.0,48.0,drone,uav\n"
    again = client.post(
        URL,
        files={"file": ("feed.csv", changed.encode(), "text/csv")},
        data={"release": ["GBR"], "classification": "RESTRICTED"},
        headers=monitor,
    )
    answer = again.json()
    assert (answer["accepted"], answer["duplicates"]) == (0, 1)
    assert [(p["file"], p["location"]) for p in answer["rejected"]] == [
        ("feed.csv", "line 4, time"),
        ("feed.csv", "id p1"),
    ]
    assert client.get("/api/v1/incidents/p1", headers=monitor).json()["lon"] == 37.5


def test_a_geojson_upload_in_the_named_format(client: TestClient, database: Database) -> None:
    monitor = _headers(database, "mon", "GBR", Role.MONITOR)
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [36.0, 48.5]},
        "properties": {
            "id": "g1",
            "time": "2025-04-05T10:00:00Z",
            "type": "drone",
            "source": "uav",
        },
    }
    body = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    answer = client.post(
        URL,
        files={"file": ("drones.txt", body, "application/geo+json")},
        data={"format": "geojson"},
        headers=monitor,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1
    assert client.get("/api/v1/incidents/g1", headers=monitor).json()["type"] == "drone"


def test_uploads_refused_with_the_reason(client: TestClient, database: Database) -> None:
    monitor = _headers(database, "mon", "GBR", Role.MONITOR)
    unknown = client.post(
        URL, files={"file": ("feed.docx", b"x", "application/octet-stream")}, headers=monitor
    )
    assert unknown.status_code == 422
    assert unknown.json()["problems"][0]["value"] == ".docx"
    token = client.post(
        URL,
        files={"file": ("feed.csv", CSV.encode(), "text/csv")},
        data={"release": ["gb r"]},
        headers=monitor,
    )
    assert token.status_code == 422
    # a liaison may not label reports wider than they may read
    liaison = _headers(database, "lia", "UKR", Role.LIAISON)
    wide = client.post(URL, files={"file": ("feed.csv", CSV.encode(), "text/csv")}, headers=liaison)
    assert wide.status_code == 422
    assert wide.json()["problems"][0]["location"] == "release:label"
    analyst = _headers(database, "ana", "GBR", Role.ANALYST)
    denied = client.post(
        URL, files={"file": ("feed.csv", CSV.encode(), "text/csv")}, headers=analyst
    )
    assert denied.status_code == 403
    missing = client.post(URL, headers=monitor)
    assert missing.status_code == 422

"""A daily-report run over the API: adjudication and report stored with their labels,
read back as JSON and HTML, and ``?clause=`` filtering incidents by what was breached.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from shapely.geometry import Point

from peaceforce.labels import Classification
from peaceforce.scenario.model import Scenario
from peaceforce.server.api import create_app
from peaceforce.server.db import Database
from peaceforce.server.records import seed_builtin
from peaceforce.server.users import Role, add_user

SECRET = b"r" * 48
API = "/api/v1"
AGREEMENT = """\
id: buffer-only
name: A demilitarised buffer and nothing else
parties:
  - {id: UKR, name: Ukraine, holds: unoccupied}
  - {id: RUS, name: Russian Federation, holds: occupied}
period: {start: 2025-04-03, days: null}
scope: full
clauses:
  - {kind: demilitarised_buffer, id: art-2, width_km: 15}
"""


def _report(ident: str, point: Point, release: list[str]) -> dict[str, Any]:
    return {
        "id": ident,
        "time": "2025-04-10T12:00:00Z",
        "lon": point.x,
        "lat": point.y,
        "type": "artillery",
        "source": "patrol",
        "label": {"classification": "UNCLASSIFIED", "releasable_to": release},
    }


def test_a_daily_report_run_stores_labelled_results(database: Database, scenario: Scenario) -> None:
    seed_builtin(database)
    monitor = add_user(
        database, SECRET, "mon", nation="FRA", role=Role.MONITOR, clearance=Classification.SECRET
    )
    liaison = add_user(database, SECRET, "lia", nation="UKR", role=Role.LIAISON)
    headers = {"Authorization": f"Bearer {monitor.token}"}
    on_line = scenario.line_of_contact.geometry.interpolate(0.5, normalized=True)
    far = Point(24.0, 49.8)  # Lviv: hundreds of km from the line
    with TestClient(create_app(database, SECRET)) as client:
        assert (
            client.post(f"{API}/agreements", json={"text": AGREEMENT}, headers=headers).status_code
            == 201
        )
        reports = [
            _report("near", on_line, ["COALITION", "UKR"]),
            _report("far", far, ["COALITION", "UKR"]),
        ]
        assert client.post(f"{API}/incidents", json=reports, headers=headers).status_code == 200
        asked = {"agreement": "buffer-only", "date": "2025-04-10", "cutoff": "19:30"}
        started = client.post(f"{API}/daily-reports", json=asked, headers=headers)
        assert started.status_code == 202, started.text
        assert started.headers["location"] == f"{API}/runs/{started.json()['id']}"
        assert started.json()["kind"] == "daily_report"
        # an analyst may read reports but not ask for them; a bad day is a 422 naming it
        analyst = add_user(database, SECRET, "ana", nation="FRA", role=Role.ANALYST)
        refused = client.post(
            f"{API}/daily-reports",
            json=asked,
            headers={"Authorization": f"Bearer {analyst.token}"},
        )
        assert refused.status_code == 403
        bad = client.post(
            f"{API}/daily-reports", json={**asked, "date": "2025-13-40"}, headers=headers
        )
        assert bad.status_code == 422
        assert bad.json()["problems"][0]["location"].endswith("date")
        for _ in range(400):
            run = client.get(f"{API}/runs/{started.json()['id']}", headers=headers).json()
            if run["status"] in {"done", "failed"}:
                break
            time.sleep(0.25)
        assert run["status"] == "done", run
        report = client.get(f"{API}/daily-reports/{run['run_key']}", headers=headers).json()
        assert report["reports"] == 2 and report["violations"] == 1
        assert report["label"]["releasable_to"] == ["COALITION", "UKR"]
        page = client.get(f"{API}/daily-reports/{run['run_key']}/html", headers=headers)
        assert (
            page.headers["content-type"].startswith("text/html")
            and "A demilitarised buffer" in page.text
        )
        adjudications = client.get(f"{API}/adjudications", headers=headers).json()
        assert adjudications["count"] == 1
        breached = client.get(
            f"{API}/incidents", params={"clause": "art-2"}, headers=headers
        ).json()
        assert [i["id"] for i in breached["data"]] == ["near"]
        # the party's liaison reads the report released to it, and what it found
        liaison_headers = {"Authorization": f"Bearer {liaison.token}"}
        assert (
            client.get(f"{API}/daily-reports/{run['run_key']}", headers=liaison_headers).status_code
            == 200
        )
        assert (
            client.get(
                f"{API}/incidents", params={"clause": "art-2"}, headers=liaison_headers
            ).json()["count"]
            == 1
        )

"""``kill -9`` of a real server in the middle of a batch ingest over HTTP, then a restart:
every acknowledged incident is there exactly once, and nothing half-written.

The suite sends 20,000 incidents in batches of 1,000 (``PEACEFORCE_CRASH_INCIDENTS``
raises it: the issue's figure is 100,000).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from server_databases import BACKENDS, drop_database, make_database_url

from api_load import free_port, start_server
from peaceforce.monitoring.store.sql import SqlIncidentStore
from peaceforce.server.db import migrate, open_database
from peaceforce.server.users import Role, add_user

TOTAL = int(os.environ.get("PEACEFORCE_CRASH_INCIDENTS", "20000"))
BATCH = 1000
SECRET = "k" * 48


def _batch(first: int) -> list[dict[str, object]]:
    return [
        {
            "id": f"crash-{n}",
            "time": "2025-04-05T10:00:00Z",
            "lon": 30 + (n % 1000) / 100,
            "lat": 46 + (n % 700) / 100,
            "type": "artillery",
            "source": "uav",
            "description": f"report {n}",
            "label": {"classification": "UNCLASSIFIED", "releasable_to": ["COALITION"]},
        }
        for n in range(first, min(first + BATCH, TOTAL))
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_mid_ingest_loses_no_acknowledged_report(backend: str, tmp_path: Path) -> None:
    url, name = make_database_url(backend, tmp_path)
    try:
        database = open_database(url)
        migrate(database)
        token = add_user(database, SECRET.encode(), "feed", nation="GBR", role=Role.MONITOR).token
        port = free_port()
        server = start_server(url, tmp_path, port, SECRET)
        headers = {"Authorization": f"Bearer {token}"}
        acknowledged: list[str] = []
        in_flight: list[str] = []
        kill_after = max(1, TOTAL // BATCH // 2)

        def killer() -> None:
            while len(acknowledged) < kill_after * BATCH:
                time.sleep(0.01)
            time.sleep(0.05)  # into the next batch's request
            server.send_signal(signal.SIGKILL)

        threading.Thread(target=killer, daemon=True).start()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for first in range(0, TOTAL, BATCH):
                batch = _batch(first)
                in_flight = [str(r["id"]) for r in batch]
                try:
                    answer = client.post("/api/v1/incidents", json=batch, headers=headers)
                except httpx.HTTPError:
                    break
                assert answer.status_code == 200, answer.text
                acknowledged.extend(in_flight)
        server.wait(timeout=30)
        assert server.returncode == -signal.SIGKILL
        assert kill_after * BATCH <= len(acknowledged) < TOTAL

        server = start_server(
            url, tmp_path, port, SECRET
        )  # restart: migrations and recovery on the same data
        try:
            store = SqlIncidentStore(database)
            held = {i.id for i in store.query()}
            assert set(acknowledged) <= held
            # the batch cut short is there whole or not at all
            assert held - set(acknowledged) in (set(), set(in_flight))
            assert store.count() == len(held)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                resent = client.post(
                    "/api/v1/incidents", json=_batch(len(acknowledged)), headers=headers
                )
                assert resent.status_code == 200
                assert resent.json()["added"] + resent.json()["duplicates"] == len(in_flight)
                listed = client.get("/api/v1/incidents", params={"limit": 1}, headers=headers)
                assert listed.json()["count"] == len(acknowledged) + len(in_flight)
        finally:
            server.terminate()
            server.wait(timeout=30)
        database.dispose()
    finally:
        drop_database(name)

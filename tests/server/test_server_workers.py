"""``serve --workers 2``: two processes answer requests, and a run queued through either is
computed once, by the serving parent."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from api_load import free_port, start_server
from peaceforce.server.db import migrate, open_database
from peaceforce.server.users import Role, add_user

SECRET = "w" * 48


def test_serve_with_two_workers_answers_and_computes_runs(tmp_path: Path) -> None:
    database = open_database(str(tmp_path / "server.db"))
    migrate(database)
    token = add_user(database, SECRET.encode(), "pat", nation="GBR", role=Role.PLANNER).token
    database.dispose()
    port = free_port()
    server = start_server(database.url, tmp_path, port, SECRET, workers=2)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(6):
                assert client.get("/api/v1/me", headers=headers).json()["name"] == "pat"
            started = client.post("/api/v1/runs", json={"kind": "mandate"}, headers=headers)
            assert started.status_code == 202, started.text
            run = started.json()["id"]
            deadline = time.monotonic() + 120
            status = started.json()["status"]
            while status in {"queued", "running"} and time.monotonic() < deadline:
                time.sleep(0.5)
                status = client.get(f"/api/v1/runs/{run}", headers=headers).json()["status"]
            assert status == "done"
            result = client.get(f"/api/v1/runs/{run}/result", headers=headers)
            assert result.status_code == 200 and result.json()["run_key"]
    finally:
        server.terminate()
        server.wait(timeout=30)

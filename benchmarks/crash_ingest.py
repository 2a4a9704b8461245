"""``kill -9`` of a real server in the middle of a batch ingest over HTTP, restart, check.

A ``peaceforce serve`` on a fresh database is sent ``--total`` reports (100,000
by default) in batches of ``--batch`` (1,000); once half are acknowledged it is
killed with SIGKILL while the next batch is in flight. After a restart on the
same database:

- every acknowledged report is held, exactly once (ack = stored);
- nothing is half-written: beyond the acknowledged reports the store holds either
  nothing or the whole batch that was in flight;
- the client resends from its first unacknowledged batch to the end; the
  duplicates are counted as such, and the store ends with every report once.

Prints one row per backend. ``tests/server/test_server_crash.py`` runs the same
check on 20,000 reports in the suite.

Run: ``.venv/bin/python benchmarks/crash_ingest.py [--backend sqlite postgresql]
[--total 100000]``; PostgreSQL is the one on 127.0.0.1:5432 (``PEACEFORCE_TEST_POSTGRES``),
where a database is created and dropped for the run.
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from api_load import POSTGRES, free_port, start_server
from peaceforce.monitoring.store.sql import SqlIncidentStore
from peaceforce.server.db import migrate, open_database
from peaceforce.server.users import Role, add_user

SECRET = "k" * 48


def reports(first: int, count: int, total: int) -> list[dict[str, object]]:
    """Reports ``crash-first`` .. (fewer at the end of ``total``)."""
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
        for n in range(first, min(first + count, total))
    ]


@dataclass(frozen=True)
class CrashOutcome:
    """What one kill-and-restart run found."""

    total: int
    acknowledged: int
    in_flight: int
    killed_by_sigkill: bool
    held_after_restart: int
    acknowledged_missing: int
    half_written: bool
    resent_added: int
    resent_duplicates: int
    held_at_end: int
    seconds: float

    @property
    def ok(self) -> bool:
        """Ack = stored, nothing half-written, every report once at the end."""
        return (
            self.killed_by_sigkill
            and self.acknowledged_missing == 0
            and not self.half_written
            and self.held_at_end == self.total
        )


def crash_run(url: URL, folder: Path, total: int, batch: int) -> CrashOutcome:
    """Ingest ``total`` reports into a server on ``url``, kill it half-way, restart, check."""
    started = time.monotonic()
    database = open_database(url)
    migrate(database)
    token = add_user(database, SECRET.encode(), "feed", nation="GBR", role=Role.MONITOR).token
    port = free_port()
    server = start_server(url, folder, port, SECRET)
    headers = {"Authorization": f"Bearer {token}"}
    acknowledged: list[str] = []
    in_flight: list[str] = []
    kill_after = max(1, total // batch // 2)

    def killer() -> None:
        while len(acknowledged) < kill_after * batch:
            time.sleep(0.01)
        time.sleep(0.05)  # into the next batch's request
        server.send_signal(signal.SIGKILL)

    threading.Thread(target=killer, daemon=True).start()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        for first in range(0, total, batch):
            sent = reports(first, batch, total)
            in_flight = [str(r["id"]) for r in sent]
            try:
                answer = client.post("/api/v1/incidents", json=sent, headers=headers)
            except httpx.HTTPError:
                break
            if answer.status_code != 200:
                raise RuntimeError(f"batch at {first}: {answer.status_code} {answer.text}")
            acknowledged.extend(in_flight)
    server.wait(timeout=30)
    killed = server.returncode == -signal.SIGKILL

    server = start_server(url, folder, port, SECRET)  # migrations and recovery on the same data
    try:
        store = SqlIncidentStore(database)
        held = [i.id for i in store.query()]
        extra = set(held) - set(acknowledged)
        added = duplicates = 0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for first in range(len(acknowledged), total, batch):
                answer = client.post(
                    "/api/v1/incidents", json=reports(first, batch, total), headers=headers
                )
                answer.raise_for_status()
                added += answer.json()["added"]
                duplicates += answer.json()["duplicates"]
        held_at_end = store.count()
        unique_at_end = len({i.id for i in store.query()})
    finally:
        server.terminate()
        server.wait(timeout=30)
        database.dispose()
    return CrashOutcome(
        total=total,
        acknowledged=len(acknowledged),
        in_flight=len(in_flight),
        killed_by_sigkill=killed,
        held_after_restart=len(held),
        acknowledged_missing=len(set(acknowledged) - set(held)) + len(held) - len(set(held)),
        half_written=extra not in (set(), set(in_flight)),
        resent_added=added,
        resent_duplicates=duplicates,
        held_at_end=held_at_end if held_at_end == unique_at_end else -1,
        seconds=time.monotonic() - started,
    )


def run(backend: str, total: int, batch: int) -> CrashOutcome:
    """One backend on a fresh database (a SQLite file, or a PostgreSQL database dropped after)."""
    with tempfile.TemporaryDirectory(prefix="peaceforce-crash-") as folder:
        if backend == "sqlite":
            return crash_run(
                URL.create("sqlite", database=str(Path(folder) / "crash.db")),
                Path(folder),
                total,
                batch,
            )
        name = f"peaceforce_crash_{uuid.uuid4().hex[:10]}"
        admin = create_engine(make_url(POSTGRES), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            return crash_run(make_url(POSTGRES).set(database=name), Path(folder), total, batch)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        "| backend | reports | acknowledged before kill -9 | in flight | held after restart | "
        "acknowledged missing | half-written | resent: added / duplicate | held at end | "
        "time | verdict |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|")
    for backend in args.backend:
        o = run(backend, args.total, args.batch)
        print(
            f"| {backend} | {o.total:,} | {o.acknowledged:,} | {o.in_flight:,} | "
            f"{o.held_after_restart:,} | {o.acknowledged_missing} | "
            f"{'yes' if o.half_written else 'no'} | {o.resent_added:,} / {o.resent_duplicates:,} | "
            f"{o.held_at_end:,} | {o.seconds:.0f} s | {'ok' if o.ok else 'FAILED'} |",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Load on the coalition server: concurrent clients on loopback, batch ingest and filtered reads.

A real ``peaceforce serve --workers N`` is started on a fresh database;
``--clients`` clients (50 by default) run for ``--seconds`` (60): a quarter post
batches of ``--batch`` new incidents (acknowledged only once committed), the
rest read ``GET /api/v1/incidents`` with a random bounding box and type, 100 a
page. Prints incidents/s ingested durably and p50/p99 read latency per backend,
with the load average (the machine is shared: figures vary with it). Rates are
over the time until the last request sent before the end was answered.

So that figures taken on a busy machine can be read, it also prints the CPU
the server used: its processes' user + system time, and on PostgreSQL that of
the database's own backends serving it, in all and per request. CPU per request
does not depend on what else the machine runs; latency and throughput do.

Run: ``.venv/bin/python benchmarks/api_load.py [--backend sqlite postgresql] [--seconds 60]
[--clients 50] [--workers 2]``; PostgreSQL is the one on 127.0.0.1:5432 (user postgres),
where a database is created and dropped for the run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from peaceforce.server.db import migrate, open_database
from peaceforce.server.users import Role, add_user

SECRET = "b" * 48
SRC = Path(__file__).resolve().parents[1] / "src"
POSTGRES = os.environ.get(
    "PEACEFORCE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TYPES = ("artillery", "mlrs", "drone", "small_arms", "explosion")


def free_port() -> int:
    """A TCP port free on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    url: URL, folder: Path, port: int, secret: str, workers: int = 1
) -> subprocess.Popen[bytes]:
    """``peaceforce serve`` on ``url``, listening on 127.0.0.1:``port``, once it answers."""
    env = {**os.environ, "PEACEFORCE_SECRET": secret, "PYTHONPATH": str(SRC)}
    command = [sys.executable, "-m", "peaceforce", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    command += ["--database", url.render_as_string(hide_password=False)]
    server = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def incidents(prefix: str, count: int, rng: random.Random) -> list[dict[str, object]]:
    """``count`` new reports over eastern and southern Ukraine."""
    return [
        {
            "id": f"{prefix}-{n}",
            "time": f"2025-04-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z",
            "lon": round(rng.uniform(31.0, 39.0), 5),
            "lat": round(rng.uniform(46.0, 50.0), 5),
            "type": rng.choice(TYPES),
            "source": "uav",
            "confidence": 0.7,
            "label": {"classification": "UNCLASSIFIED", "releasable_to": ["COALITION"]},
        }
        for n in range(count)
    ]


_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def server_processes(pid: int) -> list[int]:
    """The server's process and its children (``--workers`` processes)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [pid, *(int(c) for c in children.read_text().split())]
    except OSError:
        return [pid]


def database_backends(admin: Engine, name: str) -> list[int]:
    """The PostgreSQL backends connected to database ``name``."""
    with admin.connect() as connection:
        return list(
            connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            ).scalars()
        )


@dataclass
class Tally:
    """What the clients did."""

    ingested: int = 0
    batches: int = 0
    failures: int = 0
    reads: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    client_cpu: float = 0.0


async def writer(
    client: httpx.AsyncClient, tally: Tally, end: float, batch: int, every: float
) -> None:
    """Batches back to back (``every`` 0: as fast as the server takes them), or one due every
    ``every`` seconds, so that the writers together offer a set rate.
    """
    rng = random.Random()
    due = time.monotonic() + rng.uniform(0, every)
    while time.monotonic() < end:
        if every:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            due += every
        body = incidents(uuid.uuid4().hex, batch, rng)
        try:
            answer = await client.post("/api/v1/incidents", json=body)
        except httpx.TransportError:  # e.g. a kept-alive connection the server had closed
            tally.failures += 1
            continue
        if answer.status_code == 200:
            tally.ingested += answer.json()["added"]
            tally.batches += 1
        else:
            tally.failures += 1


async def reader(client: httpx.AsyncClient, tally: Tally, end: float, every: float) -> None:
    """Filtered reads back to back (``every`` 0: a closed loop, which measures saturation), or
    one due every ``every`` seconds, as a user's page refreshing (late ones start at once).
    """
    rng = random.Random()
    due = time.monotonic() + rng.uniform(0, every)  # readers spread over the first interval
    while time.monotonic() < end:
        if every:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            due += every
        west, south = rng.uniform(31, 37), rng.uniform(46, 49)
        params = {
            "bbox": f"{west:.3f},{south:.3f},{west + 1:.3f},{south + 1:.3f}",
            "type": rng.choice(TYPES),
            "limit": 100,
        }
        started = time.perf_counter()
        try:
            answer = await client.get("/api/v1/incidents", params=params)
        except httpx.TransportError:  # counted, not timed: no answer came
            tally.failures += 1
            continue
        elapsed = time.perf_counter() - started
        if answer.status_code == 200:
            tally.reads.append(elapsed)
        else:
            tally.failures += 1


async def load(  # noqa: PLR0917 (the run's settings)
    port: int,
    token: str,
    clients: int,
    seconds: float,
    batch: int,
    writers: int,
    read_every: float,
    write_every: float,
    on_start: Callable[[], None],
) -> Tally:
    tally = Tally()
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
        limits=limits,
    ) as client:
        # seed data so the first reads find something
        await client.post("/api/v1/incidents", json=incidents("seed", 5000, random.Random(1)))
        on_start()  # the server's CPU counts from here, after the seed
        began = time.monotonic()
        client_cpu = time.process_time()
        end = began + seconds
        await asyncio.gather(
            *(writer(client, tally, end, batch, write_every) for _ in range(writers)),
            *(reader(client, tally, end, read_every) for _ in range(clients - writers)),
        )
        # until the last request sent before the end is answered: every count is in it
        tally.elapsed = time.monotonic() - began
        tally.client_cpu = time.process_time() - client_cpu
    return tally


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run(  # noqa: PLR0917 (the run's settings)
    backend: str,
    clients: int,
    seconds: float,
    batch: int,
    workers: int,
    writers: int,
    read_every: float,
    ingest_rate: float,
) -> str:
    """One backend's row of the table."""
    with tempfile.TemporaryDirectory(prefix="peaceforce-load-") as folder:
        name = None
        if backend == "sqlite":
            url = URL.create("sqlite", database=str(Path(folder) / "load.db"))
        else:
            name = f"peaceforce_load_{uuid.uuid4().hex[:10]}"
            admin = create_engine(make_url(POSTGRES), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(POSTGRES).set(database=name)
        database = open_database(url)
        migrate(database)
        token = add_user(database, SECRET.encode(), "load", nation="GBR", role=Role.MONITOR).token
        database.dispose()
        port = free_port()
        server = start_server(url, Path(folder), port, SECRET, workers)
        try:
            processes = server_processes(server.pid)
            before: dict[int, float] = {}

            def snapshot() -> None:
                backends = [] if name is None else database_backends(admin, name)
                before.update({p: process_cpu(p) for p in [*processes, *backends]})

            write_every = writers * batch / ingest_rate if ingest_rate else 0.0
            tally = asyncio.run(
                load(
                    port, token, clients, seconds, batch, writers, read_every, write_every, snapshot
                )
            )
            app_cpu = sum(process_cpu(p) - before.get(p, 0.0) for p in processes)
            # backends opened during the run count whole: all their CPU was the run's
            db_cpu = (
                0.0
                if name is None
                else sum(
                    process_cpu(p) - before.get(p, 0.0) for p in database_backends(admin, name)
                )
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            if name is not None:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    reads = tally.reads or [float("nan")]
    requests = max(1, len(tally.reads) + tally.batches + tally.failures)
    pace = f"1 per {read_every:g} s" if read_every else "back to back"
    offered = f"{ingest_rate:,.0f}" if ingest_rate else "all it takes"
    return (
        f"| {backend} | {workers} | {writers} + {clients - writers} | {offered} | {pace} | "
        f"{tally.elapsed:.0f} s | "
        f"{tally.ingested / tally.elapsed:,.0f} | "
        f"{tally.batches} × {batch} | {len(tally.reads) / tally.elapsed:,.0f} | "
        f"{percentile(reads, 0.5) * 1000:.0f} ms | {percentile(reads, 0.99) * 1000:.0f} ms | "
        f"{tally.failures} | {app_cpu:.1f} s + {db_cpu:.1f} s | "
        f"{(app_cpu + db_cpu) / requests * 1000:.1f} ms | "
        f"{(app_cpu + db_cpu) / tally.elapsed:.2f} | {tally.client_cpu / tally.elapsed:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="serve --workers")
    parser.add_argument(
        "--writers",
        type=int,
        default=None,
        help="clients posting batches (default a quarter; 0 reads only, all ingest only)",
    )
    parser.add_argument(
        "--read-every",
        type=float,
        default=0.0,
        help="seconds between one reader's reads (default 0: back to back, a closed loop)",
    )
    parser.add_argument(
        "--ingest-rate",
        type=float,
        default=0.0,
        help="incidents/s the writers offer together (default 0: as many as the server takes)",
    )
    args = parser.parse_args()
    writers = max(1, args.clients // 4) if args.writers is None else args.writers
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        "| backend | workers | clients (writers + readers) | incidents/s offered | "
        "reads per reader | duration | "
        "incidents/s ingested | batches | reads/s | read p50 | read p99 | "
        "failed requests (incl. connections reset) | server CPU (app + database) | "
        "CPU per request | cores busy (server) | cores busy (clients) |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for backend in args.backend:
        print(
            run(
                backend,
                args.clients,
                args.seconds,
                args.batch,
                args.workers,
                writers,
                args.read_every,
                args.ingest_rate,
            ),
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

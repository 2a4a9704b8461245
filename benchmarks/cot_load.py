"""TAK gateway load: events per second from N TLS clients through parse, store and fan-out.

N senders (coalition monitors, client certificates from a CA made here) send
spot reports over TLS at an offered rate; M subscribers (coalition users who
may read them all) receive every one. Each report carries its send time in its
uid, so a subscriber measures delivery latency (send to receipt, both on this
machine's clock). The gateway runs in this process on SQLite (``synchronous=FULL``:
a report is on disk before it is sent on); the clients run in a second process,
so they do not share the gateway's interpreter lock.

Two gateways run on the same load: ours (reports stored in batches of up to
1,000 per transaction) and the baseline of one transaction per report. Goal
(issue 14): at least 2,000 events/s with p99 delivery under 200 ms on 2 cores.

Run: ``.venv/bin/python benchmarks/cot_load.py [--senders 4] [--subscribers 4]
[--events 2500] [--rate 2500]``; prints a Markdown table. ``--small`` is the
bounded run the tests use.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import ssl
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cot_certs import Issued, TestCa
from peaceforce.server.cot.framing import Frame, StreamSplitter
from peaceforce.server.cot.gateway import GatewaySettings, GatewayThread
from peaceforce.server.db import migrate, open_database
from peaceforce.server.users import Role, add_user

_UID = re.compile(rb'uid="load-(\d+)-(\d+)-(\d+)"')
SECRET = b"b" * 48
#: Reports are sent in ticks of this many seconds.
TICK = 0.02


@dataclass(frozen=True)
class ClientPlan:
    """What the client process does."""

    host: str
    port: int
    ca: str
    senders: list[tuple[str, str]]
    subscribers: list[tuple[str, str]]
    events_per_sender: int
    rate: float
    timeout: float


@dataclass(frozen=True)
class LoadResult:
    """One run: sent, stored, delivered, throughput and latency percentiles."""

    name: str
    sent: int
    stored: int
    delivered: int
    expected: int
    seconds: float
    events_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    gateway_cpu_ms: float
    client_cpu_ms: float


def _context(ca: str, cert: str, key: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca)
    context.load_cert_chain(cert, key)
    return context


def _report(sender: int, number: int) -> bytes:
    stamp = time.time_ns() // 1000
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    stale = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 600))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><event version="2.0" '
        f'uid="load-{stamp}-{sender}-{number}" type="a-h-G-E-W-R" time="{now}" start="{now}" '
        f'stale="{stale}" how="h-g-i-g-o"><point lat="{47.0 + number % 100 / 100:.4f}" '
        f'lon="{36.0 + sender / 10:.4f}" hae="0" ce="50" le="50"/><detail>'
        f"<remarks>rocket launcher seen, load test</remarks></detail></event>"
    ).encode()


async def _subscribe(
    plan: ClientPlan, cert: str, key: str, *, latencies: list[float], done: list[float]
) -> int:
    context = _context(plan.ca, cert, key)
    reader, writer = await asyncio.open_connection(
        plan.host, plan.port, ssl=context, server_hostname="localhost"
    )
    splitter, seen = StreamSplitter(), 0
    expected = plan.events_per_sender * len(plan.senders)
    loop = asyncio.get_running_loop()
    end = loop.time() + plan.timeout
    try:
        while seen < expected and loop.time() < end:
            try:
                data = await asyncio.wait_for(reader.read(1 << 16), end - loop.time())
            except TimeoutError:
                break
            if not data:
                break
            now = time.time_ns() // 1000
            for frame in splitter.feed(data):
                if isinstance(frame, Frame) and (found := _UID.search(frame.data[:400])):
                    seen += 1
                    latencies.append((now - int(found.group(1))) / 1000)
        done.append(time.time())
    finally:
        writer.close()
    return seen


async def _send(  # noqa: PLR0917 (the plan, which sender, its certificate, two signals)
    plan: ClientPlan, index: int, cert: str, key: str, started: list[float], done: asyncio.Event
) -> int:
    context = _context(plan.ca, cert, key)
    reader, writer = await asyncio.open_connection(
        plan.host, plan.port, ssl=context, server_hostname="localhost"
    )
    drain = asyncio.create_task(_discard(reader))
    per_second = plan.rate / len(plan.senders)
    sent = 0
    loop = asyncio.get_running_loop()
    started.append(time.time())
    first = next_tick = loop.time()
    while sent < plan.events_per_sender:
        due = min(plan.events_per_sender, int(per_second * (loop.time() - first)) + 1)
        if due > sent:  # what the offered rate says is due by now, however the ticks fell
            writer.write(b"".join(_report(index, number) for number in range(sent, due)))
            await writer.drain()
            sent = due
        next_tick += TICK
        await asyncio.sleep(max(0.0, next_tick - loop.time()))
    await done.wait()  # stay connected, as a device does, until every report has arrived
    drain.cancel()
    writer.close()
    return sent


async def _discard(reader: asyncio.StreamReader) -> None:
    while await reader.read(1 << 16):
        pass


async def _clients(plan: ClientPlan) -> dict[str, object]:
    latencies: list[float] = []
    done: list[float] = []
    started: list[float] = []
    subscribers = [
        asyncio.create_task(_subscribe(plan, c, k, latencies=latencies, done=done))
        for c, k in plan.subscribers
    ]
    await asyncio.sleep(1.0)  # every subscriber connected and past its picture
    finished = asyncio.Event()
    senders = [
        asyncio.create_task(_send(plan, i, c, k, started, finished))
        for i, (c, k) in enumerate(plan.senders)
    ]
    received = await asyncio.gather(*subscribers)
    finished.set()
    sent = await asyncio.gather(*senders)
    return {
        "sent": sum(sent),
        "received": sum(received),
        "latencies": latencies,
        "start": min(started),
        "end": max(done) if done else time.time(),
    }


def _client_process(plan: ClientPlan, answer: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    outcome = asyncio.run(_clients(plan))
    answer.put({**outcome, "cpu": time.process_time()})


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_load(
    folder: Path,
    *,
    senders: int,
    subscribers: int,
    events: int,
    rate: float,
    batch: int,
    name: str,
    timeout: float = 120.0,
) -> LoadResult:
    """One gateway on a fresh database under the given load."""
    folder.mkdir(parents=True, exist_ok=True)
    database = open_database(str(folder / "load.db"))
    migrate(database)
    ca = TestCa(folder / "ca")
    server = ca.issue("localhost", server=True)

    def user(name: str, release: list[str]) -> Issued:
        add_user(database, SECRET, name, nation="GBR", role=Role.MONITOR, release=release)
        return ca.issue(name)

    sending = [user(f"sender-{i}", ["COALITION"]) for i in range(senders)]
    reading = [user(f"subscriber-{i}", ["COALITION"]) for i in range(subscribers)]
    gateway = GatewayThread(
        database,
        GatewaySettings(
            tls_port=0, tls_cert=server.cert, tls_key=server.key, tls_ca=ca.path, batch=batch
        ),
    )
    host, port = gateway.start()["tls"]
    cpu = time.process_time()
    plan = ClientPlan(
        host=host,
        port=port,
        ca=str(ca.path),
        senders=[(str(i.cert), str(i.key)) for i in sending],
        subscribers=[(str(i.cert), str(i.key)) for i in reading],
        events_per_sender=events // senders,
        rate=rate,
        timeout=timeout,
    )
    context = multiprocessing.get_context("spawn")
    answer: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    process = context.Process(target=_client_process, args=(plan, answer))
    process.start()
    try:
        outcome = answer.get(timeout=timeout + 60)
    finally:
        process.join(timeout=30)
        stats = gateway.gateway.stats
        cpu = time.process_time() - cpu
        gateway.stop()
        database.dispose()
    latencies = list(outcome["latencies"])  # type: ignore[call-overload]
    seconds = float(outcome["end"]) - float(outcome["start"])  # type: ignore[arg-type]
    sent = int(outcome["sent"])  # type: ignore[call-overload]
    return LoadResult(
        name=name,
        sent=sent,
        stored=stats.stored,
        delivered=int(outcome["received"]),  # type: ignore[call-overload]
        expected=sent * subscribers,
        seconds=seconds,
        events_per_s=stats.stored / seconds if seconds > 0 else 0.0,
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        max_ms=max(latencies) if latencies else float("nan"),
        gateway_cpu_ms=cpu * 1000 / max(1, stats.stored),
        client_cpu_ms=float(outcome["cpu"]) * 1000 / max(1, sent),  # type: ignore[arg-type]
    )


def table(results: list[LoadResult], senders: int, subscribers: int, rate: float) -> str:
    """The runs as a Markdown table."""
    lines = [
        f"{senders} TLS senders, {subscribers} subscribers, offered {rate:,.0f} events/s; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores",
        "",
        "| gateway | sent | stored | delivered / expected | events/s stored | p50 ms | p99 ms "
        "| max ms | gateway CPU ms/event | clients CPU ms/event |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.sent:,} | {r.stored:,} | {r.delivered:,} / {r.expected:,} "
            f"| {r.events_per_s:,.0f} | {r.p50_ms:,.1f} | {r.p99_ms:,.1f} | {r.max_ms:,.1f} "
            f"| {r.gateway_cpu_ms:.2f} | {r.client_cpu_ms:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--subscribers", type=int, default=4)
    parser.add_argument("--events", type=int, default=10_000, help="reports in all")
    parser.add_argument("--rate", type=float, default=2500, help="offered events/s in all")
    parser.add_argument("--small", action="store_true", help="the bounded run of the tests")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    if args.small:
        args.senders, args.subscribers, args.events, args.rate = 2, 2, 200, 400
    runs = [("ours (batched)", 1000)] + ([] if args.no_baseline else [("one per transaction", 1)])
    results = []
    with tempfile.TemporaryDirectory(prefix="peaceforce-cot-load-") as folder:
        for index, (name, batch) in enumerate(runs):
            results.append(
                run_load(
                    Path(folder) / str(index),
                    senders=args.senders,
                    subscribers=args.subscribers,
                    events=args.events,
                    rate=args.rate,
                    batch=batch,
                    name=name,
                )
            )
    print(table(results, args.senders, args.subscribers, args.rate))


if __name__ == "__main__":
    main()

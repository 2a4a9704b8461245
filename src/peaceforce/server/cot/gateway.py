"""The TAK gateway: CoT over TCP and TLS, reports in, the picture out, per releasability.

One asyncio loop (in its own thread beside the API) serves a plain port (off
unless asked for; loopback peers only unless ``allow_remote``) and a TLS port
(TLS 1.2 or later, a client certificate from ``tls_ca`` required, as TAK
servers use on 8089). Each connection is one user: the certificate's user on
the TLS port, ``plain_user`` on the plain port.

Reports are parsed on the loop, then stored by one writer in batches (one
transaction per batch, committed before anything is sent on), and fanned out
to every other connection whose user may read their label. Reports stored by
the API (or another process) are picked up every ``poll_s`` and fanned out
too. A connection that cannot keep up (``max_queue`` events waiting) is closed
rather than allowed to hold the others back.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import ssl
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Clearance, Label, may_read
from peaceforce.monitoring.incidents import Incident
from peaceforce.monitoring.store.sql import append_incidents
from peaceforce.server import audit
from peaceforce.server.cot.events import EventError, OutEvent, cot_time, parse_event, serialize
from peaceforce.server.cot.framing import (
    MAX_EVENT_BYTES,
    Frame,
    StreamSplitter,
    from_proto,
    to_proto,
)
from peaceforce.server.cot.identity import facts_of_der, user_by_name, user_for_certificate
from peaceforce.server.cot.intake import (
    PING,
    PONG,
    PROTOCOL_REQUEST,
    PROTOCOL_RESPONSE,
    PROTOCOL_SUPPORT,
    Received,
    TrackUpdate,
    receive,
)
from peaceforce.server.cot.picture import Picture, incident_event, live_events, plan_events
from peaceforce.server.db import Database
from peaceforce.server.label_rows import label_id
from peaceforce.server.models import IncidentRow, UnitTrackRow
from peaceforce.server.users import UserPublic
from peaceforce.server.visibility import SYSTEM

log = logging.getLogger(__name__)

#: Events stored in one transaction at most.
BATCH = 1000
_READ = 64 * 1024
_SERVER_UID = "peaceforce-gateway"
_UID = re.compile(rb"<event\b[^>]*?\buid=[\"']([^\"'<>]{1,80})")


@dataclass(frozen=True)
class GatewaySettings:
    """Where and how the gateway listens."""

    host: str = "127.0.0.1"
    port: int | None = None
    tls_port: int | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_ca: Path | None = None
    allow_remote: bool = False
    plain_user: str | None = None
    picture_max_age_s: float = 60.0
    poll_s: float = 1.0
    max_queue: int = 20_000
    max_event_bytes: int = MAX_EVENT_BYTES
    batch: int = BATCH

    def check(self) -> None:
        """Refuse settings that cannot work, naming the option."""
        problems = []
        if self.port is None and self.tls_port is None:
            problems.append(Problem("--cot-port / --cot-tls-port", "-", "neither", "a port"))
        if self.tls_port is not None:
            for option, path in (
                ("--tls-cert", self.tls_cert),
                ("--tls-key", self.tls_key),
                ("--tls-ca", self.tls_ca),
            ):
                if path is None or not path.is_file():
                    problems.append(Problem(option, "-", str(path), "a PEM file"))
        if self.port is not None and not self.plain_user:
            problems.append(
                Problem("--cot-user", "-", "nothing", "the user plain-port connections act as")
            )
        if problems:
            raise InputError(problems)


def plain_peer_allowed(address: str, allow_remote: bool) -> bool:
    """Whether a peer may use the plain port: loopback always, others only when allowed."""
    try:
        loopback = ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    return loopback or allow_remote


def server_context(settings: GatewaySettings) -> ssl.SSLContext:
    """TLS 1.2+ with a client certificate from the CA required."""
    assert settings.tls_cert and settings.tls_key and settings.tls_ca  # by check()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
        context.load_verify_locations(cafile=str(settings.tls_ca))
    except (ssl.SSLError, OSError) as exc:
        raise InputError(
            [
                Problem(
                    "--tls-cert / --tls-key / --tls-ca",
                    "-",
                    str(exc),
                    "a PEM certificate, key and CA",
                )
            ]
        ) from None
    return context


class Encoded:
    """An event encoded once for every connection: XML, and TAK protocol 1 when asked for."""

    def __init__(self, event: OutEvent) -> None:
        self.label = event.label
        self.element = event.element()

    @cached_property
    def xml(self) -> bytes:
        return serialize(self.element)

    @cached_property
    def proto(self) -> bytes:
        return to_proto(self.element)


@dataclass(eq=False)
class Connection:
    """One TAK client: its user, what it may read, what waits to be sent to it."""

    user: UserPublic
    peer: str
    writer: asyncio.StreamWriter
    max_queue: int
    proto: bool = False
    queue: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    closed: bool = False
    _readable: dict[Label, bool] = field(default_factory=dict)

    @cached_property
    def clearance(self) -> Clearance:
        return self.user.reader()

    def may_read(self, label: Label) -> bool:
        known = self._readable.get(label)
        if known is None:
            known = self._readable[label] = may_read(self.clearance, label)
        return known

    def send(self, data: bytes) -> None:
        if self.closed:
            return
        if self.queue.qsize() >= self.max_queue:
            log.warning(
                "cot %s (%s): %d events waiting, closing", self.peer, self.user.name, self.max_queue
            )
            self.close()
            self.writer.transport.abort()  # what waits in its buffer is dropped, not flushed
            return
        self.queue.put_nowait(data)

    def send_event(self, encoded: Encoded) -> None:
        self.send(encoded.proto if self.proto else encoded.xml)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(None)


def _control(kind: str, detail: ET.Element | None = None) -> ET.Element:
    now = datetime.now(UTC)
    stamp, stale = cot_time(now), cot_time(now + timedelta(minutes=1))
    event = ET.Element(
        "event",
        {
            "version": "2.0",
            "uid": _SERVER_UID,
            "type": kind,
            "time": stamp,
            "start": stamp,
            "stale": stale,
            "how": "m-g",
        },
    )
    ET.SubElement(
        event,
        "point",
        {"lat": "0.0", "lon": "0.0", "hae": "0.0", "ce": "9999999.0", "le": "9999999.0"},
    )
    container = ET.SubElement(event, "detail")
    if detail is not None:
        container.append(detail)
    return event


def _support() -> bytes:
    control = ET.Element("TakControl")
    ET.SubElement(control, "TakProtocolSupport", {"version": "1"})
    return bytes(ET.tostring(_control(PROTOCOL_SUPPORT, control), encoding="utf-8"))


def _response(ok: bool) -> ET.Element:
    control = ET.Element("TakControl")
    ET.SubElement(control, "TakResponse", {"status": "true" if ok else "false"})
    return _control(PROTOCOL_RESPONSE, control)


@dataclass
class Stats:
    """Counts since start, for logs and the benchmark."""

    received: int = 0
    refused: int = 0
    stored: int = 0
    duplicates: int = 0
    tracks: int = 0
    sent: int = 0


class CotGateway:
    """The listeners, the connections and the writer; run it with ``start`` in a loop."""

    def __init__(self, database: Database, settings: GatewaySettings) -> None:
        settings.check()
        self.database = database
        self.settings = settings
        self.connections: set[Connection] = set()
        self.stats = Stats()
        self.bound: dict[str, tuple[str, int]] = {}
        self._servers: list[asyncio.Server] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._inbox: asyncio.Queue[tuple[Received, Connection] | None] = asyncio.Queue()
        self._plan: Picture | None = None
        self._picture_lock = asyncio.Lock()
        self._own: set[str] = set()
        self._last_seq = 0
        self._plain_user: UserPublic | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    # --- life ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the listeners and start the writer and the poller."""
        settings = self.settings
        if settings.plain_user:
            self._plain_user = await asyncio.to_thread(
                user_by_name, self.database, settings.plain_user
            )
        self._last_seq = await asyncio.to_thread(self._max_seq)
        if settings.port is not None:
            server = await asyncio.start_server(
                lambda r, w: self._serve(r, w, tls=False), settings.host, settings.port
            )
            self._servers.append(server)
            self.bound["tcp"] = server.sockets[0].getsockname()[:2]
        if settings.tls_port is not None:
            server = await asyncio.start_server(
                lambda r, w: self._serve(r, w, tls=True),
                settings.host,
                settings.tls_port,
                ssl=server_context(settings),
                ssl_handshake_timeout=10,
            )
            self._servers.append(server)
            self.bound["tls"] = server.sockets[0].getsockname()[:2]
        self._tasks = [
            asyncio.create_task(self._write_loop()),
            asyncio.create_task(self._poll_loop()),
        ]

    async def stop(self) -> None:
        """Close the listeners and every connection; stored reports stay stored."""
        for server in self._servers:
            server.close()
        for connection in list(self.connections):
            connection.close()
            connection.writer.close()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=5)
        await self._inbox.put(None)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()

    # --- connections --------------------------------------------------------------------

    async def _identify(
        self, writer: asyncio.StreamWriter, tls: bool, peer: str
    ) -> UserPublic | None:
        if not tls:
            if not plain_peer_allowed(peer.rsplit(":", 1)[0], self.settings.allow_remote):
                log.warning("cot %s: refused, the plain port takes loopback peers only", peer)
                await asyncio.to_thread(self._audit_refusal, peer, "plain port, remote peer")
                return None
            return self._plain_user
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if not der:
            log.warning("cot %s: refused, no client certificate", peer)
            return None
        found = facts_of_der(der)
        user = await asyncio.to_thread(user_for_certificate, self.database, found)
        if user is None:
            log.warning("cot %s: refused, certificate %s maps to no user", peer, found.subject)
            detail = f"certificate {found.subject[:200]} (SHA-256 {found.fingerprint}): no user"
            await asyncio.to_thread(self._audit_refusal, peer, detail)
        return user

    def _audit_refusal(self, peer: str, detail: str) -> None:
        """A refused connection, in the audit trail beside the API's failed logins."""
        with self.database.session(SYSTEM, write=True) as session:
            audit.record(
                session,
                user=None,
                action="auth_failed",
                resource="cot",
                remote=peer,
                ok=False,
                detail=detail,
            )

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, tls: bool
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        address = writer.get_extra_info("peername") or ("?", 0)
        peer = f"{address[0]}:{address[1]}"
        try:
            user = await self._identify(writer, tls, peer)
        except Exception:  # a broken certificate or database must not take the loop down
            log.exception("cot %s: could not identify the client", peer)
            user = None
        if user is None:
            writer.close()
            return
        connection = Connection(
            user=user, peer=peer, writer=writer, max_queue=self.settings.max_queue
        )
        log.info("cot %s: connected as %s", peer, user.name)
        self.connections.add(connection)
        sender = asyncio.create_task(self._send_loop(connection))
        connection.send(_support())
        try:
            await self._send_picture(connection)
            await self._read_loop(reader, connection)
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError) as exc:
            log.info("cot %s: connection lost (%s)", peer, type(exc).__name__)
        finally:
            self.connections.discard(connection)
            connection.close()
            await asyncio.gather(sender, return_exceptions=True)
            writer.close()
            log.info("cot %s: disconnected", peer)

    async def _send_picture(self, connection: Connection) -> None:
        """The current picture, once; a picture that cannot be built is logged, not fatal."""
        try:
            picture = await self.picture()
        except Exception:
            log.exception("cot %s: the picture could not be built", connection.peer)
            return
        for event in picture.visible_to(connection.clearance):
            connection.send_event(Encoded(event))

    async def _send_loop(self, connection: Connection) -> None:
        queue, writer = connection.queue, connection.writer
        try:
            while (data := await queue.get()) is not None:
                chunks = [data]
                while not queue.empty() and len(chunks) < 256:
                    more = queue.get_nowait()
                    if more is None:
                        connection.closed = True
                        break
                    chunks.append(more)
                writer.write(b"".join(chunks))
                await writer.drain()
                self.stats.sent += len(chunks)
                if connection.closed:
                    break
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            connection.closed = True
            writer.close()

    async def _read_loop(self, reader: asyncio.StreamReader, connection: Connection) -> None:
        splitter = StreamSplitter(self.settings.max_event_bytes)
        # read to the end even once sending has stopped: what a client sent is still its report
        while data := await reader.read(_READ):
            for frame in splitter.feed(data):
                if not isinstance(frame, Frame):
                    self._refuse(connection, "-", frame.reason)
                    continue
                self._handle(frame, connection)

    def _refuse(self, connection: Connection, uid: str, reason: str) -> None:
        self.stats.refused += 1
        log.warning(
            "cot %s (%s): event %s refused: %s",
            connection.peer,
            connection.user.name,
            uid[:80],
            reason,
        )

    def _handle(self, frame: Frame, connection: Connection) -> None:
        uid = "-"
        try:
            if frame.kind == "proto":
                connection.proto = True  # a client that speaks protocol 1 is answered in it
                event = from_proto(frame.data)
            else:
                event = parse_event(frame.data)
            uid = event.get("uid", "-")
            text = frame.data.decode("utf-8", "replace") if frame.kind == "xml" else None
            received = receive(event, connection.user, connection.peer, text=text)
        except EventError as exc:
            if uid == "-" and frame.kind == "xml" and (hint := _UID.search(frame.data)):
                uid = hint.group(1).decode("utf-8", "replace")  # named in the log, never used
            self._refuse(connection, uid, str(exc))
            return
        self.stats.received += 1
        for note in received.notes:
            log.info("cot %s (%s): event %s: %s", connection.peer, connection.user.name, uid, note)
        if received.control == PING:
            connection.send(ET.tostring(_control(PONG), encoding="utf-8"))
        elif received.control == PROTOCOL_REQUEST:
            requested = event.find("detail/TakControl/TakRequest")
            ok = requested is not None and requested.get("version") == "1"
            answer = _response(ok)
            connection.send(
                to_proto(answer) if connection.proto else ET.tostring(answer, encoding="utf-8")
            )
            connection.proto = connection.proto or ok
        elif received.incident is not None or received.track is not None:
            self._inbox.put_nowait((received, connection))

    # --- the picture --------------------------------------------------------------------

    async def picture(self) -> Picture:
        """The current picture: the plan's part rebuilt when older than ``picture_max_age_s``,
        recent incidents and tracks read afresh."""
        async with self._picture_lock:
            now = datetime.now(UTC)
            age = timedelta(seconds=self.settings.picture_max_age_s)
            if self._plan is None or now - self._plan.built > age:
                self._plan = await asyncio.to_thread(self._read, plan_events)
            plan = self._plan
        live = await asyncio.to_thread(self._read, live_events)
        return Picture(events=(*plan.events, *live.events), built=live.built)

    def _read(self, part: Callable[[Session, datetime], list[OutEvent]]) -> Picture:
        now = datetime.now(UTC)
        with self.database.session(SYSTEM) as session:
            return Picture(events=tuple(part(session, now)), built=now)

    # --- storing and fan-out ------------------------------------------------------------

    async def _write_loop(self) -> None:
        while (first := await self._inbox.get()) is not None:
            batch = [first]
            while not self._inbox.empty() and len(batch) < self.settings.batch:
                item = self._inbox.get_nowait()
                if item is None:
                    break
                batch.append(item)
            try:
                stored = await asyncio.to_thread(self._store, batch)
            except Exception:  # the database failed: say so, keep serving
                log.exception("cot: storing %d event(s) failed", len(batch))
                continue
            for event, origin in stored:
                self.publish(event, origin)

    def _store(self, batch: list[tuple[Received, Connection]]) -> list[tuple[OutEvent, Connection]]:
        """Store a batch in one transaction; the events to fan out once it has committed."""
        incidents = [(r.incident, c) for r, c in batch if r.incident is not None]
        tracks = [(r.track, c) for r, c in batch if r.track is not None]
        out: list[tuple[OutEvent, Connection]] = []
        now = datetime.now(UTC)
        with self.database.session(SYSTEM, write=True) as session:
            if incidents:
                result = append_incidents(session, [i for i, _ in incidents])
                added = set(result.added)
                for ident in result.conflicts:
                    origin = next(c for i, c in incidents if i.id == ident)
                    self._refuse(origin, ident, "uid already stored with other content")
                seen: set[str] = set()
                by_author: dict[tuple[Connection, Label], list[str]] = {}
                for incident, origin in incidents:
                    if incident.id in added and incident.id not in seen:
                        seen.add(incident.id)
                        out.append((incident_event(incident, now), origin))
                        by_author.setdefault((origin, incident.label), []).append(incident.id)
                for (origin, label), ids in by_author.items():
                    audit.record(
                        session,
                        user=origin.user,
                        action="create",
                        resource="incidents",
                        remote=origin.peer,
                        label=label,
                        ids=ids,
                        detail="TAK gateway",
                    )
                self.stats.stored += len(added)
                self.stats.duplicates += len(result.present)
                self._own.update(added)
            if tracks:
                latest: dict[str, tuple[TrackUpdate, Connection]] = {
                    t.uid: (t, c) for t, c in tracks
                }
                moved: dict[tuple[Connection, Label], list[str]] = {}
                for track, origin in latest.values():
                    _upsert_track(session, track, origin.user.id)
                    moved.setdefault((origin, track.label), []).append(track.uid)
                    out.append((_track_out(track), origin))
                for (origin, label), ids in moved.items():
                    audit.record(
                        session,
                        user=origin.user,
                        action="update",
                        resource="unit_tracks",
                        remote=origin.peer,
                        label=label,
                        ids=ids,
                        detail="TAK position",
                    )
                self.stats.tracks += len(latest)
        return out

    def publish(self, event: OutEvent, origin: Connection | None = None) -> None:
        """Send an event to every connection (but its sender) whose user may read it."""
        encoded = Encoded(event)
        for connection in list(self.connections):
            if connection is not origin and connection.may_read(event.label):
                connection.send_event(encoded)

    def _max_seq(self) -> int:
        with self.database.session(SYSTEM) as session:
            return int(session.execute(select(func.max(IncidentRow.seq))).scalar_one() or 0)

    async def _poll_loop(self) -> None:
        """Fan out reports stored by the API or another process."""
        while True:
            await asyncio.sleep(self.settings.poll_s)
            try:
                rows = await asyncio.to_thread(self._newer, self._last_seq)
            except Exception:
                log.exception("cot: reading new reports failed")
                continue
            now = datetime.now(UTC)
            for seq, ident, content in rows:
                self._last_seq = max(self._last_seq, seq)
                if ident in self._own:  # stored and sent on by this gateway already
                    self._own.discard(ident)
                    continue
                self.publish(incident_event(Incident.model_validate_json(content), now))

    def _newer(self, seq: int) -> list[tuple[int, str, str]]:
        with self.database.session(SYSTEM) as session:
            rows = session.execute(
                select(IncidentRow.seq, IncidentRow.id, IncidentRow.content)
                .where(IncidentRow.seq > seq)
                .order_by(IncidentRow.seq)
                .limit(BATCH)
            ).all()
        return [(s, i, c) for s, i, c in rows]


def _track_out(track: TrackUpdate) -> OutEvent:
    return OutEvent(
        uid=track.uid,
        type=track.cot_type,
        lon=track.lon,
        lat=track.lat,
        label=track.label,
        time=track.time,
        stale=track.stale,
        how="m-g",
        callsign=track.callsign,
    )


def _upsert_track(session: Session, track: TrackUpdate, user_id: int) -> None:
    values = {
        "uid": track.uid,
        "callsign": track.callsign,
        "cot_type": track.cot_type,
        "lon": track.lon,
        "lat": track.lat,
        "time": track.time.replace(tzinfo=None),
        "stale": track.stale.replace(tzinfo=None),
        "user_id": user_id,
        "updated": datetime.now(UTC).replace(tzinfo=None),
        "label_id": label_id(session, track.label),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(UnitTrackRow).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["uid"], set_={k: v for k, v in values.items() if k != "uid"}
        )
    )


class GatewayThread:
    """The gateway on its own event loop in a daemon thread (beside uvicorn's)."""

    def __init__(self, database: Database, settings: GatewaySettings) -> None:
        self.gateway = CotGateway(database, settings)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="peaceforce-cot", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.gateway.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()

    def start(self, timeout: float = 30.0) -> dict[str, tuple[str, int]]:
        """Start and wait until listening; the bound addresses by ``tcp``/``tls``."""
        self._thread.start()
        self._ready.wait(timeout)
        if self._error is not None:
            raise self._error
        return self.gateway.bound

    def stop(self) -> None:
        """Stop the gateway and its loop."""
        if not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self.gateway.stop(), self._loop)
        try:
            future.result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()

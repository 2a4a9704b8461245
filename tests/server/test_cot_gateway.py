"""The TAK gateway end to end, with PyTAK as the client: TLS with client certificates, plain TCP.

One gateway (on SQLite) serves the whole module: a UKR and a RUS liaison and a
coalition monitor connect as ATAK would. Every wait is bounded; silence is
checked only after a later event has arrived on the same stream, so it is not lag.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from configparser import ConfigParser
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytak
import pytest
from sqlalchemy import select

from cot_certs import Issued, TestCa
from peaceforce.labels import Label
from peaceforce.monitoring.agreement.load import parse_agreement
from peaceforce.monitoring.incidents import Incident
from peaceforce.monitoring.store.sql import SqlIncidentStore
from peaceforce.scenario.loader import builtin_scenario_dir, load_scenario
from peaceforce.server.cot.events import OutEvent
from peaceforce.server.cot.framing import Frame, StreamSplitter, from_proto
from peaceforce.server.cot.gateway import GatewaySettings, GatewayThread, plain_peer_allowed
from peaceforce.server.cot.identity import read_certificate, register_certificate
from peaceforce.server.cot.sidc import cot_type
from peaceforce.server.db import Database, migrate, open_database
from peaceforce.server.label_rows import label_id
from peaceforce.server.models import AuditRow, IncidentRow, RunRow, UnitTrackRow, utc_now
from peaceforce.server.records import label_of, store_agreement, store_scenario
from peaceforce.server.users import Role, add_user
from peaceforce.server.visibility import SYSTEM
from peaceforce.sourcing.engine import source_mission

# PyTAK sets OP_NO_TLSv1 and OP_NO_TLSv1_1 on its context, which Python 3.10+ deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:ssl.OP_NO_SSL:DeprecationWarning")
SECRET = b"s" * 48
AGREEMENTS = Path(__file__).parents[2] / "src" / "peaceforce" / "data" / "agreements"
TIMEOUT = 10.0


@dataclass
class World:
    database: Database
    tls: tuple[str, int]
    tcp: tuple[str, int]
    ca: TestCa
    certs: dict[str, Issued]
    sidcs: dict[str, str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("tak")
    database = open_database(str(folder / "peaceforce.db"))
    migrate(database)
    add_user(database, SECRET, "ukr-liaison", nation="UKR", role=Role.LIAISON)
    rus = add_user(database, SECRET, "rus-liaison", nation="RUS", role=Role.LIAISON)
    monitor = add_user(
        database,
        SECRET,
        "monitor-gbr",
        nation="GBR",
        role=Role.MONITOR,
        release=["COALITION", "UKR", "RUS"],
    )
    ca = TestCa(folder / "ca")
    server = ca.issue("localhost", server=True)
    certs = {name: ca.issue(name) for name in ("ukr-liaison", "monitor-gbr", "nobody")}
    certs["rus-liaison"] = ca.issue("RUS delegation device 7")  # mapped by fingerprint only
    register_certificate(database, rus.user.id, read_certificate(certs["rus-liaison"].cert))
    certs["stranger"] = TestCa(folder / "other", "another CA").issue("ukr-liaison")

    scenario = load_scenario(builtin_scenario_dir())
    sourced = source_mission(scenario, "reassurance", "nato", time_limit_s=10, explain=False)
    text = (AGREEMENTS / "ceasefire-2025.yaml").read_text(encoding="utf-8")
    with database.session(SYSTEM, write=True) as session:
        row = store_scenario(session, scenario, None, user_id=None)
        session.add(
            RunRow(
                kind="source",
                scenario_row=row.id,
                settings="{}",
                status="done",
                result=sourced.model_dump_json(),
                run_key=sourced.run_key,
                label_id=label_id(session, sourced.label),
                finished=utc_now(),
            )
        )
        store_agreement(
            session,
            parse_agreement(text, file="ceasefire-2025.yaml"),
            text,
            user_id=monitor.user.id,
        )
    gateway = GatewayThread(
        database,
        GatewaySettings(
            port=0,
            tls_port=0,
            tls_cert=server.cert,
            tls_key=server.key,
            tls_ca=ca.path,
            plain_user="monitor-gbr",
            poll_s=0.2,
        ),
    )
    bound = gateway.start()
    sidcs = {a.unit_type: scenario.unit_type_by_id[a.unit_type].sidc for a in sourced.assignments}
    try:
        yield World(database, bound["tls"], bound["tcp"], ca, certs, sidcs)
    finally:
        gateway.stop()
        database.dispose()


# --- a PyTAK client ---------------------------------------------------------------------------


class Client:
    """A PyTAK connection (``protocol_factory``) that sends with PyTAK's ``TXWorker``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, config: object):
        self.reader, self.writer = reader, writer
        self.tx = pytak.TXWorker(asyncio.Queue(), config, writer)
        self.splitter = StreamSplitter()
        self.events: list[ET.Element] = []
        self.proto_frames = 0

    @classmethod
    async def connect(
        cls, world: World, user: str | None, *, tak_proto: int = 0, plain: bool = False
    ) -> Client:
        config = ConfigParser()
        host, port = world.tcp if plain else world.tls
        settings = {
            "COT_URL": f"{'tcp' if plain else 'tls'}://{host}:{port}",
            "TAK_PROTO": str(tak_proto),
        }
        if not plain and user is not None:
            settings |= {
                "PYTAK_TLS_CLIENT_CERT": str(world.certs[user].cert),
                "PYTAK_TLS_CLIENT_KEY": str(world.certs[user].key),
                "PYTAK_TLS_CLIENT_CAFILE": str(world.ca.path),
                "PYTAK_TLS_SERVER_EXPECTED_HOSTNAME": "localhost",
            }
        config["pytak"] = settings
        reader, writer = await pytak.protocol_factory(config["pytak"])
        return cls(reader, writer, config["pytak"])

    async def send(self, event: ET.Element | bytes) -> None:
        data = event if isinstance(event, bytes) else pytak.serialize_cot(event)
        await self.tx.send_data(data)

    async def until(
        self, found: Callable[[list[ET.Element]], bool], timeout: float = TIMEOUT
    ) -> bool:
        """Read until ``found(events)`` or the timeout; whether it was found."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not found(self.events):
            left = end - loop.time()
            if left <= 0:
                return False
            try:
                data = await asyncio.wait_for(self.reader.read(65536), left)
            except TimeoutError:
                return False
            if not data:
                return found(self.events)
            for frame in self.splitter.feed(data):
                if isinstance(frame, Frame):
                    if frame.kind == "proto":
                        self.proto_frames += 1
                        self.events.append(from_proto(frame.data))
                    else:
                        self.events.append(ET.fromstring(frame.data))
        return True

    def uids(self) -> list[str]:
        return [e.get("uid", "") for e in self.events]

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await self.writer.wait_closed()


def report(uid: str, *, kind: str = "a-h-G-E-W-H", **attributes: str) -> ET.Element:
    """A spot report as PyTAK builds events: a hostile howitzer seen near Zaporizhzhia."""
    detail = pytak.cot_detail()
    ET.SubElement(detail, "remarks").text = f"report {uid}"
    return pytak.cot_event(
        lat=47.6,
        lon=35.4,
        ce=50,
        le=50,
        hae=0,
        uid=uid,
        stale=600,
        cot_type=kind,
        how="h-g-i-g-o",
        detail=detail,
        extra_attrs=attributes,
    )


def has(*uids: str) -> Callable[[list[ET.Element]], bool]:
    return lambda events: set(uids) <= {e.get("uid") for e in events}


def stored(world: World, uid: str) -> tuple[Incident, Label] | None:
    with world.database.session(SYSTEM) as session:
        row = session.execute(
            select(IncidentRow.content, IncidentRow.label_id).where(IncidentRow.id == uid)
        ).first()
        return (
            None
            if row is None
            else (Incident.model_validate_json(row[0]), label_of(session, row[1]))
        )


async def stored_soon(world: World, uid: str) -> bool:
    """Whether a report is stored within the timeout (the writer commits in batches)."""
    for _ in range(int(TIMEOUT / 0.05)):
        if await asyncio.to_thread(stored, world, uid) is not None:
            return True
        await asyncio.sleep(0.05)
    return False


def run(coroutine: object) -> None:
    asyncio.run(coroutine)  # type: ignore[arg-type]


# --- tests ------------------------------------------------------------------------------------


def test_the_picture_on_connect_has_the_laydown_with_types_from_the_sidcs(world: World) -> None:
    async def scenario() -> None:
        monitor = await Client.connect(world, "monitor-gbr")
        assert await monitor.until(lambda es: sum(e.get("type") == "u-d-f" for e in es) >= 5)
        units = [e for e in monitor.events if e.get("uid", "").startswith("peaceforce.unit.")]
        assert len(units) >= 10
        for unit in units:
            unit_type = unit.find("detail/contact").get("callsign").split()[1]
            assert unit.get("type") == cot_type(world.sidcs[unit_type])
            assert unit.get("how") == "h-e"
            assert unit.get("releasableTo") == "COALITION"
            start = datetime.fromisoformat(unit.get("start").replace("Z", "+00:00"))
            stale = datetime.fromisoformat(unit.get("stale").replace("Z", "+00:00"))
            assert (stale - start).total_seconds() == pytest.approx(86400, abs=1)
        shapes = [e for e in monitor.events if e.get("type") == "u-d-f"]
        assert all(2 <= len(s.findall("detail/link")) <= 151 for s in shapes)
        assert any("line-of-contact" in s.get("uid", "") for s in shapes)
        rus = await Client.connect(world, "rus-liaison")
        assert await rus.until(lambda es: any(e.get("type") == "t-x-takp-v" for e in es))
        await asyncio.sleep(0.5)
        await rus.until(lambda es: False, timeout=0.5)
        # the laydown is released to the coalition only; the agreement to its parties too
        assert not [u for u in rus.uids() if u.startswith("peaceforce.unit.")]
        zones = [e for e in rus.events if e.get("uid", "").startswith("peaceforce.zone.")]
        assert zones and all("RUS" in z.get("releasableTo", "").split() for z in zones)
        await monitor.close()
        await rus.close()

    run(scenario())


def test_each_party_sees_only_its_releases(world: World) -> None:
    async def scenario() -> None:
        ukr = await Client.connect(world, "ukr-liaison")
        rus = await Client.connect(world, "rus-liaison")
        monitor = await Client.connect(world, "monitor-gbr")
        for client in (ukr, rus, monitor):
            assert await client.until(lambda es: any(e.get("type") == "t-x-takp-v" for e in es))
        await monitor.send(report("rel-ukr-only", releasableTo="UKR"))
        await monitor.send(report("rel-everyone"))
        assert await ukr.until(has("rel-ukr-only", "rel-everyone"))
        assert await rus.until(has("rel-everyone"))  # so the silence below is not lag
        await rus.until(lambda es: False, timeout=0.5)
        assert "rel-ukr-only" not in rus.uids()
        ukr_only = next(e for e in ukr.events if e.get("uid") == "rel-ukr-only")
        assert ukr_only.get("releasableTo") == "UKR"
        assert "rel-ukr-only" not in monitor.uids()  # a sender does not get its own back
        for client in (ukr, rus, monitor):
            await client.close()

    run(scenario())
    kept = stored(world, "rel-ukr-only")
    assert kept is not None
    assert kept[1].releasable_to == {"UKR"}
    assert kept[0].weapon_class is not None and kept[0].type.value == "weapons_sighting"
    everyone = stored(world, "rel-everyone")
    assert everyone is not None and everyone[1].releasable_to == {"GBR", "COALITION", "UKR", "RUS"}


def test_a_client_cannot_widen_a_label(world: World) -> None:
    async def scenario() -> None:
        ukr = await Client.connect(world, "ukr-liaison")
        rus = await Client.connect(world, "rus-liaison")
        await ukr.send(report("widen-1", releasableTo="UKR RUS COALITION"))
        await ukr.send(report("widen-2", releaseableTo="RUS"))  # nothing left: refused
        await ukr.send(report("widen-3", access="SECRET"))  # above the liaison's clearance
        await ukr.send(report("after-widening"))
        assert await stored_soon(world, "after-widening")
        assert await rus.until(lambda es: any(e.get("type") == "t-x-takp-v" for e in es))
        await rus.until(lambda es: False, timeout=0.3)
        assert "widen-1" not in rus.uids()
        for client in (ukr, rus):
            await client.close()

    run(scenario())
    widened = stored(world, "widen-1")
    assert widened is not None and widened[1].releasable_to == {"UKR"}
    assert widened[0].source.value == "party_complaint"
    assert stored(world, "widen-2") is None
    assert stored(world, "widen-3") is None
    assert stored(world, "after-widening") is not None


def test_a_client_without_a_valid_certificate_is_refused(world: World) -> None:
    host, port = world.tls
    context = ssl.create_default_context(cafile=str(world.ca.path))
    context.check_hostname = False

    def answer(context: ssl.SSLContext) -> bytes:
        with socket.create_connection((host, port), timeout=5) as raw:
            try:
                with context.wrap_socket(raw, server_hostname="localhost") as tls:
                    tls.sendall(b"<event/>")
                    return tls.recv(1024)
            except (ssl.SSLError, ConnectionError):
                return b""

    assert answer(context) == b""  # no certificate at all
    for name in ("stranger", "nobody"):  # another CA; this CA but no such user
        issued = world.certs[name]
        with_cert = ssl.create_default_context(cafile=str(world.ca.path))
        with_cert.check_hostname = False
        with_cert.load_cert_chain(issued.cert, issued.key)
        assert answer(with_cert) == b"", name
    with world.database.session(SYSTEM) as session:
        refused = session.scalars(
            select(AuditRow).where(AuditRow.resource == "cot", AuditRow.action == "auth_failed")
        ).all()
    assert any("CN=nobody" in row.detail and "no user" in row.detail for row in refused)


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b'<event version="2.0" uid="bomb" type="a-h-G-E-W-H" time="2026-03-01T12:00:00Z" '
    b'start="2026-03-01T12:00:00Z" stale="2026-03-01T13:00:00Z" how="h-g-i-g-o">'
    b'<point lat="47.6" lon="35.4" hae="0" ce="9" le="9"/>'
    b"<detail><remarks>&c;</remarks></detail></event>"
)
EXTERNAL = BOMB.replace(
    b'<!ENTITY a "aaaaaaaaaa">', b'<!ENTITY a SYSTEM "file:///etc/passwd">'
).replace(b'uid="bomb"', b'uid="external"')


def test_bad_events_are_logged_and_the_connection_keeps_working(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="peaceforce.server.cot.gateway")

    async def scenario() -> None:
        monitor = await Client.connect(world, "monitor-gbr")
        good = pytak.serialize_cot(report("after-bad-ones"))
        await monitor.send(BOMB + b"\x01\x02garbage" + EXTERNAL)
        await monitor.send(b'<event version="2.0" type="a-h-G"><point/></event>')
        await monitor.send(pytak.serialize_cot(report("no-incident", kind="a-n-G")))
        await monitor.send(good[:40])  # the good event split across segments
        await asyncio.sleep(0.05)
        await monitor.send(good[40:] + good)  # and repeated: idempotent by uid
        assert await stored_soon(world, "after-bad-ones")
        await monitor.close()

    run(scenario())
    assert stored(world, "after-bad-ones") is not None
    assert stored(world, "bomb") is None and stored(world, "external") is None
    assert stored(world, "no-incident") is None
    text = caplog.text
    assert "event bomb refused: refused XML" in text
    assert "event external refused: refused XML" in text
    assert "neither an XML event nor TAK protocol 1" in text
    assert "@uid: missing" in text
    assert "event no-incident refused" in text and "an incident" in text


def test_tak_protocol_1_round_trip_with_pytak(world: World) -> None:
    async def scenario() -> None:
        proto_client = await Client.connect(world, "ukr-liaison", tak_proto=1)
        monitor = await Client.connect(world, "monitor-gbr")
        assert await monitor.until(lambda es: any(e.get("type") == "t-x-takp-v" for e in es))
        await proto_client.send(report("sent-as-protobuf"))
        assert await monitor.until(has("sent-as-protobuf"))
        await monitor.send(report("back-to-protobuf", releasableTo="UKR"))
        assert await proto_client.until(has("back-to-protobuf"))
        assert proto_client.proto_frames >= 1
        back = next(e for e in proto_client.events if e.get("uid") == "back-to-protobuf")
        assert back.get("type") == "a-u-G-E-W-H"
        assert back.find("detail/__label").get("releasableTo") == "UKR"
        # negotiation as ATAK does it: ask for version 1, get the answer
        xml_client = await Client.connect(world, "rus-liaison")
        ask = ET.fromstring(pytak.serialize_cot(report("ask", kind="t-x-takp-q")))
        ET.SubElement(ET.SubElement(ask.find("detail"), "TakControl"), "TakRequest", version="1")
        await xml_client.send(ask)
        assert await xml_client.until(lambda es: any(e.get("type") == "t-x-takp-r" for e in es))
        answer = next(e for e in xml_client.events if e.get("type") == "t-x-takp-r")
        assert answer.find("detail/TakControl/TakResponse").get("status") == "true"
        for client in (proto_client, monitor, xml_client):
            await client.close()

    run(scenario())
    kept = stored(world, "sent-as-protobuf")
    assert kept is not None and kept[1].releasable_to == {"UKR"}


def test_a_position_report_updates_the_unit_track_and_is_audited(world: World) -> None:
    async def scenario() -> None:
        monitor = await Client.connect(world, "monitor-gbr", plain=True)
        ukr = await Client.connect(world, "ukr-liaison")
        assert await ukr.until(lambda es: any(e.get("type") == "t-x-takp-v" for e in es))
        position = pytak.cot_event(
            lat=48.46,
            lon=35.04,
            uid="ANDROID-gbr-patrol-1",
            cot_type="a-f-G-U-C",
            callsign="GBR PATROL 1",
            stale=300,
        )
        await monitor.send(position)
        assert await ukr.until(has("ANDROID-gbr-patrol-1"))
        party = pytak.cot_event(lat=48.5, lon=35.1, uid="ANDROID-ukr-lo", cot_type="a-f-G-U-C")
        await ukr.send(party)  # a party's device: no coalition unit, not tracked
        await ukr.send(report("after-party-position"))
        assert await stored_soon(world, "after-party-position")
        await monitor.close()
        await ukr.close()

    run(scenario())
    with world.database.session(SYSTEM) as session:
        assert session.get(UnitTrackRow, "ANDROID-ukr-lo") is None
        track = session.get(UnitTrackRow, "ANDROID-gbr-patrol-1")
        assert track is not None and track.callsign == "GBR PATROL 1"
        assert (track.lon, track.lat) == pytest.approx((35.04, 48.46))
        audited = session.scalars(select(AuditRow).where(AuditRow.resource == "unit_tracks")).all()
        assert any("ANDROID-gbr-patrol-1" in json.loads(a.record or "[]") for a in audited)


def test_reports_stored_through_the_api_reach_tak_clients(world: World) -> None:
    async def scenario() -> None:
        ukr = await Client.connect(world, "ukr-liaison")
        assert await ukr.until(lambda es: any(e.get("type") == "t-x-takp-v" for e in es))
        incident = Incident.model_validate(
            {
                "id": "from-the-api",
                "time": datetime.now(UTC).isoformat(),
                "lon": 37.8,
                "lat": 48.0,
                "type": "artillery",
                "source": "uav",
                "label": {"classification": "UNCLASSIFIED", "releasable_to": ["UKR"]},
            }
        )
        await asyncio.to_thread(SqlIncidentStore(world.database).append, [incident])
        assert await ukr.until(has("from-the-api"))
        await ukr.close()
        # a device connecting later finds it in its picture, sent once
        later = await Client.connect(world, "ukr-liaison")
        assert await later.until(has("from-the-api"))
        await later.until(lambda es: False, timeout=1.5)  # past the next poll
        assert later.uids().count("from-the-api") == 1
        rus = await Client.connect(world, "rus-liaison")
        assert await rus.until(lambda es: any(e.get("type") == "t-x-takp-v" for e in es))
        await rus.until(lambda es: False, timeout=0.5)
        assert "from-the-api" not in rus.uids()
        for client in (later, rus):
            await client.close()

    run(scenario())


def test_the_plain_port_takes_loopback_peers_unless_told_otherwise() -> None:
    assert plain_peer_allowed("127.0.0.1", allow_remote=False)
    assert plain_peer_allowed("::1", allow_remote=False)
    assert not plain_peer_allowed("192.0.2.7", allow_remote=False)
    assert plain_peer_allowed("192.0.2.7", allow_remote=True)


def test_picture_events_carry_their_label() -> None:
    label = Label.model_validate(
        {"classification": "RESTRICTED", "releasable_to": ["UKR"], "caveats": ["OBS"]}
    )
    now = datetime.now(UTC)
    element = OutEvent(
        uid="x", type="a-f-G", lon=1, lat=2, label=label, time=now, stale=now
    ).element()
    assert element.get("access") == "RESTRICTED"
    assert element.get("caveat") == "OBS"
    assert element.get("releasableTo") == "UKR"

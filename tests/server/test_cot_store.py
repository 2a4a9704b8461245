"""The gateway stores reports and tracks on both backends; tracks are filtered like any record."""

from __future__ import annotations

import asyncio
import contextlib
from configparser import ConfigParser

import pytak
from sqlalchemy import select

from peaceforce.labels import Classification, Clearance
from peaceforce.server.cot.gateway import GatewaySettings, GatewayThread
from peaceforce.server.db import Database
from peaceforce.server.models import IncidentRow, UnitTrackRow
from peaceforce.server.users import Role, add_user
from peaceforce.server.visibility import SYSTEM


def _both_stored(database: Database) -> bool:
    with database.session(SYSTEM) as session:
        report = session.execute(select(IncidentRow.id).where(IncidentRow.id == "spot-1")).first()
        return report is not None and session.get(UnitTrackRow, "gbr-ugv-3") is not None


async def _send(host: str, port: int, database: Database) -> bool:
    """Send a position and a report, staying connected until both are stored (or 10 s)."""
    config = ConfigParser()
    config["pytak"] = {"COT_URL": f"tcp://{host}:{port}"}
    _, writer = await pytak.protocol_factory(config["pytak"])
    tx = pytak.TXWorker(asyncio.Queue(), config["pytak"], writer)
    position = pytak.cot_event(lat=47.8, lon=35.2, uid="gbr-ugv-3", cot_type="a-f-G-U-C")
    spot = pytak.cot_event(lat=47.6, lon=35.4, uid="spot-1", cot_type="a-h-G-E-W-Z")
    for event in (position, spot):
        await tx.send_data(pytak.serialize_cot(event))
    stored = False
    for _ in range(200):
        if stored := await asyncio.to_thread(_both_stored, database):
            break
        await asyncio.sleep(0.05)
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    return stored


def test_reports_and_tracks_are_stored_and_tracks_filtered(database: Database) -> None:
    add_user(database, b"k" * 48, "plain-monitor", nation="GBR", role=Role.MONITOR)
    gateway = GatewayThread(database, GatewaySettings(port=0, plain_user="plain-monitor"))
    host, port = gateway.start()["tcp"]
    try:
        assert asyncio.run(_send(host, port, database))
    finally:
        gateway.stop()
    with database.session(SYSTEM) as session:
        assert session.execute(select(IncidentRow.id)).scalars().all() == ["spot-1"]
        assert session.get(UnitTrackRow, "gbr-ugv-3") is not None
    party = Clearance(classification=Classification.SECRET, releasable=frozenset({"UKR"}))
    with database.session(party) as session:  # released to GBR and COALITION only
        assert session.execute(select(UnitTrackRow.uid)).scalars().all() == []
    coalition = Clearance(
        classification=Classification.UNCLASSIFIED, releasable=frozenset({"COALITION"})
    )
    with database.session(coalition) as session:
        assert session.execute(select(UnitTrackRow.uid)).scalars().all() == ["gbr-ugv-3"]

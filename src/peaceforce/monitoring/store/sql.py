"""The incident store in the server's database (SQLite or PostgreSQL), behind the same protocol.

- **Durable.** ``append`` returns after its transaction has committed (SQLite
  ``synchronous=FULL``, PostgreSQL's default ``synchronous_commit``): whatever it
  acknowledged survives ``kill -9`` and a restart, and a batch cut short leaves
  nothing, since a transaction is all or nothing.
- **Idempotent by id.** The batch is judged against every stored report, whoever
  may read it: a repeat is *present*, other content under a known id a
  *conflict*, never stored. Appends are serialised (SQLite's write lock, a
  PostgreSQL advisory lock), so two importers never both add one id.
- **Filtered by label.** Reads go through a session for a reader: they return
  only what that reader may read (``peaceforce.server.visibility``); the
  command line reads as the system, which sees everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import shapely
from sqlalchemy import ColumnElement, Table, func, insert, select, text
from sqlalchemy.orm import Session

from peaceforce.monitoring.incidents import Incident
from peaceforce.monitoring.store.protocol import AppendResult, IncidentQuery, sort_batch
from peaceforce.server.db import Database, open_database
from peaceforce.server.label_rows import label_id
from peaceforce.server.models import IncidentRow
from peaceforce.server.visibility import SYSTEM, Reader

#: The incidents table itself, for Core inserts without ORM bookkeeping.
INCIDENTS: Table = IncidentRow.__table__  # type: ignore[assignment]
#: Ids looked up per query when checking a batch (well under every driver's parameter limit).
_LOOKUP_CHUNK = 900
#: Key of the PostgreSQL advisory lock that serialises appends.
_APPEND_LOCK = 0x70656163  # "peac"


def _naive_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def incident_criteria(query: IncidentQuery | None) -> list[ColumnElement[bool]]:
    """SQL criteria for a query: times and types exactly, an area by its bounding box."""
    if query is None:
        return []
    criteria: list[ColumnElement[bool]] = []
    if query.start is not None:
        criteria.append(IncidentRow.time >= _naive_utc(query.start))
    if query.end is not None:
        criteria.append(IncidentRow.time < _naive_utc(query.end))
    if query.types is not None:
        criteria.append(IncidentRow.type.in_(sorted(t.value for t in query.types)))
    if query.area is not None:
        west, south, east, north = query.area.bounds
        criteria.extend(
            [
                IncidentRow.lon >= west,
                IncidentRow.lon <= east,
                IncidentRow.lat >= south,
                IncidentRow.lat <= north,
            ]
        )
    return criteria


def is_box(query: IncidentQuery | None) -> bool:
    """Whether the query's area (if any) is its own bounding box, so SQL decides it exactly."""
    if query is None or query.area is None:
        return True
    return bool(query.area.equals(shapely.box(*query.area.bounds)))


def append_incidents(session: Session, incidents: Sequence[Incident]) -> AppendResult:
    """Add a batch in ``session``'s transaction (a SYSTEM writer's); durable once it commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
    held = _held(session, {incident.id for incident in incidents})
    new, result = sort_batch(incidents, held.get)
    labels = {label: label_id(session, label) for label in {i.label for i in new}}
    if new:
        session.connection().execute(
            insert(INCIDENTS),  # Core: no ORM bookkeeping for 10,000 rows
            [
                {
                    "id": incident.id,
                    "time": _naive_utc(incident.time),
                    "lon": incident.lon,
                    "lat": incident.lat,
                    "type": incident.type.value,
                    "source": incident.source.value,
                    "attributed_to": incident.attributed_to,
                    "observation": incident.observation,
                    "content": incident.model_dump_json(),
                    "label_id": labels[incident.label],
                }
                for incident in new
            ],
        )
    return result


def _held(session: Session, ids: Iterable[str]) -> dict[str, Incident]:
    """The stored incidents among ``ids``."""
    wanted = sorted(ids)
    held: dict[str, Incident] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        for ident, content in session.execute(
            select(IncidentRow.id, IncidentRow.content).where(IncidentRow.id.in_(chunk))
        ):
            held[ident] = Incident.model_validate_json(content)
    return held


class SqlIncidentStore:
    """``IncidentStore`` in a SQLite or PostgreSQL database (see the module docstring)."""

    def __init__(self, database: Database | str, reader: Reader = SYSTEM) -> None:
        self.database = open_database(database) if isinstance(database, str) else database
        self.reader = reader

    @property
    def location(self) -> str:
        """The database URL without its password."""
        return self.database.location

    def __repr__(self) -> str:
        return f"SqlIncidentStore({self.location!r})"

    def append(self, incidents: Sequence[Incident]) -> AppendResult:
        """Add a batch idempotently by id; committed when this returns."""
        with self.database.session(SYSTEM, write=True) as session:
            return append_incidents(session, incidents)

    def get(self, incident_id: str) -> Incident | None:
        """The report with this id, if held and readable."""
        with self.database.session(self.reader) as session:
            content = session.execute(
                select(IncidentRow.content).where(IncidentRow.id == incident_id)
            ).scalar_one_or_none()
        return None if content is None else Incident.model_validate_json(content)

    def query(self, query: IncidentQuery | None = None) -> tuple[Incident, ...]:
        """The readable reports that match, in the order accepted."""
        with self.database.session(self.reader) as session:
            contents = session.execute(
                select(IncidentRow.content)
                .where(*incident_criteria(query))
                .order_by(IncidentRow.seq)
            ).scalars()
            incidents = tuple(Incident.model_validate_json(c) for c in contents)
        return incidents if is_box(query) or query is None else query.select(incidents)

    def count(self, query: IncidentQuery | None = None) -> int:
        """How many readable reports match."""
        if not is_box(query):
            return len(self.query(query))
        with self.database.session(self.reader) as session:
            return session.execute(
                select(func.count()).select_from(IncidentRow).where(*incident_criteria(query))
            ).scalar_one()

"""The server's tables, as SQLAlchemy 2 ORM classes.

Every stored record that someone might not be allowed to read is ``Labelled``:
it points at a row of ``labels``, whose releasability and caveats live in
child tables (``label_releasable``, ``label_caveats``) so one SQL predicate can
decide visibility (``peaceforce.server.visibility``). Labels are stored once per
distinct content (a digest), so 100,000 reports under one marking share a row.

Times are stored as naive UTC (the same on SQLite and PostgreSQL); documents
(a scenario, an incident, a result) are stored whole as JSON text beside the
columns queries filter on.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

#: Integer primary keys: 64-bit on PostgreSQL, SQLite's rowid alias there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utc_now() -> datetime:
    """Now, as stored: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Base of every table."""


class LabelRow(Base):
    """One distinct label (``peaceforce.labels.Label``), stored once by its content digest."""

    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    policy: Mapped[str] = mapped_column(String(64))
    classification: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int] = mapped_column(Integer, doc="Classification.rank: SQL compares it")
    content: Mapped[str] = mapped_column(Text, doc="the label as JSON")
    __table_args__ = (Index("ix_labels_policy_rank", "policy", "rank", "id"),)


class LabelReleasable(Base):
    """A token a label is releasable to: a reader needs at least one."""

    __tablename__ = "label_releasable"

    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    __table_args__ = (Index("ix_label_releasable_token", "token", "label_id"),)


class LabelCaveat(Base):
    """A caveat of a label: a reader needs every one."""

    __tablename__ = "label_caveats"

    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), primary_key=True)


class Labelled:
    """Mixin of every table whose rows carry a label; the visibility rule applies to them all."""

    @declared_attr
    def label_id(cls) -> Mapped[int]:  # noqa: N805 (SQLAlchemy passes the class)
        return mapped_column(ForeignKey("labels.id"), index=True)


class UserRow(Base):
    """A person with an API token: nation, role, clearance, release tokens."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    nation: Mapped[str] = mapped_column(String(3))
    role: Mapped[str] = mapped_column(String(16))
    clearance: Mapped[str] = mapped_column(String(16))
    releasable: Mapped[str] = mapped_column(Text, doc="JSON list of release tokens")
    caveats: Mapped[str] = mapped_column(Text, default="[]", doc="JSON list of caveats held")
    created: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    revoked: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class TokenRow(Base):
    """An API token, stored as an HMAC of the token under the server secret, never in clear."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    revoked: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ScenarioRow(Labelled, Base):
    """One version of a scenario (a new version on every update)."""

    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(256))
    content: Mapped[str] = mapped_column(Text, doc="the Scenario as JSON")
    files: Mapped[str | None] = mapped_column(
        Text, nullable=True, doc="the folder's files as JSON {name: text}, when given as files"
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    __table_args__ = (UniqueConstraint("scenario_id", "version"),)


class RunRow(Labelled, Base):
    """A run of a stage on a scenario version: queued, running, done or failed."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    scenario_row: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    settings: Mapped[str] = mapped_column(Text, doc="the request as JSON")
    status: Mapped[str] = mapped_column(String(16), index=True)
    progress: Mapped[str] = mapped_column(Text, default="")
    run_key: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True, doc="the result as JSON")
    problems: Mapped[str | None] = mapped_column(Text, nullable=True, doc="why it failed")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    finished: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AgreementRow(Labelled, Base):
    """A ceasefire agreement, as the YAML text it was written in."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime, default=utc_now)


class IncidentRow(Labelled, Base):
    """One accepted report; ``seq`` is the order accepted, ``id`` the reporter's stable id."""

    __tablename__ = "incidents"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True)
    id: Mapped[str] = mapped_column(String(256), unique=True)
    time: Mapped[datetime] = mapped_column(DateTime, index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    type: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    attributed_to: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    observation: Mapped[str | None] = mapped_column(
        String(16), nullable=True, doc="seen, heard, ...; NULL: not stated (migration 0006)"
    )
    content: Mapped[str] = mapped_column(Text, doc="the Incident as JSON")
    # covering indexes of the read paths (migration 0004): a page and its count never read rows
    __table_args__ = (
        Index("ix_incidents_type_lon_lat_cover", "type", "lon", "lat", "label_id", "seq"),
        Index("ix_incidents_lon_lat_cover", "lon", "lat", "label_id", "seq"),
        Index("ix_incidents_time_cover", "time", "type", "label_id", "seq"),
    )


class AdjudicationRow(Labelled, Base):
    """An adjudication of stored reports against an agreement, by its run key."""

    __tablename__ = "adjudications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_key: Mapped[str] = mapped_column(String(16), unique=True)
    agreement_id: Mapped[str] = mapped_column(String(128), index=True)
    day: Mapped[str] = mapped_column(String(10), doc="the report's date, YYYY-MM-DD")
    content: Mapped[str] = mapped_column(Text, doc="the Adjudication as JSON")
    created: Mapped[datetime] = mapped_column(DateTime, default=utc_now)


class BreachRow(Base):
    """A clause an adjudication found an incident breaching: what ``?clause=`` filters on."""

    __tablename__ = "breaches"

    adjudication_id: Mapped[int] = mapped_column(ForeignKey("adjudications.id"), primary_key=True)
    incident_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    clause: Mapped[str] = mapped_column(String(128), primary_key=True)
    __table_args__ = (Index("ix_breaches_clause", "clause", "incident_id"),)


class DailyReportRow(Labelled, Base):
    """A published daily report, by its run key."""

    __tablename__ = "daily_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_key: Mapped[str] = mapped_column(String(16), unique=True)
    agreement_id: Mapped[str] = mapped_column(String(128), index=True)
    day: Mapped[str] = mapped_column(String(10), index=True)
    content: Mapped[str] = mapped_column(Text, doc="the DailyReport as JSON")
    html: Mapped[str] = mapped_column(Text, doc="the report as a self-contained page")
    created: Mapped[datetime] = mapped_column(DateTime, default=utc_now)


class AuditRow(Labelled, Base):
    """One audited event; append-only (triggers refuse UPDATE and DELETE).

    Its label is the label of the record touched (so the audit is itself filtered),
    UNCLASSIFIED releasable to COALITION for events about no record.
    """

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    user_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    action: Mapped[str] = mapped_column(String(32), doc="create, update, read, auth_failed, ...")
    resource: Mapped[str] = mapped_column(String(64))
    record: Mapped[str | None] = mapped_column(Text, nullable=True, doc="record id(s)")
    remote: Mapped[str | None] = mapped_column(String(64), nullable=True, doc="client address")
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class CertificateRow(Base):
    """A client certificate registered to a user (``user add --cert``), by its SHA-256."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True, doc="SHA-256 of the DER, hex")
    subject: Mapped[str] = mapped_column(Text, doc="the certificate's subject, RFC 4514")
    not_after: Mapped[datetime] = mapped_column(DateTime)
    created: Mapped[datetime] = mapped_column(DateTime, default=utc_now)
    revoked: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class UnitTrackRow(Labelled, Base):
    """The last position a coalition unit's TAK device reported, by its CoT uid."""

    __tablename__ = "unit_tracks"

    uid: Mapped[str] = mapped_column(String(256), primary_key=True)
    callsign: Mapped[str | None] = mapped_column(String(256), nullable=True)
    cot_type: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    time: Mapped[datetime] = mapped_column(DateTime, doc="when the device reported it (UTC)")
    stale: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated: Mapped[datetime] = mapped_column(DateTime, default=utc_now, index=True)


#: Every labelled table: the visibility rule is attached to reads of each.
LABELLED: tuple[type[Labelled], ...] = (
    ScenarioRow,
    RunRow,
    AgreementRow,
    IncidentRow,
    AdjudicationRow,
    DailyReportRow,
    AuditRow,
    UnitTrackRow,
)

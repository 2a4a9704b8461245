"""The SQL visibility predicate agrees with ``peaceforce.labels.may_read`` on random cases.

Random readers, labels and records (hypothesis): for every reader, what an ORM
read returns — a list, a count, a lookup by id, a join — is exactly the set
of records the pure-Python oracle allows, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from peaceforce.labels import DEFAULT_POLICY, Classification, Clearance, Label, may_read
from peaceforce.monitoring.incidents import Incident
from peaceforce.monitoring.store.sql import SqlIncidentStore
from peaceforce.server.db import Database
from peaceforce.server.models import AuditRow, IncidentRow
from peaceforce.server.visibility import SYSTEM

TOKENS = ["COALITION", "GBR", "FRA", "UKR", "RUS", "NATO"]
CAVEATS = ["EYES_ONLY", "MONITORS", "NOFORN"]
POLICIES = [DEFAULT_POLICY, "OTHER"]
_counter = itertools.count()

labels = st.builds(
    Label,
    policy=st.sampled_from(POLICIES),
    classification=st.sampled_from(list(Classification)),
    releasable_to=st.frozensets(st.sampled_from(TOKENS), max_size=3),
    caveats=st.frozensets(st.sampled_from(CAVEATS), max_size=2),
)
readers = st.builds(
    Clearance,
    policies=st.frozensets(st.sampled_from(POLICIES), min_size=1, max_size=2),
    classification=st.sampled_from(list(Classification)),
    releasable=st.frozensets(st.sampled_from(TOKENS), max_size=3),
    caveats=st.frozensets(st.sampled_from(CAVEATS), max_size=3),
)


def incident(ident: str, label: Label) -> Incident:
    """A report at a fixed place and time: only its id and label matter here."""
    return Incident(
        id=ident,
        time="2025-04-05T10:00:00Z",
        lon=37.0,
        lat=48.0,
        type="explosion",
        source="patrol",
        label=label,
    )


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    records=st.lists(labels, min_size=1, max_size=8),
    users=st.lists(readers, min_size=1, max_size=4),
)
def test_every_read_returns_exactly_what_the_oracle_allows(
    database: Database, records: list[Label], users: list[Clearance]
) -> None:
    prefix = f"case{next(_counter)}-"
    batch = [incident(f"{prefix}{n}", label) for n, label in enumerate(records)]
    SqlIncidentStore(database).append(batch)
    for reader in users:
        allowed = {i.id for i in batch if may_read(reader, i.label)}
        store = SqlIncidentStore(database, reader)
        listed = {i.id for i in store.query() if i.id.startswith(prefix)}
        assert listed == allowed
        assert {i.id for i in batch if store.get(i.id) is not None} == allowed
        with database.session(reader) as session:
            counted = session.execute(
                select(func.count())
                .select_from(IncidentRow)
                .where(IncidentRow.id.startswith(prefix))
            ).scalar_one()
            joined = session.execute(
                select(IncidentRow.id)
                .join(AuditRow, AuditRow.label_id == IncidentRow.label_id, isouter=True)
                .where(IncidentRow.id.startswith(prefix))
            ).scalars()
            assert counted == len(allowed)
            assert set(joined) == allowed


def test_a_session_that_names_no_reader_sees_nothing(database: Database) -> None:
    label = Label(classification=Classification.UNCLASSIFIED, releasable_to=frozenset(TOKENS))
    SqlIncidentStore(database).append([incident("open", label)])
    with database.session(None) as session:  # type: ignore[arg-type]
        assert session.execute(select(IncidentRow.id)).all() == []
    with database.session(SYSTEM) as session:
        assert session.execute(select(IncidentRow.id)).scalars().all() == ["open"]


def test_postgresql_row_level_security_filters_sql_that_escapes_the_orm(
    database: Database,
) -> None:
    """The second layer: raw SQL, which the ORM's criteria never see, is filtered too."""
    if database.is_sqlite:
        return  # SQLite has no row-level security: the ORM's predicate is the only layer
    labels = {
        "gbr": Label(classification=Classification.RESTRICTED, releasable_to=frozenset({"GBR"})),
        "ukr": Label(classification=Classification.RESTRICTED, releasable_to=frozenset({"UKR"})),
        "secret": Label(classification=Classification.SECRET, releasable_to=frozenset({"GBR"})),
    }
    SqlIncidentStore(database).append([incident(k, v) for k, v in labels.items()])
    reader = Clearance(classification=Classification.RESTRICTED, releasable=frozenset({"GBR"}))
    with database.session(reader) as session:
        raw = session.connection().exec_driver_sql("SELECT id FROM incidents").scalars().all()
    assert raw == ["gbr"]
    with database.session(SYSTEM) as session:
        everything = session.connection().exec_driver_sql("SELECT id FROM incidents ORDER BY id")
        assert everything.scalars().all() == ["gbr", "secret", "ukr"]

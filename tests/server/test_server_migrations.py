"""Migrations: an empty database and one at the previous revision both reach the head."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_databases import BACKENDS, drop_database, make_database_url
from sqlalchemy import inspect, text

from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL
from peaceforce.monitoring.store.sql import SqlIncidentStore
from peaceforce.server.db import current_revision, head_revision, migrate, open_database
from peaceforce.server.label_rows import label_id
from peaceforce.server.models import Base
from peaceforce.server.visibility import SYSTEM


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_upgrade_an_empty_database_and_the_previous_revision(
    backend: str, tmp_path: Path
) -> None:
    url, name = make_database_url(backend, tmp_path)
    database = open_database(url)
    try:
        assert current_revision(database) is None
        migrate(database, "0001")
        assert current_revision(database) == "0001"
        migrate(database)
        assert current_revision(database) == head_revision() == "0006"
        migrate(database)  # on every start: nothing to do
        tables = set(inspect(database.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        database.dispose()
        drop_database(name)


@pytest.mark.parametrize("backend", BACKENDS)
def test_reports_stored_before_0006_read_as_not_stated(backend: str, tmp_path: Path) -> None:
    """0006 adds ``incidents.observation``: rows stored before it stay readable, NULL."""
    url, name = make_database_url(backend, tmp_path)
    database = open_database(url)
    try:
        migrate(database, "0005")
        with database.session(SYSTEM, write=True) as session:
            session.execute(
                text(
                    "INSERT INTO incidents (id, time, lon, lat, type, source, content, label_id) "
                    "VALUES ('old', '2025-04-05 10:00:00', 37.5, 48.0, 'artillery', 'patrol', "
                    ":content, :label)"
                ),
                {"content": OLD_REPORT, "label": label_id(session, DEFAULT_INCIDENT_LABEL)},
            )
        migrate(database)
        columns = {c["name"] for c in inspect(database.engine).get_columns("incidents")}
        assert "observation" in columns
        (stored,) = SqlIncidentStore(database).query()
        assert stored.id == "old" and stored.observation is None
    finally:
        database.dispose()
        drop_database(name)


#: A report as 0005 stored it, before incidents could carry an observation.
OLD_REPORT = (
    '{"id": "old", "time": "2025-04-05T10:00:00Z", "lon": 37.5, "lat": 48.0, '
    '"type": "artillery", "source": "patrol", "label": {"classification": "UNCLASSIFIED", '
    '"releasable_to": ["COALITION"]}}'
)

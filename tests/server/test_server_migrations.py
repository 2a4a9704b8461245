"""Migrations: an empty database and one at the previous revision both reach the head."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_databases import BACKENDS, drop_database, make_database_url
from sqlalchemy import inspect

from peaceforce.server.db import current_revision, head_revision, migrate, open_database
from peaceforce.server.models import Base


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
        assert current_revision(database) == head_revision() == "0005"
        migrate(database)  # on every start: nothing to do
        tables = set(inspect(database.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        database.dispose()
        drop_database(name)

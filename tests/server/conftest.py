"""Server test fixtures: a fresh, migrated database per test, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from server_databases import BACKENDS, drop_database, make_database_url

from peaceforce.server.db import Database, migrate, open_database


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of each backend."""
    url, name = make_database_url(request.param, tmp_path)
    opened = open_database(url, pool_size=4)
    migrate(opened)
    try:
        yield opened
    finally:
        opened.dispose()
        drop_database(name)

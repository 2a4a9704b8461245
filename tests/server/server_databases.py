"""Fresh test databases on SQLite and on a real PostgreSQL, for the server tests.

PostgreSQL is the one on 127.0.0.1:5432 (``PEACEFORCE_TEST_POSTGRES`` names
another server); each test creates its own database and drops it afterwards.
Where none answers the PostgreSQL cases are skipped, except in CI (``CI=true``),
where ``.ci/run`` starts one and its absence is a failure.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

POSTGRES = os.environ.get(
    "PEACEFORCE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


def _admin_url() -> URL:
    return make_url(POSTGRES)


def postgres_available() -> bool:
    """Whether the test PostgreSQL answers."""
    try:
        engine = create_engine(_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return False
    return True


_POSTGRES_UP: bool | None = None


def require_postgres() -> None:
    """Skip (fail in CI) when no PostgreSQL answers."""
    global _POSTGRES_UP  # noqa: PLW0603 (asked once per session)
    if _POSTGRES_UP is None:
        _POSTGRES_UP = postgres_available()
    if not _POSTGRES_UP:
        message = f"no PostgreSQL at {_admin_url().render_as_string(hide_password=True)}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def make_database_url(backend: str, folder: Path) -> tuple[URL, object]:
    """A new empty database's URL, and what ``drop_database`` needs to remove it."""
    if backend == "sqlite":
        return URL.create("sqlite", database=str(folder / "server.db")), None
    require_postgres()
    name = f"peaceforce_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return _admin_url().set(database=name), name


def drop_database(name: object) -> None:
    """Drop a test database made by ``make_database_url`` (nothing for SQLite)."""
    if name is None:
        return
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()

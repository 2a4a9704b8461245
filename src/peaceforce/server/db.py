"""The database: engines for SQLite (the default) and PostgreSQL, migrations, sessions.

SQLite runs in WAL mode with foreign keys on and ``synchronous=FULL``: a commit
is on disk when it returns, even across a power cut (NORMAL in WAL mode
survives a process crash but may lose the last commits to a power cut, and an
acknowledged report must not be lost). Write transactions start with ``BEGIN
IMMEDIATE`` so two writers queue on the lock (``busy_timeout``) instead of
failing when one upgrades a read to a write. PostgreSQL is reached with the
``psycopg`` driver (``postgresql://`` URLs are read as ``postgresql+psycopg://``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Clearance
from peaceforce.server.spatial import SQLITE_DISTANCE, distance_m
from peaceforce.server.visibility import SYSTEM, Reader, ServerSession

#: Environment variable naming the database when ``--database`` is not given.
DATABASE_ENV = "PEACEFORCE_DATABASE_URL"
#: How long a SQLite writer waits for the lock before giving up, in milliseconds.
SQLITE_BUSY_MS = 60_000
_IMMEDIATE = "peaceforce_immediate"


def database_url(text: str) -> URL:
    """A database URL from ``--database``; a bare path is a SQLite file."""
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text)))
    try:
        url = make_url(text)
    except ArgumentError:
        raise InputError(
            [Problem("--database", "-", text, "postgresql://... or sqlite:///path")]
        ) from None
    if url.drivername in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername not in {"sqlite", "postgresql+psycopg"}:
        raise InputError([Problem("--database", "-", url.drivername, "a sqlite or postgresql URL")])
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()
    dbapi_connection.create_function(SQLITE_DISTANCE, 4, distance_m, deterministic=True)


def _sqlite_begin(connection: Any) -> None:
    # pysqlite's own transaction handling is off (isolation_level=None): we say BEGIN ourselves
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@dataclass(frozen=True)
class Database:
    """One database: its engine and how to open sessions that see what a reader may read."""

    url: URL
    engine: Engine
    #: Use PostGIS for ``near=``: ``None`` finds out (the extension and its index present).
    use_postgis: bool | None = field(default=None, compare=False)

    @cached_property
    def postgis(self) -> bool:
        """Whether ``near=`` queries run on PostGIS (migration 0004 indexed the points).

        The first call takes a connection of its own: never make it while holding one.
        """
        if self.use_postgis is not None or self.is_sqlite:
            return bool(self.use_postgis) and not self.is_sqlite
        with self.engine.connect() as connection:
            return (
                connection.execute(
                    text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_incidents_point'")
                ).first()
                is not None
            )

    @property
    def location(self) -> str:
        """The URL without its password, for messages."""
        return self.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        """Whether this is a SQLite file (writers queue on one lock)."""
        return self.url.get_backend_name() == "sqlite"

    @contextmanager
    def session(self, reader: Reader, *, write: bool = False) -> Iterator[ServerSession]:
        """A session whose every ORM read sees only what ``reader`` may read; committed on exit.

        ``reader`` is a :class:`~peaceforce.labels.Clearance`, or ``SYSTEM`` for
        the server's own work (idempotence checks, migrations, the CLI's admin
        commands), which sees everything.
        """
        bind = self.engine.execution_options(**{_IMMEDIATE: True}) if write else self.engine
        with ServerSession(bind=bind, expire_on_commit=False) as session:
            session.info["reader"] = reader
            with session.begin():
                if not self.is_sqlite:
                    _row_level_security(session.connection(), reader)
                yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


#: The PostgreSQL role server sessions run as (migration 0003): it owns no table, so the
#: row-level-security policies apply to it.
APP_ROLE = "peaceforce_app"


def _row_level_security(connection: Connection, reader: Reader) -> None:
    """Run this transaction as the app role with the reader's clearance for the RLS policies."""
    if isinstance(reader, Clearance):
        settings = {
            "system": "off",
            "rank": str(reader.classification.rank),
            "policies": ",".join(sorted(reader.policies)),
            "releasable": ",".join(sorted(reader.releasable)),
            "caveats": ",".join(sorted(reader.caveats)),
        }
    else:  # SYSTEM sees all; anything else (no reader) nothing
        settings = {"system": "on" if reader is SYSTEM else "off", "rank": "-1"}
    # one round trip: the role (as SET LOCAL ROLE) and every setting, transaction-local
    settings = {"role": APP_ROLE, **{f"peaceforce.{k}": v for k, v in settings.items()}}
    calls = ", ".join(f"set_config(:n{i}, :v{i}, true)" for i in range(len(settings)))
    parameters: dict[str, str] = {}
    for i, (name, value) in enumerate(settings.items()):
        parameters[f"n{i}"] = name
        parameters[f"v{i}"] = value
    connection.execute(text(f"SELECT {calls}"), parameters)


def open_database(
    url: URL | str, *, pool_size: int = 10, use_postgis: bool | None = None
) -> Database:
    """An engine for ``url`` (nothing is connected until first used).

    ``use_postgis=False`` answers ``near=`` without PostGIS even where it is installed.
    """
    url = database_url(url) if isinstance(url, str) else url
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"isolation_level": None, "check_same_thread": False, "timeout": 60},
            poolclass=NullPool if url.database in {None, "", ":memory:"} else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    return Database(url=url, engine=engine, use_postgis=use_postgis)


# --- migrations --------------------------------------------------------------------------


def _alembic_config(database: Database | None = None) -> Config:
    """Alembic's configuration, in code: the migrations ship inside the package."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("peaceforce.server") / "migrations")
    )
    if database is not None:
        config.attributes["engine"] = database.engine
    return config


def migrate(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the newest by default); safe to run on every start."""
    command.upgrade(_alembic_config(database), revision)


def current_revision(database: Database) -> str | None:
    """The schema revision the database is at (``None`` when empty)."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision the package ships."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover (the package always ships migrations)
        raise RuntimeError("no migrations shipped")
    return head


__all__ = [
    "DATABASE_ENV",
    "SYSTEM",
    "Clearance",
    "Database",
    "current_revision",
    "database_url",
    "head_revision",
    "migrate",
    "open_database",
]

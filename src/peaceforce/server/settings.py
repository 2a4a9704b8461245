"""Where the server keeps its data, which database it uses, and its secret.

Without configuration the server keeps a SQLite file and its secret under
``./.peaceforce/``. ``--database URL`` or ``PEACEFORCE_DATABASE_URL`` names
another database. The secret keys the HMAC under which API tokens are stored:
``PEACEFORCE_SECRET``, else a random one generated on first start into the data
folder, readable by its owner only (mode 0600). There is no built-in default.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from peaceforce.errors import InputError, Problem
from peaceforce.server.db import DATABASE_ENV, database_url

#: Environment variable holding the server secret.
SECRET_ENV = "PEACEFORCE_SECRET"
#: The data folder, relative to where the server starts.
DATA_FOLDER = Path(".peaceforce")
SECRET_FILE = "secret"
SQLITE_FILE = "peaceforce.db"
#: The shortest secret accepted from the environment (bytes of text).
MIN_SECRET = 32


@dataclass(frozen=True)
class Secret:
    """The server secret and where it came from (said once at start)."""

    value: bytes
    origin: str
    generated: bool


def resolve_database(given: str | None, data: Path = DATA_FOLDER) -> URL:
    """``--database``, else ``PEACEFORCE_DATABASE_URL``, else the SQLite file in ``data``."""
    text = given or os.environ.get(DATABASE_ENV)
    if text:
        return database_url(text)
    return URL.create("sqlite", database=str(data / SQLITE_FILE))


def server_secret(data: Path = DATA_FOLDER) -> Secret:
    """``PEACEFORCE_SECRET``, else the data folder's secret file, generated (0600) if absent."""
    given = os.environ.get(SECRET_ENV)
    if given is not None:
        if len(given) < MIN_SECRET:
            raise InputError(
                [Problem(SECRET_ENV, "-", f"{len(given)} characters", f"at least {MIN_SECRET}")]
            )
        return Secret(given.encode(), f"${SECRET_ENV}", generated=False)
    path = data / SECRET_FILE
    data.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            raise InputError(
                [Problem(str(path), "-", "readable by others", "mode 0600 (chmod 600)")]
            ) from None
        return Secret(path.read_bytes().strip(), str(path), generated=False)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return Secret(path.read_bytes().strip(), str(path), generated=True)

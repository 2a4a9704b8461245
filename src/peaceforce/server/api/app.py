"""``create_app``: the FastAPI application over one database (nothing is opened at import)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from pydantic import BaseModel

from peaceforce.server.api import agreements, audit, incidents, picture, reports, runs, scenarios
from peaceforce.server.api.deps import Caller, ServerState
from peaceforce.server.api.errors import ApiError, install_error_handlers
from peaceforce.server.api.picture import PictureSettings
from peaceforce.server.db import Database, open_database
from peaceforce.server.users import UserPublic
from peaceforce.server.web import mount_web
from peaceforce.server.worker import RunWorker


class Health(BaseModel):
    """The server answers."""

    ok: bool


def create_app(
    database: Database,
    secret: bytes,
    *,
    run_worker: bool = True,
    picture_settings: PictureSettings | None = None,
    web: bool = True,
) -> FastAPI:
    """The API on ``database`` (migrated already); tokens are checked under ``secret``.

    With ``run_worker`` a background thread computes queued runs.
    ``picture_settings`` names the front-line snapshots, oblasts and protected
    sites of the operational picture; with ``web`` the page is served at ``/``.
    """
    worker = RunWorker(database) if run_worker else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        yield
        if worker is not None:
            worker.stop()

    app = FastAPI(
        title="peaceforce",
        version="1",
        description="The coalition server: scenarios, runs, agreements, incidents, "
        "adjudications and daily reports, each record visible only to who may read its label.",
        lifespan=lifespan,
        responses={
            401: {"model": ApiError, "description": "no valid token"},
            403: {"model": ApiError, "description": "the caller's role may not do this"},
            404: {"model": ApiError, "description": "none, or none the caller may read"},
            422: {"model": ApiError, "description": "bad input, every problem listed"},
            429: {
                "model": ApiError,
                "description": "too many failed logins from this client: wait Retry-After s",
            },
        },
    )
    # found out once, now: the first requests would otherwise each hold a connection while
    # one of them waits for another to look (a deadlock of the pool under load)
    _ = database.postgis
    app.state.server = ServerState(database=database, secret=secret, worker=worker)
    app.state.picture = picture_settings or PictureSettings()
    install_error_handlers(app)

    @app.get("/healthz", operation_id="health", response_model=Health, tags=["health"])
    def health() -> Health:
        """Whether the server answers (no token needed)."""
        return Health(ok=True)

    @app.get("/api/v1/me", operation_id="read_me", response_model=UserPublic, tags=["users"])
    def me(user: Caller) -> UserPublic:
        """Who the token belongs to: nation, role, clearance, release tokens."""
        return user

    for router in (
        scenarios.router,
        runs.router,
        agreements.router,
        incidents.router,
        reports.adjudications,
        reports.daily_reports,
        audit.router,
        picture.router,
    ):
        app.include_router(router)
    if web:
        mount_web(app)
    return app


#: Environment variable through which ``serve --workers N`` hands each worker process
#: the database, the secret and ``create_app``'s other arguments (JSON).
SERVE_ENV = "PEACEFORCE_SERVE_CONFIG"


def serve_config(
    database: Database, secret: bytes, *, picture_sources: Mapping[str, Path | None]
) -> str:
    """What ``app_from_environment`` needs, as the JSON text to put in ``SERVE_ENV``.

    ``picture_sources`` are ``PictureSettings``' arguments: each worker builds its own.
    """
    return json.dumps(
        {
            "database": database.url.render_as_string(hide_password=False),
            "secret": secret.decode(),
            "picture_sources": {
                name: None if path is None else str(path.resolve())
                for name, path in picture_sources.items()
            },
        }
    )


def app_from_environment() -> FastAPI:
    """The application of one ``serve --workers N`` process (uvicorn calls it in each).

    Runs are computed by the serving parent, not here, so no run is taken twice.
    """
    config = json.loads(os.environ[SERVE_ENV])
    sources = {
        name: None if path is None else Path(path)
        for name, path in config["picture_sources"].items()
    }
    return create_app(
        open_database(config["database"]),
        config["secret"].encode(),
        run_worker=False,
        picture_settings=PictureSettings(**sources),
    )

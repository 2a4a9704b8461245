"""``peaceforce serve`` and ``peaceforce user``: run the coalition server, manage its users.

Thin wrappers over ``peaceforce.server``: options are parsed here, everything
else happens in the library.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from peaceforce.cli.common import JsonOption, console, new_group
from peaceforce.labels import Classification
from peaceforce.presentation.text import plain

user_app = new_group(
    "user", "Users of the coalition server: add (prints a token once), list, revoke."
)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="postgresql://user@host/db or a SQLite path (default: $PEACEFORCE_DATABASE_URL, "
        "else ./.peaceforce/peaceforce.db).",
        show_default=False,
    ),
]
DATA = Path(".peaceforce")


def _database(given: str | None):  # type: ignore[no-untyped-def]
    from peaceforce.server.db import migrate, open_database
    from peaceforce.server.settings import resolve_database

    database = open_database(resolve_database(given, DATA))
    migrate(database)
    return database


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    database: DatabaseOption = None,
    snapshots: Annotated[
        Path | None,
        typer.Option(
            "--snapshots",
            help="Folder of occupied-territory snapshots (occupied_YYYYMMDD.geojson) for the "
            "page's line of contact and its date picker (default: the scenario's line).",
            show_default=False,
        ),
    ] = None,
    regions: Annotated[
        Path | None,
        typer.Option(
            "--regions",
            help="Oblast boundaries for the page (geoBoundaries ADM1 GeoJSON).",
            show_default=False,
        ),
    ] = None,
    sites: Annotated[
        Path | None,
        typer.Option(
            "--sites",
            help="Protected sites CSV (e.g. the WRI power plants) for the page's agreement zones.",
            show_default=False,
        ),
    ] = None,
    plan_builtin: Annotated[
        bool,
        typer.Option(
            "--plan-builtin",
            help="Queue a plan of the built-in scenario on start unless one exists, so the "
            "page has a force to show.",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Processes answering requests (runs are computed in this one).",
        ),
    ] = 1,
    cot_port: Annotated[
        int | None,
        typer.Option(
            "--cot-port",
            min=0,
            max=65535,
            help="TAK gateway: plain-TCP CoT port (closed networks, tests); off unless given.",
            show_default=False,
        ),
    ] = None,
    cot_tls_port: Annotated[
        int | None,
        typer.Option(
            "--cot-tls-port",
            min=0,
            max=65535,
            help="TAK gateway: CoT over TLS 1.2+ with client certificates (TAK uses 8089).",
            show_default=False,
        ),
    ] = None,
    tls_cert: Annotated[
        Path | None,
        typer.Option("--tls-cert", help="Server certificate (PEM).", show_default=False),
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="Server private key (PEM).", show_default=False)
    ] = None,
    tls_ca: Annotated[
        Path | None,
        typer.Option(
            "--tls-ca", help="CA that signs client certificates (PEM).", show_default=False
        ),
    ] = None,
    cot_user: Annotated[
        str | None,
        typer.Option(
            "--cot-user",
            help="The user plain-port connections act as (needed with --cot-port).",
            show_default=False,
        ),
    ] = None,
    cot_allow_remote: Annotated[
        bool,
        typer.Option("--cot-allow-remote", help="Let non-loopback peers use the plain CoT port."),
    ] = False,
) -> None:
    """Serve the API (/api/v1, OpenAPI at /openapi.json) and the web page (/) on SQLite by
    default, or PostgreSQL.

    Migrations run on start; the built-in scenario is stored if absent. The token
    secret comes from $PEACEFORCE_SECRET, else ./.peaceforce/secret (made on first start).
    With --cot-port or --cot-tls-port the TAK gateway runs beside the API (docs/tak.md).
    """
    import os

    import uvicorn

    from peaceforce.scenario.loader import BUILTIN_SCENARIOS
    from peaceforce.server.api import create_app
    from peaceforce.server.api.app import SERVE_ENV, serve_config
    from peaceforce.server.api.picture import PictureSettings
    from peaceforce.server.records import seed_builtin
    from peaceforce.server.settings import server_secret
    from peaceforce.server.users import list_users
    from peaceforce.server.web import is_built
    from peaceforce.server.worker import RunWorker, queue_plan

    cot_settings = None
    if cot_port is not None or cot_tls_port is not None:
        from peaceforce.server.cot.gateway import GatewaySettings

        cot_settings = GatewaySettings(
            host=host,
            port=cot_port,
            tls_port=cot_tls_port,
            tls_cert=tls_cert,
            tls_key=tls_key,
            tls_ca=tls_ca,
            allow_remote=cot_allow_remote,
            plain_user=cot_user,
        )
        cot_settings.check()  # before the database is opened: a wrong option fails at once
    opened = _database(database)
    secret = server_secret(DATA)
    seeded = seed_builtin(opened)
    console.print(plain(f"database: {opened.location} (schema up to date)"))
    if seeded:
        console.print(plain("stored the built-in scenario coalition-2025"))
    state = "generated and written to" if secret.generated else "read from"
    console.print(plain(f"token secret {state} {secret.origin}"))
    if not list_users(opened):
        hint = "no users yet: create the first with  peaceforce user add NAME --nation GBR"
        hint += " --role admin"
        if database:
            hint += f" --database {database}"
        console.print(Text("note: ", style="yellow") + plain(hint))
    if plan_builtin and queue_plan(opened, BUILTIN_SCENARIOS) is not None:
        console.print(plain(f"queued a plan of {BUILTIN_SCENARIOS} for the page"))
    if not is_built():
        console.print(Text("note: ", style="yellow") + plain("the web page is not built: make web"))
    gateway = None
    if cot_settings is not None:
        from peaceforce.server.cot.gateway import GatewayThread

        gateway = GatewayThread(opened, cot_settings)
        for kind, (address, bound) in gateway.start().items():
            console.print(plain(f"TAK gateway: CoT over {kind} on {address}:{bound}"))
    console.print(
        plain(f"serving on http://{host}:{port}/ (API at /api/v1, OpenAPI at /openapi.json)")
    )
    # the picture's sources as paths: a worker process builds its own settings from them
    sources = {"snapshots": snapshots, "regions": regions, "sites": sites}
    try:
        if workers == 1:
            uvicorn.run(
                create_app(opened, secret.value, picture_settings=PictureSettings(**sources)),
                host=host,
                port=port,
                log_level="warning",
                access_log=False,
            )
            return
        console.print(plain(f"{workers} processes answer requests; runs are computed in this one"))
        PictureSettings(**sources)  # bad sources are reported here, once, not in every worker
        os.environ[SERVE_ENV] = serve_config(opened, secret.value, picture_sources=sources)
        runs = RunWorker(opened)
        runs.start()
        try:
            uvicorn.run(
                "peaceforce.server.api.app:app_from_environment",
                factory=True,
                workers=workers,
                # a worker busy on a batch of 10,000 on a loaded machine is not hung:
                # uvicorn's default of 5 s killed workers in the middle of requests under load
                timeout_worker_healthcheck=60,
                host=host,
                port=port,
                log_level="warning",
                access_log=False,
            )
        finally:
            runs.stop()
    finally:
        if gateway is not None:
            gateway.stop()


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The user's name (unique).")],
    nation: Annotated[str, typer.Option("--nation", help="ISO 3166 alpha-3 code, e.g. GBR.")],
    role: Annotated[
        str,
        typer.Option(
            "--role", help="admin, planner, monitor, analyst or liaison (a party's liaison)."
        ),
    ],
    release: Annotated[
        list[str] | None,
        typer.Option(
            "--release",
            help="Release token the user holds besides their nation (repeatable; default "
            "COALITION, none for a liaison).",
            show_default=False,
        ),
    ] = None,
    clearance: Annotated[
        Classification, typer.Option("--clearance", help="Highest classification they may read.")
    ] = Classification.UNCLASSIFIED,
    caveat: Annotated[
        list[str] | None,
        typer.Option(
            "--caveat", help="Caveat they are briefed on (repeatable).", show_default=False
        ),
    ] = None,
    cert: Annotated[
        Path | None,
        typer.Option(
            "--cert",
            help="Client certificate (PEM or DER) whose fingerprint identifies the user to the "
            "TAK gateway.",
            show_default=False,
        ),
    ] = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a user and print their API token, this once (it is stored only as a hash)."""
    from peaceforce.errors import InputError, Problem
    from peaceforce.server.cot.identity import (
        check_unregistered,
        read_certificate,
        register_certificate,
    )
    from peaceforce.server.settings import server_secret
    from peaceforce.server.users import Role, add_user

    try:
        chosen = Role(role.strip().lower())
    except ValueError:
        raise InputError([Problem("--role", "-", role, ", ".join(r.value for r in Role))]) from None
    certificate = None if cert is None else read_certificate(cert)
    opened = _database(database)
    if certificate is not None:
        check_unregistered(opened, certificate)
    added = add_user(
        opened,
        server_secret(DATA).value,
        name,
        nation=nation,
        role=chosen,
        release=release,
        clearance=clearance,
        caveats=caveat,
    )
    if certificate is not None:
        register_certificate(opened, added.user.id, certificate)
    if as_json:
        shown = {"name": added.name, "token": added.token}
        if certificate is not None:
            shown["certificate"] = certificate.fingerprint
        sys.stdout.write(json.dumps(shown) + "\n")
        return
    user = added.user
    console.print(
        plain(
            f"added {user.name}: {user.role.value}, {user.nation}, cleared {user.clearance.value}, "
            f"releasable {', '.join(user.releasable)}"
        )
    )
    console.print(plain(f"token (shown once, keep it safe): {added.token}"))
    if certificate is not None:
        console.print(
            plain(f"certificate {certificate.subject}, SHA-256 {certificate.fingerprint}")
        )


@user_app.command("list")
def list_command(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """List the users (never their tokens)."""
    from peaceforce.server.users import list_users

    users = list_users(_database(database))
    if as_json:
        sys.stdout.write(json.dumps([u.model_dump(mode="json") for u in users], indent=2) + "\n")
        return
    table = Table(title=f"{len(users)} user(s)")
    for column in ("name", "nation", "role", "clearance", "releasable", "revoked"):
        table.add_column(column)
    for user in users:
        table.add_row(
            plain(user.name),
            user.nation,
            user.role.value,
            user.clearance.value,
            ", ".join(user.releasable),
            "" if user.revoked is None else f"{user.revoked:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@user_app.command("revoke")
def revoke(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a user and all their tokens (kept, for the audit trail)."""
    from peaceforce.server.users import revoke_user

    user = revoke_user(_database(database), name)
    if as_json:
        sys.stdout.write(user.model_dump_json(indent=2) + "\n")
        return
    console.print(plain(f"revoked {user.name}: their tokens no longer work"))


__all__ = ["serve", "user_app"]

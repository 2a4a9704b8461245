"""What routes share: the server's state, the caller (by Bearer token), audit, pagination."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from peaceforce.server import audit
from peaceforce.server.db import Database
from peaceforce.server.ratelimit import FailedLogins
from peaceforce.server.records import above_unclassified
from peaceforce.server.users import Permission, UserPublic, authenticate
from peaceforce.server.visibility import SYSTEM
from peaceforce.server.worker import RunWorker

#: The most rows one page may hold.
MAX_PAGE = 1000


@dataclass(frozen=True)
class ServerState:
    """What every request needs: the database, the token secret, the run worker."""

    database: Database
    secret: bytes
    worker: RunWorker | None
    failed_logins: FailedLogins = field(default_factory=FailedLogins)


def server(request: Request) -> ServerState:
    """The state ``create_app`` put on the application."""
    state: ServerState = request.app.state.server
    return state


State = Annotated[ServerState, Depends(server)]
_bearer = HTTPBearer(auto_error=False, description="the token `peaceforce user add` printed")


def remote(request: Request) -> str | None:
    """The client's address, for the audit trail."""
    return request.client.host if request.client is not None else None


def caller(
    request: Request,
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> UserPublic:
    """The user whose token the request carries; 401 (audited) without a valid one.

    A client with too many failed logins in the last minute gets 429 and
    ``Retry-After`` before its token is even looked at (``peaceforce.server.ratelimit``).
    """
    client = remote(request) or "-"
    wait = state.failed_logins.retry_after(client)
    if wait is not None:
        raise HTTPException(
            429,
            f"too many failed logins from {client}: try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    user = None
    if credentials is not None and credentials.scheme.lower() == "bearer":
        token = credentials.credentials
        if 0 < len(token) <= 256:
            user = authenticate(state.database, state.secret, token)
    if user is None:
        state.failed_logins.failed(client)
        with state.database.session(SYSTEM, write=True) as session:
            audit.record(
                session,
                user=None,
                action="auth_failed",
                resource=request.url.path[:64],
                remote=remote(request),
                ok=False,
                detail="no token" if credentials is None else "unknown or revoked token",
            )
        raise HTTPException(
            401, "a valid API token is needed", headers={"WWW-Authenticate": "Bearer"}
        )
    return user


Caller = Annotated[UserPublic, Depends(caller)]


def require(user: UserPublic, permission: Permission) -> None:
    """403 unless the caller's role allows this kind of write."""
    if not user.may(permission):
        raise HTTPException(403, f"the {user.role.value} role may not write {permission.value}")


@dataclass(frozen=True)
class Pagination:
    """Which page of a list."""

    limit: int
    offset: int


def pagination(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="rows per page")] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31, description="rows to skip")] = 0,
) -> Pagination:
    """The page asked for."""
    return Pagination(limit, offset)


Paging = Annotated[Pagination, Depends(pagination)]


def audit_reads(
    state: ServerState,
    request: Request,
    user: UserPublic,
    resource: str,
    read: list[tuple[int, str]],
) -> None:
    """Audit a read of records above UNCLASSIFIED: one entry per label, listing the ids."""
    if not read:
        return
    labels = above_unclassified(state.database, [label for label, _ in read])
    if not labels:
        return
    with state.database.session(SYSTEM, write=True) as session:
        for ident, label in labels.items():
            audit.record(
                session,
                user=user,
                action="read",
                resource=resource,
                remote=remote(request),
                label=label,
                ids=[record for label_ident, record in read if label_ident == ident],
            )

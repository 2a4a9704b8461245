"""Users, roles and API tokens.

A user has a nation, a role, a clearance and release tokens. Their *reader
clearance* is what the visibility rule checks: their nation plus their release
tokens, their classification, their caveats. A liaison officer (a party's) holds
their own nation only — never ``COALITION`` — so they read what is released to
their party and nothing released only to the coalition or the other party.

A token is 32 random bytes shown once; the database keeps only its HMAC-SHA256
under the server secret, so a copy of the database gives no usable token.
A token found valid is remembered, by its digest, for ``TOKEN_CACHE_SECONDS``
(a request then costs no token query); a revocation therefore takes effect in
other server processes within that time, and at once in the revoking process.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import secrets
import threading
import time
from datetime import datetime

import pycountry
from pydantic import ValidationError
from sqlalchemy import select, update

from peaceforce.errors import InputError, Problem
from peaceforce.labels import Classification, Clearance
from peaceforce.monitoring.incidents import COALITION
from peaceforce.results import Result
from peaceforce.server.db import Database
from peaceforce.server.models import TokenRow, UserRow, utc_now
from peaceforce.server.visibility import SYSTEM

#: Prefix of every API token, so a leaked one is recognisable in logs and scanners.
TOKEN_PREFIX = "pf_"
#: How long a token found valid is trusted without asking the database again.
TOKEN_CACHE_SECONDS = 5.0
#: The most tokens remembered at once (the oldest are forgotten first).
TOKEN_CACHE_SIZE = 4096
_known: dict[tuple[str, str], tuple[float, UserPublic]] = {}
_known_lock = threading.Lock()


class Role(enum.StrEnum):
    """What a user may do; everyone reads only what their clearance allows."""

    ADMIN = "admin"  # everything, and the audit trail
    PLANNER = "planner"  # scenarios and runs
    MONITOR = "monitor"  # agreements, incidents, adjudications and daily reports
    ANALYST = "analyst"  # reads
    LIAISON = "liaison"  # a party's liaison officer: reads, submits incidents (complaints)


class Permission(enum.StrEnum):
    """A kind of write (reads need no permission beyond the label)."""

    SCENARIOS = "scenarios"
    RUNS = "runs"
    AGREEMENTS = "agreements"
    INCIDENTS = "incidents"
    REPORTS = "reports"
    AUDIT = "audit"


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PLANNER: frozenset({Permission.SCENARIOS, Permission.RUNS}),
    Role.MONITOR: frozenset({Permission.AGREEMENTS, Permission.INCIDENTS, Permission.REPORTS}),
    Role.ANALYST: frozenset(),
    Role.LIAISON: frozenset({Permission.INCIDENTS}),
}


class UserPublic(Result):
    """A user as listed (never their token)."""

    id: int
    name: str
    nation: str
    role: Role
    clearance: Classification
    releasable: tuple[str, ...]
    caveats: tuple[str, ...] = ()
    created: datetime
    revoked: datetime | None = None

    def reader(self) -> Clearance:
        """What the visibility rule checks."""
        return Clearance(
            classification=self.clearance,
            releasable=frozenset(self.releasable),
            caveats=frozenset(self.caveats),
        )

    def may(self, permission: Permission) -> bool:
        """Whether the role allows this kind of write."""
        return permission in PERMISSIONS[self.role]


class NewUser(Result):
    """A user just added, with the token shown this once."""

    name: str
    token: str
    user: UserPublic


def _public(row: UserRow) -> UserPublic:
    return UserPublic(
        id=row.id,
        name=row.name,
        nation=row.nation,
        role=Role(row.role),
        clearance=Classification(row.clearance),
        releasable=tuple(json.loads(row.releasable)),
        caveats=tuple(json.loads(row.caveats)),
        created=row.created,
        revoked=row.revoked,
    )


def token_digest(secret: bytes, token: str) -> str:
    """The stored form of a token: HMAC-SHA256 under the server secret."""
    return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()


def _check_new_user(
    name: str, nation: str, role: Role, release: list[str], caveats: list[str]
) -> tuple[str, frozenset[str]]:
    problems: list[Problem] = []
    if not name.strip() or len(name) > 128 or not name.isprintable():
        problems.append(Problem("NAME", "-", repr(name), "a printable name of 1 to 128 characters"))
    code = nation.strip().upper()
    if pycountry.countries.get(alpha_3=code) is None:
        problems.append(Problem("--nation", "-", nation, "an ISO 3166 alpha-3 code such as GBR"))
    tokens = {t.strip().upper() for t in release}
    if role is Role.LIAISON and tokens - {code}:
        problems.append(
            Problem(
                "--release",
                "-",
                " ".join(sorted(tokens - {code})),
                "nothing beyond the liaison's own nation: a party reads only what is released "
                "to it",
            )
        )
    if role is not Role.LIAISON and not release:
        tokens.add(COALITION)
    tokens.add(code)
    try:
        Clearance(
            classification=Classification.UNCLASSIFIED,
            releasable=frozenset(tokens),
            caveats=frozenset(c.strip().upper() for c in caveats),
        )
    except ValidationError:
        problems.append(
            Problem(
                "--release / --caveat",
                "-",
                " ".join(sorted(tokens)),
                "upper-case tokens (A-Z, 0-9, _)",
            )
        )
    if problems:
        raise InputError(problems)
    return code, frozenset(tokens)


def add_user(
    database: Database,
    secret: bytes,
    name: str,
    *,
    nation: str,
    role: Role,
    release: list[str] | None = None,
    clearance: Classification = Classification.UNCLASSIFIED,
    caveats: list[str] | None = None,
) -> NewUser:
    """Add a user and their first token; the token is in the answer and nowhere else.

    Without ``release`` a coalition user reads what is released to their nation
    and to ``COALITION``; a liaison only what is released to their nation.
    """
    code, tokens = _check_new_user(name, nation, role, release or [], caveats or [])
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with database.session(SYSTEM, write=True) as session:
        if session.execute(select(UserRow.id).where(UserRow.name == name)).first():
            raise InputError([Problem("NAME", "-", name, "a name no user has yet")])
        row = UserRow(
            name=name,
            nation=code,
            role=role.value,
            clearance=clearance.value,
            releasable=json.dumps(sorted(tokens)),
            caveats=json.dumps(sorted({c.strip().upper() for c in caveats or []})),
        )
        session.add(row)
        session.flush()
        session.add(TokenRow(user_id=row.id, digest=token_digest(secret, token)))
        session.flush()
        public = _public(row)
    return NewUser(name=name, token=token, user=public)


def list_users(database: Database) -> tuple[UserPublic, ...]:
    """Every user, revoked ones too, by name."""
    with database.session(SYSTEM) as session:
        return tuple(_public(r) for r in session.scalars(select(UserRow).order_by(UserRow.name)))


def revoke_user(database: Database, name: str) -> UserPublic:
    """Revoke a user and every token of theirs; they are kept, for the audit trail."""
    now = utc_now()
    with database.session(SYSTEM, write=True) as session:
        row = session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()
        if row is None:
            raise InputError([Problem("NAME", "-", name, "the name of a user")])
        if row.revoked is None:
            row.revoked = now
        session.execute(
            update(TokenRow)
            .where(TokenRow.user_id == row.id, TokenRow.revoked.is_(None))
            .values(revoked=now)
        )
        session.flush()
        public = _public(row)
    forget_tokens()
    return public


def forget_tokens() -> None:
    """Forget every remembered token (after a revocation: the next request asks the database)."""
    with _known_lock:
        _known.clear()


def authenticate(database: Database, secret: bytes, token: str) -> UserPublic | None:
    """The user a token belongs to, or ``None`` (unknown, revoked, or a revoked user).

    A valid token is remembered for ``TOKEN_CACHE_SECONDS``; an invalid one never
    is, so a new token works at once.
    """
    digest = token_digest(secret, token)
    key = (database.location, digest)
    now = time.monotonic()
    with _known_lock:
        known = _known.get(key)
    if known is not None and known[0] > now:
        return known[1]
    with database.session(SYSTEM) as session:
        row = session.execute(
            select(UserRow)
            .join(TokenRow, TokenRow.user_id == UserRow.id)
            .where(TokenRow.digest == digest, TokenRow.revoked.is_(None), UserRow.revoked.is_(None))
        ).scalar_one_or_none()
        user = None if row is None else _public(row)
    with _known_lock:
        if user is None:
            _known.pop(key, None)
        else:
            if len(_known) >= TOKEN_CACHE_SIZE:
                del _known[next(iter(_known))]
            _known[key] = (now + TOKEN_CACHE_SECONDS, user)
    return user


def public_user(row: UserRow) -> UserPublic:
    """A user's row as the API and the TAK gateway show it."""
    return _public(row)

"""Logging in: valid tokens are remembered briefly, failed logins are limited per client."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from peaceforce.server.api import create_app
from peaceforce.server.db import Database
from peaceforce.server.models import TokenRow
from peaceforce.server.ratelimit import FailedLogins
from peaceforce.server.users import Role, add_user, authenticate, forget_tokens, revoke_user
from peaceforce.server.visibility import SYSTEM

SECRET = b"a" * 48


def test_a_valid_token_is_remembered_and_a_revocation_here_forgets_it(database: Database) -> None:
    added = add_user(database, SECRET, "kim", nation="GBR", role=Role.MONITOR)
    assert authenticate(database, SECRET, added.token) == added.user
    # another process revokes it: this one trusts what it found for a few seconds
    with database.session(SYSTEM, write=True) as session:
        session.execute(update(TokenRow).values(revoked=TokenRow.created))
    assert authenticate(database, SECRET, added.token) == added.user
    forget_tokens()  # what the cache's expiry does
    assert authenticate(database, SECRET, added.token) is None

    other = add_user(database, SECRET, "lee", nation="FRA", role=Role.MONITOR)
    assert authenticate(database, SECRET, other.token) == other.user
    revoke_user(database, "lee")  # in this process: at once
    assert authenticate(database, SECRET, other.token) is None


def test_the_eleventh_failed_login_in_a_minute_gets_429_with_retry_after(
    database: Database,
) -> None:
    good = add_user(database, SECRET, "kim", nation="GBR", role=Role.MONITOR).token
    app = create_app(database, SECRET, run_worker=False)
    with (
        TestClient(app, client=("10.0.0.1", 40000)) as attacker,
        TestClient(app, client=("10.0.0.2", 40000)) as bystander,
    ):
        for attempt in range(10):
            answer = attacker.get("/api/v1/me", headers={"Authorization": f"Bearer pf_{attempt}"})
            assert answer.status_code == 401
        blocked = attacker.get("/api/v1/me", headers={"Authorization": f"Bearer {good}"})
        assert blocked.status_code == 429  # even a good token: guessing one gains nothing
        assert 1 <= int(blocked.headers["Retry-After"]) <= 60
        assert blocked.json()["status"] == 429
        assert attacker.get("/healthz").status_code == 200
        mine = bystander.get("/api/v1/me", headers={"Authorization": f"Bearer {good}"})
        assert mine.status_code == 200 and mine.json()["name"] == "kim"
        audit = bystander.get(
            "/api/v1/audit", headers={"Authorization": f"Bearer {good}"}, params={"limit": 100}
        )
        assert audit.status_code in {200, 403}


def test_failures_leave_the_window_after_a_minute() -> None:
    limit = FailedLogins(limit=3, window=60.0)
    for second in (0.0, 10.0, 20.0):
        assert limit.retry_after("c", second) is None
        limit.failed("c", second)
    assert limit.retry_after("c", 20.0) == 40  # the first failure leaves at 60 s
    assert limit.retry_after("c", 59.5) == 1
    assert limit.retry_after("c", 60.0) is None  # two left in the window
    assert limit.retry_after("other", 20.0) is None
    limit.failed("c", 61.0)
    assert limit.retry_after("c", 61.0) == 9  # 10 s, 20 s and 61 s: the 10 s one leaves at 70 s

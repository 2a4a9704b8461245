"""Schemathesis against the OpenAPI document: no input gives a 500, every status is documented.

Bounded: ``PEACEFORCE_API_EXAMPLES`` examples per operation (8 by default), as
an admin cleared for everything, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, status_code_conformance

from peaceforce.labels import Classification
from peaceforce.server.api import create_app
from peaceforce.server.db import Database
from peaceforce.server.users import Role, add_user

SECRET = b"f" * 48
EXAMPLES = int(os.environ.get("PEACEFORCE_API_EXAMPLES", "8"))


def test_no_input_gives_a_server_error(database: Database) -> None:
    token = add_user(
        database,
        SECRET,
        "fuzz",
        nation="GBR",
        role=Role.ADMIN,
        clearance=Classification.SECRET,
        release=["COALITION", "UKR", "RUS"],
    ).token
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(database, SECRET, run_worker=False)
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error, status_code_conformance]
            )

        exercise()

"""The audit trail: every write, every failed authentication, every read above UNCLASSIFIED.

Rows are only ever inserted (database triggers refuse UPDATE and DELETE). Each
carries the label of the record it is about, so reading the trail is filtered
like everything else: an admin sees entries about what they may read, and
entries about no record (a failed login) are UNCLASSIFIED, releasable to the
coalition.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from peaceforce.labels import Label
from peaceforce.monitoring.incidents import DEFAULT_INCIDENT_LABEL
from peaceforce.results import Result
from peaceforce.server.label_rows import label_id
from peaceforce.server.models import AuditRow
from peaceforce.server.users import UserPublic

#: The label of an entry about no record.
EVENT_LABEL = DEFAULT_INCIDENT_LABEL
#: Record ids written into one entry before the rest are only counted.
MAX_IDS = 1000


class AuditEntry(Result):
    """An audit row as the API lists it."""

    id: int
    at: datetime
    user: str | None
    action: str
    resource: str
    record: str | None
    remote: str | None
    ok: bool
    detail: str


def record(
    session: Session,
    *,
    user: UserPublic | None,
    action: str,
    resource: str,
    remote: str | None,
    label: Label = EVENT_LABEL,
    ids: Sequence[str] = (),
    ok: bool = True,
    detail: str = "",
) -> None:
    """Add one entry in ``session``'s transaction: it commits with what it records, or not."""
    shown = list(ids[:MAX_IDS])
    if len(ids) > MAX_IDS:
        detail = f"{detail} ({len(ids) - MAX_IDS} more ids not listed)".strip()
    session.add(
        AuditRow(
            user_id=None if user is None else user.id,
            user_name=None if user is None else user.name,
            action=action,
            resource=resource,
            record=json.dumps(shown) if shown else None,
            remote=remote,
            ok=ok,
            detail=detail,
            label_id=label_id(session, label),
        )
    )


def entry(row: AuditRow) -> AuditEntry:
    """The public form of a row."""
    return AuditEntry(
        id=row.id,
        at=row.at,
        user=row.user_name,
        action=row.action,
        resource=row.resource,
        record=row.record,
        remote=row.remote,
        ok=row.ok,
        detail=row.detail,
    )

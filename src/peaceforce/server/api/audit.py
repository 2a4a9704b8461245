"""``/api/v1/audit``: the audit trail, for admins, filtered by label like everything else."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from peaceforce.server.api.deps import Caller, Paging, State, require
from peaceforce.server.audit import AuditEntry, entry
from peaceforce.server.models import AuditRow
from peaceforce.server.records import Page
from peaceforce.server.users import Permission

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", operation_id="list_audit", response_model=Page[AuditEntry])
def list_audit(
    user: Caller,
    state: State,
    paging: Paging,
    action: Annotated[str | None, Query(max_length=32, description="e.g. auth_failed")] = None,
) -> Page[AuditEntry]:
    """Audit entries about what the caller may read, newest first (admins only)."""
    require(user, Permission.AUDIT)
    criteria = [] if action is None else [AuditRow.action == action]
    with state.database.session(user.reader()) as session:
        count = session.execute(
            select(func.count()).select_from(AuditRow).where(*criteria)
        ).scalar_one()
        rows = session.scalars(
            select(AuditRow)
            .where(*criteria)
            .order_by(AuditRow.id.desc())
            .limit(paging.limit)
            .offset(paging.offset)
        ).all()
        return Page(data=tuple(entry(r) for r in rows), count=count)

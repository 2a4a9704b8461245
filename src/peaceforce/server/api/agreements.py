"""``/api/v1/agreements``: ceasefire agreements as the YAML they are written in."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from peaceforce.server import audit
from peaceforce.server.api.deps import Caller, Paging, State, audit_reads, remote, require
from peaceforce.server.models import AgreementRow
from peaceforce.server.records import (
    AgreementPublic,
    Page,
    agreement_public,
    check_writable,
    parse_agreement_text,
    store_agreement,
)
from peaceforce.server.users import Permission
from peaceforce.server.visibility import SYSTEM

router = APIRouter(prefix="/api/v1/agreements", tags=["agreements"])


class AgreementCreate(BaseModel):
    """An agreement file's text (as ``agreement validate`` reads it)."""

    model_config = {"extra": "forbid"}

    text: str = Field(min_length=1, max_length=5_000_000, description="agreement YAML")


@router.post("", operation_id="create_agreement", response_model=AgreementPublic, status_code=201)
def create_agreement(
    body: AgreementCreate, user: Caller, state: State, request: Request
) -> AgreementPublic:
    """Store an agreement; its problems, if any, as ``agreement validate`` lists them (422)."""
    require(user, Permission.AGREEMENTS)
    agreement = parse_agreement_text(body.text)
    check_writable(user.reader(), agreement.label, "agreement.yaml")
    with state.database.session(SYSTEM, write=True) as session:
        row = store_agreement(session, agreement, body.text, user_id=user.id)
        audit.record(
            session,
            user=user,
            action="create",
            resource="agreements",
            remote=remote(request),
            label=agreement.label,
            ids=[agreement.id],
        )
        return agreement_public(session, row)


@router.get("", operation_id="list_agreements", response_model=Page[AgreementPublic])
def list_agreements(
    user: Caller, state: State, request: Request, paging: Paging
) -> Page[AgreementPublic]:
    """The agreements the caller may read, by id."""
    with state.database.session(user.reader()) as session:
        count = session.execute(select(func.count()).select_from(AgreementRow)).scalar_one()
        rows = session.scalars(
            select(AgreementRow)
            .order_by(AgreementRow.agreement_id)
            .limit(paging.limit)
            .offset(paging.offset)
        ).all()
        page: Page[AgreementPublic] = Page(
            data=tuple(agreement_public(session, r) for r in rows), count=count
        )
    audit_reads(state, request, user, "agreements", [(r.label_id, r.agreement_id) for r in rows])
    return page


@router.get(
    "/{agreement_id}",
    operation_id="read_agreement",
    response_model=AgreementPublic,
    responses={404: {"description": "no such agreement, or one the caller may not read"}},
)
def read_agreement(
    agreement_id: str, user: Caller, state: State, request: Request
) -> AgreementPublic:
    """One agreement; 404 when there is none or the caller may not read it."""
    with state.database.session(user.reader()) as session:
        row = session.scalars(
            select(AgreementRow).where(AgreementRow.agreement_id == agreement_id)
        ).first()
        if row is None:
            raise HTTPException(404, f"no agreement {agreement_id!r}")
        public = agreement_public(session, row)
    audit_reads(state, request, user, "agreements", [(row.label_id, agreement_id)])
    return public

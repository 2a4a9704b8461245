"""Storing labels: each distinct label once, with its tokens in child tables SQL can filter on."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable

from sqlalchemy import event, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from peaceforce.labels import Label
from peaceforce.server.db import Database
from peaceforce.server.models import LabelCaveat, LabelReleasable, LabelRow
from peaceforce.server.visibility import SYSTEM, ServerSession

_cache: dict[tuple[str, str], int] = {}
_by_id: dict[tuple[str, int], Label] = {}
_cache_lock = threading.Lock()


def label_digest(label: Label) -> str:
    """A digest of the label's content: equal labels share one row."""
    return hashlib.sha256(label.model_dump_json().encode()).hexdigest()


def label_id(session: Session, label: Label) -> int:
    """The id of ``label``'s row, stored first if new (safe against concurrent writers).

    Label rows are never changed or deleted, so ids are cached per database.
    """
    digest = label_digest(label)
    key = (session.get_bind().engine.url.render_as_string(), digest)
    with _cache_lock:
        known = _cache.get(key)
    if known is None:
        known = session.info.get(_PENDING, {}).get(key)
    if known is not None:
        return known
    dialect = session.get_bind().dialect.name
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        dialect_insert(LabelRow)
        .values(
            digest=digest,
            policy=label.policy,
            classification=label.classification.value,
            rank=label.classification.rank,
            content=label.model_dump_json(),
        )
        .on_conflict_do_nothing(index_elements=["digest"])
    )
    ident = session.execute(select(LabelRow.id).where(LabelRow.digest == digest)).scalar_one()
    # the children go in with the row; a concurrent writer's row already has them
    if (
        not session.execute(
            select(LabelReleasable.label_id).where(LabelReleasable.label_id == ident).limit(1)
        ).first()
        and not session.execute(
            select(LabelCaveat.label_id).where(LabelCaveat.label_id == ident).limit(1)
        ).first()
    ):
        tokens = [{"label_id": ident, "token": t} for t in sorted(label.releasable_to)]
        caveats = [{"label_id": ident, "token": t} for t in sorted(label.caveats)]
        if tokens:
            session.execute(insert(LabelReleasable), tokens)
        if caveats:
            session.execute(insert(LabelCaveat), caveats)
    session.info.setdefault(_PENDING, {})[key] = ident
    return ident


_PENDING = "peaceforce_new_labels"


def labels_by_id(database: Database, ids: Iterable[int]) -> dict[int, Label]:
    """The labels stored under ``ids`` (committed rows never change: each is read once)."""
    where = database.location
    wanted = set(ids)
    with _cache_lock:
        found = {i: _by_id[(where, i)] for i in wanted if (where, i) in _by_id}
    missing = sorted(wanted - set(found))
    if missing:
        with database.session(SYSTEM) as session:
            rows = session.execute(
                select(LabelRow.id, LabelRow.content).where(LabelRow.id.in_(missing))
            ).all()
        read = {ident: Label.model_validate_json(content) for ident, content in rows}
        with _cache_lock:
            _by_id.update({(where, ident): label for ident, label in read.items()})
        found.update(read)
    return found


@event.listens_for(ServerSession, "after_commit")
def _remember(session: Session) -> None:
    """Cache label ids once their transaction has committed (a rolled-back id is no id)."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        with _cache_lock:
            _cache.update(pending)


@event.listens_for(ServerSession, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)

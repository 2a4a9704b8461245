"""Releasability enforced in the query: one SQL predicate, attached to every ORM read.

``visible_to(reader)`` is the SQL form of :func:`peaceforce.labels.may_read`:
a row is visible when its label's policy is one the reader holds, its
classification is at most the reader's, one of its release tokens is one of
the reader's, and none of its caveats is one the reader lacks. A
``do_orm_execute`` hook adds it, with ``with_loader_criteria``, for every
labelled table to every ORM ``SELECT`` a :class:`ServerSession` runs — lists,
counts, pagination, joins and subqueries alike — so no read path can forget
it. A session must say who reads (``session.info["reader"]``): a session that
does not sees nothing; ``SYSTEM`` (the server's own bookkeeping) sees all.
"""

from __future__ import annotations

import enum
import functools
from typing import Any

from sqlalchemy import ColumnElement, Select, event, false, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.orm.util import LoaderCriteriaOption

from peaceforce.labels import Clearance
from peaceforce.server.models import LABELLED, LabelCaveat, LabelReleasable, LabelRow


class System(enum.Enum):
    """The server itself, reading for its own bookkeeping: sees every row."""

    SYSTEM = "system"


SYSTEM = System.SYSTEM
#: Who a session reads for.
Reader = Clearance | System


def visible_labels(clearance: Clearance) -> Select[int]:
    """The ids of the labels ``clearance`` may read (a subquery)."""
    released = select(LabelReleasable.label_id).where(
        LabelReleasable.token.in_(sorted(clearance.releasable))
    )
    lacking = select(LabelCaveat.label_id).where(
        LabelCaveat.token.not_in(sorted(clearance.caveats))
    )
    return select(LabelRow.id).where(
        LabelRow.policy.in_(sorted(clearance.policies)),
        LabelRow.rank <= clearance.classification.rank,
        LabelRow.id.in_(released),
        LabelRow.id.not_in(lacking),
    )


def visible_to(reader: Reader | None, label_id: Any) -> ColumnElement[bool]:
    """The predicate on a labelled table's ``label_id``: true for rows ``reader`` may read."""
    if reader is SYSTEM:
        return label_id.is_not(None)  # type: ignore[no-any-return]
    if not isinstance(reader, Clearance):
        return false()
    return label_id.in_(visible_labels(reader))  # type: ignore[no-any-return]


class ServerSession(Session):
    """The session every server read and write goes through: the rule applies to it."""


@functools.lru_cache(maxsize=1024)
def _criteria(reader: Reader | None) -> tuple[LoaderCriteriaOption, ...]:
    """The options that attach the rule for ``reader`` to each labelled table (built once)."""
    return tuple(
        with_loader_criteria(table, visible_to(reader, table.label_id), include_aliases=True)
        for table in LABELLED
    )


@event.listens_for(ServerSession, "do_orm_execute")
def _attach_visibility(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    reader = state.session.info.get("reader")
    state.statement = state.statement.options(*_criteria(reader))

"""Whether a report's event was seen, heard, both, recorded by a sensor or reported by others.

The incident's JSON (``content``) carries ``observation`` as the report gave it;
this column repeats it so ``GET /api/v1/incidents?observation=...`` filters in
SQL. No row needs filling in: before this revision an incident could not carry
an observation (its model forbade unknown fields), so every stored one is NULL,
"not stated".

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("observation", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("observation")

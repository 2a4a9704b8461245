"""The TAK gateway: client certificates registered to users, and coalition unit tracks.

``certificates`` maps a client certificate's SHA-256 fingerprint to a user
(``peaceforce user add ... --cert FILE``). ``unit_tracks`` keeps the last
position each coalition unit's TAK device reported; it is labelled like every
other record, so on PostgreSQL it gets the same row-level-security policies
(migrations 0003 and 0004).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ROLE = "peaceforce_app"
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("not_after", sa.DateTime(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fingerprint"),
    )
    op.create_index("ix_certificates_user_id", "certificates", ["user_id"])
    op.create_table(
        "unit_tracks",
        sa.Column("uid", sa.String(length=256), nullable=False),
        sa.Column("callsign", sa.String(length=256), nullable=True),
        sa.Column("cot_type", sa.String(length=64), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("stale", sa.DateTime(), nullable=False),
        sa.Column("user_id", _ID, nullable=True),
        sa.Column("updated", sa.DateTime(), nullable=False),
        sa.Column("label_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(["label_id"], ["labels.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("uid"),
    )
    op.create_index("ix_unit_tracks_label_id", "unit_tracks", ["label_id"])
    op.create_index("ix_unit_tracks_updated", "unit_tracks", ["updated"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON certificates, unit_tracks TO {ROLE}")
        op.execute("ALTER TABLE unit_tracks ENABLE ROW LEVEL SECURITY")
        rule = "label_id IN (SELECT peaceforce_visible_labels())"
        op.execute(
            f"CREATE POLICY unit_tracks_read ON unit_tracks FOR SELECT TO {ROLE} USING ({rule})"
        )
        insert = f"FOR INSERT TO {ROLE} WITH CHECK (true)"
        op.execute(f"CREATE POLICY unit_tracks_insert ON unit_tracks {insert}")
        op.execute(
            f"CREATE POLICY unit_tracks_update ON unit_tracks FOR UPDATE TO {ROLE} USING ({rule})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for policy in ("read", "insert", "update"):
            op.execute(f"DROP POLICY unit_tracks_{policy} ON unit_tracks")
    op.drop_index("ix_unit_tracks_updated", table_name="unit_tracks")
    op.drop_index("ix_unit_tracks_label_id", table_name="unit_tracks")
    op.drop_table("unit_tracks")
    op.drop_index("ix_certificates_user_id", table_name="certificates")
    op.drop_table("certificates")

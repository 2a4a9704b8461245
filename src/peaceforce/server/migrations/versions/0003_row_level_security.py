"""PostgreSQL: row-level security with the visibility rule, the second layer under the ORM's.

The server's sessions run as ``peaceforce_app``, a role that owns nothing, with
the reader's clearance in transaction-local settings (``peaceforce.rank``,
``peaceforce.policies``, ``peaceforce.releasable``, ``peaceforce.caveats``; the
server's own bookkeeping sets ``peaceforce.system``). Each labelled table
answers a SELECT only with rows ``peaceforce_visible(label_id)`` allows — the
same rule as ``peaceforce.server.visibility.visible_to`` — so a query that
escaped the ORM's criteria still sees nothing it should not. SQLite has no
such layer.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROLE = "peaceforce_app"
LABELLED = (
    "scenarios",
    "runs",
    "agreements",
    "incidents",
    "adjudications",
    "daily_reports",
    "audit",
)

_VISIBLE = """
CREATE FUNCTION peaceforce_visible(label bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('peaceforce.system', true), '') = 'on' OR EXISTS (
    SELECT 1 FROM labels l
    WHERE l.id = label
      AND l.policy = ANY(string_to_array(current_setting('peaceforce.policies', true), ','))
      AND l.rank <= coalesce(nullif(current_setting('peaceforce.rank', true), '')::int, -1)
      AND EXISTS (
        SELECT 1 FROM label_releasable r
        WHERE r.label_id = l.id
          AND r.token = ANY(string_to_array(current_setting('peaceforce.releasable', true), ','))
      )
      AND NOT EXISTS (
        SELECT 1 FROM label_caveats c
        WHERE c.label_id = l.id
          AND c.token <> ALL(
            string_to_array(coalesce(current_setting('peaceforce.caveats', true), ''), ',')
          )
      )
  )
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') "
        f"THEN CREATE ROLE {ROLE} NOLOGIN; END IF; END $$"
    )
    op.execute(f"GRANT {ROLE} TO CURRENT_USER")
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE ON TABLES TO {ROLE}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {ROLE}"
    )
    op.execute(_VISIBLE)
    for table in LABELLED:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_read ON {table} FOR SELECT TO {ROLE} "
            "USING (peaceforce_visible(label_id))"
        )
        op.execute(
            f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO {ROLE} WITH CHECK (true)"
        )
        op.execute(
            f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO {ROLE} "
            "USING (peaceforce_visible(label_id))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in LABELLED:
        for policy in ("read", "insert", "update"):
            op.execute(f"DROP POLICY {table}_{policy} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION peaceforce_visible(bigint)")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")

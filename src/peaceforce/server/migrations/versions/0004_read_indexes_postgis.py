"""Covering indexes for the read paths, and a PostGIS point index where the extension exists.

``GET /api/v1/incidents`` filters by type, bounding box and time, keeps only
rows whose ``label_id`` the reader may read, and pages in ``seq`` order. The
indexes below hold every column those queries touch (type or time first, then
position, label and ``seq``), so both the page and its count are answered from
the index without reading the rows' JSON. The plain ``(lon, lat)`` and ``type``
indexes they extend are dropped. A reader's visible labels are looked up by
``(policy, rank)``.

On PostgreSQL the row-level-security policies of migration 0003 called
``peaceforce_visible(label_id)`` on every row, which forced a read of each row
beside the index. They now test ``label_id IN (SELECT peaceforce_visible_labels())``:
the same rule, the set of visible labels worked out once per query, so the
covering indexes serve the second layer too.

On PostgreSQL with PostGIS available, the extension is created (where the
migrating role may) and a GiST index on each report's point as ``geography``
serves ``near=`` and ``bbox=`` queries; without it the same queries run on the
plain columns and give the same answers (``peaceforce.server.spatial``).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: The expression the PostGIS index and ``near=`` queries share (they must match exactly).
POINT = "geography(ST_SetSRID(ST_MakePoint(lon, lat), 4326))"

_POSTGIS = f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS postgis;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'PostGIS is available but this role may not create it: plain columns used';
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis') THEN
    EXECUTE 'CREATE INDEX IF NOT EXISTS ix_incidents_point ON incidents USING gist (({POINT}))';
  END IF;
END $$
"""


LABELLED = (
    "scenarios",
    "runs",
    "agreements",
    "incidents",
    "adjudications",
    "daily_reports",
    "audit",
)

_VISIBLE_LABELS = """
CREATE FUNCTION peaceforce_visible_labels() RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
  SELECT l.id FROM labels l
  WHERE coalesce(current_setting('peaceforce.system', true), '') = 'on' OR (
    l.policy = ANY(string_to_array(current_setting('peaceforce.policies', true), ','))
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


def _policies(rule: str) -> None:
    for table in LABELLED:
        op.execute(f"ALTER POLICY {table}_read ON {table} USING ({rule})")
        op.execute(f"ALTER POLICY {table}_update ON {table} USING ({rule})")


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_lon_lat")
        batch_op.drop_index(batch_op.f("ix_incidents_type"))
        batch_op.create_index(
            "ix_incidents_type_lon_lat_cover", ["type", "lon", "lat", "label_id", "seq"]
        )
        batch_op.create_index("ix_incidents_lon_lat_cover", ["lon", "lat", "label_id", "seq"])
        batch_op.create_index("ix_incidents_time_cover", ["time", "type", "label_id", "seq"])
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.create_index("ix_labels_policy_rank", ["policy", "rank", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_VISIBLE_LABELS)
        _policies("label_id IN (SELECT peaceforce_visible_labels())")
        op.execute(_POSTGIS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_incidents_point")
        _policies("peaceforce_visible(label_id)")
        op.execute("DROP FUNCTION peaceforce_visible_labels()")
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_index("ix_labels_policy_rank")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_time_cover")
        batch_op.drop_index("ix_incidents_lon_lat_cover")
        batch_op.drop_index("ix_incidents_type_lon_lat_cover")
        batch_op.create_index(batch_op.f("ix_incidents_type"), ["type"], unique=False)
        batch_op.create_index("ix_incidents_lon_lat", ["lon", "lat"], unique=False)

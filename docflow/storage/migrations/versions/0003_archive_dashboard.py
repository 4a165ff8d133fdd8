"""The archive index's chamber id, lateness, newest versions and dashboard counts (issue 18).

Every row gets ``chamber_id`` (its record's own, here; the chambers migration's links and the
free-text names resolved through the home's chambers are filled by the archive when it first
opens the upgraded index: ``archive_index_state``), ``late`` and ``newest``; the counts table
is filled from them. See ``docflow.archive._dash``.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("archive_records") as batch:
        batch.add_column(sa.Column("chamber_id", sa.Text))
        batch.add_column(sa.Column("late", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("newest", sa.Integer, nullable=False, server_default="0"))
    # A chamber's records in log order; the free texts no chamber id was found for (a partial
    # index, scanned loosely: one probe a distinct text).
    op.create_index("archive_records_chamber_id", "archive_records", ["chamber_id", "log_seq"])
    op.create_index(
        "archive_records_chamber_text",
        "archive_records",
        ["chamber"],
        postgresql_where=sa.text("chamber_id IS NULL"),
        sqlite_where=sa.text("chamber_id IS NULL"),
    )
    op.create_table(
        "archive_dash_counts",
        sa.Column("chamber_id", sa.Text, primary_key=True),
        sa.Column("chamber", sa.Text, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("outcome", sa.Text, primary_key=True),
        sa.Column("late", sa.Integer, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_table(
        "archive_index_state",
        sa.Column("one", sa.Integer, primary_key=True),
        sa.Column("chambers_filled", sa.Integer, nullable=False),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        body = "(SELECT b.record_json::jsonb FROM archive_bodies b WHERE b.id = archive_records.id)"
        late = (
            f"CASE jsonb_typeof({body} -> 'late') WHEN 'boolean' THEN ({body} ->> 'late')::boolean"
            f"::int WHEN 'number' THEN (({body} ->> 'late')::numeric <> 0)::int "
            f"WHEN 'string' THEN (({body} ->> 'late') <> '')::int ELSE 0 END"
        )
        own = (
            f"CASE WHEN jsonb_typeof({body} -> 'chamber_id') = 'string' "
            f"AND ({body} ->> 'chamber_id') <> '' THEN {body} ->> 'chamber_id' END"
        )
    else:
        body = "(SELECT b.record_json FROM archive_bodies b WHERE b.id = archive_records.id)"
        late = (
            f"CASE json_type({body}, '$.late') WHEN 'true' THEN 1 "
            f"WHEN 'integer' THEN json_extract({body}, '$.late') <> 0 "
            f"WHEN 'real' THEN json_extract({body}, '$.late') <> 0 "
            f"WHEN 'text' THEN json_extract({body}, '$.late') <> '' ELSE 0 END"
        )
        own = (
            f"CASE WHEN json_type({body}, '$.chamber_id') = 'text' "
            f"AND json_extract({body}, '$.chamber_id') <> '' "
            f"THEN json_extract({body}, '$.chamber_id') END"
        )
    op.execute(f"UPDATE archive_records SET late = {late}, chamber_id = {own}")

    # docflow.archive._dash.refill, written out (a migration does not import the archive):
    # each cpd-report series' newest version, then the counts of those.
    op.execute(
        "UPDATE archive_records SET newest = 1 WHERE id IN (SELECT id FROM (SELECT id, "
        "row_number() OVER (PARTITION BY series ORDER BY coalesce(version, 0) DESC, "
        "log_seq DESC) AS place FROM archive_records WHERE kind = 'cpd-report') AS ranked "
        "WHERE place = 1)"
    )
    op.execute(
        "INSERT INTO archive_dash_counts (chamber_id, chamber, year, outcome, late, n) "
        "SELECT g_chamber_id, g_chamber, g_year, g_outcome, g_late, count(*) FROM ("
        "SELECT coalesce(chamber_id, '') AS g_chamber_id, CASE WHEN chamber_id IS NULL THEN "
        "coalesce(chamber, '') ELSE '' END AS g_chamber, coalesce(year, -1) AS g_year, "
        "coalesce(outcome, '') AS g_outcome, coalesce(late, 0) AS g_late "
        "FROM archive_records WHERE newest = 1) AS grouped "
        "GROUP BY g_chamber_id, g_chamber, g_year, g_outcome, g_late"
    )
    # An index with rows still needs its links and names resolved by the archive.
    filled = 0 if bind.execute(sa.text("SELECT 1 FROM archive_records LIMIT 1")).first() else 1
    op.execute(f"INSERT INTO archive_index_state (one, chambers_filled) VALUES (1, {filled})")


def downgrade() -> None:
    raise NotImplementedError("the archive's tables are never dropped by a migration")

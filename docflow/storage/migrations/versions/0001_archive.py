"""The archive's index, bodies, hash-chained log and object versions (issue 18).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The log is append-only in the database itself: an UPDATE or DELETE is refused by a trigger
# (an owner can still drop the trigger; the chain's hashes and the audit catch that).
_PG_APPEND_ONLY = """
CREATE FUNCTION docflow_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'archive_log is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER archive_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON archive_log
    FOR EACH STATEMENT EXECUTE FUNCTION docflow_log_append_only();
"""

_SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER archive_log_no_update BEFORE UPDATE ON archive_log BEGIN "
    "SELECT RAISE(ABORT, 'archive_log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER archive_log_no_delete BEFORE DELETE ON archive_log BEGIN "
    "SELECT RAISE(ABORT, 'archive_log is append-only: DELETE refused'); END",
]


def _sqlite_fts(table: str, column: str, key: str) -> list[str]:
    """A trigram index of ``table.column`` kept current by triggers (external content)."""
    fts = f"{table}_{column}_fts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', "
        f"content_rowid='rowid', tokenize='trigram')",
        f"CREATE TRIGGER {fts}_i AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts} (rowid, {column}) VALUES (new.rowid, new.{column}); END",
        f"CREATE TRIGGER {fts}_d AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts} ({fts}, rowid, {column}) VALUES ('delete', old.rowid, old.{column}); "
        "END",
        f"CREATE TRIGGER {fts}_u AFTER UPDATE OF {column} ON {table} BEGIN "
        f"INSERT INTO {fts} ({fts}, rowid, {column}) VALUES ('delete', old.rowid, old.{column}); "
        f"INSERT INTO {fts} (rowid, {column}) VALUES (new.rowid, new.{column}); END",
    ]


def upgrade() -> None:
    op.create_table(
        "archive_records",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("status", sa.Text, nullable=False, server_default="active"),
        sa.Column("log_seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("year", sa.Integer),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("iin", sa.Text),
        sa.Column("version", sa.Integer),
        sa.Column("full_name", sa.Text),
        sa.Column("name_fold", sa.Text, nullable=False),
        sa.Column("chamber", sa.Text),
        sa.Column("chamber_fold", sa.Text, nullable=False),
        sa.Column("previous", sa.Text),
        sa.Column("series", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False, unique=True),
        sa.Column("input_sha256", sa.Text),
        sa.Column("archived_at", sa.Text, nullable=False),
        sa.Column("pdf_path", sa.Text, nullable=False),
        sa.Column("json_path", sa.Text, nullable=False),
        sa.Column("record_sha256", sa.Text, nullable=False),
        sa.Column("status_reason", sa.Text),
        sa.Column("status_at", sa.Text),
    )
    op.create_table(
        "archive_bodies",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("record_json", sa.Text, nullable=False),
        sa.Column("text_fold", sa.Text, nullable=False),
    )
    op.create_table(
        "archive_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("record", sa.Text),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("line", sa.Text, nullable=False),
        sa.Column("line_sha256", sa.Text, nullable=False),
    )
    op.create_table(
        "archive_objects",
        sa.Column("sha256", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("version_id", sa.Text),
        sa.Column("retain_until", sa.Text),
    )
    for column in ("iin", "year", "input_sha256"):
        op.create_index(f"archive_records_{column}", "archive_records", [column])
    op.create_index("archive_records_series", "archive_records", ["series", "version"])
    op.create_index("archive_log_record", "archive_log", ["record"])

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # In public, whatever the search path: private schemas (benches, tests) share it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        for table, column in (
            ("archive_records", "name_fold"),
            ("archive_records", "chamber_fold"),
            ("archive_bodies", "text_fold"),
        ):
            op.execute(
                f"CREATE INDEX {table}_{column}_trgm ON {table} "
                f"USING gin ({column} public.gin_trgm_ops)"
            )
        op.execute(_PG_APPEND_ONLY)
    elif dialect == "sqlite":
        for statement in (
            _sqlite_fts("archive_records", "name_fold", "id")
            + _sqlite_fts("archive_records", "chamber_fold", "id")
            + _sqlite_fts("archive_bodies", "text_fold", "id")
            + _SQLITE_APPEND_ONLY
        ):
            op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("the archive's tables are never dropped by a migration")

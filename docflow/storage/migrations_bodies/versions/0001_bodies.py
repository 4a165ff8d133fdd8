"""The bodies' store: chambers and their names, offices, and the chamber id of old records.

A home made by an older docflow already has the four tables in ``.docflow/bodies.sqlite``,
created there without migrations: they are adopted as they are, rows kept. This revision only
creates what is missing and adds ``seq`` (the order rows were added in, which the old code read
from SQLite's ``rowid``: the aliases' order and the offices' order among equal ``since``) to
``chamber_names`` and ``offices``, filled from ``rowid`` in an adopted file.

Revision ID: bodies0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bodies0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    if "chambers" not in existing:
        op.create_table(
            "chambers",
            sa.Column("id", sa.Text, primary_key=True),
            sa.Column("kk", sa.Text, nullable=False),
            sa.Column("ru", sa.Text, nullable=False),
            sa.Column("en", sa.Text),
            sa.Column("created_at", sa.Text, nullable=False),
        )
    if "chamber_names" not in existing:
        op.create_table(
            "chamber_names",
            sa.Column("fold", sa.Text, primary_key=True),
            sa.Column("chamber_id", sa.Text, sa.ForeignKey("chambers.id"), nullable=False),
            sa.Column("name", sa.Text, nullable=False),
            sa.Column("kind", sa.Text, nullable=False),
            sa.Column("seq", sa.BigInteger),
            sa.CheckConstraint("kind IN ('kk', 'ru', 'en', 'alias')", name="chamber_names_kind"),
        )
    else:
        _add_seq(inspector, "chamber_names")
    if "offices" not in existing:
        op.create_table(
            "offices",
            sa.Column("fingerprint", sa.Text, primary_key=True),
            sa.Column("serial", sa.Text, nullable=False),
            sa.Column("iin", sa.Text, nullable=False),
            sa.Column("full_name", sa.Text, nullable=False),
            sa.Column("role", sa.Text, nullable=False),
            sa.Column("body", sa.Text),
            sa.Column("since", sa.Text, nullable=False),
            sa.Column("ended_at", sa.Text),
            sa.Column("end_reason", sa.Text),
            sa.Column("seq", sa.BigInteger),
        )
    else:
        _add_seq(inspector, "offices")
    indexes = (
        {i["name"] for i in inspector.get_indexes("offices")} if "offices" in existing else set()
    )
    for name, columns in (
        ("offices_body", ["body", "role"]),
        ("offices_iin", ["iin", "role"]),
        ("offices_serial", ["serial"]),
        ("offices_seq", ["seq"]),
    ):
        if name not in indexes:
            op.create_index(name, "offices", columns)
    if "record_chambers" not in existing:
        op.create_table(
            "record_chambers",
            sa.Column("record_id", sa.Text, primary_key=True),
            sa.Column("chamber_id", sa.Text, nullable=False),
            sa.Column("source_name", sa.Text),
            sa.Column("linked_at", sa.Text, nullable=False),
        )


def _add_seq(inspector: sa.Inspector, table: str) -> None:
    """An adopted SQLite table (made before migrations): ``seq`` from its ``rowid``."""
    if "seq" in {c["name"] for c in inspector.get_columns(table)}:
        return
    op.add_column(table, sa.Column("seq", sa.BigInteger))
    op.execute(f"UPDATE {table} SET seq = rowid")  # only an old SQLite file lacks the column


def downgrade() -> None:
    raise NotImplementedError("the bodies' tables are never dropped by a migration")

"""The summaries' own state: each chamber's current roster and the R-9.1 sanction cases.

A home made by an older docflow already has both tables in ``.docflow/summaries.sqlite``,
created there without migrations and with the same columns: they are adopted as they are (this
revision only creates what is missing).

Revision ID: sum0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "sum0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "rosters" not in existing:
        op.create_table(
            "rosters",
            sa.Column("chamber_key", sa.Text, primary_key=True),
            sa.Column("chamber", sa.Text, nullable=False),
            sa.Column("roster_json", sa.Text, nullable=False),
            sa.Column("source", sa.Text),
            sa.Column("imported_at", sa.Text, nullable=False),
        )
    if "sanctions" not in existing:
        op.create_table(
            "sanctions",
            sa.Column("chamber", sa.Text, primary_key=True),
            sa.Column("iin", sa.Text, primary_key=True),
            sa.Column("year", sa.Integer, primary_key=True),
            sa.Column("case_json", sa.Text, nullable=False),
            sa.Column("state", sa.Text, nullable=False),
        )


def downgrade() -> None:
    raise NotImplementedError("the summaries' tables are never dropped by a migration")

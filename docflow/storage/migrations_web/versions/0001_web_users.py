"""The web page's users and sessions (``web_users``, ``web_sessions``).

A home made by an older docflow already has both tables in ``.docflow/web.sqlite``, created
there without migrations and with the same columns: they are adopted as they are (this revision
only creates what is missing), so existing accounts and sessions keep working.

Revision ID: web0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "web_users" not in existing:
        op.create_table(
            "web_users",
            sa.Column("name", sa.Text, primary_key=True),
            sa.Column("role", sa.Text, nullable=False),
            sa.Column("password_hash", sa.Text, nullable=False),
            sa.Column("created_at", sa.Float, nullable=False),
            sa.Column("disabled", sa.Integer, nullable=False, server_default="0"),
        )
    if "web_sessions" not in existing:
        op.create_table(
            "web_sessions",
            sa.Column("token_sha256", sa.Text, primary_key=True),
            sa.Column("user_name", sa.Text, nullable=False),
            sa.Column("created_at", sa.Float, nullable=False),
            sa.Column("last_seen", sa.Float, nullable=False),
            sa.Column("expires_at", sa.Float, nullable=False),
        )


def downgrade() -> None:
    raise NotImplementedError("the users' tables are never dropped by a migration")

"""Parked work folders (issue 18): a document that waits for a person (``review``,
``awaiting_signature``) keeps its whole work folder here, as a tar, so that any node can go
on with it: another worker host running the resumed job, the node where the officer reviews.

``version`` grows by one with every park of the same token: a node whose copy carries an
older version (``.docflow/work/<token>/.parked-version``) restores the newer one. The row is
written in the same transaction as the journal row's waiting state, and deleted in the same
transaction as its final state (``SqlJournal.park``, ``SqlJournal.finish``).

Revision ID: q0002
Revises: q0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "q0002"
down_revision = "q0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_parked",
        sa.Column("token", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("journal_parked")

"""The shared inbox journal and the submissions' bytes (issue 18, ``[queue] backend =
"postgres"``). A branch of its own (``queue``), so that other stores' revisions and this one
never compete for the same parent; ``open_database`` upgrades every branch to its head.

The job queue's own tables are procrastinate's schema, applied by ``docflow.queue`` (see
``docflow/queue/_app.py``), not here.

Revision ID: q0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "q0001"
down_revision = None
branch_labels = ("queue",)
depends_on = None


def upgrade() -> None:
    # The columns of docflow/inbox/journal.py's SQLite journal, plus where the submission came
    # in (``node``: the watch node that owes the sender a rejection file) and the sender's
    # explanation of a rejection (``error_text``, delivered by that node).
    op.create_table(
        "journal_submissions",
        sa.Column("token", sa.Text, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("suffix", sa.Text, nullable=False, server_default=""),
        sa.Column("received_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("stage", sa.Text, nullable=False, server_default="received"),
        sa.Column("kind", sa.Text),
        sa.Column("record", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("full_name", sa.Text),
        sa.Column("iin", sa.Text),
        sa.Column("year", sa.Integer),
        sa.Column("details", sa.Text),
        sa.Column("chamber", sa.Text),
        sa.Column("owner", sa.Text),
        sa.Column("lease_until", sa.Float),
        sa.Column("node", sa.Text),
        sa.Column("error_text", sa.Text),
        sa.Column("delivered", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("journal_submissions_sha", "journal_submissions", ["sha256"])
    op.create_index("journal_submissions_state", "journal_submissions", ["state"])
    # A submission's bytes, addressed by their SHA-256: what a worker on any host reads.
    op.create_table(
        "journal_inputs",
        sa.Column("sha256", sa.Text, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("journal_inputs")
    op.drop_table("journal_submissions")

"""A covering index for the log-order walks of substring searches (PostgreSQL, issue 18).

A common needle (a given name, a chamber, a phrase) is searched by walking the records in log
order and checking each (``docflow.archive._sqlindex``): through the unique index on ``log_seq``
every row walked cost a heap page (rows are ~360 bytes wide and, once updated, no longer lie in
log order: 2,082 pages to count a chamber's first 250 matches). This index holds the narrow
columns the walk checks, so the walk is an index-only scan over a few dozen pages (the
visibility map, set by VACUUM and autovacuum, spares the heap). A second one, on ``year,
log_seq``, serves a year with a name or chamber fragment: the planner reads the year's rows in
log order from it and checks the fragment in the index, stopping at the cap (2-5 ms), where it
ANDed the trigram and year indexes and rechecked ~1,600 scattered heap rows (5-6 ms); a rare
fragment still goes through the trigram index (the planner's choice, by the statistics).

SQLite: nothing (its FTS5 trigram tables answer substring searches).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: The columns a walk reads besides ``log_seq`` (see ``_sqlindex.WALKED``).
INCLUDED = ("id", "year", "name_fold", "chamber_fold")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX IF NOT EXISTS archive_records_walk ON archive_records (log_seq) "
        f"INCLUDE ({', '.join(INCLUDED)})"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS archive_records_year_walk ON archive_records (year, log_seq) "
        f"INCLUDE ({', '.join(c for c in INCLUDED if c != 'year')})"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS archive_records_walk")
    op.execute("DROP INDEX IF EXISTS archive_records_year_walk")

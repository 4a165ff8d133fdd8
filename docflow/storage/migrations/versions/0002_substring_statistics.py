"""Finer statistics for the substring columns of the archive's index (PostgreSQL).

With the default statistics target (100), the planner estimates a rare name such as
"Сәрсенбаев Алексей" (70 records of 100,000) at 1% (1,009 rows) and walks the log order
backwards through every record (100-210 ms) instead of asking the trigram index (11-14 ms).
At 1,000 its estimate is the right size (94-108 rows) and the trigram index is chosen; a
common fragment ("нұрлан", ~10,000 records) still walks the log order, which is cheapest
there. Measured on bench/bench_search.py's 100,000 records. ANALYZE then reads the column
with the new target (300,000 sampled rows at most).

SQLite: nothing (its FTS5 trigram tables answer substring searches).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: The statistics target of the substring columns (PostgreSQL's default is 100).
TARGET = 1000
_COLUMNS = (("archive_records", "name_fold"), ("archive_records", "chamber_fold"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {TARGET}")
    op.execute("ANALYZE archive_records")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1")

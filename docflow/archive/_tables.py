"""The archive's tables in a database by URL (SQLAlchemy Core; created by the migrations).

``archive_records`` holds the narrow columns searches filter and sort on; the record JSON and its
folded text sit in ``archive_bodies``, read only for the rows of the page shown.
``archive_log`` is the hash-chained log: each row is one log line, byte for byte what the
embedded ``log.jsonl`` holds, so a migrated archive keeps its chain and its head.
``archive_objects`` says which object version holds each SHA-256 (versions with Object Lock).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text

metadata = MetaData()

records = Table(
    "archive_records",
    metadata,
    Column("id", Text, primary_key=True),
    Column("status", Text, nullable=False, server_default="active"),
    Column("log_seq", BigInteger, nullable=False, unique=True),
    Column("year", Integer),
    Column("kind", Text, nullable=False),
    Column("outcome", Text),
    Column("iin", Text),
    Column("version", Integer),
    Column("full_name", Text),
    Column("name_fold", Text, nullable=False),
    Column("chamber", Text),
    Column("chamber_fold", Text, nullable=False),
    Column("previous", Text),
    Column("series", Text, nullable=False),
    Column("sha256", Text, nullable=False, unique=True),
    Column("input_sha256", Text),
    Column("archived_at", Text, nullable=False),
    Column("pdf_path", Text, nullable=False),
    Column("json_path", Text, nullable=False),
    Column("record_sha256", Text, nullable=False),
    Column("status_reason", Text),
    Column("status_at", Text),
    # revision 0003 (see docflow.archive._dash): the record's chamber id, whether it was filed
    # late, and whether it is the newest version of its cpd-report series
    Column("chamber_id", Text),
    Column("late", Integer, nullable=False, server_default="0"),
    Column("newest", Integer, nullable=False, server_default="0"),
)

#: The dashboard's counts (revision 0003, see ``docflow.archive._dash``).
dash_counts = Table(
    "archive_dash_counts",
    metadata,
    Column("chamber_id", Text, primary_key=True),
    Column("chamber", Text, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("outcome", Text, primary_key=True),
    Column("late", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
)

#: Whether the chamber ids of rows indexed before revision 0003 were filled from the home's
#: chambers (links and names are in ``.docflow/bodies.sqlite``, which a migration cannot see).
index_state = Table(
    "archive_index_state",
    metadata,
    Column("one", Integer, primary_key=True),
    Column("chambers_filled", Integer, nullable=False),
)

bodies = Table(
    "archive_bodies",
    metadata,
    Column("id", Text, primary_key=True),
    Column("record_json", Text, nullable=False),
    Column("text_fold", Text, nullable=False),
)

log = Table(
    "archive_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("record", Text),
    Column("event", Text, nullable=False),
    Column("line", Text, nullable=False),
    Column("line_sha256", Text, nullable=False),
)

objects = Table(
    "archive_objects",
    metadata,
    Column("sha256", Text, primary_key=True),
    Column("key", Text, nullable=False),
    Column("version_id", Text),
    Column("retain_until", Text),
)

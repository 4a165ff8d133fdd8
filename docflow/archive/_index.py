"""The SQLite index of the archive (``outbox/.index/archive.sqlite``): schema and connection.

The index is derived data: every row can be rebuilt from the log and the record files. It keeps
casefolded copies of names for Cyrillic-aware search (SQLite's ``lower()`` is ASCII-only) and
anchors the log's head, so a log cut short at its end is still noticed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id            TEXT PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'stored')),
    kind          TEXT NOT NULL,
    outcome       TEXT,
    full_name     TEXT,
    name_fold     TEXT NOT NULL,
    iin           TEXT,
    year          INTEGER,
    chamber       TEXT,
    chamber_fold  TEXT NOT NULL,
    version       INTEGER,
    previous      TEXT,
    series        TEXT NOT NULL,
    sha256        TEXT NOT NULL UNIQUE,
    input_sha256  TEXT,
    archived_at   TEXT NOT NULL,
    pdf_path      TEXT NOT NULL,
    json_path     TEXT NOT NULL,
    record_sha256 TEXT NOT NULL,
    record_json   TEXT NOT NULL,
    text_fold     TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active',
    status_reason TEXT,
    status_at     TEXT,
    log_seq       INTEGER
);
CREATE INDEX IF NOT EXISTS records_iin ON records (iin);
CREATE INDEX IF NOT EXISTS records_input ON records (input_sha256);
CREATE INDEX IF NOT EXISTS records_series ON records (series, version);
CREATE INDEX IF NOT EXISTS records_year ON records (year);
CREATE TABLE IF NOT EXISTS head (
    one         INTEGER PRIMARY KEY CHECK (one = 1),
    seq         INTEGER NOT NULL,
    line_sha256 TEXT NOT NULL
);
"""

#: Columns written for a record row, in order (state and log_seq are set separately).
RECORD_COLUMNS = (
    "id",
    "kind",
    "outcome",
    "full_name",
    "name_fold",
    "iin",
    "year",
    "chamber",
    "chamber_fold",
    "version",
    "previous",
    "series",
    "sha256",
    "input_sha256",
    "archived_at",
    "pdf_path",
    "json_path",
    "record_sha256",
    "record_json",
    "text_fold",
)


def connect(path: Path) -> sqlite3.Connection:
    """Open the index in WAL mode, in autocommit mode (transactions are explicit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=60.0, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA busy_timeout = 60000")
    db.execute("PRAGMA journal_mode = WAL")
    # FULL: a committed intent row must survive a power cut, or recovery could not tell our
    # own half-written files from foreign ones.
    db.execute("PRAGMA synchronous = FULL")
    return db


def ensure_schema(db: sqlite3.Connection) -> None:
    """Create the tables once (the caller holds the archive lock, so no two processes race)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version not in (0, SCHEMA_VERSION):
        raise RuntimeError(f"archive index has schema {version}, this docflow knows 1")
    db.execute("BEGIN IMMEDIATE")
    try:
        # One statement at a time: executescript() would commit the open transaction first.
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise

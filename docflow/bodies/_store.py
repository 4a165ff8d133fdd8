"""The bodies' own SQLite database, ``.docflow/bodies.sqlite``: chambers and their names, the
offices held in them, and the chamber id of archive records that predate chamber ids.

The archive's signed records are never rewritten: a record filed under a free-text chamber
name is tied to its chamber id here (``record_chambers``), beside the archive, not in it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from docflow.config import Home
from docflow.sqlite_open import opening

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chambers (
    id         TEXT PRIMARY KEY,
    kk         TEXT NOT NULL,
    ru         TEXT NOT NULL,
    en         TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chamber_names (
    fold       TEXT PRIMARY KEY,
    chamber_id TEXT NOT NULL REFERENCES chambers (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('kk', 'ru', 'en', 'alias'))
);
CREATE TABLE IF NOT EXISTS offices (
    fingerprint TEXT PRIMARY KEY,
    serial      TEXT NOT NULL,
    iin         TEXT NOT NULL,
    full_name   TEXT NOT NULL,
    role        TEXT NOT NULL,
    body        TEXT,
    since       TEXT NOT NULL,
    ended_at    TEXT,
    end_reason  TEXT
);
CREATE INDEX IF NOT EXISTS offices_body ON offices (body, role);
CREATE INDEX IF NOT EXISTS offices_iin ON offices (iin, role);
CREATE TABLE IF NOT EXISTS record_chambers (
    record_id   TEXT PRIMARY KEY,
    chamber_id  TEXT NOT NULL,  -- a chamber id, or collegium
    source_name TEXT,
    linked_at   TEXT NOT NULL
);
"""


def bodies_db_path(home: Home | Path | str) -> Path:
    root = home.root if isinstance(home, Home) else Path(home)
    return root / ".docflow" / "bodies.sqlite"


#: Databases this process has already made (WAL mode and schema are set once per file).
_ready: set[Path] = set()


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """One short-lived connection (CLI commands and workers each open their own), committed
    when the block ends without an error."""
    if path in _ready and path.exists():
        db = sqlite3.connect(path, timeout=30)
    else:
        with opening(path):
            db = sqlite3.connect(path, timeout=30)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
            except BaseException:
                db.close()
                raise
        _ready.add(path)
    db.row_factory = sqlite3.Row
    try:
        with db:
            yield db
    finally:
        db.close()

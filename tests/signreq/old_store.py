"""The signing requests' SQLite file as docflow wrote it before the store had migrations
(issue 18): this exact SQL, so that adopting an older home is tested against what it has."""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: ``docflow/signreq/_store.py``'s schema before the store moved to ``open_database``; the
#: first ``api_tokens`` had no ``expires``/``revoked`` (added later by ALTER TABLE).
OLD_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS sign_requests (
        id            TEXT PRIMARY KEY,
        document      TEXT NOT NULL,
        field         TEXT NOT NULL,
        role          TEXT,
        expected_iin  TEXT NOT NULL,
        signer_name   TEXT NOT NULL,
        locale        TEXT NOT NULL,
        created       TEXT NOT NULL,
        expires       TEXT NOT NULL,
        state         TEXT NOT NULL,
        last_refusal  TEXT,
        completed     TEXT,
        signed_sha256 TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS sign_requests_iin ON sign_requests (expected_iin, state)",
    """CREATE TABLE IF NOT EXISTS api_tokens (
        token_sha256 TEXT PRIMARY KEY,
        user_name    TEXT NOT NULL,
        created      TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS user_iins (
        user_name TEXT PRIMARY KEY,
        iin       TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS login_nonces (
        nonce_sha256 TEXT PRIMARY KEY,
        created      REAL NOT NULL,
        used         INTEGER NOT NULL DEFAULT 0
    )""",
)
#: what the older store added to a file made before tokens expired
TOKEN_COLUMNS = ("ALTER TABLE api_tokens ADD COLUMN expires TEXT",
                 "ALTER TABLE api_tokens ADD COLUMN revoked TEXT")  # fmt: skip


def old_store(state: Path, *, token_columns: bool = True) -> sqlite3.Connection:
    """``state/sign-requests.sqlite`` made by the older docflow (WAL, as it opened it)."""
    state.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(state / "sign-requests.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    for statement in OLD_SCHEMA + (TOKEN_COLUMNS if token_columns else ()):
        db.execute(statement)
    return db

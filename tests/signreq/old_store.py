"""The signing requests' SQLite file as docflow wrote it before the store had migrations
(issue 18): this exact SQL, so that adopting an older home is tested against what it has."""

from __future__ import annotations

import hashlib
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


def old_request(
    db: sqlite3.Connection,
    state: Path,
    pdf: bytes,
    *,
    request_id: str,
    iin: str,
    name: str,
    signed_pdf: bytes | None = None,
) -> None:
    """A request as the older ``SignRequests.create`` left it: ``prepared.pdf`` and
    ``prepared.json`` in ``state/sign-requests/<id>/`` (``PreparedSignature.save``) and its
    row; ``signed_pdf``: it was signed too (``signed.pdf`` beside them)."""
    from datetime import UTC, datetime, timedelta

    from docflow.sign import SignSpec, prepare

    now = datetime.now(UTC)
    spec = SignSpec("consultant", role="consultant")
    folder = state / "sign-requests" / request_id
    prepare(pdf, spec, signer_name=name, now=now).save(folder)
    (folder / ".lock").touch()  # the older submit's flock file
    if signed_pdf is not None:
        (folder / "signed.pdf").write_bytes(signed_pdf)
    db.execute(
        "INSERT INTO sign_requests (id, document, field, role, expected_iin, signer_name, "
        "locale, created, expires, state, completed, signed_sha256) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            request_id, f"report-{request_id}", spec.field, spec.role, iin, name, spec.locale,
            now.isoformat(), (now + timedelta(days=28)).isoformat(),
            "signed" if signed_pdf is not None else "open",
            now.isoformat() if signed_pdf is not None else None,
            None if signed_pdf is None else hashlib.sha256(signed_pdf).hexdigest(),
        ),
    )  # fmt: skip


def old_token(db: sqlite3.Connection, token: str, user: str, *, days: float = 90) -> None:
    """An API token row as the older ``new_token`` wrote it (only its SHA-256)."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    db.execute(
        "INSERT INTO api_tokens (token_sha256, user_name, created, expires) VALUES (?, ?, ?, ?)",
        (hashlib.sha256(token.encode()).hexdigest(), user, now.isoformat(),
         (now + timedelta(days=days)).isoformat()),
    )  # fmt: skip

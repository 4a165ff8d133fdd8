"""The work journal: one row per file dropped into the inbox, with its state.

It lives in ``.docflow/journal.sqlite`` (WAL). A row is written *before* the file is claimed and
its final state only *after* the outcome is committed, so a crash at any moment leaves a row the
next start can resume from (see ``Workflow.recover``).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from docflow.sqlite_open import opening

State = Literal[
    "processing",
    "archived",
    "returned",
    "review",
    "awaiting_signature",
    "signed",
    "rejected",
    "duplicate",
]
#: States that own the input's bytes: the same bytes dropped again are a duplicate of them.
#: A rejected input is not among them: after fixing the cause (say, enrolling), the same file
#: may be dropped again and is processed anew.
#: ``awaiting_signature``: a person signs with their own key (issue 15); ``signed``: a signed
#: package dropped into the inbox, accepted for the request it names.
HOLDING_STATES: tuple[State, ...] = (
    "processing",
    "archived",
    "returned",
    "review",
    "awaiting_signature",
    "signed",
)
#: States that keep their work folder: the document waits for a person.
WAITING_STATES: tuple[State, ...] = ("review", "awaiting_signature")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    token       TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    received_at TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    state       TEXT NOT NULL,
    stage       TEXT NOT NULL DEFAULT 'received',
    kind        TEXT,
    record      TEXT,
    reason      TEXT,
    full_name   TEXT,
    iin         TEXT,
    year        INTEGER,
    details     TEXT,
    chamber     TEXT
);
CREATE INDEX IF NOT EXISTS submissions_sha ON submissions(sha256);
-- owner and lease_until are added by _migrate for journals made before leases
CREATE INDEX IF NOT EXISTS submissions_state ON submissions(state);
"""


#: How long a row stays leased to its owner without a renewal (the runner renews every
#: ``LEASE_SECONDS / 4``): a watcher killed with -9 leaves its rows to the next start after it.
LEASE_SECONDS = 60.0


def new_owner() -> str:
    """This process's owner name for leases: ``host:pid:nonce``."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"


def owner_alive(owner: str) -> bool:
    """Whether the process named by ``owner`` still runs (on this host; another host's owner is
    trusted to be alive until its lease ends)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname():
        return True
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Entry:
    token: str
    source: str
    sha256: str
    received_at: str
    updated_at: str
    state: State
    stage: str
    kind: str | None
    record: str | None
    reason: str | None
    full_name: str | None
    iin: str | None
    year: int | None
    details: str | None
    #: The chamber id the submission was admitted to (issue 13), once judged.
    chamber: str | None = None
    owner: str | None = None
    lease_until: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``status --json`` shape of the contract, plus when and what."""
        return {
            "source": self.source,
            "sha256": self.sha256,
            "state": self.state,
            "record": self.record,
            "reason": self.reason,
            "token": self.token,
            "kind": self.kind,
            "chamber": self.chamber,
            "received_at": self.received_at,
            "updated_at": self.updated_at,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Journal:
    """Thread-safe access to the journal; each call is its own transaction."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with opening(path):
            self._db = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=30
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._migrate()

    def _migrate(self) -> None:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(submissions)")}
        for name, kind in (("chamber", "TEXT"), ("owner", "TEXT"), ("lease_until", "REAL")):
            if name not in columns:
                try:
                    self._db.execute(f"ALTER TABLE submissions ADD COLUMN {name} {kind}")
                except sqlite3.OperationalError as exc:  # another process added it meanwhile
                    if "duplicate column" not in str(exc):
                        raise

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def add(self, token: str, source: str, sha256: str, *, owner: str | None = None) -> Entry:
        now = _now()
        lease = time.time() + LEASE_SECONDS if owner else None
        with self._tx() as db:
            db.execute(
                "INSERT INTO submissions (token, source, sha256, received_at, updated_at, state,"
                " owner, lease_until) VALUES (?, ?, ?, ?, ?, 'processing', ?, ?)",
                (token, source, sha256, now, now, owner, lease),
            )
        return self.get(token)

    def renew(self, owner: str) -> int:
        """Extend the lease of every row ``owner`` still processes; returns how many."""
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE submissions SET lease_until = ? WHERE owner = ? AND state = 'processing'",
                (time.time() + LEASE_SECONDS, owner),
            )
        return cursor.rowcount

    def take_over(self, token: str, owner: str) -> bool:
        """Lease a ``processing`` row to ``owner`` unless a live owner holds it: its lease has
        not ended and its process runs. Start-up recovery takes only what this returns True
        for, so it never takes a live watcher's work."""
        now = time.time()
        with self._tx() as db:
            row = db.execute(
                "SELECT owner, lease_until FROM submissions"
                " WHERE token = ? AND state = 'processing'",
                (token,),
            ).fetchone()
            if row is None:
                return False
            held_by, until = row["owner"], row["lease_until"]
            if held_by and held_by != owner and until and until > now and owner_alive(held_by):
                return False
            db.execute(
                "UPDATE submissions SET owner = ?, lease_until = ? WHERE token = ?",
                (owner, now + LEASE_SECONDS, token),
            )
        return True

    def resume(self, token: str, owner: str) -> bool:
        """Lease a row waiting for a person (``awaiting_signature``) to ``owner`` as
        ``processing``, atomically: False when it is no longer waiting (another process took
        it). Nobody runs a waiting row, so its old lease does not count."""
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE submissions SET state = 'processing', owner = ?, lease_until = ?,"
                " updated_at = ? WHERE token = ? AND state = 'awaiting_signature'",
                (owner, time.time() + LEASE_SECONDS, _now(), token),
            )
        return cursor.rowcount == 1

    def holder_of(self, sha256: str, *, exclude: str | None = None) -> Entry | None:
        """The earlier submission holding these exact bytes, if any."""
        marks = ",".join("?" for _ in HOLDING_STATES)
        with self._lock:
            row = self._db.execute(
                f"SELECT * FROM submissions WHERE sha256 = ? AND state IN ({marks})"
                " AND token != ? ORDER BY received_at, token LIMIT 1",
                (sha256, *HOLDING_STATES, exclude or ""),
            ).fetchone()
        return Entry(**row) if row else None

    def update(self, token: str, **fields: Any) -> Entry:
        allowed = {
            "state",
            "stage",
            "kind",
            "record",
            "reason",
            "full_name",
            "iin",
            "year",
            "details",
            "chamber",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown journal fields: {sorted(unknown)}")
        fields["updated_at"] = _now()
        assignments = ", ".join(f"{k} = ?" for k in fields)
        with self._tx() as db:
            db.execute(
                f"UPDATE submissions SET {assignments} WHERE token = ?", (*fields.values(), token)
            )
        return self.get(token)

    def forget(self, token: str) -> None:
        """Drop a row whose claim never happened (crash between the row and the rename)."""
        with self._tx() as db:
            db.execute("DELETE FROM submissions WHERE token = ?", (token,))

    def get(self, token: str) -> Entry:
        with self._lock:
            row = self._db.execute("SELECT * FROM submissions WHERE token = ?", (token,)).fetchone()
        if row is None:
            raise KeyError(token)
        return Entry(**row)

    def find(self, token_or_record: str) -> Entry | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM submissions WHERE token = ? OR record = ?"
                " ORDER BY received_at DESC LIMIT 1",
                (token_or_record, token_or_record),
            ).fetchone()
        return Entry(**row) if row else None

    def entries(self, state: State | None = None) -> list[Entry]:
        with self._lock:
            if state is None:
                rows = self._db.execute(
                    "SELECT * FROM submissions ORDER BY received_at, token"
                ).fetchall()
            else:
                rows = self._db.execute(
                    "SELECT * FROM submissions WHERE state = ? ORDER BY received_at, token",
                    (state,),
                ).fetchall()
        return [Entry(**r) for r in rows]

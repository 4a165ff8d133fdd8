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


# ---------------------------------------------------------------------- the shared journal


@dataclass(frozen=True)
class ParkedCopy:
    """A parked work folder as stored: ``data`` is a tar whose SHA-256 is ``sha256``."""

    token: str
    version: int
    sha256: str
    updated_at: str
    data: bytes


_ENTRY_COLUMNS = (
    "token", "source", "sha256", "received_at", "updated_at", "state", "stage", "kind",
    "record", "reason", "full_name", "iin", "year", "details", "chamber", "owner", "lease_until",
)  # fmt: skip
_SELECT = f"SELECT {', '.join(_ENTRY_COLUMNS)} FROM journal_submissions"


class SqlJournal:
    """The journal in a database by URL (``[queue] backend = "postgres"``): one for every
    watch node and worker, so a submission received on one machine is processed on another.

    The same methods as ``Journal``, plus the submission's bytes (``store_input``,
    ``input_bytes``, addressed by SHA-256) and the rejections a watch node still owes its
    sender (``note_rejection``, ``undelivered``). ``add(owner=...)`` records the receiving
    node (``node``); the lease (``owner``, ``lease_until``) is the worker's running the row
    (``take_over``, ``renew``). The database is opened on first use, and a forked child
    never uses its parent's connections.
    """

    def __init__(self, url: str):
        self.url = url
        self._database: Any = None
        self._open_lock = threading.Lock()
        self.path = Path(url)  # for messages only; kept for ``Journal``'s shape

    @property
    def db(self) -> Any:
        with self._open_lock:
            if self._database is None:
                from docflow.storage import forget_in_forked_children, open_database

                database = open_database(self.url)
                forget_in_forked_children(database)
                self._database = database
            return self._database

    def close(self) -> None:
        with self._open_lock:
            if self._database is not None:
                self._database.dispose()
                self._database = None

    def _rows(self, sql: str, **params: Any) -> list[Entry]:
        from sqlalchemy import text

        with self.db.reading() as conn:
            rows = conn.execute(text(sql), params).mappings().all()
        return [Entry(**dict(r)) for r in rows]

    def _autocommit(self) -> Any:
        """PostgreSQL: an autocommit connection; elsewhere a transaction of one statement."""
        return self.db.reading() if self.db.dialect == "postgresql" else self.db.writing()

    def _write(self, sql: str, **params: Any) -> int:
        """One statement, committed by itself (autocommit: one round trip, no BEGIN/COMMIT;
        a single statement is atomic on its own)."""
        from sqlalchemy import text

        with self._autocommit() as conn:
            return int(conn.execute(text(sql), params).rowcount)

    def _write_returning(self, sql: str, **params: Any) -> Entry:
        """One statement ending ``RETURNING`` the row, committed by itself."""
        from sqlalchemy import text

        returning = f"{sql} RETURNING {', '.join(_ENTRY_COLUMNS)}"
        with self._autocommit() as conn:
            # all(), not first(): SQLite applies a RETURNING statement as its rows are read.
            rows = conn.execute(text(returning), params).mappings().all()
        if not rows:
            raise KeyError(params.get("token"))
        return Entry(**dict(rows[0]))

    def add(self, token: str, source: str, sha256: str, *, owner: str | None = None) -> Entry:
        now = _now()
        return self._write_returning(
            "INSERT INTO journal_submissions (token, source, sha256, received_at, updated_at,"
            " state, node) VALUES (:token, :source, :sha, :now, :now, 'processing', :node)",
            token=token, source=source, sha=sha256, now=now, node=owner,
        )  # fmt: skip

    def store_input(self, token: str, data: bytes, suffix: str) -> None:
        """Keep the submission's bytes (once per SHA-256) for whichever worker runs it."""
        import hashlib

        from sqlalchemy import text

        sha = hashlib.sha256(data).hexdigest()
        with self.db.writing() as conn:
            if (
                conn.execute(
                    text("SELECT 1 FROM journal_inputs WHERE sha256 = :sha"), {"sha": sha}
                ).first()
                is None
            ):
                conn.execute(
                    text(
                        "INSERT INTO journal_inputs (sha256, data) VALUES (:sha, :data)"
                        + (" ON CONFLICT DO NOTHING" if self.db.dialect == "postgresql" else "")
                    ),
                    {"sha": sha, "data": data},
                )
            conn.execute(
                text("UPDATE journal_submissions SET suffix = :suffix WHERE token = :token"),
                {"suffix": suffix, "token": token},
            )

    def input_bytes(self, token: str) -> tuple[bytes, str] | None:
        """The submission's bytes and its file's suffix, or None when not stored (yet)."""
        from sqlalchemy import text

        with self.db.reading() as conn:
            row = conn.execute(
                text(
                    "SELECT i.data, s.suffix FROM journal_submissions s"
                    " JOIN journal_inputs i ON i.sha256 = s.sha256 WHERE s.token = :token"
                ),
                {"token": token},
            ).first()
        return (bytes(row[0]), str(row[1])) if row is not None else None

    def renew(self, owner: str) -> int:
        return self._write(
            "UPDATE journal_submissions SET lease_until = :until"
            " WHERE owner = :owner AND state = 'processing'",
            until=time.time() + LEASE_SECONDS, owner=owner,
        )  # fmt: skip

    def take_over(self, token: str, owner: str) -> bool:
        """As ``Journal.take_over``, in one transaction with the row locked (any number of
        machines ask at once; exactly one gets a row no live owner holds)."""
        from sqlalchemy import text

        now = time.time()
        lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
        with self.db.writing() as conn:
            row = conn.execute(
                text(
                    "SELECT owner, lease_until FROM journal_submissions"
                    f" WHERE token = :token AND state = 'processing'{lock}"
                ),
                {"token": token},
            ).first()
            if row is None:
                return False
            held_by, until = row[0], row[1]
            if held_by and held_by != owner and until and until > now and owner_alive(held_by):
                return False
            conn.execute(
                text(
                    "UPDATE journal_submissions SET owner = :owner, lease_until = :until"
                    " WHERE token = :token"
                ),
                {"owner": owner, "until": now + LEASE_SECONDS, "token": token},
            )
        return True

    def resume(self, token: str, owner: str | None) -> bool:
        """As ``Journal.resume``: lease a row waiting for a person to ``owner`` as
        ``processing``, in one statement (False when another process took it first).
        ``owner`` None: unleased, for whichever worker takes its job (a watch node that
        found the signature arrived, ``docflow.queue.QueueIntake.resume_waiting``)."""
        from sqlalchemy import text

        until = None if owner is None else time.time() + LEASE_SECONDS
        with self.db.writing() as conn:
            done = conn.execute(
                text(
                    "UPDATE journal_submissions SET state = 'processing', owner = :owner,"
                    " lease_until = :until, updated_at = :now"
                    " WHERE token = :token AND state = 'awaiting_signature'"
                ),
                {"owner": owner, "until": until, "now": _now(), "token": token},
            )
        return done.rowcount == 1

    def release(self, token: str, owner: str) -> None:
        """Give up the lease of a row still processing (a worker that will retry it later)."""
        self._write(
            "UPDATE journal_submissions SET owner = NULL, lease_until = NULL"
            " WHERE token = :token AND owner = :owner",
            token=token, owner=owner,
        )  # fmt: skip

    def holder_of(self, sha256: str, *, exclude: str | None = None) -> Entry | None:
        states = ", ".join(f"'{s}'" for s in HOLDING_STATES)
        rows = self._rows(
            f"{_SELECT} WHERE sha256 = :sha AND state IN ({states}) AND token != :exclude"
            " ORDER BY received_at, token LIMIT 1",
            sha=sha256, exclude=exclude or "",
        )  # fmt: skip
        return rows[0] if rows else None

    def update(self, token: str, **fields: Any) -> Entry:
        allowed = {"state", "stage", "kind", "record", "reason", "full_name", "iin", "year",
                   "details", "chamber"}  # fmt: skip
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown journal fields: {sorted(unknown)}")
        fields["updated_at"] = _now()
        assignments = ", ".join(f"{k} = :{k}" for k in fields)
        return self._write_returning(
            f"UPDATE journal_submissions SET {assignments} WHERE token = :token",
            **fields, token=token,
        )  # fmt: skip

    def note_rejection(self, token: str, text_for_sender: str) -> None:
        """The explanation the receiving node writes beside the file in ``inbox/rejected/``."""
        self._write(
            "UPDATE journal_submissions SET error_text = :text, delivered = FALSE"
            " WHERE token = :token",
            text=text_for_sender, token=token,
        )  # fmt: skip

    def undelivered(self, node: str) -> list[tuple[Entry, str]]:
        """Rejections received by ``node`` whose file and explanation it has not written."""
        from sqlalchemy import text

        with self.db.reading() as conn:
            rows = (
                conn.execute(
                    text(
                        f"{_SELECT.replace('SELECT ', 'SELECT error_text, ', 1)}"
                        " WHERE node = :node AND state = 'rejected' AND NOT delivered"
                        " AND error_text IS NOT NULL ORDER BY received_at"
                    ),
                    {"node": node},
                )
                .mappings()
                .all()
            )
        out = []
        for r in rows:
            values = dict(r)
            error = str(values.pop("error_text"))
            out.append((Entry(**values), error))
        return out

    def mark_delivered(self, token: str) -> None:
        self._write(
            "UPDATE journal_submissions SET delivered = TRUE WHERE token = :token", token=token
        )

    # -- parked work folders: documents waiting for a person (journal_parked) -----------

    def park(
        self,
        token: str,
        data: bytes,
        *,
        state: State,
        reason: str | None = None,
        expect: State | None = None,
    ) -> int | None:
        """Keep ``data`` (the tar of the document's work folder, ``docflow.queue``) as the
        newest parked copy of ``token`` and set the row's ``state`` in ONE transaction: a
        process killed at any moment leaves both (the document waits, any node can go on
        with it) or neither (the row is still ``processing`` under the dead worker's lease:
        its job is taken again, from the previous parked copy or the input). The lease is
        cleared: a waiting row has no runner, and ``processing`` here (an officer's decision
        handed to the workers) is for whichever worker takes the job. ``expect``: only when
        the row is in that state now, else None (another node decided first). Returns the
        parked copy's new version (1, 2, ...)."""
        import hashlib

        from sqlalchemy import text

        lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
        with self.db.writing() as conn:
            row = conn.execute(
                text(f"SELECT state FROM journal_submissions WHERE token = :token{lock}"),
                {"token": token},
            ).first()
            if row is None:
                raise KeyError(token)
            if expect is not None and row[0] != expect:
                return None
            old = conn.execute(
                text(f"SELECT version FROM journal_parked WHERE token = :token{lock}"),
                {"token": token},
            ).first()
            version = 1 if old is None else int(old[0]) + 1
            values = {"token": token, "version": version, "size": len(data), "now": _now(),
                      "sha": hashlib.sha256(data).hexdigest(), "data": data}  # fmt: skip
            if old is None:
                conn.execute(
                    text(
                        "INSERT INTO journal_parked (token, version, sha256, size, updated_at,"
                        " data) VALUES (:token, :version, :sha, :size, :now, :data)"
                    ),
                    values,
                )
            else:
                conn.execute(
                    text(
                        "UPDATE journal_parked SET version = :version, sha256 = :sha,"
                        " size = :size, updated_at = :now, data = :data WHERE token = :token"
                    ),
                    values,
                )
            conn.execute(
                text(
                    "UPDATE journal_submissions SET state = :state, reason = :reason,"
                    " record = NULL, owner = NULL, lease_until = NULL, updated_at = :now"
                    " WHERE token = :token"
                ),
                {"state": state, "reason": reason, "now": values["now"], "token": token},
            )
        return version

    def parked(self, token: str) -> ParkedCopy | None:
        """The newest parked copy of ``token``'s work folder, or None."""
        from sqlalchemy import text

        with self.db.reading() as conn:
            row = conn.execute(
                text(
                    "SELECT version, sha256, updated_at, data FROM journal_parked"
                    " WHERE token = :token"
                ),
                {"token": token},
            ).first()
        if row is None:
            return None
        return ParkedCopy(token, int(row[0]), str(row[1]), str(row[2]), bytes(row[3]))

    def parked_versions(self, tokens: list[str] | None = None) -> dict[str, int]:
        """token -> version of the parked copies (of ``tokens``, default all), without the
        data: what a node compares with the versions of its own copies."""
        from sqlalchemy import bindparam, text

        sql = "SELECT token, version FROM journal_parked"
        params: dict[str, Any] = {}
        statement = text(sql)
        if tokens is not None:
            if not tokens:
                return {}
            statement = text(f"{sql} WHERE token IN :tokens").bindparams(
                bindparam("tokens", expanding=True)
            )
            params = {"tokens": list(tokens)}
        with self.db.reading() as conn:
            rows = conn.execute(statement, params).all()
        return {str(r[0]): int(r[1]) for r in rows}

    def finish(self, token: str, **fields: Any) -> Entry:
        """``update`` with the row's final state and the parked copy dropped, in one
        transaction (the document ended: archived, returned, rejected ...)."""
        from sqlalchemy import text

        allowed = {"state", "record", "reason", "stage"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown journal fields: {sorted(unknown)}")
        fields["updated_at"] = _now()
        assignments = ", ".join(f"{k} = :{k}" for k in fields)
        with self.db.writing() as conn:
            rows = (
                conn.execute(
                    text(
                        f"UPDATE journal_submissions SET {assignments} WHERE token = :token"
                        f" RETURNING {', '.join(_ENTRY_COLUMNS)}"
                    ),
                    {**fields, "token": token},
                )
                .mappings()
                .all()
            )
            conn.execute(text("DELETE FROM journal_parked WHERE token = :token"), {"token": token})
        if not rows:
            raise KeyError(token)
        return Entry(**dict(rows[0]))

    def forget(self, token: str) -> None:
        self._write("DELETE FROM journal_submissions WHERE token = :token", token=token)

    def get(self, token: str) -> Entry:
        rows = self._rows(f"{_SELECT} WHERE token = :token", token=token)
        if not rows:
            raise KeyError(token)
        return rows[0]

    def find(self, token_or_record: str) -> Entry | None:
        rows = self._rows(
            f"{_SELECT} WHERE token = :key OR record = :key ORDER BY received_at DESC LIMIT 1",
            key=token_or_record,
        )
        return rows[0] if rows else None

    def entries(self, state: State | None = None) -> list[Entry]:
        if state is None:
            return self._rows(f"{_SELECT} ORDER BY received_at, token")
        return self._rows(f"{_SELECT} WHERE state = :state ORDER BY received_at, token",
                          state=state)  # fmt: skip


def open_journal(home_root: Path) -> Journal | SqlJournal:
    """The home's journal: the shared one in the database when ``[queue] backend =
    "postgres"``, else ``.docflow/journal.sqlite`` as always."""
    from docflow.storage._settings import QueueSettings

    queue = QueueSettings.from_home(home_root)
    if queue.shared and queue.database is not None:
        return SqlJournal(queue.database)
    return Journal(home_root / ".docflow" / "journal.sqlite")

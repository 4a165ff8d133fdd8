"""The signing requests of a home: a PDF prepared for one person's signature, waiting for it.

Rows live in ``.docflow/sign-requests.sqlite``; each request's prepared PDF (and, once signed,
the completed PDF) in ``.docflow/sign-requests/<id>/``. A request is ``open`` until a CMS that
passes every check arrives (``signed``), or it is ``cancelled``; a refused CMS leaves it open
and records why (``last_refusal``). ``submit`` holds a per-request lock, so two answers for the
same request never both complete it.
"""

from __future__ import annotations

import base64
import builtins
import fcntl
import hashlib
import json
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from docflow.atomic import write_bytes_atomic
from docflow.config import Home
from docflow.errors import RequestClosed, SigningError, UnknownSignRequest
from docflow.pki import ServiceEndpoints
from docflow.sign import (
    CmsCheckStatus,
    PreparedSignature,
    SignSpec,
    TrustAnchors,
    check_cms,
    complete,
    prepare,
)
from docflow.signreq._package import read_signed
from docflow.sqlite_open import opening

#: Days a request stays open by default (``[signing] request_days`` in docflow.toml).
DEFAULT_REQUEST_DAYS = 14
_ID = re.compile(r"^[0-9a-f]{16}$")

_SCHEMA = (
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
#: Days an API token is valid by default (``docflow users token NAME --days N``).
DEFAULT_TOKEN_DAYS = 90
#: Seconds a login nonce may wait for its signature.
NONCE_SECONDS = 300


@dataclass(frozen=True)
class SignRequestRecord:
    """One signing request as stored."""

    id: str
    document: str
    field: str
    role: str | None
    expected_iin: str
    signer_name: str
    locale: str
    created: datetime
    expires: datetime
    state: str
    last_refusal: list[dict[str, str]] | None = None
    completed: datetime | None = None
    signed_sha256: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "document": self.document,
            "field": self.field,
            "role": self.role,
            "expected_iin": self.expected_iin,
            "signer_name": self.signer_name,
            "locale": self.locale,
            "created": self.created.isoformat(),
            "expires": self.expires.isoformat(),
            "state": self.state,
            "last_refusal": self.last_refusal,
            "completed": self.completed.isoformat() if self.completed else None,
            "signed_sha256": self.signed_sha256,
        }


@dataclass(frozen=True)
class WaitingOn:
    """How many open requests wait on one person, since when, and how many are overdue
    (older than ``request_days``: the person is reminded) and flagged (older than twice
    that: the officer is told, and may renew the request)."""

    iin: str
    signer_name: str
    count: int
    oldest: datetime
    overdue: int
    flagged: int = 0
    roles: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "iin": self.iin,
            "signer_name": self.signer_name,
            "count": self.count,
            "oldest": self.oldest.isoformat(),
            "overdue": self.overdue,
            "flagged": self.flagged,
            "roles": list(self.roles),
        }


def due(record: SignRequestRecord, *, request_days: float, now: datetime) -> str | None:
    """What an open request's age calls for: ``remind`` (older than ``request_days``: remind
    the person), ``flag`` (older than twice that: flag it to the officer), else None."""
    if record.state != "open":
        return None
    age = now - record.created
    if age > timedelta(days=2 * request_days):
        return "flag"
    if age > timedelta(days=request_days):
        return "remind"
    return None


@dataclass(frozen=True)
class SubmitResult:
    """What became of a submitted signature: ``pdf`` is the completed file when accepted."""

    request: SignRequestRecord
    check: CmsCheckStatus
    pdf: bytes | None = None

    @property
    def accepted(self) -> bool:
        return self.pdf is not None


def batch_document(batch: str, item: str) -> str:
    """The ``document`` of one request of a batch (a certificate of an event's batch:
    ``<batch token>:<serial>``); ``batch_of`` reads the batch back."""
    return f"{batch}:{item}"


def batch_of(document: str) -> str | None:
    """The batch a request's ``document`` belongs to (``batch_document``), else None."""
    batch, sep, item = document.partition(":")
    return batch if sep and batch and item else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def check_id(request_id: str) -> str:
    """``request_id`` if it has the shape docflow gives ids (it then names a folder safely)."""
    if not _ID.match(request_id or ""):
        raise UnknownSignRequest(f"no signing request {request_id!r}")
    return request_id


class SignRequests:
    """The signing requests of one home; safe to share between threads of one process."""

    def __init__(self, home: Home | Path) -> None:
        root = home.state if isinstance(home, Home) else Path(home) / ".docflow"
        self.folder = root / "sign-requests"
        self.db_path = root / "sign-requests.sqlite"
        self.folder.mkdir(parents=True, exist_ok=True)
        with opening(self.db_path):
            self._db = sqlite3.connect(
                self.db_path, check_same_thread=False, isolation_level=None, timeout=30
            )
            self._db.execute("PRAGMA busy_timeout = 30000")
            self._db.execute("PRAGMA journal_mode = WAL")
            for statement in _SCHEMA:
                self._db.execute(statement)
            columns = {r[1] for r in self._db.execute("PRAGMA table_info(api_tokens)")}
            for column in ("expires TEXT", "revoked TEXT"):  # tokens made before they existed
                if column.split()[0] not in columns:
                    self._db.execute(f"ALTER TABLE api_tokens ADD COLUMN {column}")
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- requests --------------------------------------------------------------------------

    def create(
        self,
        pdf: bytes,
        spec: SignSpec,
        *,
        document: str,
        expected_iin: str,
        signer_name: str,
        days: float = DEFAULT_REQUEST_DAYS,
        now: datetime | None = None,
    ) -> SignRequestRecord:
        """Prepare ``spec.field`` of ``pdf`` and record a request for ``expected_iin``.

        The prepared file is on disk before the row exists, so a request never points to
        nothing; a crash in between leaves only an unreferenced folder.
        """
        now = now or datetime.now(UTC)
        prepared = prepare(pdf, spec, signer_name=signer_name, now=now)
        request_id = secrets.token_hex(8)
        prepared.save(self.folder / request_id)
        expires = now + timedelta(days=days)
        with self._lock:
            self._db.execute(
                "INSERT INTO sign_requests (id, document, field, role, expected_iin, "
                "signer_name, locale, created, expires, state) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')",
                (
                    request_id,
                    document,
                    spec.field,
                    spec.role,
                    expected_iin,
                    signer_name,
                    spec.locale,
                    now.isoformat(),
                    expires.isoformat(),
                ),
            )
        return self.get(request_id)

    def get(self, request_id: str) -> SignRequestRecord:
        check_id(request_id)
        with self._lock:
            row = self._db.execute(
                "SELECT id, document, field, role, expected_iin, signer_name, locale, created, "
                "expires, state, last_refusal, completed, signed_sha256 "
                "FROM sign_requests WHERE id = ?",
                (request_id,),
            ).fetchone()
        if row is None:
            raise UnknownSignRequest(f"no signing request {request_id!r}")
        return self._record(row)

    def get_many(self, request_ids: builtins.list[str]) -> dict[str, SignRequestRecord]:
        """The requests of ``request_ids`` that exist, by id, in a few queries (a batch of an
        event's certificates waits on hundreds: ``SignatureArrivals`` asks every second)."""
        found: dict[str, SignRequestRecord] = {}
        ids = [check_id(i) for i in request_ids]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            with self._lock:
                rows = self._db.execute(
                    "SELECT id, document, field, role, expected_iin, signer_name, locale, "
                    "created, expires, state, last_refusal, completed, signed_sha256 "
                    f"FROM sign_requests WHERE id IN ({marks})",
                    chunk,
                ).fetchall()
            found.update((row[0], self._record(row)) for row in rows)
        return found

    @staticmethod
    def _record(row: tuple[Any, ...]) -> SignRequestRecord:
        created, expires = _time(row[7]), _time(row[8])
        assert created is not None and expires is not None
        return SignRequestRecord(
            id=row[0],
            document=row[1],
            field=row[2],
            role=row[3],
            expected_iin=row[4],
            signer_name=row[5],
            locale=row[6],
            created=created,
            expires=expires,
            state=row[9],
            last_refusal=json.loads(row[10]) if row[10] else None,
            completed=_time(row[11]),
            signed_sha256=row[12],
        )

    def list(
        self, *, iin: str | None = None, state: str | None = "open"
    ) -> list[SignRequestRecord]:
        """Requests, oldest first; ``state=None`` lists every state."""
        sql = (
            "SELECT id, document, field, role, expected_iin, signer_name, locale, created, "
            "expires, state, last_refusal, completed, signed_sha256 FROM sign_requests"
        )
        where, args = [], []
        if iin is not None:
            where.append("expected_iin = ?")
            args.append(iin)
        if state is not None:
            where.append("state = ?")
            args.append(state)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created, id"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [self._record(r) for r in rows]

    def of_batch(
        self, batch: str, *, state: str | None = "open"
    ) -> builtins.list[SignRequestRecord]:
        """The requests of one batch (``batch_document``), oldest first."""
        return [r for r in self.list(state=state) if batch_of(r.document) == batch]

    def waiting(
        self, *, request_days: float = DEFAULT_REQUEST_DAYS, now: datetime | None = None
    ) -> builtins.list[WaitingOn]:
        """Open requests grouped by the person they wait on, longest-waiting first."""
        now = now or datetime.now(UTC)
        limit = now - timedelta(days=request_days)
        groups: dict[str, builtins.list[SignRequestRecord]] = {}
        for record in self.list(state="open"):
            groups.setdefault(record.expected_iin, []).append(record)
        flag_limit = now - timedelta(days=2 * request_days)
        out = [
            WaitingOn(
                iin=iin,
                signer_name=records[0].signer_name,
                count=len(records),
                oldest=min(r.created for r in records),
                overdue=sum(1 for r in records if r.created < limit),
                flagged=sum(1 for r in records if r.created < flag_limit),
                roles=tuple(sorted({r.role or r.field for r in records})),
            )
            for iin, records in groups.items()
        ]
        return sorted(out, key=lambda w: w.oldest)

    def prepared(self, request_id: str) -> PreparedSignature:
        return PreparedSignature.load(self.folder / check_id(request_id))

    def signed_pdf(self, request_id: str) -> bytes:
        """The completed PDF of a signed request."""
        record = self.get(request_id)
        if record.state != "signed":
            raise RequestClosed(f"request {request_id} is {record.state}, not signed")
        return (self.folder / record.id / "signed.pdf").read_bytes()

    def cancel(self, request_id: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE sign_requests SET state = 'cancelled' WHERE id = ? AND state = 'open'",
                (check_id(request_id),),
            )

    @contextmanager
    def _locked(self, request_id: str) -> Iterator[None]:
        path = self.folder / request_id / ".lock"
        fd = open(path, "a")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fd.close()

    def submit(
        self,
        request_id: str,
        signed: bytes,
        *,
        trust: TrustAnchors,
        services: ServiceEndpoints,
        now: datetime | None = None,
    ) -> SubmitResult:
        """Check a returned signature (a CMS, or a signed package) and, when it passes,
        complete the PDF (B-LTA) and mark the request signed. A refusal is recorded and the
        request stays open. Raises ``RequestClosed`` for a signed or cancelled request and
        ``SigningError`` when a package names another request."""
        check_id(request_id)
        package_id, cms_der = read_signed(signed)
        if package_id is not None and package_id != request_id:
            raise SigningError(f"the signed package is for request {package_id}, not {request_id}")
        with self._locked(request_id):
            record = self.get(request_id)
            if record.state != "open":
                raise RequestClosed(f"request {request_id} is {record.state}")
            prepared = self.prepared(request_id)
            now = now or datetime.now(UTC)
            status = check_cms(
                cms_der,
                prepared,
                expected_iin=record.expected_iin,
                trust=trust,
                expires=record.expires,
                now=now,
            )
            if not status.accepted:
                refusal = json.dumps([r.to_json() for r in status.refusals], ensure_ascii=False)
                with self._lock:
                    self._db.execute(
                        "UPDATE sign_requests SET last_refusal = ? WHERE id = ?",
                        (refusal, request_id),
                    )
                return SubmitResult(self.get(request_id), status)
            pdf = complete(prepared, status.cms_der, services=services)
            write_bytes_atomic(self.folder / request_id / "signed.pdf", pdf)
            with self._lock:
                self._db.execute(
                    "UPDATE sign_requests SET state = 'signed', completed = ?, "
                    "signed_sha256 = ?, last_refusal = NULL WHERE id = ?",
                    (now.isoformat(), hashlib.sha256(pdf).hexdigest(), request_id),
                )
            return SubmitResult(self.get(request_id), status, pdf)

    # -- API tokens and people's IINs (for the web page and the JSON API) ----------------------

    def new_token(
        self, user_name: str, *, days: float = DEFAULT_TOKEN_DAYS, now: datetime | None = None
    ) -> str:
        """A new API token for ``user_name``, valid ``days``; only its SHA-256 is kept."""
        token = "dft_" + secrets.token_urlsafe(32)
        now = now or datetime.now(UTC)
        with self._lock:
            self._db.execute(
                "INSERT INTO api_tokens (token_sha256, user_name, created, expires) "
                "VALUES (?, ?, ?, ?)",
                (_sha(token), user_name, now.isoformat(), (now + timedelta(days=days)).isoformat()),
            )
        return token

    def token_user(self, token: str | None, *, now: datetime | None = None) -> str | None:
        """The user of a live token: not revoked, not expired (a token made before tokens
        expired counts from its creation, ``DEFAULT_TOKEN_DAYS``)."""
        if not token:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT user_name, created, expires, revoked FROM api_tokens "
                "WHERE token_sha256 = ?",
                (_sha(token),),
            ).fetchone()
        if row is None or row[3] is not None:
            return None
        expires = _time(row[2]) or (_time(row[1]) or datetime.now(UTC)) + timedelta(
            days=DEFAULT_TOKEN_DAYS
        )
        if (now or datetime.now(UTC)) >= expires:
            return None
        return str(row[0])

    def revoke_tokens(self, user_name: str, *, now: datetime | None = None) -> int:
        """Revoke every live token of ``user_name``; how many."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE api_tokens SET revoked = ? WHERE user_name = ? AND revoked IS NULL",
                ((now or datetime.now(UTC)).isoformat(), user_name),
            )
        return cursor.rowcount

    def set_user_iin(self, user_name: str, iin: str) -> None:
        if not (len(iin) == 12 and iin.isdigit()):
            raise SigningError("an IIN is 12 digits")
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO user_iins (user_name, iin) VALUES (?, ?)", (user_name, iin)
            )

    def user_iin(self, user_name: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT iin FROM user_iins WHERE user_name = ?", (user_name,)
            ).fetchone()
        return None if row is None else str(row[0])

    def user_for_iin(self, iin: str | None) -> str | None:
        """The web user who signs as ``iin`` (the first one, by name), if any."""
        if not iin:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT user_name FROM user_iins WHERE iin = ? ORDER BY user_name", (iin,)
            ).fetchone()
        return None if row is None else str(row[0])

    # -- one-time login nonces (log in with the key) ------------------------------------------

    def new_login_nonce(self) -> str:
        """32 random bytes (base64) to be signed with the person's key; usable once."""
        nonce = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        now = time.time()
        with self._lock:
            self._db.execute(
                "DELETE FROM login_nonces WHERE created < ?", (now - 2 * NONCE_SECONDS,)
            )
            self._db.execute(
                "INSERT INTO login_nonces (nonce_sha256, created) VALUES (?, ?)",
                (_sha(nonce), now),
            )
        return nonce

    def use_login_nonce(self, nonce: str) -> bool:
        """Whether ``nonce`` is one of ours, fresh and unused; it is used up either way."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE login_nonces SET used = 1 WHERE nonce_sha256 = ? AND used = 0 "
                "AND created >= ?",
                (_sha(nonce), time.time() - NONCE_SECONDS),
            )
        return cursor.rowcount == 1


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

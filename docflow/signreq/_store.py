"""The signing requests of a home: a PDF prepared for one person's signature, waiting for it.

A store of its own opened by ``docflow.storage.open_database`` with its own migrations
(``docflow/storage/migrations_signreq``): ``.docflow/sign-requests.sqlite`` in an embedded home
(a file made by an older docflow is adopted in place), the PostgreSQL database of
``[storage] database`` in a scaled-out one (issue 18), so that a request made on one machine
(a ``docflow worker`` host) is listed, completed and read on every other. Each request's
prepared PDF (with its metadata) and, once signed, the completed PDF live in the store too
(``sign_request_files``), not on any machine's disk; an older home's PDFs in
``.docflow/sign-requests/<id>/`` are moved in when the store is opened.

A request is ``open`` until a CMS that passes every check arrives (``signed``), or it is
``cancelled``; a refused CMS leaves it open and records why (``last_refusal``). ``submit``
holds a per-request lock, so two answers for the same request, on one machine or two, never
both complete it: the request's row ``SELECT … FOR UPDATE`` on PostgreSQL, an ``flock`` on
SQLite (a SQLite file lives on one machine; its write lock would stop every other writer for
as long as the timestamp authority takes).
"""

from __future__ import annotations

import base64
import builtins
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    Connection,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    update,
)

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
from docflow.storage import Database, StorageSettings, forget_in_forked_children, open_database

log = logging.getLogger("docflow.signreq")

#: Days a request stays open by default (``[signing] request_days`` in docflow.toml).
DEFAULT_REQUEST_DAYS = 14
_ID = re.compile(r"^[0-9a-f]{16}$")
#: The embedded store's file in the home's ``.docflow/``.
FILE_NAME = "sign-requests.sqlite"

# The tables as docflow/storage/migrations_signreq creates them (times are ISO 8601 text, as
# the older file kept them).
_metadata = MetaData()
sign_requests = Table(
    "sign_requests",
    _metadata,
    Column("id", Text, primary_key=True),
    Column("document", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("role", Text),
    Column("expected_iin", Text, nullable=False),
    Column("signer_name", Text, nullable=False),
    Column("locale", Text, nullable=False),
    Column("created", Text, nullable=False),
    Column("expires", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("last_refusal", Text),
    Column("completed", Text),
    Column("signed_sha256", Text),
)
#: A request's files: ``prepared.pdf``, ``prepared.json`` (its metadata), ``signed.pdf``.
sign_request_files = Table(
    "sign_request_files",
    _metadata,
    Column("request_id", Text, primary_key=True),
    Column("name", Text, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)
api_tokens = Table(
    "api_tokens",
    _metadata,
    Column("token_sha256", Text, primary_key=True),
    Column("user_name", Text, nullable=False),
    Column("created", Text, nullable=False),
    Column("expires", Text),
    Column("revoked", Text),
)
user_iins = Table(
    "user_iins",
    _metadata,
    Column("user_name", Text, primary_key=True),
    Column("iin", Text, nullable=False),
)
login_nonces = Table(
    "login_nonces",
    _metadata,
    Column("nonce_sha256", Text, primary_key=True),
    Column("created", Float, nullable=False),
    Column("used", Integer, nullable=False, server_default="0"),
)
_FILES = ("prepared.pdf", "prepared.json", "signed.pdf")
_r = sign_requests.c
_COLUMNS = (
    _r.id, _r.document, _r.field, _r.role, _r.expected_iin, _r.signer_name, _r.locale,
    _r.created, _r.expires, _r.state, _r.last_refusal, _r.completed, _r.signed_sha256,
)  # fmt: skip
_SELECT = select(*_COLUMNS)
#: get_many's statement, one parameter for any number of ids (an expanding ``IN`` renders,
#: binds and casts a placeholder per id, which cost more than the query on PostgreSQL):
#: ``= ANY(array)`` on PostgreSQL, ``IN (SELECT value FROM json_each(…))`` on SQLite.
_SELECT_MANY = {
    "postgresql": _SELECT.where(_r.id == any_(bindparam("ids", type_=ARRAY(Text)))),
    "sqlite": _SELECT.where(
        _r.id.in_(select(literal_column("value")).select_from(func.json_each(bindparam("ids"))))
    ),
}

#: Days an API token is valid by default (``docflow users token NAME --days N``).
DEFAULT_TOKEN_DAYS = 90
#: Seconds a login nonce may wait for its signature.
NONCE_SECONDS = 300


def store_url(home: Home | Path) -> str:
    """Where ``home``'s signing requests live: ``[storage] database`` when it is PostgreSQL,
    else ``.docflow/sign-requests.sqlite``."""
    root, state = _paths(home)
    return StorageSettings.from_home(root).store_url(state, FILE_NAME)


def _paths(home: Home | Path) -> tuple[Path, Path]:
    if isinstance(home, Home):
        return home.root, home.state
    return Path(home), Path(home) / ".docflow"


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
    """The signing requests of one home; safe to share between threads of one process (every
    call is its own short transaction on a pooled connection).

    ``SignRequests(home)`` opens the home's store: ``[storage] database`` when it is
    PostgreSQL (every node of a scaled-out home sees the same requests), else
    ``.docflow/sign-requests.sqlite``. ``database`` (a URL or an open ``Database``) overrides
    that, for tests and benches."""

    def __init__(self, home: Home | Path, *, database: str | Database | None = None) -> None:
        root, state = _paths(home)
        #: where an older docflow kept each request's PDFs (moved into the store on opening)
        self.folder = state / "sign-requests"
        self._locks = state / "sign-request-locks"
        if database is None:
            database = StorageSettings.from_home(root).store_url(state, FILE_NAME)
        self._owned = not isinstance(database, Database)
        self._seen: dict[str, tuple[tuple[Any, ...], SignRequestRecord]] = {}
        self.db = (
            database if isinstance(database, Database) else open_database(database, store="signreq")
        )
        if self._owned:
            forget_in_forked_children(self.db)
        if self.db.dialect != "sqlite":
            self._move_from_file(state / FILE_NAME)
        self._move_folders()

    def close(self) -> None:
        if self._owned:
            self.db.dispose()

    # -- adopting what an older docflow (or this home before it was scaled out) kept ---------

    def _move_from_file(self, old: Path) -> int:
        """Once: copy the rows of a SQLite store this home had before ``[storage] database``
        named PostgreSQL (requests, tokens, IINs) into the database, then set the file aside
        (``<file>.moved``). Returns how many requests moved."""
        if not old.exists():
            return 0
        from docflow.sqlite_open import opening

        with opening(old):  # processes opening the store at once take turns; one moves it
            if not old.exists():
                return 0
            source = sqlite3.connect(old, isolation_level=None, timeout=30)
            try:
                source.execute("PRAGMA busy_timeout = 30000")
                tables = {
                    r[0]
                    for r in source.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                moved: dict[Table, builtins.list[dict[str, Any]]] = {}
                for table in (sign_requests, sign_request_files, api_tokens, user_iins):
                    if table.name not in tables:
                        continue
                    have = {r[1] for r in source.execute(f"PRAGMA table_info({table.name})")}
                    names = [c.name for c in table.columns if c.name in have]
                    found = source.execute(f"SELECT {', '.join(names)} FROM {table.name}")
                    moved[table] = [dict(zip(names, row, strict=True)) for row in found]
                with self.db.writing() as conn:
                    for table, rows in moved.items():
                        for start in range(0, len(rows), 500):
                            self.db.insert_missing(conn, table, rows[start : start + 500])
                source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                source.close()
            # Only after the copy is committed: a crash in between copies again, harmlessly.
            os.replace(old, old.with_name(old.name + ".moved"))
        count = len(moved.get(sign_requests, []))
        log.info("moved %d signing requests from %s into the database", count, old)
        return count

    def _move_folders(self) -> int:
        """Move the PDFs an older docflow kept in ``.docflow/sign-requests/<id>/`` into the
        store (a request's folder is removed once its files are committed; a folder whose
        request the store does not know is left alone). Returns how many moved."""
        if not self.folder.is_dir():
            return 0
        moved = 0
        for path in sorted(self.folder.iterdir()):
            if not (path.is_dir() and _ID.match(path.name)):
                continue
            try:
                files = {n: (path / n).read_bytes() for n in _FILES if (path / n).exists()}
            except OSError:  # another process moved it meanwhile
                continue
            with self.db.writing() as conn:
                if conn.execute(select(_r.id).where(_r.id == path.name)).first() is None:
                    continue
                self.db.insert_missing(
                    conn,
                    sign_request_files,
                    [{"request_id": path.name, "name": n, "data": d} for n, d in files.items()],
                )
            shutil.rmtree(path, ignore_errors=True)
            moved += 1
        if moved:
            log.info("moved the files of %d signing requests into the database", moved)
        try:
            self.folder.rmdir()  # only when empty
        except OSError:
            pass
        return moved

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

        The prepared file and the row are written in one transaction, so a request never
        points to nothing.
        """
        now = now or datetime.now(UTC)
        prepared = prepare(pdf, spec, signer_name=signer_name, now=now)
        request_id = secrets.token_hex(8)
        expires = now + timedelta(days=days)
        meta = json.dumps(prepared.metadata(), ensure_ascii=False, indent=2).encode("utf-8")
        with self.db.writing() as conn:
            conn.execute(
                insert(sign_request_files),
                [
                    {"request_id": request_id, "name": "prepared.pdf", "data": prepared.pdf},
                    {"request_id": request_id, "name": "prepared.json", "data": meta},
                ],
            )
            conn.execute(
                insert(sign_requests).values(
                    id=request_id, document=document, field=spec.field, role=spec.role,
                    expected_iin=expected_iin, signer_name=signer_name, locale=spec.locale,
                    created=now.isoformat(), expires=expires.isoformat(), state="open",
                )
            )  # fmt: skip
        return self.get(request_id)

    def get(self, request_id: str) -> SignRequestRecord:
        check_id(request_id)
        with self.db.reading() as conn:
            return self._one(conn, request_id)

    def _one(self, conn: Connection, request_id: str) -> SignRequestRecord:
        row = conn.execute(_SELECT.where(_r.id == request_id)).first()
        if row is None:
            raise UnknownSignRequest(f"no signing request {request_id!r}")
        return self._record(row)

    def get_many(self, request_ids: builtins.list[str]) -> dict[str, SignRequestRecord]:
        """The requests of ``request_ids`` that exist, by id, in a few queries (a batch of an
        event's certificates waits on hundreds: ``SignatureArrivals`` asks every second)."""
        ids = [check_id(i) for i in request_ids]
        if not ids:
            return {}
        statement = _SELECT_MANY[self.db.dialect]
        bound = ids if self.db.dialect == "postgresql" else json.dumps(ids)
        with self.db.reading() as conn:
            rows = conn.execute(statement, {"ids": bound}).all()
        return {row[0]: self._known(row) for row in rows}

    def _known(self, row: Any) -> SignRequestRecord:
        """``_record(row)``, reusing the record made from the same row last time (a waiting
        request's row stays the same for days while the watcher asks every second)."""
        values = tuple(row)
        seen = self._seen.get(values[0])
        if seen is not None and seen[0] == values:
            return seen[1]
        record = self._record(row)
        if len(self._seen) >= 50_000:
            self._seen.clear()
        self._seen[values[0]] = (values, record)
        return record

    @staticmethod
    def _record(row: Any) -> SignRequestRecord:
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
    ) -> builtins.list[SignRequestRecord]:
        """Requests, oldest first; ``state=None`` lists every state."""
        query = _SELECT
        if iin is not None:
            query = query.where(_r.expected_iin == iin)
        if state is not None:
            query = query.where(_r.state == state)
        with self.db.reading() as conn:
            rows = conn.execute(query.order_by(_r.created, _r.id)).all()
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

    def _files(self, conn: Connection, request_id: str, names: tuple[str, ...]) -> dict[str, bytes]:
        f = sign_request_files.c
        rows = conn.execute(
            select(f.name, f.data).where(f.request_id == request_id, f.name.in_(names))
        ).all()
        return {str(name): bytes(data) for name, data in rows}

    def _prepared(self, conn: Connection, request_id: str) -> PreparedSignature:
        files = self._files(conn, request_id, ("prepared.pdf", "prepared.json"))
        if len(files) != 2:
            raise SigningError(f"no readable prepared signature in {request_id}")
        try:
            meta = json.loads(files["prepared.json"])
        except ValueError as exc:
            raise SigningError(f"no readable prepared signature in {request_id}") from exc
        return PreparedSignature.from_metadata(meta, files["prepared.pdf"])

    def prepared(self, request_id: str) -> PreparedSignature:
        check_id(request_id)
        with self.db.reading() as conn:
            return self._prepared(conn, request_id)

    def signed_pdf(self, request_id: str) -> bytes:
        """The completed PDF of a signed request."""
        record = self.get(request_id)
        if record.state != "signed":
            raise RequestClosed(f"request {request_id} is {record.state}, not signed")
        with self.db.reading() as conn:
            files = self._files(conn, record.id, ("signed.pdf",))
        if "signed.pdf" not in files:
            raise SigningError(f"the signed PDF of request {request_id} is missing")
        return files["signed.pdf"]

    def cancel(self, request_id: str) -> None:
        check_id(request_id)
        with self.db.writing() as conn:
            conn.execute(
                update(sign_requests)
                .where(_r.id == request_id, _r.state == "open")
                .values(state="cancelled")
            )

    @contextmanager
    def _held(self, request_id: str) -> Iterator[Connection | None]:
        """The one answer for ``request_id`` being judged, on every machine. PostgreSQL: a
        transaction holding the request's row (``FOR UPDATE``: another node's ``submit``
        waits for the commit, then finds the request signed); the signature's check and
        completion (the TSA) run inside it, which blocks nothing but that request. SQLite
        (one machine): an ``flock`` per request, so the write lock is taken only for the
        short writes and never across the network calls."""
        if self.db.dialect == "postgresql":
            with self.db.writing() as conn:
                conn.execute(select(_r.id).where(_r.id == request_id).with_for_update())
                yield conn
            return
        self._locks.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._locks / f"{request_id}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield None
        finally:
            os.close(fd)  # releases the lock

    @contextmanager
    def _within(self, held: Connection | None) -> Iterator[Connection]:
        """``held``'s transaction, or a write transaction of its own."""
        if held is not None:
            yield held
            return
        with self.db.writing() as conn:
            yield conn

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
        with self._held(request_id) as held:
            if held is not None:
                record = self._one(held, request_id)
                prepared = None if record.state != "open" else self._prepared(held, request_id)
            else:
                with self.db.reading() as conn:
                    record = self._one(conn, request_id)
                    prepared = None if record.state != "open" else self._prepared(conn, request_id)
            if prepared is None:
                raise RequestClosed(f"request {request_id} is {record.state}")
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
                with self._within(held) as conn:
                    conn.execute(
                        update(sign_requests)
                        .where(_r.id == request_id)
                        .values(last_refusal=refusal)
                    )
                    record = self._one(conn, request_id)
                return SubmitResult(record, status)
            pdf = complete(prepared, status.cms_der, services=services)
            with self._within(held) as conn:
                done = conn.execute(
                    update(sign_requests)
                    .where(_r.id == request_id, _r.state == "open")
                    .values(
                        state="signed",
                        completed=now.isoformat(),
                        signed_sha256=hashlib.sha256(pdf).hexdigest(),
                        last_refusal=None,
                    )
                )
                if done.rowcount != 1:  # cancelled meanwhile (the lock keeps out answers)
                    raise RequestClosed(
                        f"request {request_id} is {self._one(conn, request_id).state}"
                    )
                self.db.upsert(
                    conn,
                    sign_request_files,
                    {"request_id": request_id, "name": "signed.pdf", "data": pdf},
                    ["request_id", "name"],
                )
                record = self._one(conn, request_id)
            return SubmitResult(record, status, pdf)

    # -- API tokens and people's IINs (for the web page and the JSON API) ----------------------

    def new_token(
        self, user_name: str, *, days: float = DEFAULT_TOKEN_DAYS, now: datetime | None = None
    ) -> str:
        """A new API token for ``user_name``, valid ``days``; only its SHA-256 is kept."""
        token = "dft_" + secrets.token_urlsafe(32)
        now = now or datetime.now(UTC)
        with self.db.writing() as conn:
            conn.execute(
                insert(api_tokens).values(
                    token_sha256=_sha(token), user_name=user_name, created=now.isoformat(),
                    expires=(now + timedelta(days=days)).isoformat(),
                )
            )  # fmt: skip
        return token

    def token_user(self, token: str | None, *, now: datetime | None = None) -> str | None:
        """The user of a live token: not revoked, not expired (a token made before tokens
        expired counts from its creation, ``DEFAULT_TOKEN_DAYS``)."""
        if not token:
            return None
        t = api_tokens.c
        with self.db.reading() as conn:
            row = conn.execute(
                select(t.user_name, t.created, t.expires, t.revoked).where(
                    t.token_sha256 == _sha(token)
                )
            ).first()
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
        t = api_tokens.c
        with self.db.writing() as conn:
            result = conn.execute(
                update(api_tokens)
                .where(t.user_name == user_name, t.revoked.is_(None))
                .values(revoked=(now or datetime.now(UTC)).isoformat())
            )
        return int(result.rowcount)

    def set_user_iin(self, user_name: str, iin: str) -> None:
        if not (len(iin) == 12 and iin.isdigit()):
            raise SigningError("an IIN is 12 digits")
        with self.db.writing() as conn:
            self.db.upsert(conn, user_iins, {"user_name": user_name, "iin": iin}, ["user_name"])

    def user_iin(self, user_name: str) -> str | None:
        with self.db.reading() as conn:
            row = conn.execute(
                select(user_iins.c.iin).where(user_iins.c.user_name == user_name)
            ).first()
        return None if row is None else str(row[0])

    def user_for_iin(self, iin: str | None) -> str | None:
        """The web user who signs as ``iin`` (the first one, by name), if any."""
        if not iin:
            return None
        u = user_iins.c
        with self.db.reading() as conn:
            row = conn.execute(
                select(u.user_name).where(u.iin == iin).order_by(u.user_name).limit(1)
            ).first()
        return None if row is None else str(row[0])

    # -- one-time login nonces (log in with the key) ------------------------------------------

    def new_login_nonce(self) -> str:
        """32 random bytes (base64) to be signed with the person's key; usable once."""
        nonce = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        now = time.time()
        with self.db.writing() as conn:
            conn.execute(
                delete(login_nonces).where(login_nonces.c.created < now - 2 * NONCE_SECONDS)
            )
            conn.execute(insert(login_nonces).values(nonce_sha256=_sha(nonce), created=now, used=0))
        return nonce

    def use_login_nonce(self, nonce: str) -> bool:
        """Whether ``nonce`` is one of ours, fresh and unused; it is used up either way."""
        n = login_nonces.c
        with self.db.writing() as conn:
            result = conn.execute(
                update(login_nonces)
                .where(
                    n.nonce_sha256 == _sha(nonce),
                    n.used == 0,
                    n.created >= time.time() - NONCE_SECONDS,
                )
                .values(used=1)
            )
        return int(result.rowcount) == 1


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

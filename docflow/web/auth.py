"""Who may use the web page: users and roles, sessions, CSRF tokens and login throttling.

Users and sessions live in a store of their own (``web_users``, ``web_sessions``), apart from
the archive's index: the index is derived data that a rebuild replaces, and every account would
go with it. The store is a database opened by ``docflow.storage.open_database`` with its own
migrations: ``.docflow/web.sqlite`` in an embedded home (a file made by an older docflow is
adopted in place), the PostgreSQL database of ``[storage] database`` in a scaled-out one, so
that every ``docflow serve`` node sees the same accounts (issue 18). Users kept in the archive's
index by a still older docflow are moved once (``_move_from_archive_index``). Passwords are
hashed with argon2id; a session is a random token in an HttpOnly cookie, stored only as its
SHA-256, with an idle and an absolute expiry. Login attempts are counted *before* the password
is checked, atomically (``LoginThrottle.admit``), so simultaneous guesses cannot all slip past
the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from docflow.config import Home
from docflow.errors import UserError
from docflow.sqlite_open import opening
from docflow.storage import Database, StorageSettings, move_local_rows, open_database

#: ``consultant``: sees her own reports and signing requests only (issue 15).
ROLES = ("archivist", "officer", "admin", "consultant")

# The tables as docflow/storage/migrations_web creates them.
_metadata = MetaData()
web_users = Table(
    "web_users",
    _metadata,
    Column("name", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("disabled", Integer, nullable=False, server_default="0"),
)
web_sessions = Table(
    "web_sessions",
    _metadata,
    Column("token_sha256", Text, primary_key=True),
    Column("user_name", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def may(self, *roles: str) -> bool:
        return self.role in roles


def database_path(home: Home) -> Path:
    """The embedded home's users file (a scaled-out home keeps them in PostgreSQL)."""
    return home.state / "web.sqlite"


def database_url(home: Home) -> str:
    """Where ``home``'s users live: ``[storage] database`` when it is PostgreSQL, else
    :func:`database_path`."""
    return StorageSettings.from_home(home.root).store_url(home.state, database_path(home).name)


def _old_database_path(home: Home) -> Path:
    """Where an older docflow kept the users: in the archive's index."""
    return home.outbox / ".index" / "archive.sqlite"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AuthStore:
    """Users and sessions in the web's own store; safe to share between threads (every call
    is its own short transaction on a pooled connection)."""

    def __init__(
        self,
        database: Path | str | Database,
        *,
        idle_seconds: float = 30 * 60,
        absolute_seconds: float = 8 * 3600,
        clock: Callable[[], float] = time.time,
        hasher: PasswordHasher | None = None,
    ) -> None:
        """``database``: an open store, a database URL, or the path of a SQLite file."""
        if isinstance(database, Path):
            database = f"sqlite:///{database}"
        self.db = (
            database if isinstance(database, Database) else open_database(database, store="web")
        )
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds
        self._clock = clock
        # argon2-cffi's PasswordHasher defaults to argon2id with RFC 9106's low-memory profile.
        self._hasher = hasher or PasswordHasher()
        # Verified for unknown users too, so a wrong name costs as long as a wrong password.
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))

    @classmethod
    def for_home(cls, home: Home, **kwargs: object) -> AuthStore:
        store = cls(database_url(home), **kwargs)  # type: ignore[arg-type]
        store._move_from_archive_index(_old_database_path(home))
        # Scaled out: the users this node kept in its own file before the switch come along.
        move_local_rows(database_path(home), store.db, [web_users, web_sessions])
        return store

    def _move_from_archive_index(self, old: Path) -> int:
        """Once: copy the users (and live sessions) an older docflow kept in the archive's
        index (always a SQLite file) into this store, then drop them there. Returns how many
        users moved."""
        if not old.exists():
            return 0
        with opening(old):
            source = sqlite3.connect(old, isolation_level=None, timeout=30)
        try:
            source.execute("PRAGMA busy_timeout = 30000")
            tables = {
                r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "web_users" not in tables:
                return 0
            user_columns = ["name", "role", "password_hash", "created_at", "disabled"]
            session_columns = ["token_sha256", "user_name", "created_at", "last_seen", "expires_at"]
            users = [
                dict(zip(user_columns, row, strict=True))
                for row in source.execute(f"SELECT {', '.join(user_columns)} FROM web_users")
            ]
            sessions = (
                [
                    dict(zip(session_columns, row, strict=True))
                    for row in source.execute(
                        f"SELECT {', '.join(session_columns)} FROM web_sessions"
                    )
                ]
                if "web_sessions" in tables
                else []
            )
            with self.db.writing() as conn:
                self.db.insert_missing(conn, web_users, users)
                self.db.insert_missing(conn, web_sessions, sessions)
            # Only after the copy is committed here: a crash in between copies again, harmlessly.
            source.execute("DROP TABLE IF EXISTS web_sessions")
            source.execute("DROP TABLE web_users")
            return len(users)
        finally:
            source.close()

    def close(self) -> None:
        self.db.dispose()

    # -- users -------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str, *, replace: bool = False) -> User:
        name = name.strip()
        if not name or len(name) > 64 or any(c.isspace() for c in name):
            raise UserError("a user name is 1-64 characters without spaces")
        if role not in ROLES:
            raise UserError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < 8:
            raise UserError("the password must have at least 8 characters")
        row = {"name": name, "role": role, "password_hash": self._hasher.hash(password),
               "created_at": self._clock(), "disabled": 0}  # fmt: skip
        try:
            with self.db.writing() as conn:
                if replace:
                    self.db.upsert(conn, web_users, row, ["name"])
                    # a new password ends the sessions made with the old one
                    conn.execute(delete(web_sessions).where(web_sessions.c.user_name == name))
                else:
                    conn.execute(insert(web_users).values(**row))
        except IntegrityError:
            raise UserError(f"user {name!r} exists already") from None
        return User(name, role)

    def users(self) -> list[User]:
        with self.db.reading() as conn:
            rows = conn.execute(
                select(web_users.c.name, web_users.c.role).order_by(web_users.c.name)
            ).all()
        return [User(n, r) for n, r in rows]

    def authenticate(self, name: str, password: str) -> User | None:
        with self.db.reading() as conn:
            row = conn.execute(
                select(web_users.c.role, web_users.c.password_hash).where(
                    web_users.c.name == name, web_users.c.disabled == 0
                )
            ).first()
        stored = row[1] if row else self._dummy_hash
        try:
            self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if self._hasher.check_needs_rehash(stored):
            with self.db.writing() as conn:
                conn.execute(
                    update(web_users)
                    .where(web_users.c.name == name)
                    .values(password_hash=self._hasher.hash(password))
                )
        return User(name, row[0])

    # -- sessions ----------------------------------------------------------------------------

    def open_session(self, user: User) -> str:
        """A new session token. Every login also deletes the sessions that have expired since
        the last one: an abandoned session (a closed browser never logs out) is otherwise only
        refused, never removed, and the table would grow with every login ever made."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self.db.writing() as conn:
            self._purge_expired(conn, now)
            conn.execute(
                insert(web_sessions).values(
                    token_sha256=_sha(token), user_name=user.name, created_at=now,
                    last_seen=now, expires_at=now + self.absolute_seconds,
                )
            )  # fmt: skip
        return token

    def session_user(self, token: str | None) -> User | None:
        """The user of a live session (refreshing its idle timer), or None."""
        if not token:
            return None
        now = self._clock()
        key = _sha(token)
        s, u = web_sessions, web_users
        with self.db.writing() as conn:
            row = conn.execute(
                select(s.c.user_name, s.c.last_seen, s.c.expires_at, u.c.role)
                .join(u, (u.c.name == s.c.user_name) & (u.c.disabled == 0))
                .where(s.c.token_sha256 == key)
            ).first()
            if row is None:
                return None
            name, last_seen, expires_at, role = row
            if now > expires_at or now - last_seen > self.idle_seconds:
                conn.execute(delete(s).where(s.c.token_sha256 == key))
                return None
            conn.execute(update(s).where(s.c.token_sha256 == key).values(last_seen=now))
        return User(name, role)

    def close_session(self, token: str | None) -> None:
        if token:
            with self.db.writing() as conn:
                conn.execute(delete(web_sessions).where(web_sessions.c.token_sha256 == _sha(token)))

    def purge_expired(self) -> int:
        """Delete every expired session (absolute or idle); the number deleted."""
        with self.db.writing() as conn:
            return self._purge_expired(conn, self._clock())

    def _purge_expired(self, conn: Connection, now: float) -> int:
        result = conn.execute(
            delete(web_sessions).where(
                or_(
                    web_sessions.c.expires_at < now,
                    web_sessions.c.last_seen < now - self.idle_seconds,
                )
            )
        )
        return int(result.rowcount)


class CsrfTokens:
    """Form tokens bound to a per-browser random cookie: token = HMAC(secret, cookie).

    A token that does not match the browser's own cookie (forged, or copied from another
    browser) is refused; comparison is constant-time.
    """

    COOKIE = "docflow_csrf"

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @staticmethod
    def new_cookie() -> str:
        return secrets.token_urlsafe(32)

    def token_for(self, cookie: str) -> str:
        return hmac.new(self._secret, cookie.encode("utf-8"), hashlib.sha256).hexdigest()

    def valid(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        return hmac.compare_digest(self.token_for(cookie), token)


class LoginThrottle:
    """At most ``limit`` login attempts per user name and per client in ``window`` seconds
    reach the password check; a successful login clears its keys.

    ``admit`` counts the attempt before the check, under one lock: forty simultaneous wrong
    passwords let at most ``limit`` through (counting failures after the check let all forty
    through, each having seen the counter still low)."""

    def __init__(
        self, *, limit: int = 5, window: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def admit(self, *keys: str) -> bool:
        """Whether one more attempt for ``keys`` may reach the password check; if so, it is
        counted now, atomically with the decision."""
        now = self._clock()
        with self._lock:
            recent = [self._recent(k, now) for k in keys]
            if any(len(times) >= self.limit for times in recent):
                return False
            for times in recent:
                times.append(now)
            return True

    def blocked(self, *keys: str) -> bool:
        now = self._clock()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

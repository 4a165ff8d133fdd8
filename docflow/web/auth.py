"""Who may use the web page: users and roles, sessions, CSRF tokens and login throttling.

Users and sessions live in the archive's SQLite database (``outbox/.index/archive.sqlite``), in
tables of our own (``web_users``, ``web_sessions``) beside the archive's index. Passwords are
hashed with argon2id; a session is a random token in an HttpOnly cookie, stored only as its
SHA-256, with an idle and an absolute expiry.
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

from docflow.config import Home
from docflow.errors import UserError
from docflow.sqlite_open import opening

ROLES = ("archivist", "officer", "admin")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS web_users (
        name          TEXT PRIMARY KEY,
        role          TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at    REAL NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE IF NOT EXISTS web_sessions (
        token_sha256 TEXT PRIMARY KEY,
        user_name    TEXT NOT NULL,
        created_at   REAL NOT NULL,
        last_seen    REAL NOT NULL,
        expires_at   REAL NOT NULL
    )""",
)


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def may(self, *roles: str) -> bool:
        return self.role in roles


def database_path(home: Home) -> Path:
    return home.outbox / ".index" / "archive.sqlite"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AuthStore:
    """Users and sessions in the archive database; safe to share between threads."""

    def __init__(
        self,
        db_path: Path,
        *,
        idle_seconds: float = 30 * 60,
        absolute_seconds: float = 8 * 3600,
        clock: Callable[[], float] = time.time,
        hasher: PasswordHasher | None = None,
    ) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        with opening(db_path):
            self._db = sqlite3.connect(
                db_path, check_same_thread=False, isolation_level=None, timeout=30
            )
            self._db.execute("PRAGMA busy_timeout = 30000")
            # The archive's index runs in WAL mode; say so too, in case this connection is first.
            self._db.execute("PRAGMA journal_mode = WAL")
            for statement in _SCHEMA:
                self._db.execute(statement)
        self._lock = threading.Lock()
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds
        self._clock = clock
        # argon2-cffi's PasswordHasher defaults to argon2id with RFC 9106's low-memory profile.
        self._hasher = hasher or PasswordHasher()
        # Verified for unknown users too, so a wrong name costs as long as a wrong password.
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))

    @classmethod
    def for_home(cls, home: Home, **kwargs: object) -> AuthStore:
        return cls(database_path(home), **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- users -------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str, *, replace: bool = False) -> User:
        name = name.strip()
        if not name or len(name) > 64 or any(c.isspace() for c in name):
            raise UserError("a user name is 1-64 characters without spaces")
        if role not in ROLES:
            raise UserError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < 8:
            raise UserError("the password must have at least 8 characters")
        hashed = self._hasher.hash(password)
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        with self._lock:
            try:
                self._db.execute(
                    f"{verb} INTO web_users (name, role, password_hash, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    (name, role, hashed, self._clock()),
                )
            except sqlite3.IntegrityError:
                raise UserError(f"user {name!r} exists already") from None
            if replace:  # a new password ends the sessions made with the old one
                self._db.execute("DELETE FROM web_sessions WHERE user_name = ?", (name,))
        return User(name, role)

    def users(self) -> list[User]:
        with self._lock:
            rows = self._db.execute("SELECT name, role FROM web_users ORDER BY name").fetchall()
        return [User(n, r) for n, r in rows]

    def authenticate(self, name: str, password: str) -> User | None:
        with self._lock:
            row = self._db.execute(
                "SELECT role, password_hash FROM web_users WHERE name = ? AND disabled = 0",
                (name,),
            ).fetchone()
        stored = row[1] if row else self._dummy_hash
        try:
            self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if self._hasher.check_needs_rehash(stored):
            with self._lock:
                self._db.execute(
                    "UPDATE web_users SET password_hash = ? WHERE name = ?",
                    (self._hasher.hash(password), name),
                )
        return User(name, row[0])

    # -- sessions ----------------------------------------------------------------------------

    def open_session(self, user: User) -> str:
        """A new session token. Every login also deletes the sessions that have expired since
        the last one: an abandoned session (a closed browser never logs out) is otherwise only
        refused, never removed, and the table would grow with every login ever made."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._purge_expired(now)
            self._db.execute(
                "INSERT INTO web_sessions (token_sha256, user_name, created_at, last_seen, "
                "expires_at) VALUES (?, ?, ?, ?, ?)",
                (_sha(token), user.name, now, now, now + self.absolute_seconds),
            )
        return token

    def session_user(self, token: str | None) -> User | None:
        """The user of a live session (refreshing its idle timer), or None."""
        if not token:
            return None
        now = self._clock()
        key = _sha(token)
        with self._lock:
            row = self._db.execute(
                "SELECT s.user_name, s.last_seen, s.expires_at, u.role FROM web_sessions s "
                "JOIN web_users u ON u.name = s.user_name AND u.disabled = 0 "
                "WHERE s.token_sha256 = ?",
                (key,),
            ).fetchone()
            if row is None:
                return None
            name, last_seen, expires_at, role = row
            if now > expires_at or now - last_seen > self.idle_seconds:
                self._db.execute("DELETE FROM web_sessions WHERE token_sha256 = ?", (key,))
                return None
            self._db.execute(
                "UPDATE web_sessions SET last_seen = ? WHERE token_sha256 = ?", (now, key)
            )
        return User(name, role)

    def close_session(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._db.execute("DELETE FROM web_sessions WHERE token_sha256 = ?", (_sha(token),))

    def purge_expired(self) -> int:
        """Delete every expired session (absolute or idle); the number deleted."""
        with self._lock:
            return self._purge_expired(self._clock())

    def _purge_expired(self, now: float) -> int:
        cursor = self._db.execute(
            "DELETE FROM web_sessions WHERE expires_at < ? OR last_seen < ?",
            (now, now - self.idle_seconds),
        )
        return cursor.rowcount


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
    """At most ``limit`` failed logins per user name and per client in ``window`` seconds."""

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

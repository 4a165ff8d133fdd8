"""Opening docflow's SQLite databases (journal, summaries, web users) from several processes.

Turning a brand-new database to WAL mode and creating its schema takes an exclusive lock, and
SQLite answers a second process doing the same at that moment with "database is locked",
busy timeout or not (found when two freshly forked workers opened a new archive together).
``opening(path)`` holds an ``flock`` on ``<path>.lock`` while a process opens the database, so
first openings take turns; everything after that relies on SQLite's own locking.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def opening(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock

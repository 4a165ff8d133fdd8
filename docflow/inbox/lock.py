"""One watcher per home: an exclusive ``flock`` on ``.docflow/watch.lock``, holding the pid.

The kernel releases the lock when its process ends, however it ends (``kill -9`` included), so
a stale lock file never blocks the next watcher. A second ``docflow watch`` on the same home is
refused, naming the pid that serves it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from docflow.errors import ConfigError

__all__ = ["WatchLock"]


class WatchLock:
    """``with WatchLock(home.state):`` — held for as long as this process watches the home.

    ``acquire`` raises ``ConfigError`` when another process holds it; ``holder`` is then that
    process's pid (0 when it could not be read)."""

    def __init__(self, state_dir: Path):
        self.path = state_dir / "watch.lock"
        self.holder = 0
        self._fd = -1

    def acquire(self) -> WatchLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.holder = _read_pid(fd)
            os.close(fd)
            raise ConfigError(
                f"docflow watch is already running for this home (pid {self.holder})"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd >= 0:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> WatchLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int:
    try:
        return int(os.pread(fd, 32, 0).decode().strip() or 0)
    except (OSError, ValueError):
        return 0

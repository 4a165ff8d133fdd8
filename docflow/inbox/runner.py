"""Taking files from the inbox and driving each to exactly one outcome, surviving crashes.

The order of writes is what makes ``kill -9`` harmless:

1. a journal row (state ``processing``) is committed for the file's bytes;
2. the file is claimed by an atomic rename into ``.docflow/work/<token>/``;
3. each stage writes its product atomically into that folder, so a restart resumes from the
   last completed stage (``Pipeline.run`` decides from what is there);
4. the outcome is committed (archive record, review queue, ``inbox/rejected/``), then the
   journal row's final state, and only then the work folder is removed.

A restart (``recover``) finds rows still ``processing`` and runs them again; every stage and
the archive are idempotent for the same token, so nothing is lost and nothing is doubled. Rows
are leased to the process running them (``Journal.take_over``): recovery never takes a live
watcher's work.

A file is opened with ``O_NOFOLLOW`` and read only when it is a regular file; a symlink, FIFO,
device or folder in the inbox moves to ``rejected/`` unread, and an empty file is rejected once
it stayed empty. An infrastructure error (the outbox not writable, a full disk, LibreOffice not
starting) is no fault of the submission: it stays ``processing`` with the reason, and is tried
again later with a growing delay, never rejected.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import secrets
import shutil
import stat
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from docflow.atomic import fsync_dir, write_bytes_atomic
from docflow.config import Home
from docflow.errors import ConversionError, DocflowError
from docflow.inbox.candidates import (
    StabilityTracker,
    list_candidates,
    list_strays,
    safe_display_name,
    stray_kind,
    unique_path,
)
from docflow.inbox.journal import (
    LEASE_SECONDS,
    WAITING_STATES,
    Entry,
    Journal,
    SqlJournal,
    new_owner,
)
from docflow.inbox.messages import empty_text, internal_error_text, stray_text

log = logging.getLogger("docflow.watch")


@dataclass(frozen=True)
class Outcome:
    """What a pipeline decided for one submission (the journal's final row fields)."""

    state: str  # archived | returned | review | rejected (| split | part, between processes)
    record: str | None = None
    reason: str | None = None
    error_text: str | None = None  # for rejected: the explanation written beside the file
    #: For "split" (a kind with ``per``): the parts to run, then collect (docflow.workflow.flow).
    parts: tuple[int, ...] = ()


ProcessFn = Callable[[Entry, Path], Outcome]
#: Whether a submission waiting for a person (``awaiting_signature``) can go on now.
ReadyFn = Callable[[Entry, Path], bool]


#: errno values of a failing machine, not of a bad submission.
_INFRASTRUCTURE_ERRNOS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EIO,
        errno.EMFILE,
        errno.ENFILE,
        errno.ENOMEM,
        errno.EAGAIN,
    }
)
#: Delays between attempts after an infrastructure error: 5 s doubling up to 10 min.
RETRY_FIRST = 5.0
RETRY_MAX = 600.0


def infrastructure_error(exc: BaseException) -> str | None:
    """Why ``exc`` is the machine's fault (a read-only or full disk, LibreOffice unavailable),
    or None when it is not. Causes are followed (an ``ArchiveError`` from an ``OSError``)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _INFRASTRUCTURE_ERRNOS:
            return f"{type(current).__name__}: {current.strerror or current}"
        if isinstance(current, ConversionError):
            return f"LibreOffice: {current}"
        current = current.__cause__ or current.__context__
    return None


class _Opened:
    """A claimed file's bytes, or why it was not read."""

    def __init__(
        self, data: bytes | None = None, stray: str | None = None, inode: tuple[int, int] = (0, 0)
    ):
        self.data = data
        self.stray = stray
        self.inode = inode  # (st_dev, st_ino) of what was read


def _read_regular(path: Path) -> _Opened | None:
    """The bytes of ``path`` when it is a regular file (opened with ``O_NOFOLLOW``, never
    blocking on a FIFO); ``_Opened(stray=kind)`` for anything else; None when it vanished."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symlink: O_NOFOLLOW refused it
            return _Opened(stray="symlink")
        if exc.errno in (errno.ENXIO, errno.EISDIR):  # a FIFO without writer, a socket, a folder
            try:
                return _Opened(stray=stray_kind(path.lstat().st_mode) or "other")
            except FileNotFoundError:
                return None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return _Opened(stray=stray_kind(st.st_mode) or "other")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return _Opened(data=b"".join(chunks), inode=(st.st_dev, st.st_ino))
    finally:
        os.close(fd)


def new_token(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"S{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


class Runner:
    """Claims stable inbox files and runs ``process`` on each, on a pool of worker threads."""

    def __init__(
        self,
        home: Home,
        process: ProcessFn,
        *,
        workers: int = 2,
        settle: float = 1.0,
        ready: ReadyFn | None = None,
        journal: Journal | SqlJournal | None = None,
    ):
        self.home = home.ensure()
        self.process = process
        self.ready = ready
        #: The shared journal in the database when a queue hands work between machines.
        self.journal = journal or Journal(home.state / "journal.sqlite")
        self.work_root = home.state / "work"
        self.work_root.mkdir(parents=True, exist_ok=True)
        self.rejected = home.inbox / "rejected"
        self.tracker = StabilityTracker(settle=settle)
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="docflow")
        self._futures: set[Future[None]] = set()
        self._claim_lock = threading.Lock()
        #: This process's name on the journal rows it runs (see ``Journal.take_over``).
        self.owner = new_owner()
        #: Submissions waiting after an infrastructure error: token -> (attempts, due time).
        self._retries: dict[str, tuple[int, float]] = {}
        self._retry_lock = threading.Lock()
        self._stop_leases = threading.Event()
        self._leases = threading.Thread(
            target=self._renew_leases, name="docflow-leases", daemon=True
        )
        self._leases.start()

    def _renew_leases(self) -> None:
        while not self._stop_leases.wait(LEASE_SECONDS / 4):
            try:
                self.journal.renew(self.owner)
            except Exception:  # a busy journal: the next renewal comes well before the end
                log.warning("could not renew the journal leases", exc_info=True)

    # ----------------------------------------------------------------- claiming

    def claim(self, path: Path) -> Entry | None:
        """Journal then rename ``path`` into the work area; None when it vanished meanwhile."""
        with self._claim_lock:
            opened = _read_regular(path)
            if opened is None:
                return None
            if opened.stray is not None or not opened.data:
                self.reject_unread(path, opened.stray)
                return None
            raw = opened.data
            sha = hashlib.sha256(raw).hexdigest()
            token = new_token()
            entry = self.journal.add(token, safe_display_name(path.name), sha, owner=self.owner)
            workdir = self.work_root / token
            workdir.mkdir()
            suffix = path.suffix.lower()
            claimed = workdir / f"input{suffix}"
            try:
                os.rename(path, claimed)
                moved = claimed.lstat()
            except FileNotFoundError:
                shutil.rmtree(workdir, ignore_errors=True)
                self.journal.forget(token)
                return None
            if (moved.st_dev, moved.st_ino) != opened.inode:
                # Swapped between the read and the rename (for a symlink, say): what was
                # moved is not what was read; it goes to rejected/ unread.
                self.journal.forget(token)
                self._reject_moved(claimed, path.name, stray_kind(moved.st_mode))
                shutil.rmtree(workdir, ignore_errors=True)
                return None
            fsync_dir(workdir)
            fsync_dir(path.parent)
            self.tracker.forget(path)
            return entry

    def _reject_moved(self, path: Path, name: str, stray: str | None) -> None:
        self.reject_unread(path, stray or "other", name=name)

    def reject_unread(self, path: Path, stray: str | None, *, name: str | None = None) -> None:
        """Move ``path`` (a stray entry, or an empty file when ``stray`` is None) to
        ``rejected/`` unread, with its explanation and a journal row."""
        source = safe_display_name(name or path.name)
        if stray is None:
            text, reason, sha = empty_text(source), "empty file", hashlib.sha256(b"").hexdigest()
        else:
            text, reason, sha = stray_text(source, stray), f"not a regular file: {stray}", ""
        self.rejected.mkdir(parents=True, exist_ok=True)
        target = unique_path(self.rejected, source)
        try:
            os.rename(path, target)  # a symlink moves as itself; its target is never touched
        except FileNotFoundError:
            return
        write_bytes_atomic(target.with_name(target.name + ".error.txt"), text.encode("utf-8"))
        fsync_dir(self.rejected)
        self.tracker.forget(path)
        token = new_token()
        self.journal.add(token, source, sha)
        self.journal.update(token, state="rejected", reason=reason)
        log.info("%s %s -> rejected (%s)", token, source, reason)

    def sweep_strays(self) -> int:
        """Reject every stray entry of the inbox now (never read). Returns how many."""
        with self._claim_lock:
            strays = list_strays(self.home.inbox)
            for path, kind in strays:
                self.reject_unread(path, kind)
        return len(strays)

    # ----------------------------------------------------------------- running

    def submit(self, entry: Entry) -> None:
        future = self.pool.submit(self._run_one, entry.token)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)

    def run_entry(self, token: str) -> None:
        """Run one journaled submission whose input is in its work folder, here and now, to
        its outcome (a queue worker's job, ``docflow.queue``)."""
        self._run_one(token)

    def _run_one(self, token: str) -> None:
        entry = self.journal.get(token)
        workdir = self.work_root / token
        try:
            holder = self.journal.holder_of(entry.sha256, exclude=token)
            # The earliest holder of these bytes wins; (received_at, token) orders ties.
            if holder is not None and (holder.received_at, holder.token) < (
                entry.received_at,
                entry.token,
            ):
                reason = f"same bytes as {holder.source} ({holder.token})"
                self._finish(entry, Outcome("duplicate", record=holder.record, reason=reason))
                return
            outcome = self.process(entry, workdir)
        except Exception as exc:  # one poisonous file never stops the others
            cause = infrastructure_error(exc)
            if cause is not None:
                self._wait_and_retry(entry, cause)
                return
            log.exception("submission %s (%s) failed", token, entry.source)
            # The exception's text is logged, never written for the sender: it could quote
            # what was read (a parser's ValueError quotes the line). docflow's own errors are
            # worded by docflow (a worker process died: how) and are shown.
            error = type(exc).__name__
            if isinstance(exc, DocflowError):
                error = f"{error}: {exc}"
            outcome = Outcome(
                "rejected",
                reason=f"internal error: {error}",
                error_text=internal_error_text(entry.source, error),
            )
        with self._retry_lock:
            self._retries.pop(token, None)
        self._finish(entry, outcome)

    def _wait_and_retry(self, entry: Entry, cause: str) -> None:
        """Keep ``entry`` processing (its work folder and claim as they are) and try it again
        after a delay that doubles with each attempt."""
        with self._retry_lock:
            attempts = self._retries.get(entry.token, (0, 0.0))[0] + 1
            delay = min(RETRY_MAX, RETRY_FIRST * 2 ** (attempts - 1))
            self._retries[entry.token] = (attempts, time.monotonic() + delay)
        reason = f"waiting to retry in {delay:.0f} s (attempt {attempts}): {cause}"
        log.warning("%s %s: %s", entry.token, entry.source, reason)
        try:
            self.journal.update(entry.token, stage="waiting", reason=reason)
        except Exception:  # the journal on the same full disk: the retry still comes
            log.warning("could not note the wait of %s", entry.token, exc_info=True)

    def retry_due(self, *, now: float | None = None) -> int:
        """Submit again every waiting submission whose delay has passed. Returns how many."""
        now = time.monotonic() if now is None else now
        with self._retry_lock:
            due = [t for t, (_, at) in self._retries.items() if at <= now]
            for token in due:  # due again only if this attempt fails too
                attempts = self._retries[token][0]
                self._retries[token] = (attempts, float("inf"))
        for token in due:
            self.submit(self.journal.get(token))
        return len(due)

    def waiting(self) -> list[str]:
        """Tokens waiting for a retry after an infrastructure error."""
        with self._retry_lock:
            return sorted(self._retries)

    def _finish(self, entry: Entry, outcome: Outcome) -> None:
        workdir = self.work_root / entry.token
        if outcome.state == "rejected":
            self._move_to_rejected(entry, workdir, outcome.error_text or outcome.reason or "")
        self.journal.update(
            entry.token, state=outcome.state, record=outcome.record, reason=outcome.reason
        )
        if outcome.state not in WAITING_STATES:  # a waiting one keeps its work folder
            shutil.rmtree(workdir, ignore_errors=True)
        log.info("%s %s -> %s %s", entry.token, entry.source, outcome.state, outcome.record or "")

    def _move_to_rejected(self, entry: Entry, workdir: Path, text: str) -> None:
        inputs = sorted(workdir.glob("input*"))
        if not inputs:  # already moved by an earlier, interrupted finish
            return
        self.rejected.mkdir(parents=True, exist_ok=True)
        target = unique_path(self.rejected, entry.source)
        write_bytes_atomic(target.with_name(target.name + ".error.txt"), text.encode("utf-8"))
        os.rename(inputs[0], target)
        fsync_dir(self.rejected)

    # ----------------------------------------------------------------- recovery and loops

    def recover(self) -> int:
        """Resume every submission a crash left in ``processing``. Returns how many."""
        resumed = 0
        for entry in self.journal.entries("processing"):
            if not self.journal.take_over(entry.token, self.owner):
                continue  # a live watcher runs it
            workdir = self.work_root / entry.token
            if not workdir.exists() or not any(workdir.glob("input*")):
                # Crashed between the journal row and the rename: the file is still in the
                # inbox (it will be claimed again) or it was already finished.
                self.journal.forget(entry.token)
                shutil.rmtree(workdir, ignore_errors=True)
                continue
            self.submit(entry)
            resumed += 1
        return resumed

    def resume_waiting(self) -> int:
        """Run again every submission ``awaiting_signature`` whose signature arrived (the
        ``ready`` check: by the web page, the API, ``sign-requests complete`` or the inbox).
        The state lives in the journal and the work folder, so this survives any restart:
        the row goes back to ``processing`` first, which ``recover`` resumes after a crash."""
        if self.ready is None:
            return 0
        resumed = 0
        for entry in self.journal.entries("awaiting_signature"):
            workdir = self.work_root / entry.token
            try:
                ready = workdir.is_dir() and self.ready(entry, workdir)
            except Exception:  # a broken request must not stop the watcher
                log.exception("checking the signature of %s failed", entry.token)
                continue
            if ready:
                self.submit(self.journal.update(entry.token, state="processing"))
                resumed += 1
        return resumed

    def scan(self) -> int:
        """Claim every stable candidate in the inbox now. Returns how many were claimed."""
        claimed = 0
        self.sweep_strays()
        for path in list_candidates(self.home.inbox):
            if self.tracker.observe(path):
                entry = self.claim(path)
                if entry is not None:
                    self.submit(entry)
                    claimed += 1
        return claimed

    def drain(self) -> None:
        while self._futures:
            for future in list(self._futures):
                future.result()

    def run_once(self, *, settle_timeout: float = 30.0) -> None:
        """Process what is in the inbox now (waiting for files still being written)."""
        self.recover()
        self.resume_waiting()
        deadline = time.monotonic() + settle_timeout
        while True:
            self.scan()
            waiting = [p for p in list_candidates(self.home.inbox) if p.exists()]
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(min(0.2, max(self.tracker.settle / 4, 0.02)))
        self.drain()

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self._stop_leases.set()
        self._leases.join(timeout=5)
        self.journal.close()

"""Taking files from the inbox and driving each to exactly one outcome, surviving crashes.

The order of writes is what makes ``kill -9`` harmless:

1. a journal row (state ``processing``) is committed for the file's bytes;
2. the file is claimed by an atomic rename into ``.docflow/work/<token>/``;
3. each stage writes its product atomically into that folder, so a restart resumes from the
   last completed stage (``Pipeline.run`` decides from what is there);
4. the outcome is committed (archive record, review queue, ``inbox/rejected/``), then the
   journal row's final state, and only then the work folder is removed.

A restart (``recover``) finds rows still ``processing`` and runs them again; every stage and
the archive are idempotent for the same token, so nothing is lost and nothing is doubled.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from docflow.atomic import fsync_dir, write_bytes_atomic
from docflow.config import Home
from docflow.inbox.candidates import (
    StabilityTracker,
    list_candidates,
    safe_display_name,
    unique_path,
)
from docflow.inbox.journal import Entry, Journal

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


def new_token(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"S{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


class Runner:
    """Claims stable inbox files and runs ``process`` on each, on a pool of worker threads."""

    def __init__(self, home: Home, process: ProcessFn, *, workers: int = 2, settle: float = 1.0):
        self.home = home.ensure()
        self.process = process
        self.journal = Journal(home.state / "journal.sqlite")
        self.work_root = home.state / "work"
        self.work_root.mkdir(parents=True, exist_ok=True)
        self.rejected = home.inbox / "rejected"
        self.tracker = StabilityTracker(settle=settle)
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="docflow")
        self._futures: set[Future[None]] = set()
        self._claim_lock = threading.Lock()

    # ----------------------------------------------------------------- claiming

    def claim(self, path: Path) -> Entry | None:
        """Journal then rename ``path`` into the work area; None when it vanished meanwhile."""
        with self._claim_lock:
            try:
                raw = path.read_bytes()
            except (FileNotFoundError, IsADirectoryError):
                return None
            sha = hashlib.sha256(raw).hexdigest()
            token = new_token()
            entry = self.journal.add(token, safe_display_name(path.name), sha)
            workdir = self.work_root / token
            workdir.mkdir()
            suffix = path.suffix.lower()
            try:
                os.rename(path, workdir / f"input{suffix}")
            except FileNotFoundError:
                shutil.rmtree(workdir, ignore_errors=True)
                self.journal.forget(token)
                return None
            fsync_dir(workdir)
            fsync_dir(path.parent)
            self.tracker.forget(path)
            return entry

    # ----------------------------------------------------------------- running

    def submit(self, entry: Entry) -> None:
        future = self.pool.submit(self._run_one, entry.token)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)

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
            log.exception("submission %s (%s) failed", token, entry.source)
            outcome = Outcome(
                "rejected",
                reason=f"internal error: {type(exc).__name__}: {exc}",
                error_text=(
                    f"docflow could not process {entry.source}: an internal error occurred "
                    f"({type(exc).__name__}: {exc}).\nThe file is kept here unchanged; "
                    "tell the chamber's administrator.\n"
                ),
            )
        self._finish(entry, outcome)

    def _finish(self, entry: Entry, outcome: Outcome) -> None:
        workdir = self.work_root / entry.token
        if outcome.state == "rejected":
            self._move_to_rejected(entry, workdir, outcome.error_text or outcome.reason or "")
        self.journal.update(
            entry.token, state=outcome.state, record=outcome.record, reason=outcome.reason
        )
        if outcome.state != "review":  # review keeps its work folder until the officer decides
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

    def scan(self) -> int:
        """Claim every stable candidate in the inbox now. Returns how many were claimed."""
        claimed = 0
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
        self.journal.close()

"""``docflow watch`` under ``[queue] backend = "postgres"``: the inbox is taken exactly as in
the embedded default (the runner's claim: journal row first, then the atomic rename, strays
and empty files rejected unread), but instead of running the flow here each submission's
bytes go to the database, addressed by SHA-256, and a job is deferred for any worker.

Order of writes, so that ``kill -9`` of the watch node loses nothing: the journal row, the
rename into ``.docflow/work/<token>/``, the bytes in ``journal_inputs``, the job, and only
then the local work folder is removed. A restart (``recover``) hands over what a crash left
in the work area, and defers again every stored submission that has no job.

A rejection decided on a worker is delivered by the node that received the file: the input
and its explanation are written to this node's ``inbox/rejected/`` (``deliver_rejections``,
every loop of ``watch``).

A document ``awaiting_signature`` was parked by the worker that made its request
(``docflow.queue._parked``). Every ``RESUME_EVERY`` seconds ``resume_waiting`` restores the
parked copies this node lacks (or holds older) and asks ``ready``
(``docflow.workflow.own.SignatureArrivals``) whether a request is no longer open; if so the
row goes back to ``processing`` unleased (one statement: two watch nodes never both resume
it) and its job is deferred. Whichever worker takes the job restores the parked folder and
runs the flow, which finds the request signed and goes on. A node killed between the two
is covered by the workers' sweep, which defers every ``processing`` row without a job.
"""

from __future__ import annotations

import logging
import shutil
import socket
import time
from pathlib import Path

from docflow.atomic import fsync_dir, write_bytes_atomic
from docflow.config import Home
from docflow.inbox.candidates import unique_path
from docflow.inbox.journal import WAITING_STATES, Entry, SqlJournal
from docflow.inbox.runner import Outcome, ReadyFn, Runner
from docflow.queue._adopt import adopt_embedded_journal
from docflow.queue._app import JobQueue
from docflow.queue._parked import ParkedWork, UnsafeParkedFolder
from docflow.storage._settings import QueueSettings

log = logging.getLogger("docflow.queue")

#: Seconds between two looks at the documents awaiting a signature: each look asks the shared
#: database about every open request (a person's signature needs no faster answer).
RESUME_EVERY = 5.0


def node_name(home: Home) -> str:
    """This watch node's stable name (the same after a restart): host and home folder."""
    return f"{socket.gethostname()}:{home.root}"


def _not_here(entry: Entry, workdir: Path) -> Outcome:
    raise RuntimeError("a queue intake never runs the flow itself")


class QueueIntake(Runner):
    """The runner of a watch node that hands every claimed submission to the shared queue."""

    def __init__(
        self,
        home: Home,
        settings: QueueSettings,
        *,
        settle: float = 1.0,
        ready: ReadyFn | None = None,
    ) -> None:
        assert settings.database is not None
        self.shared = SqlJournal(settings.database)
        # Before anything looks at this node's work area (``recover`` removes folders the
        # shared journal does not know): the journal it kept while embedded comes along.
        adopt_embedded_journal(home, self.shared, node=node_name(home))
        super().__init__(
            home, _not_here, workers=1, settle=settle, journal=self.shared, ready=ready
        )
        self.parked = ParkedWork(self.shared, self.work_root)
        #: (token, version) of parked copies refused once (logged once, not every second).
        self._refused: set[tuple[str, int]] = set()
        self._next_clean = 0.0
        self._next_resume = 0.0
        #: Rows this node receives name it (``node``): it owes their senders the rejections.
        self.owner = node_name(home)
        self.queue = JobQueue(settings).open()
        #: The submissions this process handed to the queue (their tokens).
        self.tokens: set[str] = set()

    # -- handing over ------------------------------------------------------------------

    def submit(self, entry: Entry) -> None:
        workdir = self.work_root / entry.token
        inputs = sorted(workdir.glob("input*"))
        if inputs:
            self.shared.store_input(entry.token, inputs[0].read_bytes(), inputs[0].suffix)
            self.queue.defer(entry.token)
            self.tokens.add(entry.token)
            log.info("%s %s -> queued", entry.token, entry.source)
        shutil.rmtree(workdir, ignore_errors=True)

    def recover(self) -> int:
        """Hand over what a crash left in this node's work area; defer again every stored
        submission without a job; deliver the rejections decided meanwhile. Returns how many
        were handed over or deferred."""
        handed = 0
        for workdir in sorted(self.work_root.iterdir()) if self.work_root.exists() else []:
            try:
                entry = self.shared.get(workdir.name)
            except KeyError:  # crashed between the row and the rename, or foreign debris
                shutil.rmtree(workdir, ignore_errors=True)
                continue
            if entry.state == "processing" and any(workdir.glob("input*")):
                self.submit(entry)
                handed += 1
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        self.deliver_rejections()
        return handed + self.queue.requeue_orphans()

    def resume_waiting(self) -> int:
        """Defer the job of every ``awaiting_signature`` document whose request is no longer
        open (signed, or cancelled: asked again), read from its parked work folder restored
        here. Returns how many."""
        if self.ready is None or time.monotonic() < self._next_resume:
            return 0
        self._next_resume = time.monotonic() + RESUME_EVERY
        waiting = self.shared.entries("awaiting_signature")
        if not waiting:
            return 0
        versions = self.shared.parked_versions([e.token for e in waiting])
        resumed = 0
        for entry in waiting:
            version = versions.get(entry.token)
            if version is None or (entry.token, version) in self._refused:
                continue  # not parked: made before folders were parked, or ended meanwhile
            try:
                workdir = self.parked.ensure(entry.token, version)
                ready = workdir.is_dir() and self.ready(entry, workdir)
            except UnsafeParkedFolder as exc:
                self._refused.add((entry.token, version))
                log.error("%s: %s", entry.token, exc)
                continue
            except Exception:  # a broken request must not stop the watcher
                log.exception("checking the signature of %s failed", entry.token)
                continue
            if ready and self.shared.resume(entry.token, None):
                self.queue.defer(entry.token)
                self.tokens.add(entry.token)
                # The worker parks a newer copy; this one would only be restored over.
                shutil.rmtree(workdir, ignore_errors=True)
                log.info("%s %s -> signature arrived, queued", entry.token, entry.source)
                resumed += 1
        return resumed

    def retry_due(self, *, now: float | None = None) -> int:
        """Called on every loop of ``watch``: deliver the rejections decided elsewhere (and
        now and then drop the restored copies of documents no longer waiting here)."""
        if time.monotonic() >= self._next_clean:
            self._next_clean = time.monotonic() + 60.0
            try:
                self.clean_restored()
            except Exception:
                log.warning("could not clean the restored work folders", exc_info=True)
        return self.deliver_rejections()

    def clean_restored(self) -> int:
        """Remove the restored copies (``.parked-version`` in them) of documents no longer
        waiting for a person. Returns how many."""
        from docflow.queue._parked import MARK

        removed = 0
        for workdir in sorted(self.work_root.iterdir()) if self.work_root.exists() else []:
            if not (workdir / MARK).exists():
                continue  # a claim being handed over: ``submit``/``recover`` own it
            try:
                state = self.shared.get(workdir.name).state
            except KeyError:
                state = None
            if state not in WAITING_STATES:
                shutil.rmtree(workdir, ignore_errors=True)
                removed += 1
        return removed

    def drain(self) -> None:
        return None  # nothing runs here

    # -- rejections ----------------------------------------------------------------------

    def deliver_rejections(self) -> int:
        """Write each rejection of a file this node received into ``inbox/rejected/``: the
        input under its (safe) name and ``NAME.error.txt``, as the embedded runner does."""
        delivered = 0
        for entry, text in self.shared.undelivered(self.owner):
            stored = self.shared.input_bytes(entry.token)
            self.rejected.mkdir(parents=True, exist_ok=True)
            target = unique_path(self.rejected, entry.source)
            write_bytes_atomic(target.with_name(target.name + ".error.txt"), text.encode("utf-8"))
            if stored is not None:
                write_bytes_atomic(target, stored[0])
            fsync_dir(self.rejected)
            self.shared.mark_delivered(entry.token)
            log.info("%s %s -> rejected (delivered)", entry.token, entry.source)
            delivered += 1
        return delivered

    def wait_finished(
        self, tokens: set[str] | None = None, *, timeout: float | None = None
    ) -> None:
        """Block until none of ``tokens`` (default: every submission) is still
        ``processing`` (``watch --once``), delivering rejections meanwhile."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while deadline is None or time.monotonic() < deadline:
            self.deliver_rejections()
            pending = [e for e in self.shared.entries("processing")
                       if tokens is None or e.token in tokens]  # fmt: skip
            if not pending:
                return
            time.sleep(0.5)
        raise TimeoutError("submissions still processing")

    def close(self) -> None:
        super().close()
        self.queue.close()

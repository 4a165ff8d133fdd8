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
from docflow.inbox.journal import Entry, SqlJournal
from docflow.inbox.runner import Outcome, Runner
from docflow.queue._app import JobQueue
from docflow.storage._settings import QueueSettings

log = logging.getLogger("docflow.queue")


def node_name(home: Home) -> str:
    """This watch node's stable name (the same after a restart): host and home folder."""
    return f"{socket.gethostname()}:{home.root}"


def _not_here(entry: Entry, workdir: Path) -> Outcome:
    raise RuntimeError("a queue intake never runs the flow itself")


class QueueIntake(Runner):
    """The runner of a watch node that hands every claimed submission to the shared queue."""

    def __init__(self, home: Home, settings: QueueSettings, *, settle: float = 1.0) -> None:
        assert settings.database is not None
        self.shared = SqlJournal(settings.database)
        super().__init__(home, _not_here, workers=1, settle=settle, journal=self.shared)
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
        return 0  # documents waiting for a person are not handed between machines yet

    def retry_due(self, *, now: float | None = None) -> int:
        """Called on every loop of ``watch``: deliver the rejections decided elsewhere."""
        return self.deliver_rejections()

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

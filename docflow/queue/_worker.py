"""``docflow worker``: runs the shared queue's jobs, one submission each, through the generic
flow of this machine (its own work folder under ``.docflow/work/``, its own warm LibreOffice,
its own worker processes), archiving to the scaled archive.

A job is ``QueueWorker.run(token)``:

1. the journal row is leased to this worker (``SqlJournal.take_over``; a row a live worker
   holds is left to it and the job tried again later); a row no longer ``processing`` was
   finished by an earlier run of the same job and is left alone;
2. a parked copy of the document's work folder (it waited for a person, and the officer
   decided or the signature arrived: ``docflow.queue._parked``) newer than this machine's is
   restored; else the submission's bytes are fetched from the database into this machine's
   work folder (unless a run killed here left the folder: the flow resumes from its last
   product);
3. the runner's per-entry processing runs it (``Runner.run_entry``): the same duplicate
   check and outcome as in the embedded default. A rejection's explanation goes into the
   journal for the receiving watch node to deliver; an infrastructure error (LibreOffice
   down, a full disk) makes the job be tried again later, never a rejection;
4. an outcome that waits for a person (``review``, ``awaiting_signature``) parks the whole
   work folder in the database together with the row's state, in one transaction, and this
   machine's copy is removed; a final outcome drops the parked copy with the row's state.

Every ``stalled_after / 2`` seconds each worker gives the jobs of workers whose heartbeat
stopped (killed with SIGKILL, a machine lost) back to the queue, and defers again every
stored submission without a job (``JobQueue.requeue_orphans``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from pathlib import Path
from typing import Any

from docflow.atomic import write_bytes_atomic
from docflow.config import Home
from docflow.inbox.journal import WAITING_STATES, Entry, SqlJournal
from docflow.inbox.messages import internal_error_text
from docflow.inbox.runner import Outcome, ProcessFn, Runner
from docflow.queue._app import QUEUE, TASK, JobQueue
from docflow.queue._parked import ParkedWork, UnsafeParkedFolder, check_token
from docflow.storage._settings import QueueSettings

log = logging.getLogger("docflow.queue")

#: An input file's suffix: checked before it names anything on this machine's disk.
_SUFFIX = re.compile(r"\.[a-z0-9]{1,10}")


class TryLater(Exception):
    """The job cannot run now (held by a live worker, the machine failing): retried later."""


class _WorkerRunner(Runner):
    """The runner's per-entry processing with the shared journal: a rejection's explanation
    is kept for the receiving node, an infrastructure error is left to the queue's retry."""

    journal: SqlJournal

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.infrastructure: dict[str, str] = {}
        self.parked = ParkedWork(self.journal, self.work_root)

    def _finish(self, entry: Entry, outcome: Outcome) -> None:
        """As the embedded runner's, but a document that waits for a person is parked in the
        database (with its state, one transaction) and leaves this machine; a final state
        drops the parked copy (``SqlJournal.finish``)."""
        workdir = self.work_root / entry.token
        if outcome.state in WAITING_STATES:
            version = self.parked.park(
                entry.token, workdir, state=outcome.state, reason=outcome.reason
            )
            shutil.rmtree(workdir, ignore_errors=True)
            log.info("%s %s -> %s (parked, version %s)", entry.token, entry.source,
                     outcome.state, version)  # fmt: skip
            return
        if outcome.state == "rejected":
            self._move_to_rejected(entry, workdir, outcome.error_text or outcome.reason or "")
        self.journal.finish(
            entry.token, state=outcome.state, record=outcome.record, reason=outcome.reason
        )
        shutil.rmtree(workdir, ignore_errors=True)
        log.info("%s %s -> %s %s", entry.token, entry.source, outcome.state, outcome.record or "")

    def _move_to_rejected(self, entry: Entry, workdir: Path, text: str) -> None:
        self.journal.note_rejection(entry.token, text)

    def _wait_and_retry(self, entry: Entry, cause: str) -> None:
        self.infrastructure[entry.token] = cause
        try:
            self.journal.update(entry.token, stage="waiting", reason=f"waiting to retry: {cause}")
        except Exception:
            log.warning("could not note the wait of %s", entry.token, exc_info=True)


class QueueWorker:
    """One ``docflow worker`` process: the jobs of the queue, ``workers`` at a time."""

    def __init__(
        self,
        home: Home,
        settings: QueueSettings,
        process: ProcessFn,
        *,
        journal: SqlJournal,
        workers: int = 2,
        name: str | None = None,
    ) -> None:
        from procrastinate import RetryStrategy

        self.home = home
        self.settings = settings
        self.workers = max(1, workers)
        self.name = name or "docflow-worker"
        self.journal = journal
        self.runner = _WorkerRunner(home, process, workers=1, settle=0, journal=journal)
        self.jobs = JobQueue(settings, asynchronous=True)
        self._deferrer: JobQueue | None = None
        # Growing waits for a job that cannot run now: 5 s, 15 s, 25 s ... (no limit: an
        # infrastructure error is never the submission's fault).
        retry = RetryStrategy(wait=5, linear_wait=10, retry_exceptions=[TryLater])
        self.jobs.app.task(name=TASK, queue=QUEUE, retry=retry)(self.run)
        self.done = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- one job -------------------------------------------------------------------------

    def run(self, token: str) -> None:
        journal = self.journal
        try:
            entry = journal.get(token)
        except KeyError:
            log.warning("job for unknown submission %s: nothing to do", token)
            return
        if entry.state != "processing":
            return  # finished by an earlier run of this job
        owner = self.runner.owner
        if not journal.take_over(token, owner):
            raise TryLater(f"{token} is run by {entry.owner}")
        try:
            self._run_leased(token)
        except BaseException:
            journal.release(token, owner)  # any worker may take it again at once
            raise
        self.done += 1

    def _run_leased(self, token: str) -> None:
        check_token(token)
        workdir = self.runner.work_root / token
        try:
            self.runner.parked.ensure(token)
        except UnsafeParkedFolder as exc:
            self._refuse_parked(token, exc)
            return
        if not any(workdir.glob("input*")):
            stored = self.journal.input_bytes(token)
            if stored is None:
                raise TryLater(f"the bytes of {token} are not stored yet")
            data, suffix = stored
            if not _SUFFIX.fullmatch(suffix):  # the runner wrote it; never a path
                suffix = ""
            workdir.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(workdir / f"input{suffix}", data)
        self.runner.run_entry(token)
        cause = self.runner.infrastructure.pop(token, None)
        if cause is not None:
            raise TryLater(cause)

    def _refuse_parked(self, token: str, exc: UnsafeParkedFolder) -> None:
        """A parked copy that is damaged or unsafe (written by something else than a worker)
        is never restored: the document is rejected as an internal error, and the copy is
        left in the database for whoever investigates."""
        log.error("%s: %s", token, exc)
        entry = self.journal.get(token)
        error = f"{type(exc).__name__}: {exc}"
        self.journal.note_rejection(token, internal_error_text(entry.source, error))
        self.journal.update(token, state="rejected", reason=f"internal error: {error}")

    # -- the loop ------------------------------------------------------------------------

    def clean_work_area(self) -> int:
        """Remove this machine's work folders of submissions finished elsewhere (a run killed
        here, taken again by another worker) or waiting for a person with a parked copy in
        the database (a worker killed after parking). Returns how many."""
        removed = 0
        root = self.runner.work_root
        folders = sorted(root.iterdir()) if root.exists() else []
        parked = self.journal.parked_versions([f.name for f in folders]) if folders else {}
        for workdir in folders:
            try:
                state = self.journal.get(workdir.name).state
            except KeyError:
                state = None
            if state == "processing" or (state in WAITING_STATES and workdir.name not in parked):
                continue  # running, or waiting from before folders were parked: kept
            shutil.rmtree(workdir, ignore_errors=True)
            removed += 1
        return removed

    def sweep(self) -> int:
        """Give the jobs of silent workers back to the queue; defer orphans again."""
        if self._deferrer is None:
            self._deferrer = JobQueue(self.settings).open()
        self.clean_work_area()
        return self._retry_stalled() + self._deferrer.requeue_orphans()

    def _retry_stalled(self) -> int:
        assert self._loop is not None, "called from serve()'s sweep only"
        return asyncio.run_coroutine_threadsafe(self._retry_stalled_async(), self._loop).result()

    async def _retry_stalled_async(self) -> int:
        manager = self.jobs.app.job_manager
        seconds = int(self.settings.stalled_after)
        retried = 0
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=seconds):
            try:
                await manager.retry_job(job)
            except Exception:  # another worker retried it first
                log.debug("could not retry stalled job %s", job.id, exc_info=True)
                continue
            log.warning("job %s (%s) of a silent worker: queued again", job.id, job.task_kwargs)
            retried += 1
        return retried

    def serve(self) -> None:
        """Run jobs until SIGINT/SIGTERM (procrastinate stops after the jobs in flight)."""
        self.clean_work_area()
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        stalled = self.settings.stalled_after
        async with self.jobs.app.open_async():
            worker = asyncio.create_task(
                self.jobs.app.run_worker_async(
                    queues=[QUEUE],
                    name=self.name,
                    # One job more than worker processes: its journal lease and bytes are
                    # fetched while the others run, and it starts the moment one is free.
                    concurrency=self.workers + 1,
                    update_heartbeat_interval=max(1.0, stalled / 4),
                    stalled_worker_timeout=stalled,
                    install_signal_handlers=True,
                )
            )
            while not worker.done():
                try:
                    await asyncio.to_thread(self.sweep)
                except Exception:
                    log.warning("the queue's sweep failed", exc_info=True)
                await asyncio.wait({worker}, timeout=max(1.0, stalled / 2))
            await worker

    def close(self) -> None:
        self.runner.close()
        if self._deferrer is not None:
            self._deferrer.close()

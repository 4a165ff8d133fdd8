"""Documents a local door decides (``docflow summary``, ``docflow sanctions``), made by the same
flow, runner and worker processes as a file from the inbox (issue 12).

A job enters the journal as the inbox's claim does it, in the same crash-safe order: a journal
row first, then its work folder with ``local.json`` (the kind, ``flow.LOCAL_MARK``) and the input;
the runner hands it to a worker process (``WorkerPool``, or the flow in threads when
``worker_processes = false``) and commits the outcome. A crash leaves a row ``processing`` that
the next ``docflow watch`` resumes; a document waiting for a person's own signature
(``awaiting_signature``) goes on, once signed, by the watcher's ``resume_waiting`` as any other.
The same job twice is the same bytes: the runner makes the second a ``duplicate`` of the first
(nothing is archived twice).

Scaled out (``[queue] backend = "postgres"``, issue 18), a document that waits for a person is
parked in the shared database with its state, as a worker host parks one (``docflow.queue``):
the watch nodes resume it when the signature arrives and any worker host finishes it, so the
machine where the command ran keeps nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from docflow.atomic import fsync_dir, write_bytes_atomic
from docflow.inbox.journal import Entry, SqlJournal
from docflow.inbox.runner import Outcome, ProcessFn, Runner, new_token
from docflow.workflow.build import build_flow
from docflow.workflow.flow import LOCAL_MARK
from docflow.workflow.parking import park_if_shared
from docflow.workflow.pool import WorkerPool
from docflow.workflow.services import Services

__all__ = ["LocalJob", "Made", "make_documents"]


@dataclass(frozen=True)
class LocalJob:
    """One document to make: its kind, its name in the journal (``docflow status``), its input."""

    kind: str
    name: str
    data: bytes


@dataclass(frozen=True)
class Made:
    """What became of a job: its journal row at the end and, when it waits for a person's own
    signature (``awaiting_signature``, or a duplicate of a job that waits), the request's id."""

    entry: Entry
    request: str | None = None

    @property
    def state(self) -> str:
        return self.entry.state

    @property
    def record(self) -> str | None:
        return self.entry.record


def make_documents(services: Services, jobs: Sequence[LocalJob]) -> list[Made]:
    """Run ``jobs`` through the flow in worker processes (at most ``[settings] workers``, one
    per job) and wait for each one's outcome."""
    if not jobs:
        return []
    workers = max(1, min(len(jobs), services.settings.workers))
    pool = WorkerPool(services, workers=workers) if services.settings.worker_processes else None
    try:
        process: ProcessFn = pool if pool is not None else build_flow(services)
        # Scaled out, the rows are the shared journal's, where the worker processes (and every
        # node) look for them; embedded, the runner opens (and closes) the home's own.
        shared = services.journal if isinstance(services.journal, SqlJournal) else None
        runner = _LocalRunner(services.home, process, workers=workers, journal=shared)
        try:
            entries = [_enter(runner, job) for job in jobs]
            for entry in entries:
                runner.submit(entry)
            runner.drain()
            made = [_made(runner, entry.token) for entry in entries]
            for token in runner.parked:  # read above (the request's id): now the database's
                shutil.rmtree(runner.work_root / token, ignore_errors=True)
            return made
        finally:
            runner.close()
    finally:
        if pool is not None:
            pool.close()


class _LocalRunner(Runner):
    """The runner of a local door: as the inbox's, but scaled out a waiting document is parked
    (``park_if_shared``) instead of staying in this machine's work folder."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.parked: list[str] = []

    def _finish(self, entry: Entry, outcome: Outcome) -> None:
        if park_if_shared(self.journal, self.work_root / entry.token, entry, outcome):
            self.parked.append(entry.token)
            return
        super()._finish(entry, outcome)


def _enter(runner: Runner, job: LocalJob) -> Entry:
    """The journal row, then the work folder with the mark and the input (the claim's order)."""
    token = new_token()
    sha = hashlib.sha256(job.data).hexdigest()
    entry = runner.journal.add(token, job.name, sha, owner=runner.owner)
    workdir = runner.work_root / token
    workdir.mkdir()
    write_bytes_atomic(workdir / LOCAL_MARK, json.dumps({"kind": job.kind}).encode("utf-8"))
    write_bytes_atomic(workdir / "input.json", job.data)
    fsync_dir(workdir)
    return entry


def _made(runner: Runner, token: str) -> Made:
    entry = runner.journal.get(token)
    waiting = entry
    if entry.state == "duplicate":
        holder = runner.journal.holder_of(entry.sha256, exclude=token)
        waiting = holder if holder is not None else entry
    request = None
    if waiting.state == "awaiting_signature":
        workdir = runner.work_root / waiting.token
        if not workdir.exists() and isinstance(runner.journal, SqlJournal):
            # The job this one duplicates waits parked (made here or on another machine).
            from docflow.queue import ParkedWork

            workdir = ParkedWork(runner.journal, runner.work_root).ensure(waiting.token)
            request = _open_request(workdir) if workdir.exists() else None
            shutil.rmtree(workdir, ignore_errors=True)
            return Made(entry, request)
        request = _open_request(workdir)
    return Made(entry, request)


def _open_request(workdir: Path) -> str | None:
    """The signing request the document in ``workdir`` waits on (its last one)."""
    for path in sorted(workdir.glob("request-*.json"), reverse=True):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not (workdir / str(data["product"])).exists():
            return str(data["id"])
    return None

"""``docflow watch`` and ``docflow status``: the inbox service and what became of each file."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from docflow.cli._options import today_option
from docflow.config import Clock, Home
from docflow.i18n import cli_locale, message, role_label

if TYPE_CHECKING:
    from docflow.inbox.journal import Entry
    from docflow.inbox.runner import Outcome, ProcessFn
    from docflow.signreq import SignRequestRecord
    from docflow.storage import QueueSettings
    from docflow.workflow.services import Services


class Progress:
    """``watch --once``: one line per submission done, "[n/N] name: outcome", on stderr in the
    CLI's language. N is what the inbox (and the journal's unfinished rows) held at the start,
    raised if more arrives meanwhile."""

    def __init__(self, process: ProcessFn, total: int, locale: str):
        self._process = process
        self._total = total
        self._done = 0
        self._locale = locale
        self._lock = threading.Lock()

    def __call__(self, entry: Entry, workdir: Path) -> Outcome:
        outcome = self._process(entry, workdir)
        with self._lock:
            self._done += 1
            self._total = max(self._total, self._done)
            state = message(f"param.state.{outcome.state}", self._locale)
            click.echo(
                message("watch.progress", self._locale, n=self._done, total=self._total,
                        source=entry.source, state=state),
                err=True,
            )  # fmt: skip
        return outcome

    def __getattr__(self, name: str) -> object:
        return getattr(self._process, name)


def _waiting(home: Home) -> int:
    """Files in the inbox now plus submissions a crash left unfinished (run again first)."""
    from docflow.inbox.candidates import list_candidates
    from docflow.inbox.journal import open_journal

    journal = open_journal(home.root)
    try:
        unfinished = len(journal.entries("processing"))
    finally:
        journal.close()
    return len(list_candidates(home.inbox)) + unfinished


def register(group: click.Group) -> None:
    @group.command()
    @click.option("--once", is_flag=True, help="Process what is in inbox/ now, then exit.")
    @click.option("--workers", type=int, default=None, help="Parallel submissions (default 2).")
    @click.option(
        "--settle",
        type=float,
        default=1.0,
        show_default=True,
        help="Seconds a file must stay unchanged before it is taken.",
    )
    @today_option("Replay a past day: the date used for deadlines (default: the real date).")
    @click.option("-v", "--verbose", is_flag=True, help="Log every step.")
    @click.pass_obj
    def watch(
        home: Home,
        once: bool,
        workers: int | None,
        settle: float,
        clock: Clock,
        verbose: bool,
    ) -> None:
        """Watch inbox/ and take every submission to its outcome (archived, review, returned or
        rejected with an explanation in inbox/rejected/)."""
        from docflow.errors import ConfigError
        from docflow.inbox.lock import WatchLock

        locale = cli_locale(click.get_current_context().meta.get("docflow.lang"))

        logging.basicConfig(
            level=logging.INFO if verbose or not once else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        # Issue 18: a scaled-out archive that cannot be used (no Object Lock, no database) is
        # refused now, not at the first submission.
        from docflow.cli._storage import open_archive_or_refuse

        open_archive_or_refuse(home.ensure(), locale)
        # One watcher per home (issue 19): a second one would run the first one's work again.
        lock = WatchLock(home.ensure().state)
        try:
            lock.acquire()
        except ConfigError:
            raise click.ClickException(message("watch.locked", locale, pid=lock.holder)) from None
        try:
            _watch(home, once, workers, settle, clock, verbose, locale)
        finally:
            lock.release()

    @group.command()
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @click.option("--chamber", help="Only this chamber's submissions (its id or any name).")
    @click.pass_context
    def status(ctx: click.Context, as_json: bool, chamber: str | None) -> None:
        """Every submission received, with its state (and its chamber, once judged)."""
        from docflow.bodies import ChamberRegistry
        from docflow.inbox.journal import SqlJournal, open_journal

        home: Home = ctx.obj
        journal = open_journal(home.root)
        try:
            if isinstance(journal, SqlJournal):  # a node switched to the shared queue
                from docflow.queue import adopt_embedded_journal, node_name

                adopt_embedded_journal(home, journal, node=node_name(home))
            entries = journal.entries()
        finally:
            journal.close()
        registry = ChamberRegistry(home)
        if chamber:
            chamber_id = registry.resolve(chamber).id
            entries = [e for e in entries if e.chamber == chamber_id]
        if as_json:
            click.echo(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2))
            return
        locale = cli_locale(ctx.meta.get("docflow.lang"))
        if not entries:
            click.echo(message("status.none", locale))
            return
        waiting = (
            _open_requests(home) if any(e.state == "awaiting_signature" for e in entries) else []
        )
        for e in entries:
            state = message(f"param.state.{e.state}", locale)
            line = message("status.line", locale, received=e.received_at[:19].replace("T", " "),
                           state=state, source=e.source)  # fmt: skip
            if e.chamber:
                line += f"  [{registry.display_name(e.chamber, locale)}]"
            if e.record:
                line += "  " + message("status.record", locale, record=e.record)
            if e.state == "rejected":
                # The journal's reason is the log's (English); the person's explanation is
                # the NAME.error.txt beside the file, in the submission's language.
                line += "  " + message("status.see_error", locale, name=e.source)
            elif e.state in ("returned", "processing") and e.reason:
                line += f"  ({e.reason})"  # the remarks, or why it waits to be retried
            # The flow names a request's document by the submission's token (with a prefix or
            # suffix for the remarks letter and the commented form, issue 15 A1).
            for request in _one_per_batch(
                e.token,
                [r for r in waiting if e.state == "awaiting_signature" and e.token in r.document],
            ):
                role = request.role or request.field
                line += "  (" + message(
                    "status.awaiting", locale, role=role_label(role, locale),
                    name=request.signer_name, iin=request.expected_iin, request=request.id,
                    until=f"{request.expires:%Y-%m-%d}",
                ) + ")"  # fmt: skip
            click.echo(line)


def _one_per_batch(token: str, requests: list[SignRequestRecord]) -> list[SignRequestRecord]:
    """A certificate batch waits on one request per certificate (``<token>:<serial>``,
    issue 15): its line names the first and how many more, not hundreds."""
    from dataclasses import replace

    from docflow.signreq import batch_of

    batch = [r for r in requests if batch_of(r.document) == token]
    if len(batch) < 2:
        return requests
    first = replace(batch[0], id=f"{batch[0].id} (+{len(batch) - 1})")
    return [first, *(r for r in requests if batch_of(r.document) != token)]


def _open_requests(home: Home) -> list[SignRequestRecord]:
    """The open signing requests (issue 15: ``status`` says on whom an ``awaiting_signature``
    document waits)."""
    from docflow.signreq import SignRequests

    store = SignRequests(home)
    try:
        return store.list(state="open")
    finally:
        store.close()


def _watch(
    home: Home,
    once: bool,
    workers: int | None,
    settle: float,
    clock: Clock,
    verbose: bool,
    locale: str,
) -> None:
    from docflow.storage import QueueSettings

    queue = QueueSettings.from_home(home.root)
    if queue.shared:  # scaled out (issue 18): the workers run them, on any machine
        _watch_queue(home, queue, once, settle, locale)
        _print_summary(home, locale)
        return
    from docflow.inbox.runner import Runner
    from docflow.inbox.watcher import watch_forever
    from docflow.workflow.build import build_flow
    from docflow.workflow.own import SignatureArrivals
    from docflow.workflow.pool import WorkerPool
    from docflow.workflow.services import build_services

    services = build_services(home, clock=clock)
    count = workers or services.settings.workers
    pool = None
    try:
        # Started now, not at the first signature: a listener on the home's service port that
        # is not this home's PKI is named here once, instead of failing every report.
        services.trust.endpoints  # noqa: B018 - started for its check

        if services.settings.worker_processes:
            # Both cores: the submissions run in worker processes; LibreOffice and the
            # trust services stay here, one of each for all of them.
            pool = WorkerPool(services, workers=count)
            process: ProcessFn = pool
        else:
            process = build_flow(services)
        if once:
            process = Progress(process, _waiting(home), locale)
        # Documents awaiting a person's own signature (issue 15) go on when it arrives.
        arrivals = SignatureArrivals(
            services.sign_requests, request_days=services.signing_modes.request_days
        )
        runner = Runner(home, process, workers=count, settle=settle, ready=arrivals)
        try:
            if once:
                runner.run_once()
            else:
                stop = threading.Event()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(sig, lambda *_: stop.set())
                click.echo(message("watch.watching", locale, inbox=home.inbox))
                # Issue 16: the archive's timestamps are renewed before they expire, once a day.
                renewal = threading.Thread(
                    target=_renew_daily, args=(home, services, stop), daemon=True
                )
                renewal.start()
                watch_forever(runner, stop)
        finally:
            runner.close()
    finally:
        if pool is not None:
            pool.close()
        services.close()
    if verbose:
        _log_stage_timings(services.timings.snapshot())
    _print_summary(home, locale)


def _watch_queue(home: Home, queue: QueueSettings, once: bool, settle: float, locale: str) -> None:
    """``watch`` of a scaled-out node: claim inbox files and hand them to the shared queue."""
    from docflow.inbox.watcher import watch_forever
    from docflow.queue import QueueIntake
    from docflow.signreq import SignRequests, signing_modes
    from docflow.workflow.own import SignatureArrivals

    # Documents awaiting a person's own signature (issue 15) were parked by the worker that
    # made the request; this node defers their jobs once it arrived (docflow.queue).
    store = SignRequests(home)
    arrivals = SignatureArrivals(store, request_days=signing_modes(home).request_days)
    intake = QueueIntake(home, queue, settle=settle, ready=arrivals)
    try:
        if once:
            # As embedded: what is there now, waited for (the workers run it, anywhere).
            intake.run_once()
            click.echo(message("watch.queued", locale, count=len(intake.tokens)), err=True)
            intake.wait_finished(intake.tokens)
        else:
            stop = threading.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            click.echo(message("watch.queue", locale, inbox=home.inbox))
            watch_forever(intake, stop)
    finally:
        intake.close()
        store.close()


#: How often a long-running watcher renews the archive's timestamps that end soon.
RENEW_EVERY_SECONDS = 24 * 3600


def _renew_daily(home: Home, services: Services, stop: threading.Event) -> None:
    """``docflow archive renew`` once at start, then every day, while ``watch`` runs
    (``docflow.cli._renewal``). A failure is logged and tried again the next day; it never
    stops the watcher."""
    from docflow.cli._renewal import renew_once

    while True:
        try:
            renew_once(home, services.archive, services.trust.endpoints, services.clock.today())
        except Exception:
            logging.getLogger("docflow.watch").exception(
                "the daily renewal of archive timestamps failed"
            )
        if stop.wait(RENEW_EVERY_SECONDS):
            return


def _log_stage_timings(timings: tuple[dict[str, float], dict[str, int]]) -> None:
    """Seconds per stage over every submission (workers' timings included), for ``-v``."""
    seconds, counts = timings
    if seconds:
        stages = ", ".join(
            f"{stage} {seconds[stage]:.1f} s/{counts.get(stage, 0)}" for stage in sorted(seconds)
        )
        logging.getLogger("docflow.watch").info("stage timings (total s/runs): %s", stages)


def _print_summary(home: Home, locale: str) -> None:
    from docflow.inbox.journal import open_journal

    journal = open_journal(home.root)
    try:
        counts: dict[str, int] = {}
        for e in journal.entries():
            counts[e.state] = counts.get(e.state, 0) + 1
    finally:
        journal.close()
    if counts:
        summary = ", ".join(
            message("watch.count", locale, count=n, state=message(f"param.state.{state}", locale))
            for state, n in sorted(counts.items())
        )
        click.echo(message("watch.summary", locale, summary=summary, outbox=home.outbox))


__all__ = ["register"]

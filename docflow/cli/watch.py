"""``docflow watch`` and ``docflow status``: the inbox service and what became of each file."""

from __future__ import annotations

import json
import logging
import signal
import threading

import click

from docflow.cli._options import today_option
from docflow.config import Clock, Home


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
        from docflow.inbox.runner import ProcessFn, Runner
        from docflow.inbox.watcher import watch_forever
        from docflow.workflow.build import build_flow
        from docflow.workflow.pool import WorkerPool
        from docflow.workflow.services import build_services

        logging.basicConfig(
            level=logging.INFO if verbose or not once else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        services = build_services(home, clock=clock)
        count = workers or services.settings.workers
        pool = None
        try:
            if services.settings.worker_processes:
                # Both cores: the submissions run in worker processes; LibreOffice and the
                # trust services stay here, one of each for all of them.
                pool = WorkerPool(services, workers=count)
                process: ProcessFn = pool
            else:
                process = build_flow(services)
            runner = Runner(home, process, workers=count, settle=settle)
            try:
                if once:
                    runner.run_once()
                else:
                    stop = threading.Event()
                    for sig in (signal.SIGINT, signal.SIGTERM):
                        signal.signal(sig, lambda *_: stop.set())
                    click.echo(f"docflow: watching {home.inbox} (Ctrl-C to stop)")
                    watch_forever(runner, stop)
            finally:
                runner.close()
        finally:
            if pool is not None:
                pool.close()
            services.close()
        if verbose:
            _log_stage_timings(services.timings.snapshot())
        _print_summary(home)

    @group.command()
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @click.pass_obj
    def status(home: Home, as_json: bool) -> None:
        """Every submission received, with its state."""
        from docflow.inbox.journal import Journal

        journal = Journal(home.state / "journal.sqlite")
        try:
            entries = journal.entries()
        finally:
            journal.close()
        if as_json:
            click.echo(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2))
            return
        if not entries:
            click.echo("No submissions yet.")
            return
        for e in entries:
            line = f"{e.received_at}  {e.state:<10} {e.source}"
            if e.record:
                line += f"  record {e.record}"
            if e.reason and e.state != "archived":
                line += f"  ({e.reason})"
            click.echo(line)


def _log_stage_timings(timings: tuple[dict[str, float], dict[str, int]]) -> None:
    """Seconds per stage over every submission (workers' timings included), for ``-v``."""
    seconds, counts = timings
    if seconds:
        stages = ", ".join(
            f"{stage} {seconds[stage]:.1f} s/{counts.get(stage, 0)}" for stage in sorted(seconds)
        )
        logging.getLogger("docflow.watch").info("stage timings (total s/runs): %s", stages)


def _print_summary(home: Home) -> None:
    from docflow.inbox.journal import Journal

    journal = Journal(home.state / "journal.sqlite")
    try:
        counts: dict[str, int] = {}
        for e in journal.entries():
            counts[e.state] = counts.get(e.state, 0) + 1
    finally:
        journal.close()
    if counts:
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        click.echo(f"docflow: {summary}. Signed PDFs: {home.outbox}")


__all__ = ["register"]

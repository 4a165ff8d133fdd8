"""``docflow worker``: one worker host of the scaled-out configuration (issue 18). Any number
run on any machines that share only PostgreSQL and S3 with the ``docflow watch`` nodes; each
takes the shared queue's submissions through this machine's flow (``docflow.queue``)."""

from __future__ import annotations

import logging

import click

from docflow.cli._options import today_option
from docflow.config import Clock, Home
from docflow.i18n import cli_locale, message


def register(group: click.Group) -> None:
    @group.command()
    @click.option("--workers", type=int, default=None, help="Submissions at once (default 2).")
    @click.option("--name", default=None, help="This worker's name in the queue and logs.")
    @today_option("Replay a past day: the date used for deadlines (default: the real date).")
    @click.option("-v", "--verbose", is_flag=True, help="Log every step.")
    @click.pass_obj
    def worker(home: Home, workers: int | None, name: str | None, clock: Clock, verbose: bool):
        """Run the shared queue's submissions ([queue] backend = "postgres") until stopped."""
        from docflow.cli._renewal import renew_once
        from docflow.inbox.journal import SqlJournal
        from docflow.inbox.runner import ProcessFn
        from docflow.queue import QueueWorker, schedule_renewal
        from docflow.storage import QueueSettings
        from docflow.workflow.build import build_flow
        from docflow.workflow.pool import WorkerPool
        from docflow.workflow.services import build_services

        locale = cli_locale(click.get_current_context().meta.get("docflow.lang"))
        settings = QueueSettings.from_home(home.root)
        if not settings.shared:
            raise click.ClickException(message("worker.no_queue", locale))
        logging.basicConfig(
            level=logging.DEBUG if verbose else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        if not verbose:
            for noisy in (
                "procrastinate",
                "alembic",
                "botocore",
                "fontTools",
                "pyhanko",
                "pyhanko_certvalidator",
            ):
                logging.getLogger(noisy).setLevel(logging.WARNING)
        # Imported before the worker processes fork from this one: each then starts with
        # the database and S3 clients loaded instead of importing them for its first job.
        import alembic.command  # noqa: F401
        import boto3  # noqa: F401
        import psycopg  # noqa: F401
        import sqlalchemy  # noqa: F401

        services = build_services(home.ensure(), clock=clock)
        count = workers or services.settings.workers
        pool = None
        try:
            services.trust.endpoints  # noqa: B018 - started (and checked) before any job
            process: ProcessFn
            if services.settings.worker_processes:
                pool = WorkerPool(services, workers=count)
                process = pool
            else:
                process = build_flow(services)
            journal = services.journal
            assert isinstance(journal, SqlJournal)
            queue_worker = QueueWorker(
                home, settings, process, journal=journal, workers=count, name=name
            )
            # Issue 16 at scale: the archive's timestamps renewed once per tick by one worker.
            schedule_renewal(
                queue_worker.jobs.app,
                lambda: renew_once(
                    home, services.archive, services.trust.endpoints, services.clock.today()
                ),
                cron=settings.renew_cron,
            )
            click.echo(message("worker.running", locale, name=queue_worker.name, workers=count))
            try:
                queue_worker.serve()
            finally:
                queue_worker.close()
        finally:
            if pool is not None:
                pool.close()
            services.close()


__all__ = ["register"]

"""Work the whole cluster does once per tick, not once per worker: procrastinate's periodic
tasks. Every worker runs the periodic deferrer; the database's unique (task, tick) row lets
only the first defer the tick's job, and the ``queueing_lock`` keeps at most one waiting, so
with N workers the archive's timestamps are renewed once per ``[queue] renew_cron`` tick.

A tick missed while no worker ran (all stopped over the night) is deferred when the first
worker starts again, if it is less than ``MAX_DELAY`` old: the renewal runs late rather than
not at all (its margin is weeks; ``[archive] renew_margin``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from docflow.queue._app import QUEUE

log = logging.getLogger("docflow.queue")

#: The renewal's task name (also its queueing lock).
RENEW_TASK = "docflow.renew_archive"
#: A missed tick younger than this (seconds) is still run when a worker starts.
MAX_DELAY = 2 * 86_400


def schedule_renewal(app: Any, renew: Callable[[], tuple[int, int]], *, cron: str) -> None:
    """Register ``renew`` (``docflow.cli._renewal.renew_once`` bound to the worker's home and
    services) as the periodic task of ``app`` (a procrastinate ``App``, before its worker
    starts)."""
    app.periodic_defaults = {**app.periodic_defaults, "max_delay": MAX_DELAY}

    def renew_archive(timestamp: int) -> None:
        try:
            renewed, failed = renew()
        except Exception:
            # Logged, never retried at once: the next tick tries again.
            log.exception("the renewal of archive timestamps (tick %s) failed", timestamp)
            return
        log.info("renewal tick %s: %d renewed, %d could not be", timestamp, renewed, failed)

    task = app.task(name=RENEW_TASK, queue=QUEUE, queueing_lock=RENEW_TASK)(renew_archive)
    app.periodic(cron=cron, periodic_id="daily")(task)

"""procrastinate on the ``[storage] database``: its schema, deferring a submission's job, and
giving the jobs of dead workers back to the queue.

Its schema is procrastinate's own (``procrastinate/sql/schema.sql`` of the installed version),
applied by ``JobQueue.ensure_schema`` the first time any node opens the queue, under a
PostgreSQL advisory lock (several nodes may start at once); ``procrastinate schema --apply``
does the same by hand. An upgrade of procrastinate that changes its schema ships migrations
(``procrastinate/sql/migrations``): apply them before starting the new version, as its
documentation says. docflow's own tables (the journal) are Alembic's (``docflow.storage``).
"""

from __future__ import annotations

import logging
from typing import Any

from docflow.storage._settings import QueueSettings

log = logging.getLogger("docflow.queue")

#: The one task: run a journaled submission through the flow (``QueueWorker.run``).
TASK = "docflow.process_submission"
QUEUE = "docflow"
#: pg_advisory_lock key while applying procrastinate's schema (any constant would do).
_SCHEMA_LOCK = 3_621_873_657


def conninfo_of(url: str) -> str:
    """A libpq URI for psycopg from a docflow database URL (``postgresql+psycopg://`` too)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith("postgresql"):
        raise ValueError(f"the queue needs a postgresql:// database, not {url!r}")
    return f"postgresql://{rest}"


class JobQueue:
    """The jobs of one database: defer (watch nodes), run and retry (workers)."""

    def __init__(self, settings: QueueSettings, *, asynchronous: bool = False) -> None:
        import procrastinate

        if settings.database is None:
            raise ValueError("the queue needs [storage] database")
        self.settings = settings
        self.conninfo = conninfo_of(settings.database)
        self.ensure_schema()
        connector: Any
        if asynchronous:
            connector = procrastinate.PsycopgConnector(
                conninfo=self.conninfo, min_size=1, max_size=4
            )
        else:
            connector = procrastinate.SyncPsycopgConnector(
                conninfo=self.conninfo, min_size=1, max_size=2
            )
        self.app = procrastinate.App(connector=connector)

    def ensure_schema(self) -> None:
        """Apply procrastinate's schema unless its tables are there (once, whoever is first)."""
        import psycopg
        from procrastinate.schema import SchemaManager

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
            try:
                row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
                if row is None or row[0] is None:
                    log.info("applying procrastinate's schema")
                    with conn.transaction():
                        conn.execute(SchemaManager.get_schema())
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))

    def open(self) -> JobQueue:
        self.app.open()
        return self

    def close(self) -> None:
        self.app.close()

    def defer(self, token: str) -> bool:
        """Defer the job of ``token``; False when one is already waiting (``queueing_lock``).
        ``lock``: no two jobs of one submission ever run at the same time."""
        from procrastinate.exceptions import AlreadyEnqueued

        try:
            self.app.configure_task(TASK, queue=QUEUE, lock=token, queueing_lock=token).defer(
                token=token
            )
        except AlreadyEnqueued:
            return False
        return True

    def orphans(self) -> list[str]:
        """Tokens still ``processing`` whose bytes are stored but that have no job waiting or
        running (a node that died between storing and deferring, a job that failed)."""
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT s.token FROM journal_submissions s"
                " JOIN journal_inputs i ON i.sha256 = s.sha256"
                " WHERE s.state = 'processing' AND NOT EXISTS ("
                "   SELECT 1 FROM procrastinate_jobs j WHERE j.lock = s.token"
                "   AND j.status IN ('todo', 'doing'))"
                " ORDER BY s.received_at"
            ).fetchall()
        return [str(r[0]) for r in rows]

    def requeue_orphans(self) -> int:
        count = 0
        for token in self.orphans():
            if self.defer(token):
                log.warning("submission %s had no job; deferred again", token)
                count += 1
        return count

"""The shared job queue (issue 18, ``[queue] backend = "postgres"``): ``docflow watch`` nodes
take inbox files, keep their bytes and journal rows in PostgreSQL and defer a job;
``docflow worker`` processes on any machine run the generic flow for each job, each with its
own work folder and warm LibreOffice, and archive to the scaled archive.

The queue is procrastinate's (PostgreSQL only, no broker): a job per submission, locked by the
submission's token so two jobs of one submission never run at once; a worker killed with
SIGKILL stops its heartbeat, and any other worker gives its jobs back to the queue
(``_app.JobQueue.retry_stalled``). The journal row's lease (``SqlJournal.take_over``) is the
second guard: a submission is processed by one live worker at a time, and the archive's
idempotence by the input's SHA-256 makes a run after a crash record nothing twice.

A document that waits for a person (``review``, ``awaiting_signature``) is parked: its whole
work folder is kept in the database with its waiting state, and any node restores it
(``_parked.ParkedWork``): the worker running its resumed job, the watch node that finds its
signature arrived (``QueueIntake.resume_waiting``), the node where the officer decides
(``docflow.workflow.review``, which records the decision and defers the job).

Without ``[queue]`` (the embedded default) none of this is imported.
"""

from docflow.queue._adopt import Adopted, adopt_embedded_journal
from docflow.queue._app import JobQueue, conninfo_of
from docflow.queue._intake import QueueIntake, node_name
from docflow.queue._parked import ParkedWork, UnsafeParkedFolder, pack, restore
from docflow.queue._periodic import RENEW_TASK, schedule_renewal
from docflow.queue._worker import QueueWorker

__all__ = [
    "RENEW_TASK",
    "Adopted",
    "JobQueue",
    "ParkedWork",
    "QueueIntake",
    "QueueWorker",
    "UnsafeParkedFolder",
    "adopt_embedded_journal",
    "conninfo_of",
    "node_name",
    "pack",
    "restore",
    "schedule_renewal",
]

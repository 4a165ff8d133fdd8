"""A document that waits for a person, made outside the worker hosts of a scaled-out home
(``docflow summary``, ``docflow sanctions``, ``docflow certificates issue`` on any node):
parked in the shared database like a worker host's (``docflow.queue``, issue 18), so that the
watch nodes resume it when the signature arrives and any worker host finishes it."""

from __future__ import annotations

import logging
from pathlib import Path

from docflow.inbox.journal import WAITING_STATES, Entry, SqlJournal
from docflow.inbox.runner import Outcome

log = logging.getLogger("docflow.watch")

__all__ = ["park_if_shared"]


def park_if_shared(journal: object, workdir: Path, entry: Entry, outcome: Outcome) -> bool:
    """In a scaled-out home, park a document that waits for a person: its work folder and its
    state in one transaction of the shared journal (``docflow.queue.ParkedWork``), so that any
    node resumes it; True when parked. The embedded journal keeps the folder here (False)."""
    if outcome.state not in WAITING_STATES or not isinstance(journal, SqlJournal):
        return False
    from docflow.queue import ParkedWork

    version = ParkedWork(journal, workdir.parent).park(
        entry.token, workdir, state=outcome.state, reason=outcome.reason
    )
    log.info("%s %s -> %s (parked, version %s)", entry.token, entry.source, outcome.state, version)
    return True

"""A watch node's own journal brought into the shared one when its home switches to the
shared queue (``[queue] backend = "postgres"``, issue 18).

An embedded home's ``.docflow/journal.sqlite`` holds what became of every file it received,
and some documents still in the middle: reports waiting for the officer (``review``),
documents waiting for a person's own signature (``awaiting_signature``), a run a crash left
``processing``. Left behind, they would vanish from ``status`` and ``review list`` on the
switch, and nobody could finish them. So the first ``docflow watch`` (or ``status``) of the
switched node copies every row into the shared journal (rows the shared journal has already
are left as they are), parks each waiting document's work folder there with its state (any
node then resumes it, as a worker host's), keeps the bytes of an unfinished run for the
workers (the queue's sweep defers it) and renames the file ``journal.sqlite.moved``.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass

from docflow.config import Home
from docflow.inbox.journal import WAITING_STATES, SqlJournal
from docflow.queue._parked import ParkedWork, check_token
from docflow.sqlite_open import opening

log = logging.getLogger("docflow.queue")

_COLUMNS = (
    "token", "source", "sha256", "received_at", "updated_at", "state", "stage", "kind",
    "record", "reason", "full_name", "iin", "year", "details", "chamber",
)  # fmt: skip
_SUFFIX = re.compile(r"\.[a-z0-9]{1,10}")


@dataclass(frozen=True)
class Adopted:
    """What a node's journal brought: rows copied, waiting documents parked, unfinished runs
    handed to the workers."""

    rows: int
    parked: int
    unfinished: int


def adopt_embedded_journal(home: Home, journal: SqlJournal, *, node: str) -> Adopted | None:
    """Copy ``home``'s embedded journal into ``journal`` (see the module), once; None when
    there is none."""
    path = home.state / "journal.sqlite"
    if not path.exists():
        return None
    with opening(path):
        if not path.exists():  # another process of this node moved it meanwhile
            return None
        source = sqlite3.connect(path, timeout=60)
        try:
            source.row_factory = sqlite3.Row
            present = {r[1] for r in source.execute("PRAGMA table_info(submissions)")}
            picked = [c for c in _COLUMNS if c in present]
            rows = [dict(r) for r in source.execute(f"SELECT {', '.join(picked)} FROM submissions")]
        finally:
            source.close()
        work_root = home.state / "work"
        known = {e.token for e in journal.entries()}
        copied = parked = unfinished = 0
        for row in rows:
            token = check_token(str(row["token"]))
            if token in known:
                continue
            workdir = work_root / token
            inputs = sorted(workdir.glob("input*")) if workdir.is_dir() else []
            park = row["state"] in WAITING_STATES and bool(inputs)
            _insert(journal, row, node, parking=park)
            copied += 1
            if inputs:
                suffix = inputs[0].suffix.lower()
                data = inputs[0].read_bytes()
                journal.store_input(token, data, suffix if _SUFFIX.fullmatch(suffix) else "")
            if park:
                ParkedWork(journal, work_root).park(
                    token, workdir, state=row["state"], reason=row.get("reason")
                )
                parked += 1
            elif row["state"] == "processing" and inputs:
                unfinished += 1  # its bytes are stored: the queue's sweep defers its job
        path.rename(path.with_name(path.name + ".moved"))
    log.info(
        "moved %s's journal into the shared one: %d rows, %d waiting documents parked, "
        "%d unfinished runs for the workers", path, copied, parked, unfinished,
    )  # fmt: skip
    return Adopted(copied, parked, unfinished)


def _insert(journal: SqlJournal, row: dict[str, object], node: str, *, parking: bool) -> None:
    from sqlalchemy import text

    columns = [c for c in _COLUMNS if c in row] + ["node"]
    values = {**{c: row[c] for c in columns if c != "node"}, "node": node}
    # A waiting row enters as ``processing`` and the park sets its state with its folder (one
    # transaction): a crash between the two leaves a run for the workers, never a state
    # without its folder.
    if parking:
        values["state"] = "processing"
    marks = ", ".join(f":{c}" for c in columns)
    with journal.db.writing() as conn:
        conn.execute(
            text(
                f"INSERT INTO journal_submissions ({', '.join(columns)}) VALUES ({marks})"
                " ON CONFLICT (token) DO NOTHING"
            ),
            values,
        )

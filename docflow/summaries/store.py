"""The summaries' own state: the current roster of each chamber and the R-9.1 sanction cases.
The archive keeps the signed documents; this keeps what is needed to decide the next step.

A store of its own opened by ``docflow.storage.open_database`` with its own migrations:
``.docflow/summaries.sqlite`` in an embedded home (a file made by an older docflow is adopted in
place), the PostgreSQL database of ``[storage] database`` in a scaled-out one (issue 18).
"""

from __future__ import annotations

import json
import os
import threading
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, Text, select

from docflow.config import Home
from docflow.storage import (
    Database,
    StorageSettings,
    forget_in_forked_children,
    move_local_rows,
    open_database,
)
from docflow.summaries.roster import Roster
from docflow.summaries.sanctions import SanctionCase

__all__ = ["SummaryStore", "has_summaries"]

FILE_NAME = "summaries.sqlite"

#: The shared store's database, one per URL and process: opening one runs Alembic's check
#: under a lock (23 ms on PostgreSQL), and a worker reads a roster for every report.
_OPEN: dict[tuple[str, int], Database] = {}
_OPEN_LOCK = threading.Lock()


def _database(url: str) -> Database:
    if not url.startswith("postgresql"):
        return open_database(url, store="summaries")  # a file: its own, closed with the store
    key = (url, os.getpid())
    with _OPEN_LOCK:
        if key not in _OPEN:  # a forked child opens its own (its pid is another key)
            _OPEN[key] = open_database(url, store="summaries")
            forget_in_forked_children(_OPEN[key])
        return _OPEN[key]


# The tables as docflow/storage/migrations_summaries creates them.
_metadata = MetaData()
rosters = Table(
    "rosters",
    _metadata,
    Column("chamber_key", Text, primary_key=True),
    Column("chamber", Text, nullable=False),
    Column("roster_json", Text, nullable=False),
    Column("source", Text),
    Column("imported_at", Text, nullable=False),
)
sanctions = Table(
    "sanctions",
    _metadata,
    Column("chamber", Text, primary_key=True),
    Column("iin", Text, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("case_json", Text, nullable=False),
    Column("state", Text, nullable=False),
)


def store_url(home: Home) -> str:
    """Where ``home``'s summaries live: ``[storage] database`` when it is PostgreSQL, else
    ``.docflow/summaries.sqlite``."""
    return StorageSettings.from_home(home.root).store_url(home.state, FILE_NAME)


def has_summaries(home: Home) -> bool:
    """Whether ``home`` may hold summaries' state, without creating a store: the embedded
    file exists, or the store is in a PostgreSQL database (callers that only read then open
    it and find it empty, or not)."""
    return (home.state / FILE_NAME).exists() or not store_url(home).startswith("sqlite:")


def _key(chamber: str) -> str:
    return " ".join(chamber.split()).casefold()


def _case_from_json(data: dict[str, Any]) -> SanctionCase:
    def day(name: str) -> date | None:
        value = data.get(name)
        return date.fromisoformat(value) if value else None

    warned, due = day("warned_on"), day("due_on")
    assert warned is not None and due is not None  # written by to_json, never empty
    return SanctionCase(
        chamber=data["chamber"],
        iin=data["iin"],
        year=int(data["year"]),
        full_name=data["full_name"],
        reason=data["reason"],
        state=data["state"],
        warned_on=warned,
        due_on=due,
        warning_record=data.get("warning_record"),
        cured_on=day("cured_on"),
        cure_record=data.get("cure_record"),
        suspended_from=day("suspended_from"),
        suspended_to=day("suspended_to"),
        suspension_record=data.get("suspension_record"),
        locale=data.get("locale", "kk"),
    )


class SummaryStore:
    """Rosters and sanction cases of one home. Each write is one transaction."""

    def __init__(self, home: Home | Path | Database):
        """``home``: a home, a home's ``.docflow/`` folder (its SQLite file), or an open
        database (tests)."""
        self._home = home
        if isinstance(home, Database):
            self.db = home
            self.path: Path | None = None
            return
        if isinstance(home, Home):
            url = store_url(home)
            self.path = home.state / FILE_NAME if url.startswith("sqlite:") else None
        else:
            self.path = Path(home) / FILE_NAME
            url = f"sqlite:///{self.path}"
        self.db = _database(url)
        if isinstance(home, Home) and self.path is None:
            # Scaled out: the rosters and cases this node kept before the switch come along.
            move_local_rows(home.state / FILE_NAME, self.db, [rosters, sanctions])

    def close(self) -> None:
        if self.path is None and not isinstance(self._home, Database):
            return  # the process's shared engine (``_database``): kept for the next report
        self.db.dispose()

    def __enter__(self) -> SummaryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- rosters

    def save_roster(self, roster: Roster, *, source: str, imported_at: str) -> None:
        """Replace the chamber's roster (an import is the chamber's whole current list)."""
        row = {
            "chamber_key": _key(roster.chamber),
            "chamber": roster.chamber,
            "roster_json": json.dumps(roster.to_json(), ensure_ascii=False),
            "source": source,
            "imported_at": imported_at,
        }
        with self.db.writing() as conn:
            self.db.upsert(conn, rosters, row, ["chamber_key"])

    def roster(self, chamber: str) -> Roster | None:
        with self.db.reading() as conn:
            row = conn.execute(
                select(rosters.c.roster_json).where(rosters.c.chamber_key == _key(chamber))
            ).first()
        return Roster.from_json(json.loads(row[0])) if row else None

    def chambers(self) -> list[str]:
        with self.db.reading() as conn:
            found = conn.execute(select(rosters.c.chamber).order_by(rosters.c.chamber)).all()
        return [r[0] for r in found]

    # ----------------------------------------------------------------- sanctions

    def save_case(self, case: SanctionCase) -> None:
        row = {
            "chamber": _key(case.chamber),
            "iin": case.iin,
            "year": case.year,
            "case_json": json.dumps(case.to_json(), ensure_ascii=False),
            "state": case.state,
        }
        with self.db.writing() as conn:
            self.db.upsert(conn, sanctions, row, ["chamber", "iin", "year"])

    def cases(self, *, chamber: str | None = None, year: int | None = None) -> list[SanctionCase]:
        query = select(sanctions.c.case_json)
        if chamber is not None:
            query = query.where(sanctions.c.chamber == _key(chamber))
        if year is not None:
            query = query.where(sanctions.c.year == year)
        query = query.order_by(sanctions.c.chamber, sanctions.c.year, sanctions.c.iin)
        with self.db.reading() as conn:
            found = conn.execute(query).all()
        return [_case_from_json(json.loads(r[0])) for r in found]

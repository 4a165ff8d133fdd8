"""The summaries' own state in ``.docflow/summaries.sqlite``: the current roster of each chamber
and the R-9.1 sanction cases. The archive keeps the signed documents; this keeps what is
needed to decide the next step."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from docflow.config import Home
from docflow.sqlite_open import opening
from docflow.summaries.roster import Roster
from docflow.summaries.sanctions import SanctionCase

__all__ = ["SummaryStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rosters (
    chamber_key TEXT PRIMARY KEY,
    chamber TEXT NOT NULL,
    roster_json TEXT NOT NULL,
    source TEXT,
    imported_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sanctions (
    chamber TEXT NOT NULL,
    iin TEXT NOT NULL,
    year INTEGER NOT NULL,
    case_json TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (chamber, iin, year)
);
"""


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
    """Rosters and sanction cases of one home. Each write is one SQLite transaction."""

    def __init__(self, home: Home | Path):
        state = home.state if isinstance(home, Home) else Path(home)
        state.mkdir(parents=True, exist_ok=True)
        self.path = state / "summaries.sqlite"
        with opening(self.path):
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SummaryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- rosters

    def save_roster(self, roster: Roster, *, source: str, imported_at: str) -> None:
        """Replace the chamber's roster (an import is the chamber's whole current list)."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO rosters VALUES (?, ?, ?, ?, ?)",
                (
                    _key(roster.chamber),
                    roster.chamber,
                    json.dumps(roster.to_json(), ensure_ascii=False),
                    source,
                    imported_at,
                ),
            )

    def roster(self, chamber: str) -> Roster | None:
        row = self._db.execute(
            "SELECT roster_json FROM rosters WHERE chamber_key = ?", (_key(chamber),)
        ).fetchone()
        return Roster.from_json(json.loads(row[0])) if row else None

    def chambers(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT chamber FROM rosters ORDER BY chamber")]

    # ----------------------------------------------------------------- sanctions

    def save_case(self, case: SanctionCase) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO sanctions VALUES (?, ?, ?, ?, ?)",
                (
                    _key(case.chamber),
                    case.iin,
                    case.year,
                    json.dumps(case.to_json(), ensure_ascii=False),
                    case.state,
                ),
            )

    def cases(self, *, chamber: str | None = None, year: int | None = None) -> list[SanctionCase]:
        where: list[str] = []
        args: list[Any] = []
        if chamber is not None:
            where.append("chamber = ?")
            args.append(_key(chamber))
        if year is not None:
            where.append("year = ?")
            args.append(year)
        sql = "SELECT case_json FROM sanctions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY chamber, year, iin"
        return [_case_from_json(json.loads(r[0])) for r in self._db.execute(sql, args)]

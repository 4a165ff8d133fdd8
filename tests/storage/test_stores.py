"""Issue 18: the web's users and sessions and the summaries' state are stores of their own,
opened through ``docflow.storage.open_database`` with their own migrations: an embedded home's
SQLite files (one made by an older docflow, without migrations, is adopted in place), or the
PostgreSQL database of ``[storage] database``, shared by every node of a scaled-out home."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from docflow.config import Home
from docflow.summaries import Member, Roster
from docflow.summaries.sanctions import SanctionCase
from docflow.summaries.store import SummaryStore, has_summaries
from docflow.web.auth import AuthStore

PASSWORD = "correct-horse-1"

# The tables exactly as docflow created them before issue 18 (CREATE TABLE IF NOT EXISTS).
_OLD_WEB = (
    "CREATE TABLE web_users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT"
    " NULL, created_at REAL NOT NULL, disabled INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE web_sessions (token_sha256 TEXT PRIMARY KEY, user_name TEXT NOT NULL,"
    " created_at REAL NOT NULL, last_seen REAL NOT NULL, expires_at REAL NOT NULL)",
)
_OLD_SUMMARIES = (
    "CREATE TABLE rosters (chamber_key TEXT PRIMARY KEY, chamber TEXT NOT NULL, roster_json TEXT"
    " NOT NULL, source TEXT, imported_at TEXT NOT NULL)",
    "CREATE TABLE sanctions (chamber TEXT NOT NULL, iin TEXT NOT NULL, year INTEGER NOT NULL,"
    " case_json TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (chamber, iin, year))",
)


def _roster(name: str, *members: str) -> Roster:
    return Roster(
        chamber="Алматы қаласының палатасы",
        members=tuple(Member(full_name=m, iin=f"90041540{i:04d}", member_since=date(2020, 1, 1))
                      for i, m in enumerate((name, *members))),
    )  # fmt: skip


def _case(state: str) -> SanctionCase:
    return SanctionCase(chamber="Алматы қаласының палатасы", iin="900415400001", year=2025,
                        full_name="Әсел Нұрланқызы", reason="below_norm", state=state,
                        warned_on=date(2026, 1, 20), due_on=date(2026, 3, 20))  # fmt: skip


def _old_file(path: Path, statements: tuple[str, ...], rows: list[tuple[str, tuple]]) -> None:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    for sql, args in rows:
        db.execute(sql, args)
    db.commit()
    db.close()


def _tables(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        db.close()


def test_an_older_homes_users_file_is_adopted_in_place(home: Home) -> None:
    path = home.state / "web.sqlite"
    _old_file(path, _OLD_WEB, [(
        "INSERT INTO web_users VALUES (?, ?, ?, ?, 0)",
        ("anna", "archivist", PasswordHasher().hash(PASSWORD), 1.0),
    )])  # fmt: skip
    store = AuthStore.for_home(home)
    try:
        assert store.authenticate("anna", PASSWORD) is not None
        token = store.open_session(store.users()[0])
        assert store.session_user(token) is not None
    finally:
        store.close()
    assert "docflow_web_version" in _tables(path)  # migrated from now on


def test_an_older_homes_summaries_file_is_adopted_in_place(home: Home) -> None:
    path = home.state / "summaries.sqlite"
    roster = _roster("Әсел Нұрланқызы")
    _old_file(path, _OLD_SUMMARIES, [(
        "INSERT INTO rosters VALUES (?, ?, ?, ?, ?)",
        ("алматы қаласының палатасы", roster.chamber,
         json.dumps(roster.to_json(), ensure_ascii=False), "old.csv", "2025-01-01"),
    )])  # fmt: skip
    assert has_summaries(home)
    with SummaryStore(home) as store:
        assert store.chambers() == [roster.chamber]
        assert store.roster(roster.chamber) == roster
        store.save_roster(_roster("Ерлан Серікұлы", "Динара Маратқызы"), source="new.csv",
                          imported_at="2026-01-01")  # fmt: skip
        replaced = store.roster(roster.chamber)
        assert replaced is not None and len(replaced.members) == 2  # replaced, not added
    assert "docflow_summaries_version" in _tables(path)


def test_an_embedded_home_without_summaries_has_none(home: Home) -> None:
    assert not has_summaries(home)  # asking creates nothing
    assert not (home.state / "summaries.sqlite").exists()


@pytest.mark.scale
def test_users_and_sessions_live_in_postgres_shared_by_every_node(home: Home, pg_url: str) -> None:
    (home.root / "docflow.toml").write_text(f'[storage]\ndatabase = "{pg_url}"\n', encoding="utf-8")
    one = AuthStore.for_home(home)
    two = AuthStore.for_home(home)  # a second `docflow serve` node
    try:
        one.add_user("anna", "archivist", PASSWORD)
        token = one.open_session(one.users()[0])
        seen = two.session_user(token)
        assert seen is not None and seen.name == "anna"
        assert two.authenticate("anna", PASSWORD) is not None
        two.add_user("anna", "officer", "another-pass-1", replace=True)
        assert one.session_user(token) is None  # a new password ended the old sessions
        with pytest.raises(Exception, match="exists already"):
            one.add_user("anna", "admin", PASSWORD)
    finally:
        one.close()
        two.close()
    assert not (home.state / "web.sqlite").exists()
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            role = conn.execute(text("SELECT role FROM web_users WHERE name = 'anna'")).scalar()
            version = conn.execute(text("SELECT version_num FROM docflow_web_version")).scalar()
    finally:
        engine.dispose()
    assert role == "officer" and version == "web0001"


@pytest.mark.scale
def test_summaries_live_in_postgres(home: Home, pg_url: str) -> None:
    (home.root / "docflow.toml").write_text(f'[storage]\ndatabase = "{pg_url}"\n', encoding="utf-8")
    assert has_summaries(home)
    with SummaryStore(home) as store:
        store.save_roster(_roster("Әсел Нұрланқызы"), source="a.csv", imported_at="2026-01-01")
        store.save_case(_case("open"))
        store.save_case(_case("cured"))  # the same member and year: replaced
    with SummaryStore(home) as store:
        assert store.chambers() == ["Алматы қаласының палатасы"]
        assert [c.state for c in store.cases(chamber="алматы ҚАЛАСЫНЫҢ палатасы")] == ["cured"]
        assert store.cases(year=2024) == []
    assert not (home.state / "summaries.sqlite").exists()


@pytest.mark.scale
def test_switching_to_postgres_brings_the_nodes_users_and_rosters_along(
    home: Home, pg_url: str, tmp_path: Path
) -> None:
    """A home that ran embedded (users, rosters, a sanction case in its own SQLite files) and is
    then scaled out: the first open of each shared store copies its rows in and renames the
    file ``.moved``; a second node with a copy of the same files adds nothing twice, and a row
    changed in the shared store since is not put back to the node's older copy."""
    import shutil

    users = AuthStore.for_home(home)
    users.add_user("anna", "archivist", PASSWORD)
    users.close()
    with SummaryStore(home) as summaries:
        summaries.save_roster(_roster("Әсел Нұрланқызы", "Нұрлан Серікұлы"), source="a.csv",
                              imported_at="2026-01-05")  # fmt: skip
        summaries.save_case(_case("open"))
    other = Home(tmp_path / "other-node").ensure()
    for name in ("web.sqlite", "summaries.sqlite"):
        shutil.copy(home.state / name, other.state / name)
    for node in (home, other):
        (node.root / "docflow.toml").write_text(
            f'[storage]\ndatabase = "{pg_url}"\n', encoding="utf-8"
        )
    users = AuthStore.for_home(home)
    assert users.authenticate("anna", PASSWORD) is not None
    users.close()
    with SummaryStore(home) as summaries:
        roster = summaries.roster("Алматы қаласының палатасы")
        assert roster is not None and len(roster.members) == 2
        summaries.save_case(_case("cured"))  # changed in the shared store since
    assert (home.state / "web.sqlite.moved").exists() and not (home.state / "web.sqlite").exists()
    assert (home.state / "summaries.sqlite.moved").exists()
    users = AuthStore.for_home(other)
    assert [u.name for u in users.users()] == ["anna"]
    users.close()
    with SummaryStore(other) as summaries:
        assert [c.state for c in summaries.cases()] == ["cured"]  # not the node's old "open"
    assert (other.state / "summaries.sqlite.moved").exists()

"""Issue 19: login attempts are counted before the password check, atomically. Forty wrong
passwords sent at once to a real uvicorn server: at most 5 reach the check (401), the others
are refused unchecked (429). Before: all 40 reached it (the failures were counted after the
check, each request having seen the counter still low)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from pathlib import Path

import httpx

from docflow.archive import Archive
from docflow.config import Home
from docflow.web import create_app
from docflow.web.auth import AuthStore, database_path
from tests.web.conftest import start_server

PASSWORD = "correct-horse-1"


def _attempt(url: str, password: str, barrier: threading.Barrier, codes: list[int]) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        page = client.get("/login")
        match = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert match, page.text[:300]
        barrier.wait(timeout=60)
        r = client.post(
            "/login",
            data={"csrf": match.group(1), "name": "anna", "password": password},
            follow_redirects=False,
        )
        codes.append(r.status_code)


def test_forty_simultaneous_wrong_passwords_let_at_most_five_reach_the_check(home: Home) -> None:
    store = AuthStore.for_home(home)
    store.add_user("anna", "archivist", PASSWORD)
    store.close()
    server, thread, url = start_server(create_app(home))  # the default limit: 5 in 5 minutes
    try:
        codes: list[int] = []
        barrier = threading.Barrier(40)
        threads = [
            threading.Thread(target=_attempt, args=(url, f"wrong-{i}", barrier, codes))
            for i in range(40)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        counted = Counter(codes)
        assert sum(counted.values()) == 40, counted
        assert counted[401] <= 5, counted  # reached the password check
        assert counted[429] >= 35, counted
        # And the right password too is refused while the name is blocked.
        done: list[int] = []
        _attempt(url, PASSWORD, threading.Barrier(1), done)
        assert done == [429]
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_users_live_apart_from_the_archive_index_and_survive_its_rebuild(home: Home) -> None:
    store = AuthStore.for_home(home)
    store.add_user("anna", "archivist", PASSWORD)
    store.close()
    assert database_path(home) == home.state / "web.sqlite"
    index = home.outbox / ".index" / "archive.sqlite"
    Archive(home).close()
    for leftover in index.parent.glob("archive.sqlite*"):
        leftover.unlink()  # the index is rebuilt from the records
    Archive(home).close()
    store = AuthStore.for_home(home)
    try:
        assert store.authenticate("anna", PASSWORD) is not None
    finally:
        store.close()


def test_users_kept_in_the_index_by_an_older_docflow_are_moved_once(home: Home) -> None:
    import sqlite3

    Archive(home).close()
    index = home.outbox / ".index" / "archive.sqlite"
    old = AuthStore(index)  # where an older docflow kept them
    old.add_user("oleg", "officer", PASSWORD)
    old.close()

    store = AuthStore.for_home(home)
    try:
        assert store.authenticate("oleg", PASSWORD) is not None
    finally:
        store.close()
    db = sqlite3.connect(index)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    db.close()
    assert "web_users" not in tables and "records" in tables
    again = AuthStore.for_home(home)  # a second start moves nothing and loses nothing
    try:
        assert [u.name for u in again.users()] == ["oleg"]
    finally:
        again.close()
    assert Path(database_path(home)).exists()

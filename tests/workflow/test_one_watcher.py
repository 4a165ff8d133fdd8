"""Issue 19: one watcher per home, and journal rows leased to a live owner.

Before: two `docflow watch` on one home processed the same live submissions twice (the second
one's start-up recovery took the first one's work), and a report that *was* archived ended
"rejected: internal error". Now the second watcher exits naming the pid that serves the home,
and recovery never takes a row leased to a live process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from docflow.config import Home
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Outcome, Runner
from docflow.pki.testing import make_test_pki


def docflow(home: Home, *args: str) -> list[str]:
    return [sys.executable, "-m", "docflow", "--home", str(home.root), *args]


def test_a_second_watch_on_the_same_home_exits_naming_the_first(home: Home) -> None:
    make_test_pki(home)
    env = {**os.environ, "DOCFLOW_LANG": "ru"}
    first = subprocess.Popen(
        docflow(home, "watch"), env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        lock = home.state / "watch.lock"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if lock.exists() and lock.read_text().strip() == str(first.pid):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the first watcher never took the lock")
        second = subprocess.run(
            docflow(home, "watch", "--once"), env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode != 0
        assert f"pid {first.pid}" in second.stderr
        assert "уже работает" in second.stderr  # in the user's language
        assert first.poll() is None  # the first one goes on
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # kill -9: the kernel releases the lock
        first.wait(timeout=30)
    again = subprocess.run(
        docflow(home, "watch", "--once"), env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr


def test_recovery_never_takes_a_live_owners_work(home: Home) -> None:
    started, release = threading.Event(), threading.Event()

    def slow(entry: Entry, workdir: Path) -> Outcome:
        started.set()
        release.wait(30)
        return Outcome("archived", record="R-1")

    taken: list[str] = []

    def second_process(entry: Entry, workdir: Path) -> Outcome:
        taken.append(entry.token)
        raise RuntimeError("a second runner ran a live watcher's work")

    (home.inbox / "a.json").write_text('{"a": 1}')
    first = Runner(home, slow, workers=1, settle=0)
    second = Runner(home, second_process, workers=1, settle=0)
    try:
        first.scan()
        assert started.wait(10)
        assert second.recover() == 0  # the row is leased to `first`, which is alive
        second.drain()
        release.set()
        first.drain()
        [entry] = first.journal.entries()
    finally:
        release.set()
        first.close()
        second.close()
    assert taken == []
    assert entry.state == "archived" and entry.record == "R-1"


def test_a_dead_owners_rows_are_recovered(home: Home) -> None:
    runner = Runner(home, lambda e, w: Outcome("archived", record="R-2"), workers=1, settle=0)
    try:
        (home.inbox / "b.json").write_text('{"b": 1}')
        entry = runner.claim(home.inbox / "b.json")
        assert entry is not None
        # The row's owner is a process that has ended (as after kill -9):
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout.strip()  # fmt: skip
        host = runner.owner.split(":")[0]
        with runner.journal._tx() as db:
            db.execute(
                "UPDATE submissions SET owner = ? WHERE token = ?",
                (f"{host}:{dead}:x", entry.token),
            )
        assert runner.recover() == 1
        runner.drain()
        assert runner.journal.get(entry.token).state == "archived"
    finally:
        runner.close()

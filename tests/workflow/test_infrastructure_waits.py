"""Issue 19: an infrastructure error (a read-only outbox, a full disk, LibreOffice unavailable)
is no fault of the submission: it stays processing with the reason in `status` and is tried
again, never "rejected". Before: a good report ended "rejected: internal error" with an error
file sent to the consultant.

The outbox is made read-only with `chattr +i` (the tests run as root, whom a mode bit does not
stop); a real `docflow watch --once` meets it, then another one after it is writable again."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from workflow_builders import assert_archived_exactly_once, docflow, enrolled_burst, env

from docflow.archive import Archive
from docflow.config import Home
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Outcome, Runner


def status(home: Home) -> list[dict[str, object]]:
    out = subprocess.run(
        docflow(home, "status", "--json"), capture_output=True, text=True, check=True, env=env()
    )
    return list(json.loads(out.stdout))


def _immutable(path: Path, on: bool) -> None:
    subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True)


@pytest.mark.skipif(shutil.which("chattr") is None, reason="needs chattr")
def test_a_read_only_outbox_keeps_the_report_waiting_then_archives_it_once(home: Home) -> None:
    [(name, content)] = enrolled_burst(home, 1)
    Archive(home).close()  # the archive's own folder exists; the year folder does not yet
    _immutable(home.outbox, True)
    try:
        (home.inbox / name).write_bytes(content)
        first = subprocess.run(
            docflow(home, "watch", "--once", "--settle", "0"), env=env(), timeout=600,
            capture_output=True, text=True,
        )  # fmt: skip
        assert first.returncode == 0, first.stderr
        [entry] = status(home)
        assert entry["state"] == "processing", entry
        assert "waiting to retry" in str(entry["reason"]), entry
        assert not (home.inbox / "rejected").exists()
    finally:
        _immutable(home.outbox, False)

    second = subprocess.run(
        docflow(home, "watch", "--once", "--settle", "0"), env=env(), timeout=600,
        capture_output=True, text=True,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert_archived_exactly_once(home, [(name, content)])
    assert not (home.inbox / "rejected").exists()


def test_a_full_disk_is_retried_with_a_growing_delay(home: Home) -> None:
    attempts: list[str] = []

    def flaky(entry: Entry, workdir: Path) -> Outcome:
        attempts.append(entry.token)
        if len(attempts) < 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return Outcome("archived", record="R-9")

    (home.inbox / "a.json").write_text('{"a": 1}')
    runner = Runner(home, flaky, workers=1, settle=0)
    try:
        runner.run_once()
        [entry] = runner.journal.entries()
        assert entry.state == "processing" and "No space left" in str(entry.reason)
        assert "in 5 s" in str(entry.reason)
        assert runner.retry_due() == 0  # not yet due
        assert runner.retry_due(now=float("1e12")) == 1
        runner.drain()
        assert "in 10 s" in str(runner.journal.get(entry.token).reason)
        assert runner.retry_due(now=float("1e12")) == 1
        runner.drain()
        assert runner.journal.get(entry.token).state == "archived"
    finally:
        runner.close()
    assert len(attempts) == 3 and not (home.inbox / "rejected").exists()

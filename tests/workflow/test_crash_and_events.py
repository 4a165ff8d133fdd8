"""The watcher as a chamber runs it: a real process seeing real filesystem events, killed with
SIGKILL in the middle of a burst and restarted — nothing lost, nothing doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from workflow_builders import assert_archived_exactly_once, docflow, enrolled_burst, env, wait_for

from docflow.config import Home

pytestmark = pytest.mark.slow


def journal(home: Home) -> list[dict[str, object]]:
    out = subprocess.run(
        docflow(home, "status", "--json"), capture_output=True, text=True, check=True, env=env()
    )
    return list(json.loads(out.stdout))


def test_real_filesystem_events_take_a_file_written_slowly(home: Home) -> None:
    [(name, content)] = enrolled_burst(home, 1)
    proc = subprocess.Popen(
        docflow(home, "watch", "--settle", "1.0"), env=env(), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(1.0)
        (home.inbox / "ignored.json.part").write_bytes(b"{")
        # A file written in pieces, under its final name, over ~1.5 s: taken only when complete.
        with (home.inbox / name).open("wb") as f:
            for start in range(0, len(content), len(content) // 5 + 1):
                f.write(content[start : start + len(content) // 5 + 1])
                f.flush()
                time.sleep(0.3)
        wait_for(lambda: any(e["state"] == "archived" for e in journal(home)), timeout=120)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    [entry] = journal(home)
    assert entry["source"] == name and entry["state"] == "archived"
    assert (home.inbox / "ignored.json.part").exists()


def test_sigkill_mid_burst_loses_and_doubles_nothing(home: Home) -> None:
    # Large enough that the kill (after 3 archived) lands mid-burst at ~6 documents/s.
    files = enrolled_burst(home, 30)
    proc = subprocess.Popen(
        docflow(home, "watch", "--settle", "0.2"), env=env(), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for name, content in files:
            (home.inbox / name).write_bytes(content)
        wait_for(lambda: sum(e["state"] == "archived" for e in journal(home)) >= 3, timeout=180)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the watcher and its LibreOffice, mid-burst
        proc.wait(timeout=30)
    before = journal(home)
    assert any(e["state"] == "processing" for e in before) or len(before) < len(files)

    subprocess.run(docflow(home, "watch", "--once"), env=env(), check=True, timeout=600)

    assert_archived_exactly_once(home, files)
    audit_cli = subprocess.run(docflow(home, "archive", "audit"), env=env(), timeout=300)
    assert audit_cli.returncode == 0

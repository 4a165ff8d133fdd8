"""The inbox path: an event-certificates YAML dropped into inbox/ ends ``archived`` with one
certificate record per participant; the same bytes dropped again are a duplicate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docflow.inbox.runner import Runner
from docflow.verify import verify_pdf
from docflow.workflow.build import build_flow

from .conftest import (
    ISSUE_DAY,
    KK_PARTICIPANTS,
    KkBatch,
    World,
    batch,
    make_iins,
    new_home,
    yaml_bytes,
)

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_dropped_batch_is_archived_with_one_record_per_participant(
    world: World, kk_batch: KkBatch
) -> None:
    assert kk_batch.state == "archived", kk_batch.reason
    assert len(kk_batch.records) == len(KK_PARTICIPANTS)
    assert not list((world.home.state / "work").iterdir())  # work folder removed
    entry = next(e for e in world.parts.journal.entries() if e.source == "seminar-2025-03.yaml")
    assert entry.record == kk_batch.records[0]["serial"]
    assert json.loads(entry.details or "[]") == [r["serial"] for r in kk_batch.records]
    for record in kk_batch.records:
        assert record["source"] == "seminar-2025-03.yaml"
        assert [e["type"] for e in record["events"]] == [
            "received",
            "rendered",
            "signed",
            "archived",
        ]


def test_the_same_batch_dropped_again_is_a_duplicate(world: World, kk_batch: KkBatch) -> None:
    before = len(world.archive.search(kind="certificate"))
    (world.home.inbox / "copy.yaml").write_bytes(yaml_bytes(batch("kk", KK_PARTICIPANTS)))
    runner = Runner(world.home, build_flow(world.parts), workers=1, settle=0)
    try:
        runner.run_once()
        states = {e.source: e.state for e in runner.journal.entries()}
    finally:
        runner.close()
    assert states["copy.yaml"] == "duplicate"
    assert len(world.archive.search(kind="certificate")) == before


def test_a_watcher_killed_mid_batch_is_resumed_without_doubles(tmp_path: Path) -> None:
    from docflow.archive import Archive

    home, pki = new_home(tmp_path / "home")
    # One LibreOffice instance, two threads: a batch of 8 is still running when we kill it.
    with (home.root / "docflow.toml").open("a", encoding="utf-8") as toml:
        toml.write("workers = 1\n")
    people = [{"full_name": f"Қатысушы {i + 1}", "iin": iin}
              for i, iin in enumerate(make_iins(8, born="940404"))]  # fmt: skip
    (home.inbox / "course.yaml").write_bytes(yaml_bytes(batch("kk", people)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "docflow", "--home", str(home.root), "watch", "--once",
         "--workers", "1", "--settle", "0.1", "--today", ISSUE_DAY.isoformat()],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            if (home.outbox / ".index" / "log.jsonl").exists():
                with Archive(home, recover=False) as archive:
                    if archive.search(kind="certificate"):
                        break
            time.sleep(0.1)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    with Archive(home, recover=False) as archive:
        assert 1 <= len(archive.search(kind="certificate")) < 8  # killed mid-batch

    from docflow.config import Clock
    from docflow.workflow.services import build_services

    parts = build_services(home, clock=Clock(ISSUE_DAY))
    runner = Runner(home, build_flow(parts), workers=1, settle=0)
    try:
        runner.run_once()  # recover() resumes the claimed batch from its work folder
        (entry,) = runner.journal.entries()
        records = parts.archive.search(kind="certificate")
        roots = pki.trust_roots()
        verdicts = {verify_pdf(parts.archive.pdf_bytes(r["id"]), trust_roots=roots).verdict
                    for r in records}  # fmt: skip
    finally:
        runner.close()
        parts.close()
    assert entry.state == "archived", entry.reason
    assert sorted(r["participant_index"] for r in records) == list(range(8))
    assert len({r["serial"] for r in records}) == 8
    assert verdicts == {"valid"}


def test_the_same_roster_in_other_bytes_issues_nothing_twice(
    world: World, kk_batch: KkBatch
) -> None:
    before = len(world.archive.search(kind="certificate"))
    data = batch("kk", list(reversed(KK_PARTICIPANTS)))  # re-exported in another order
    (world.home.inbox / "seminar-again.yaml").write_bytes(b"# exported again\n" + yaml_bytes(data))
    runner = Runner(world.home, build_flow(world.parts), workers=1, settle=0)
    try:
        runner.run_once()
        entry = next(e for e in runner.journal.entries() if e.source == "seminar-again.yaml")
    finally:
        runner.close()
    assert entry.state == "archived", entry.reason
    assert len(world.archive.search(kind="certificate")) == before
    expected = [r["serial"] for r in reversed(kk_batch.records)]
    assert json.loads(entry.details or "[]") == expected

"""Real crashes (SIGKILL) while storing, and two processes storing at once (issue 5)."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from archive_helpers import PYTHON, STORER, log_lines, make_pdf, make_record

from docflow.archive import Archive
from docflow.archive._archive import STORE_STEPS
from docflow.config import Home


def run_storer(home: Home, start: int, count: int, *crash: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, str(STORER), str(home.root), str(start), str(count), *crash],
        capture_output=True,
        text=True,
        timeout=300,
    )


def files_in(home: Home) -> list[Path]:
    return sorted(p for p in home.outbox.rglob("*") if p.is_file() and ".index" not in p.parts)


def assert_consistent(home: Home, archive: Archive, expected: set[str]) -> None:
    """Exactly the expected records, each once, each whole; no stray files; audit passes."""
    stored = Counter(
        json.loads(line)["record"]
        for line in log_lines(home)
        if json.loads(line)["event"] == "stored"
    )
    assert set(stored) == expected
    assert max(stored.values(), default=1) == 1, "a record was logged twice"
    assert sorted(r["id"] for r in archive.all_records()) == sorted(expected)
    names = [p.name for p in files_in(home)]
    assert sorted(names) == sorted([f"{i}.pdf" for i in expected] + [f"{i}.json" for i in expected])
    report = archive.audit()
    assert report.ok, [str(p) for p in report.problems]
    assert report.checked == len(expected)


@pytest.mark.parametrize("step", STORE_STEPS)
def test_sigkill_after_each_store_step_recovers(home: Home, step: str) -> None:
    done = run_storer(home, 0, 3, step, "1")
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert done.stdout.split() == ["0"]  # record 0 finished, record 1 died mid-store

    with Archive(home, recover=False) as raw:
        before = raw.audit()
        report = raw.recover()
        assert raw.recover().clean  # recovery is idempotent

    # What recovery must do depends on how far the store got.
    if step == "intent":  # only the intent row: undone
        assert report.removed == ["R-2025-0001"] and not before.ok
    elif step in ("pdf", "json"):  # the PDF is on disk: completed from the intent
        assert report.completed == ["R-2025-0001"] and not before.ok
    elif step == "log":  # logged, not committed to the index: replayed
        assert report.replayed == [2] and not before.ok
    else:
        assert report.clean and before.ok

    with Archive(home) as archive:
        expected = {"R-2025-0000"} | ({"R-2025-0001"} if step != "intent" else set())
        assert_consistent(home, archive, expected)
        # The workflow retries the store after its own restart: nothing is doubled.
        archive.store(make_record(1), make_pdf(1), record_id="R-2025-0001")
        archive.store(make_record(2), make_pdf(2), record_id="R-2025-0002")
        assert_consistent(home, archive, {f"R-2025-{i:04d}" for i in range(3)})


@pytest.mark.slow  # several processes, seconds each: the full suite runs it
def test_sigkill_mid_burst_of_200_then_restart(home: Home) -> None:
    proc = subprocess.Popen(
        [PYTHON, str(STORER), str(home.root), "0", "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    # Kill it at a moment nobody chose: after 60 records are through, plus a few milliseconds.
    for _ in range(60):
        proc.stdout.readline()
    time.sleep(0.013)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    with Archive(home) as archive:  # opening recovers
        survivors = {r["id"] for r in archive.all_records()}
        assert 60 <= len(survivors) < 200
        assert survivors == {f"R-2025-{i:04d}" for i in range(len(survivors))}
        assert_consistent(home, archive, survivors)

    # The restarted producer stores everything again; what is there is not doubled.
    done = run_storer(home, 0, 200)
    assert done.returncode == 0, done.stderr
    with Archive(home) as archive:
        assert_consistent(home, archive, {f"R-2025-{i:04d}" for i in range(200)})
        seqs = [json.loads(line)["seq"] for line in log_lines(home)]
        assert seqs == list(range(1, 201))


@pytest.mark.slow  # several processes, seconds each: the full suite runs it
def test_two_processes_storing_at_once_keep_one_chain(home: Home) -> None:
    Archive(home).close()  # create the index first, so both start storing at once
    barrier = home.root / "barrier"
    barrier.mkdir()
    env = {**os.environ, "STORER_BARRIER": f"{barrier}:2"}  # both open, then both store
    procs = [
        subprocess.Popen(
            [PYTHON, str(STORER), str(home.root), str(start), "60"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for start in (0, 1000)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    expected = {f"R-2025-{i:04d}" for i in [*range(60), *range(1000, 1060)]}
    with Archive(home) as archive:
        assert_consistent(home, archive, expected)
        entries = [json.loads(line) for line in log_lines(home)]
        assert [e["seq"] for e in entries] == list(range(1, 121))
        # the two producers really interleaved (otherwise this test proves nothing)
        owners = [e["record"] >= "R-2025-1000" for e in entries]
        assert sum(a != b for a, b in itertools.pairwise(owners)) > 2


@pytest.mark.slow  # several processes, seconds each: the full suite runs it
def test_audit_while_another_process_stores_sees_no_tampering(home: Home) -> None:
    Archive(home).close()
    proc = subprocess.Popen(
        [PYTHON, str(STORER), str(home.root), "0", "150"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    audits = []
    with Archive(home, recover=False) as archive:
        while proc.poll() is None:
            report = archive.audit()
            assert report.ok, [str(p) for p in report.problems]
            audits.append(report.checked)
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        assert archive.audit().checked == 150
    assert len(audits) > 3 and 0 < max(audits)  # it really audited mid-burst

"""The runner's promises, with a stand-in for the pipeline: every file ends in exactly one
state, the same bytes twice make one outcome, a failing file never stops the others, and a
crash between the journal row and the claim is recovered."""

from __future__ import annotations

from pathlib import Path

from docflow.config import Home
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Outcome, Runner


def archive_everything(entry: Entry, workdir: Path) -> Outcome:
    data = next(workdir.glob("input*")).read_bytes()
    if b"poison" in data:
        raise RuntimeError("boom")
    if b"bad" in data:
        return Outcome("rejected", reason="bad", error_text="field: wrong\n")
    return Outcome("archived", record=f"R-{entry.sha256[:6]}")


def drop(home: Home, name: str, content: bytes) -> Path:
    path = home.inbox / name
    path.write_bytes(content)
    return path


def test_each_file_ends_in_one_state_and_duplicates_are_recognised(home: Home) -> None:
    drop(home, "a.json", b'{"a": 1}')
    drop(home, "a-again.json", b'{"a": 1}')
    drop(home, "b.json", b"bad")
    drop(home, "c.json", b"poison")
    drop(home, "d.json", b'{"d": 1}')
    drop(home, "ignored.json.part", b"{}")
    runner = Runner(home, archive_everything, workers=2, settle=0)
    try:
        runner.run_once()
        states = {e.source: e.state for e in runner.journal.entries()}
    finally:
        runner.close()
    assert sorted(states.values()).count("archived") == 2
    assert states["b.json"] == "rejected"
    assert states["c.json"] == "rejected"
    dup = [s for n, s in states.items() if n in ("a.json", "a-again.json")]
    assert sorted(dup) == ["archived", "duplicate"]
    assert sorted(p.name for p in home.inbox.iterdir()) == ["ignored.json.part", "rejected"]
    rejected = sorted(p.name for p in (home.inbox / "rejected").iterdir())
    assert rejected == ["b.json", "b.json.error.txt", "c.json", "c.json.error.txt"]
    assert "RuntimeError" in (home.inbox / "rejected" / "c.json.error.txt").read_text()
    assert not any((home.state / "work").iterdir())


def test_a_rejected_file_can_be_dropped_again_and_is_processed_anew(home: Home) -> None:
    runner = Runner(home, archive_everything, workers=1, settle=0)
    try:
        drop(home, "b.json", b"bad")
        runner.run_once()
        drop(home, "b.json", b"bad")
        runner.run_once()
        entries = runner.journal.entries()
    finally:
        runner.close()
    assert [e.state for e in entries] == ["rejected", "rejected"]
    assert sorted(p.name for p in (home.inbox / "rejected").iterdir()) == [
        "b (2).json",
        "b (2).json.error.txt",
        "b.json",
        "b.json.error.txt",
    ]


def test_recover_resumes_a_claimed_file_and_clears_an_interrupted_claim(home: Home) -> None:
    runner = Runner(home, archive_everything, workers=1, settle=0)
    try:
        claimed = runner.claim(drop(home, "x.json", b'{"x": 1}'))
        assert claimed is not None
        # A crash right after the journal row, before the rename:
        orphan = runner.journal.add("S-orphan", "y.json", "0" * 64)
        assert orphan.state == "processing"
        runner.recover()
        runner.drain()
        states = {e.source: e.state for e in runner.journal.entries()}
    finally:
        runner.close()
    assert states == {"x.json": "archived"}  # the interrupted claim left no trace

"""Which inbox files are taken, and when (stability), independent of what they contain."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docflow.inbox.candidates import (
    StabilityTracker,
    is_candidate,
    list_candidates,
    safe_display_name,
    unique_path,
)


@pytest.mark.parametrize(
    ("name", "taken"),
    [
        ("report.json", True),
        ("report.YAML", True),
        ("report.yml", True),
        ("bundle.zip", True),
        (".report.json", False),
        ("._report.json", False),
        ("report.json.part", False),
        ("report.zip.tmp", False),
        ("report.json.crdownload", False),
        ("~report.json", False),
        ("report.json~", False),
        ("notes.txt", False),
        ("scan.pdf", False),
    ],
)
def test_candidates_skip_hidden_partial_and_unknown_files(name: str, taken: bool) -> None:
    assert is_candidate(Path("/inbox") / name) is taken


def test_list_candidates_ignores_folders_and_symlinks(tmp_path: Path) -> None:
    (tmp_path / "rejected").mkdir()
    (tmp_path / "rejected" / "old.json").write_text("{}")
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "b.part").write_text("{}")
    os.symlink(tmp_path / "a.json", tmp_path / "link.json")
    assert [p.name for p in list_candidates(tmp_path)] == ["a.json"]


def test_a_growing_file_is_not_stable_until_it_stops_changing(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("{")
    tracker = StabilityTracker(settle=1.0)
    assert tracker.observe(path, now=0.0) is False
    assert tracker.observe(path, now=0.5) is False  # quiet, but not long enough
    with path.open("a") as f:
        f.write('"kind": 1}')
    os.utime(path, ns=(1, 10**9 * 5))
    assert tracker.observe(path, now=1.2) is False  # changed: the quiet period restarts
    assert tracker.observe(path, now=2.0) is False
    assert tracker.observe(path, now=2.3) is True


def test_an_event_restarts_the_quiet_period(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("{}")
    tracker = StabilityTracker(settle=1.0)
    tracker.observe(path, now=0.0)
    tracker.touch(path, now=0.9)
    assert tracker.observe(path, now=1.5) is False
    assert tracker.observe(path, now=2.0) is True


def test_an_empty_file_is_never_stable(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"")
    tracker = StabilityTracker(settle=0.0)
    assert tracker.observe(path, now=0.0) is False
    assert tracker.observe(path, now=10.0) is False


def test_outside_names_never_choose_a_path(tmp_path: Path) -> None:
    assert "/" not in safe_display_name("../../etc/passwd")
    assert safe_display_name("..hidden.json") == "hidden.json"
    assert safe_display_name("a\nb.json") == "a_b.json"
    (tmp_path / "r.json").write_text("x")
    assert unique_path(tmp_path, "r.json").name == "r (2).json"
    assert unique_path(tmp_path, "s.json").name == "s.json"

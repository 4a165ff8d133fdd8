"""Issue 19, the inbox: what is not a regular file is never read. A symlink, a FIFO, a folder
dropped in inbox/ moves to rejected/ unread with an explanation in kk, ru and en, also with
`watch --once` (before: they stayed forever without a word, and a symlink was followed and its
target quoted back in NAME.error.txt); an empty file is rejected once it stayed empty (before:
it waited forever). Real `docflow watch --once` processes on a real home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from docflow.config import Home
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Outcome, Runner
from docflow.pki.testing import make_test_pki

SECRET = "correct-horse-battery-staple-0xDEADBEEF"


def docflow(home: Home, *args: str) -> list[str]:
    return [sys.executable, "-m", "docflow", "--home", str(home.root), *args]


def watch_once(home: Home) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        docflow(home, "watch", "--once", "--settle", "0"),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DOCFLOW_TODAY": "2026-02-10"},
    )


def status(home: Home) -> dict[str, dict[str, object]]:
    out = subprocess.run(docflow(home, "status", "--json"), capture_output=True, text=True)
    return {e["source"]: e for e in json.loads(out.stdout)}


def test_a_symlink_to_the_ca_passphrase_is_rejected_unread(home: Home) -> None:
    make_test_pki(home)
    secret = home.root / "certs" / "pki-passphrase"
    passphrase = secret.read_text().strip()
    assert len(passphrase) >= 16
    os.symlink(secret, home.inbox / "report.yaml")

    done = watch_once(home)

    assert done.returncode == 0, done.stderr
    assert not os.path.lexists(home.inbox / "report.yaml")
    moved = home.inbox / "rejected" / "report.yaml"
    assert moved.is_symlink() and os.readlink(moved) == str(secret)  # moved as a link
    explanation = (home.inbox / "rejected" / "report.yaml.error.txt").read_text()
    assert passphrase not in explanation
    assert "символдық сілтеме" in explanation  # kk
    assert "символическая ссылка" in explanation  # ru
    assert "symbolic link" in explanation  # en
    assert passphrase not in done.stdout + done.stderr
    assert secret.read_text().strip() == passphrase
    entry = status(home)["report.yaml"]
    assert entry["state"] == "rejected" and "symlink" in str(entry["reason"])


def test_a_fifo_and_a_folder_are_rejected_not_left_forever(home: Home) -> None:
    make_test_pki(home)
    os.mkfifo(home.inbox / "pipe.json")
    (home.inbox / "folder.zip").mkdir()
    (home.inbox / "folder.zip" / "inside.json").write_text("{}")

    done = watch_once(home)  # a FIFO opened for reading would block forever: it is not opened

    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in home.inbox.iterdir()) == ["rejected"]
    rejected = home.inbox / "rejected"
    assert (rejected / "folder.zip" / "inside.json").read_text() == "{}"
    assert "атаулы арна" in (rejected / "pipe.json.error.txt").read_text()
    assert "папка" in (rejected / "folder.zip.error.txt").read_text()
    states = status(home)
    assert states["pipe.json"]["state"] == "rejected"
    assert states["folder.zip"]["state"] == "rejected"


def test_an_empty_file_is_rejected_with_an_explanation(home: Home) -> None:
    make_test_pki(home)
    (home.inbox / "report.json").write_bytes(b"")

    done = watch_once(home)

    assert done.returncode == 0, done.stderr
    explanation = (home.inbox / "rejected" / "report.json.error.txt").read_text()
    assert "файл бос" in explanation and "файл пустой" in explanation
    assert status(home)["report.json"]["state"] == "rejected"


def test_an_internal_error_never_quotes_what_was_read(home: Home) -> None:
    def leaky(entry: Entry, workdir: Path) -> Outcome:
        data = next(workdir.glob("input*")).read_text()
        raise ValueError(f"cannot parse {data!r}")

    (home.inbox / "a.json").write_text(SECRET)
    runner = Runner(home, leaky, workers=1, settle=0)
    try:
        runner.run_once()
    finally:
        runner.close()
    text = (home.inbox / "rejected" / "a.json.error.txt").read_text()
    assert "ValueError" in text and SECRET not in text
    assert SECRET not in str(runner.journal.path.read_bytes())

"""``docflow watch --once`` shows its progress ("[n/N] name: outcome", on stderr) and ``docflow
status`` lists the journal, both in the CLI's language (issue 14). A real ``watch`` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from docflow.config import Home
from docflow.pki.testing import make_test_pki

pytestmark = pytest.mark.slow


def _docflow(home: Home, *args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCFLOW_TODAY": "2026-02-10", "LANG": "C.UTF-8"}
    env.pop("DOCFLOW_LANG", None)
    command = [sys.executable, "-m", "docflow", "--home", str(home.root)]
    if lang:
        command += ["--lang", lang]
    return subprocess.run(
        [*command, *args], env=env, capture_output=True, text=True, timeout=240, check=False
    )


def _bad_files(home: Home) -> None:
    (home.inbox / "a-broken.json").write_text('{"kind": "cpd-report", ', encoding="utf-8")
    (home.inbox / "b-unknown.yaml").write_text("kind: lunch-menu\nlocale: ru\n", encoding="utf-8")


def test_watch_once_shows_progress_in_the_cli_language(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    make_test_pki(home)
    _bad_files(home)
    done = _docflow(home, "watch", "--once", "--settle", "0", lang="ru")
    assert done.returncode == 0, done.stderr
    progress = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in progress] == ["[1/2", "[2/2"], done.stderr
    assert all(line.endswith(": отклонён") for line in progress), progress
    assert {line.split("] ")[1].split(":")[0] for line in progress} == {
        "a-broken.json",
        "b-unknown.yaml",
    }
    assert "отклонён: 2" in done.stdout and "Подписанные PDF" in done.stdout, done.stdout

    kk = _docflow(home, "status", lang="kk")
    assert kk.returncode == 0 and kk.stdout.count("қабылданбады") == 2, kk.stdout
    assert "себебі: inbox/rejected/a-broken.json.error.txt" in kk.stdout
    assert "invalid input" not in kk.stdout  # the log's English reason stays in the log
    en = _docflow(home, "status", lang="en")
    assert en.stdout.count("  rejected  ") == 2, en.stdout


def test_status_with_nothing_received_speaks_the_cli_language(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    assert _docflow(home, "status", lang="ru").stdout.strip() == "Поступлений пока нет."
    assert _docflow(home, "status", lang="kk").stdout.strip() == "Әзірге ештеңе түскен жоқ."

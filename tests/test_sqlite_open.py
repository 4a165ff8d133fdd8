"""Several processes opening a brand-new database at the same moment (the workers of a
``watch`` on a fresh home do): none may fail with "database is locked"."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from docflow.archive import Archive
from docflow.config import Home
from docflow.inbox.journal import Journal
from docflow.summaries.store import SummaryStore


def _archive(root: Path) -> None:
    Archive(Home(root)).close()


def _journal(root: Path) -> None:
    Journal(Home(root).state / "journal.sqlite").close()


def _summaries(root: Path) -> None:
    SummaryStore(Home(root)).close()


def _open(opener: Callable[[Path], None], root: str, barrier: Any, errors: Any) -> None:
    barrier.wait()
    try:
        opener(Path(root))
    except Exception as exc:  # reported to the test
        errors.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.parametrize("opener", [_archive, _journal, _summaries])
def test_many_processes_open_a_new_database_at_once(
    tmp_path: Path, opener: Callable[[Path], None]
) -> None:
    context = multiprocessing.get_context("fork")
    for round_ in range(15):
        root = tmp_path / f"home-{round_}"
        Home(root).ensure()
        barrier, errors = context.Barrier(4), context.Queue()
        procs = [
            context.Process(target=_open, args=(opener, str(root), barrier, errors))
            for _ in range(4)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        assert all(p.exitcode == 0 for p in procs)
        problems = []
        while not errors.empty():
            problems.append(errors.get())
        assert not problems, problems

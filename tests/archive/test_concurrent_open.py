"""Several processes opening a brand-new archive at the same moment (the workers of a
``watch`` do, on a fresh home): none may fail with "database is locked"."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from docflow.archive import Archive
from docflow.config import Home


def _open(
    root: str, barrier: multiprocessing.synchronize.Barrier, errors: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    barrier.wait()
    try:
        Archive(Home(Path(root))).close()
    except Exception as exc:  # reported to the test
        errors.put(f"{type(exc).__name__}: {exc}")


def test_many_processes_open_a_new_archive_at_once(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for round_ in range(15):
        root = tmp_path / f"home-{round_}"
        Home(root).ensure()
        barrier = context.Barrier(4)
        errors = context.Queue()
        procs = [context.Process(target=_open, args=(str(root), barrier, errors)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        assert all(p.exitcode == 0 for p in procs)
        problems = []
        while not errors.empty():
            problems.append(errors.get())
        assert not problems, problems

"""Test helper run as a separate process: stores records into an archive, optionally killing
itself with SIGKILL right after a named step of one store (a real crash, not an exception).

usage: storer.py HOME START COUNT [CRASH_STEP CRASH_INDEX] [--tag TAG]
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from archive_helpers import make_pdf, make_record

from docflow.archive import Archive
from docflow.config import Home


def main(argv: list[str]) -> None:
    home = Home(Path(argv[0]))
    start, count = int(argv[1]), int(argv[2])
    crash_step = argv[3] if len(argv) > 4 else None
    crash_index = int(argv[4]) if len(argv) > 4 else -1
    current = {"i": -1}

    def after_step(step: str) -> None:
        if step == crash_step and current["i"] == crash_index:
            os.kill(os.getpid(), signal.SIGKILL)

    archive = Archive(home, _after_step=after_step)
    _wait_for_the_others()
    for i in range(start, start + count):
        current["i"] = i
        archive.store(make_record(i), make_pdf(i), record_id=f"R-2025-{i:04d}")
        print(i, flush=True)
    archive.close()


def _wait_for_the_others() -> None:
    """With STORER_BARRIER=DIR:N, start storing only when N storers have opened the archive,
    so that they really store at once (a process's start-up takes long enough for another to
    finish a short run before it)."""
    barrier = os.environ.get("STORER_BARRIER")
    if not barrier:
        return
    folder, parties = barrier.rsplit(":", 1)
    Path(folder, f"ready-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while len(list(Path(folder).glob("ready-*"))) < int(parties):
        if time.monotonic() > deadline:
            raise SystemExit("storer: the other storers never started")
        time.sleep(0.01)


if __name__ == "__main__":
    main(sys.argv[1:])

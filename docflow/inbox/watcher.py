"""``docflow watch``: filesystem events (watchdog) plus a periodic rescan feed the runner.

Events only say *something happened*; the stability check decides when a file is taken, and a
startup scan plus a rescan every ``rescan`` seconds catch whatever events were missed (files
that arrived while docflow was down, network file systems that send none).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from docflow.inbox.candidates import is_candidate, list_candidates
from docflow.inbox.runner import Runner

log = logging.getLogger("docflow.watch")


class _InboxEvents(FileSystemEventHandler):
    def __init__(self, inbox: Path):
        self.inbox = inbox
        self.touched: set[Path] = set()
        self.lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = Path(raw if isinstance(raw, str) else raw.decode())
            if path.parent == self.inbox and is_candidate(path):
                with self.lock:
                    self.touched.add(path)

    def take(self) -> set[Path]:
        with self.lock:
            touched, self.touched = self.touched, set()
        return touched


def watch_forever(
    runner: Runner, stop: threading.Event, *, rescan: float = 30.0, tick: float = 0.25
) -> None:
    """Run until ``stop`` is set; in-flight submissions finish before returning."""
    inbox = runner.home.inbox
    handler = _InboxEvents(inbox)
    observer = Observer()
    observer.schedule(handler, str(inbox), recursive=False)
    observer.start()
    log.info("watching %s", inbox)
    try:
        resumed = runner.recover()
        if resumed:
            log.info("resumed %d interrupted submission(s)", resumed)
        watched: set[Path] = set(list_candidates(inbox))
        last_scan = time.monotonic()
        while not stop.is_set():
            for path in handler.take():
                runner.tracker.touch(path)
                watched.add(path)
            if time.monotonic() - last_scan >= rescan:
                watched.update(list_candidates(inbox))
                last_scan = time.monotonic()
            for path in sorted(watched):
                if not path.exists():
                    watched.discard(path)
                    runner.tracker.forget(path)
                elif runner.tracker.observe(path):
                    watched.discard(path)
                    entry = runner.claim(path)
                    if entry is not None:
                        runner.submit(entry)
            stop.wait(tick)
    finally:
        observer.stop()
        observer.join(timeout=5)
        runner.drain()

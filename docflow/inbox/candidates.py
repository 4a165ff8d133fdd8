"""The inbox side of intake: which files are candidates, when a file is stable, and the claim.

Lessons from watched-folder consumers: a file is taken only when no event touched it for a
while and its size and mtime stayed the same between two looks; temporary and partial files
are never taken; a claim is an atomic rename, so two workers never take the same file and a
crash never leaves a file half-taken.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Suffixes docflow reads. Anything else in the inbox is left where it is.
ACCEPTED_SUFFIXES = (".json", ".yaml", ".yml", ".zip")
#: Names of partial or temporary files written by browsers, editors, rsync and copy tools.
_PARTIAL_SUFFIXES = (".part", ".tmp", ".temp", ".crdownload", ".partial", ".swp", ".download")


def is_candidate(path: Path) -> bool:
    """Whether a file in the inbox is something docflow should take (once it is stable)."""
    name = path.name
    if name.startswith((".", "~", "._")) or name.endswith("~"):
        return False
    lower = name.lower()
    if lower.endswith(_PARTIAL_SUFFIXES):
        return False
    return lower.endswith(ACCEPTED_SUFFIXES)


def list_candidates(inbox: Path) -> list[Path]:
    """Regular files directly in the inbox (not in rejected/ or other folders), oldest first."""
    found: list[tuple[float, str, Path]] = []
    try:
        entries = list(os.scandir(inbox))
    except FileNotFoundError:
        return []
    for entry in entries:
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        path = Path(entry.path)
        if is_candidate(path):
            found.append((st.st_mtime, entry.name, path))
    return [p for _, _, p in sorted(found)]


@dataclass
class StabilityTracker:
    """Decides when a file has stopped changing.

    A file is stable when ``settle`` seconds passed since the last event about it and since we
    first saw its current (size, mtime), and a second look finds the same (size, mtime).
    """

    settle: float = 1.0
    _seen: dict[Path, tuple[tuple[int, int], float]] = field(default_factory=dict)

    def touch(self, path: Path, now: float | None = None) -> None:
        """A filesystem event about ``path``: restart its quiet period."""
        self._seen.pop(path, None)
        self.observe(path, now)

    def observe(self, path: Path, now: float | None = None) -> bool:
        """Look at ``path`` now; True when it is stable and may be claimed."""
        now = time.monotonic() if now is None else now
        try:
            st = path.stat()
        except FileNotFoundError:
            self._seen.pop(path, None)
            return False
        signature = (st.st_size, st.st_mtime_ns)
        previous = self._seen.get(path)
        if previous is None or previous[0] != signature:
            self._seen[path] = (signature, now)
            return self.settle <= 0 and st.st_size > 0
        return now - previous[1] >= self.settle and st.st_size > 0

    def forget(self, path: Path) -> None:
        self._seen.pop(path, None)

    def pending(self) -> list[Path]:
        return list(self._seen)


def safe_display_name(name: str) -> str:
    """A dropped file's name, fit to show and to reuse *inside* docflow's own folders.

    Only ever used as the last component beside docflow's own files (rejected/NAME), never
    to choose a folder: separators and control characters are replaced.
    """
    cleaned = "".join(ch if ch.isprintable() and ch not in "/\\" else "_" for ch in name)
    cleaned = cleaned.strip().lstrip(".") or "submission"
    return cleaned[:200]


def unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem (2).ext`` … when taken, so nothing is overwritten."""
    candidate = folder / name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    n = 2
    while candidate.exists() or (folder / f"{candidate.name}.error.txt").exists():
        candidate = folder / (f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})")
        n += 1
    return candidate

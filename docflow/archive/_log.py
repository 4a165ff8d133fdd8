"""The append-only, hash-chained archive log (``outbox/.index/log.jsonl``).

Each line is one JSON object ``{"seq", "at", "event", "record", "pdf_sha256", "record_sha256",
..., "prev", "hash"}``: ``prev`` is the SHA-256 of the previous line's exact bytes (without its
newline; 64 zeros for the first line) and ``hash`` the SHA-256 of the line's canonical JSON
without ``hash``. Editing, deleting or reordering any line breaks the chain at that line; a
deleted *last* line is caught by the head anchored in the SQLite index.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docflow.atomic import append_durable, fsync_dir

GENESIS = "0" * 64


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_hash(fields: dict[str, Any]) -> str:
    """Hash of an entry's canonical form (sorted keys, no whitespace, ``hash`` itself excluded)."""
    body = {k: v for k, v in fields.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256_hex(canonical.encode("utf-8"))


def make_line(fields: dict[str, Any], *, seq: int, prev: str) -> bytes:
    """Serialise a new entry (``seq``, ``prev`` and ``hash`` filled in), newline included."""
    entry = {"seq": seq, **fields, "prev": prev}
    entry["hash"] = entry_hash(entry)
    return (json.dumps(entry, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


@dataclass(frozen=True)
class LogLine:
    """One physical line of the log: its 1-based line number, raw bytes and parsed entry."""

    number: int
    raw: bytes
    entry: dict[str, Any] | None  # None when the line is not a JSON object

    @property
    def sha256(self) -> str:
        return sha256_hex(self.raw)


@dataclass(frozen=True)
class Head:
    """The last entry of the chain: its ``seq`` and the SHA-256 of its line."""

    seq: int
    line_sha256: str


EMPTY_HEAD = Head(0, GENESIS)


def read_lines(path: Path) -> Iterator[LogLine]:
    """Every complete line of the log; a torn tail (no final newline) is yielded too."""
    if not path.exists():
        return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            body = raw[:-1] if raw.endswith(b"\n") else raw
            try:
                parsed = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                parsed = None
            yield LogLine(number, body, parsed if isinstance(parsed, dict) else None)


def read_head(path: Path) -> Head:
    """The chain head from the last complete line, reading only the file's tail."""
    if not path.exists():
        return EMPTY_HEAD
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size == 0:
            return EMPTY_HEAD
        chunk = 4096
        while True:
            start = max(0, size - chunk)
            handle.seek(start)
            data = handle.read(size - start)
            body = data[:-1] if data.endswith(b"\n") else data
            cut = body.rfind(b"\n")
            if cut >= 0 or start == 0:
                last = body[cut + 1 :]
                break
            chunk *= 4
    try:
        entry = json.loads(last.decode("utf-8"))
        return Head(int(entry["seq"]), sha256_hex(last))
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"last log line is unreadable: {exc}") from exc


def torn_tail_length(path: Path) -> int:
    """Bytes after the last newline (a line whose write was cut short), 0 if none."""
    if not path.exists():
        return 0
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size == 0:
            return 0
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return 0
        pos = size
        while pos > 0:
            step = min(4096, pos)
            handle.seek(pos - step)
            data = handle.read(step)
            cut = data.rfind(b"\n")
            if cut >= 0:
                return size - (pos - step + cut + 1)
            pos -= step
        return size


def cut_torn_tail(path: Path) -> int:
    """Remove a torn last line (never a complete one); return the bytes removed."""
    torn = torn_tail_length(path)
    if torn:
        size = path.stat().st_size
        fd = os.open(path, os.O_WRONLY)
        try:
            os.ftruncate(fd, size - torn)
            os.fsync(fd)
        finally:
            os.close(fd)
    return torn


def append_line(path: Path, fields: dict[str, Any], head: Head) -> tuple[dict[str, Any], Head]:
    """Append an entry after ``head`` (the caller holds the archive lock) and fsync it."""
    line = make_line(fields, seq=head.seq + 1, prev=head.line_sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    append_durable(path, line)
    entry = json.loads(line)
    return entry, Head(entry["seq"], sha256_hex(line[:-1]))


__all__ = [
    "EMPTY_HEAD",
    "GENESIS",
    "Head",
    "LogLine",
    "append_line",
    "cut_torn_tail",
    "entry_hash",
    "fsync_dir",
    "make_line",
    "read_head",
    "read_lines",
    "sha256_hex",
    "torn_tail_length",
]

"""The hash-chained archive log in a database table (``archive_log``).

Each row holds one log line exactly as the embedded ``log.jsonl`` would (``docflow.archive``'s
format: ``prev`` is the SHA-256 of the previous line, ``hash`` the SHA-256 of the entry's
canonical JSON), so an archive migrated from the embedded default keeps its chain and head.
Appending takes a transaction-scoped advisory lock (PostgreSQL) or the write lock (SQLite), so
rows from several machines still form one chain. :func:`verify_chain` names the first bad row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, text

from docflow.archive import _log
from docflow.archive._tables import log

#: pg_advisory_xact_lock key of the log's head ("archive" as digits)
_HEAD_LOCK = 2_724_728_483


@dataclass(frozen=True)
class ChainProblem:
    """A log row that breaks the chain: its seq, its record (if readable) and what is wrong."""

    seq: int
    record: str | None
    message: str


def lock_head(conn: Connection) -> None:
    """Make this transaction the only appender until it ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _HEAD_LOCK})


def head(conn: Connection) -> _log.Head:
    row = conn.execute(
        select(log.c.seq, log.c.line_sha256).order_by(log.c.seq.desc()).limit(1)
    ).first()
    return _log.EMPTY_HEAD if row is None else _log.Head(int(row.seq), row.line_sha256)


def append(conn: Connection, fields: Mapping[str, Any]) -> tuple[dict[str, Any], _log.Head]:
    """Append an entry after the current head (call :func:`lock_head` first in this
    transaction); returns the entry as written and the new head."""
    current = head(conn)
    line = _log.make_line(dict(fields), seq=current.seq + 1, prev=current.line_sha256)[:-1]
    return insert_line(conn, line)


def insert_line(conn: Connection, line: bytes) -> tuple[dict[str, Any], _log.Head]:
    """Insert one complete log line (no newline) as it is: appends and migrations."""
    entry = json.loads(line)
    sha = _log.sha256_hex(line)
    conn.execute(
        insert(log).values(
            seq=entry["seq"],
            record=entry.get("record"),
            event=str(entry.get("event")),
            line=line.decode("utf-8"),
            line_sha256=sha,
        )
    )
    return entry, _log.Head(int(entry["seq"]), sha)


def lines(conn: Connection, record: str | None = None) -> Iterator[tuple[int, bytes, str, Any]]:
    """(seq column, line bytes, line_sha256 column, record column) in seq order."""
    query = select(log.c.seq, log.c.line, log.c.line_sha256, log.c.record).order_by(log.c.seq)
    if record is not None:
        query = query.where(log.c.record == record)
    for row in conn.execute(query):
        yield int(row.seq), row.line.encode("utf-8"), row.line_sha256, row.record


def verify_chain(conn: Connection) -> tuple[list[ChainProblem], _log.Head]:
    """Every broken link, first bad row first, and the head as the rows say."""
    problems: list[ChainProblem] = []
    expected_prev, expected_seq = _log.GENESIS, 1
    last = _log.EMPTY_HEAD
    for seq, line, line_sha, record_column in lines(conn):
        actual_sha = _log.sha256_hex(line)
        try:
            entry = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            entry = None
        if not isinstance(entry, dict):
            problems.append(ChainProblem(seq, None, f"log row {seq} is not a JSON object"))
            expected_prev, expected_seq = actual_sha, seq + 1
            continue
        record = entry.get("record") if isinstance(entry.get("record"), str) else None
        label = f"log row seq {seq} (record {record})"
        if entry.get("hash") != _log.entry_hash(entry):
            problems.append(ChainProblem(seq, record, f"{label} was edited: hash mismatch"))
        if entry.get("prev") != expected_prev:
            problems.append(
                ChainProblem(
                    seq,
                    record,
                    f"chain broken at {label}: 'prev' is not the hash of the row before "
                    "(a row was edited, deleted, inserted or reordered)",
                )
            )
        if entry.get("seq") != seq or seq != expected_seq:
            problems.append(
                ChainProblem(
                    seq, record, f"{label}: seq {entry.get('seq')}, {expected_seq} expected"
                )
            )
        if line_sha != actual_sha or record_column != entry.get("record"):
            problems.append(
                ChainProblem(seq, record, f"{label}: its columns disagree with its line")
            )
        expected_prev, expected_seq = actual_sha, seq + 1
        last = _log.Head(seq, actual_sha)
    return problems, last

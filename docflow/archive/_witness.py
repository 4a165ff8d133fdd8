"""The log's head, witnessed outside the rebuildable index: ``outbox/.index/witness.jsonl``.

The hash chain of ``log.jsonl`` is unkeyed: whoever may write the files can delete the newest
record (its files and its log line) or any record (recomputing every ``prev``/``hash`` after
it), and the index that anchored the head can be deleted and rebuilt from what is left. The
witness is a second, *keyed* chain: after each log line, one line
``{"seq", "line_sha256", "record", "event", "prev", "mac"}`` where ``mac`` is HMAC-SHA256, under
a key kept with the home's keys (``certs/archive-witness.key``, 0600), of the line's canonical
JSON without ``mac``, and ``prev`` is the previous line's ``mac``. Without the key nobody can
write a witness line that checks, so:

* ``recover`` never lowers a witnessed head: a log that ends before the last witnessed seq, or
  whose line at a witnessed seq is not the witnessed one, is refused;
* ``audit`` names every witnessed record whose log line is gone or was rewritten.

Lines are appended without an fsync of their own: a witness that lags the log after a power
cut is never a false alarm (only a witness *ahead* of the log is), and the next store adds one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docflow.archive import _log
from docflow.archive._audit import AuditProblem, AuditReport
from docflow.errors import ArchiveError

KEY_NAME = "archive-witness.key"
_NO_MAC = "0" * 64


@dataclass(frozen=True)
class Witnessed:
    """One witness line that checked: a head of the log and the record it named."""

    number: int  # line number in witness.jsonl
    seq: int
    line_sha256: str
    record: str | None
    event: str | None


@dataclass
class WitnessReading:
    """Every witness line in order; ``problems`` for lines that do not check."""

    heads: list[Witnessed]
    problems: list[str]

    @property
    def last(self) -> Witnessed | None:
        return self.heads[-1] if self.heads else None


def _canonical(fields: dict[str, Any]) -> bytes:
    body = {k: v for k, v in fields.items() if k != "mac"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Witness:
    """Appends and reads ``witness.jsonl`` (the caller holds the archive lock to append)."""

    def __init__(self, path: Path, key_path: Path):
        self.path = path
        self.key_path = key_path
        self._key: bytes | None = None

    def _load_key(self, *, create: bool) -> bytes | None:
        if self._key is None:
            try:
                self._key = bytes.fromhex(self.key_path.read_text().strip())
            except FileNotFoundError:
                if not create:
                    return None
                self.key_path.parent.mkdir(parents=True, exist_ok=True)
                key = secrets.token_bytes(32)
                fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    os.write(fd, key.hex().encode() + b"\n")
                    os.fsync(fd)
                finally:
                    os.close(fd)
                self._key = key
        return self._key

    def _mac(self, key: bytes, fields: dict[str, Any]) -> str:
        return hmac.new(key, _canonical(fields), hashlib.sha256).hexdigest()

    def note(self, entry: dict[str, Any], head: _log.Head) -> None:
        """Witness the log line just appended (``entry``, now the log's ``head``)."""
        key = self._load_key(create=True)
        assert key is not None
        prev = _NO_MAC
        last = _last_line(self.path)
        if last is not None:
            try:
                prev = str(json.loads(last)["mac"])
            except (ValueError, KeyError, TypeError):
                prev = _log.sha256_hex(last)  # an unreadable last line: chained by its bytes
        fields: dict[str, Any] = {
            "seq": head.seq,
            "line_sha256": head.line_sha256,
            "record": entry.get("record"),
            "event": entry.get("event"),
            "prev": prev,
        }
        fields["mac"] = self._mac(key, fields)
        line = (json.dumps(fields, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def last_head(self) -> Witnessed | None:
        """The last witnessed head (its MAC checked; the chain is the audit's). None when
        nothing was witnessed yet; ``ArchiveError`` when the last line does not check."""
        last = _last_line(self.path)
        if last is None:
            return None
        key = self._load_key(create=False)
        try:
            fields = json.loads(last)
            ok = key is not None and hmac.compare_digest(str(fields["mac"]), self._mac(key, fields))
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            raise ArchiveError(
                f"the archive witness ({self.path.name}) does not check: its last line was "
                f"edited or its key ({self.key_path.name}) is missing; run `docflow archive audit`"
            )
        return Witnessed(0, int(fields["seq"]), str(fields["line_sha256"]),
                         fields.get("record"), fields.get("event"))  # fmt: skip

    def read(self) -> WitnessReading:
        """Every witness line, checked (MAC and chain). No key and no file: nothing witnessed."""
        reading = WitnessReading([], [])
        if not self.path.exists():
            return reading
        key = self._load_key(create=False)
        if key is None:
            reading.problems.append(
                f"the witness key {self.key_path.name} is missing: the witness cannot be checked"
            )
            return reading
        prev = _NO_MAC
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.endswith(b"\n"):
                    break  # torn by a crash: never vouched for anything
                try:
                    fields = json.loads(raw)
                    ok = hmac.compare_digest(str(fields["mac"]), self._mac(key, fields))
                except (ValueError, KeyError, TypeError):
                    fields, ok = None, False
                if fields is None or not ok:
                    reading.problems.append(f"witness line {number} does not check (edited)")
                    prev = _log.sha256_hex(raw[:-1])
                    continue
                if fields.get("prev") != prev:
                    reading.problems.append(
                        f"witness line {number}: the line before it was removed or changed"
                    )
                prev = str(fields["mac"])
                reading.heads.append(
                    Witnessed(
                        number,
                        int(fields["seq"]),
                        str(fields["line_sha256"]),
                        fields.get("record"),
                        fields.get("event"),
                    )
                )
        return reading


def _last_line(path: Path) -> bytes | None:
    """The last complete line of ``path`` (without its newline), reading only the tail."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        chunk = 4096
        while size:
            start = max(0, size - chunk)
            handle.seek(start)
            data = handle.read(size - start)
            end = data.rfind(b"\n")
            if end < 0:
                if start == 0:
                    return None
                chunk *= 4
                continue
            body = data[:end]
            cut = body.rfind(b"\n")
            if cut >= 0 or start == 0:
                return body[cut + 1 :]
            chunk *= 4
        return None


def missing_or_rewritten(
    reading: WitnessReading, log_lines: dict[int, str], last_seq: int
) -> list[tuple[Witnessed, str]]:
    """Witnessed heads the log no longer holds as witnessed: ``(head, why)``. ``log_lines`` maps
    each seq to its line's SHA-256; ``last_seq`` is the log's last seq."""
    found: list[tuple[Witnessed, str]] = []
    for head in reading.heads:
        actual = log_lines.get(head.seq)
        if actual is None:
            why = "deleted" if head.seq > last_seq else "missing"
            found.append((head, why))
        elif actual != head.line_sha256:
            found.append((head, "rewritten"))
    return found


def check_witness(
    witness: Witness, log_path: Path, report: AuditReport, expected: Mapping[str, str]
) -> None:
    """Add to ``report`` every witnessed record whose log line is gone or was rewritten (the
    newest deleted, a middle one deleted and the chain recomputed), every witness line that
    does not check, and every record ``expected`` (id -> where it is said to be archived, e.g.
    the work journal) that the log does not hold."""
    where_witness = f"{log_path.parent.parent.name}/.index/{witness.path.name}"
    reading = witness.read()
    for text in reading.problems:
        report.problems.append(AuditProblem(None, where_witness, text))
    lines: dict[int, str] = {}
    logged: set[str] = set()
    last_seq = 0
    for line in _log.read_lines(log_path):
        entry = line.entry
        if entry is None or not isinstance(entry.get("seq"), int):
            continue
        lines[entry["seq"]] = line.sha256
        last_seq = max(last_seq, entry["seq"])
        if entry.get("event") == "stored" and isinstance(entry.get("record"), str):
            logged.add(entry["record"])
    for head, why in missing_or_rewritten(reading, lines, last_seq):
        if why == "rewritten":
            text = (
                f"log line seq {head.seq} is not the one witnessed for record {head.record}: "
                "records before it were deleted or changed and the chain recomputed"
            )
        else:
            text = (
                f"record {head.record} (seq {head.seq}, {head.event}) was witnessed but its log "
                f"line is {'gone: the newest records were deleted' if why == 'deleted' else 'gone'}"
            )
        report.problems.append(AuditProblem(head.record, where_witness, text))
    for record_id, source in sorted(expected.items()):
        if record_id not in logged:
            report.problems.append(
                AuditProblem(
                    record_id,
                    source,
                    f"{source} says record {record_id} was archived, but the archive log does "
                    "not hold it: it was deleted",
                )
            )


def quarantine_index(db_path: Path) -> Path:
    """Move a damaged index (and its WAL files) aside as ``NAME.damaged-<UTC timestamp>``;
    returns where the index went. The caller rebuilds it from the log and the records."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = db_path.with_name(db_path.name + suffix)
        if part.exists():
            os.replace(part, target.with_name(target.name + suffix))
    _log.fsync_dir(db_path.parent)
    return target

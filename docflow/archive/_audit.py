"""The archive audit: does the outbox still hold exactly what the log says was archived?

Checks, and names every problem by record id and path: the log's hash chain (edited, deleted,
inserted or reordered lines), its head against the anchor in the index (lines cut from the end),
each logged record's PDF and JSON against the logged SHA-256s, files no log line accounts for,
index rows against the log, and, given a verifier, every PDF's signatures.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from docflow.archive import _log
from docflow.atomic import is_temp_name

#: Re-verifies a PDF's signatures: ``True``/``False`` or ``(ok, explanation)``.
Verifier = Callable[[bytes], bool | tuple[bool, str]]


@dataclass(frozen=True)
class AuditProblem:
    """One thing wrong: which record (if known), which file (relative to the home), what."""

    record: str | None
    path: str | None
    message: str

    def __str__(self) -> str:
        where = " ".join(x for x in (self.record and f"[{self.record}]", self.path) if x)
        return f"{where}: {self.message}" if where else self.message

    def to_json(self) -> dict[str, str | None]:
        return {"record": self.record, "path": self.path, "message": self.message}


@dataclass
class AuditReport:
    """The audit's verdict: ``ok`` when nothing is wrong; ``checked`` = records examined."""

    problems: list[AuditProblem] = field(default_factory=list)
    checked: int = 0
    head: _log.Head = _log.EMPTY_HEAD

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head": {"seq": self.head.seq, "line_sha256": self.head.line_sha256},
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass
class _Logged:
    seq: int
    pdf: str
    json: str
    pdf_sha256: str
    record_sha256: str
    status: str = "active"
    reason: str | None = None


def _safe_relative(value: Any) -> str | None:
    """A logged path, if it stays inside the outbox (an edited log must not send us elsewhere)."""
    if not isinstance(value, str) or not value:
        return None
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts:
        return None
    return path.as_posix()


def _check_chain(
    log_path: Path, anchored: _log.Head, report: AuditReport, where_log: str
) -> dict[str, _Logged]:
    problems = report.problems
    logged: dict[str, _Logged] = {}
    expected_prev, expected_seq = _log.GENESIS, 1
    last: _log.LogLine | None = None
    for line in _log.read_lines(log_path):
        last = line
        where = f"{where_log}:{line.number}"
        entry = line.entry
        if entry is None:
            problems.append(AuditProblem(None, where, f"log line {line.number} is not readable"))
            expected_prev, expected_seq = line.sha256, expected_seq + 1
            continue
        record = entry.get("record") if isinstance(entry.get("record"), str) else None
        seq = entry.get("seq")
        label = f"log line {line.number} (seq {seq}, record {record})"
        if entry.get("hash") != _log.entry_hash(entry):
            problems.append(AuditProblem(record, where, f"{label} was edited: hash mismatch"))
        if entry.get("prev") != expected_prev:
            problems.append(
                AuditProblem(
                    record,
                    where,
                    f"chain broken at {label}: 'prev' is not the hash of the line before "
                    "(a line was edited, deleted, inserted or reordered)",
                )
            )
        if seq != expected_seq:
            problems.append(
                AuditProblem(
                    record,
                    where,
                    f"{label}: seq {seq} where {expected_seq} was expected "
                    "(a line was deleted, inserted or reordered)",
                )
            )
        expected_prev = line.sha256
        expected_seq = max(expected_seq, seq) + 1 if isinstance(seq, int) else expected_seq + 1

        event = entry.get("event")
        if record is None:
            problems.append(AuditProblem(None, where, f"{label} names no record"))
        elif event == "stored":
            pdf, js = _safe_relative(entry.get("pdf")), _safe_relative(entry.get("json"))
            if pdf is None or js is None:
                problems.append(AuditProblem(record, where, f"{label}: unsafe or missing path"))
            elif record in logged:
                problems.append(AuditProblem(record, where, f"{label}: record stored twice"))
            else:
                logged[record] = _Logged(
                    seq if isinstance(seq, int) else -1,
                    pdf,
                    js,
                    str(entry.get("pdf_sha256")),
                    str(entry.get("record_sha256")),
                )
        elif event == "status":
            if record not in logged:
                problems.append(AuditProblem(record, where, f"{label}: status of unknown record"))
            else:
                logged[record].status = str(entry.get("status"))
                reason = entry.get("reason")
                logged[record].reason = None if reason is None else str(reason)
        else:
            problems.append(AuditProblem(record, where, f"{label}: unknown event {event!r}"))

    if _log.torn_tail_length(log_path):
        problems.append(AuditProblem(None, where_log, "the log ends in a torn line (run recover)"))
    head = (
        _log.Head(int(last.entry["seq"]), last.sha256)
        if last is not None and last.entry is not None and isinstance(last.entry.get("seq"), int)
        else _log.EMPTY_HEAD
    )
    report.head = head
    if head.seq < anchored.seq:
        problems.append(
            AuditProblem(
                None,
                where_log,
                f"the log ends at seq {head.seq} but the index anchored seq {anchored.seq}: "
                "lines were deleted from the end of the log",
            )
        )
    elif head.seq == anchored.seq and head.line_sha256 != anchored.line_sha256:
        problems.append(
            AuditProblem(None, where_log, "the last log line is not the anchored head (edited)")
        )
    elif head.seq > anchored.seq:
        problems.append(
            AuditProblem(
                None,
                where_log,
                f"the log has lines after the anchored seq {anchored.seq} (run recover)",
            )
        )
    return logged


def _check_files(
    root: Path, logged: Mapping[str, _Logged], report: AuditReport
) -> list[tuple[str, Path, str]]:
    """Each logged record's files against the log; returns the intact PDFs (id, path, sha)."""
    prefix = root.name
    intact: list[tuple[str, Path, str]] = []
    for record, item in logged.items():
        pdf_file, json_file = root / item.pdf, root / item.json
        pdf_where, json_where = f"{prefix}/{item.pdf}", f"{prefix}/{item.json}"
        pdf_exists, json_exists = pdf_file.is_file(), json_file.is_file()
        if not pdf_exists and not json_exists:
            report.problems.append(
                AuditProblem(record, pdf_where, "record deleted: its PDF and JSON are missing")
            )
            continue
        pdf_data: bytes | None = None
        if not pdf_exists:
            report.problems.append(AuditProblem(record, pdf_where, "PDF missing (deleted)"))
        else:
            pdf_data = pdf_file.read_bytes()
            actual = _log.sha256_hex(pdf_data)
            if actual != item.pdf_sha256:
                report.problems.append(
                    AuditProblem(
                        record,
                        pdf_where,
                        f"PDF changed or replaced: sha256 {actual}, archived {item.pdf_sha256}",
                    )
                )
                pdf_data = None
        if not json_exists:
            report.problems.append(AuditProblem(record, json_where, "record JSON missing"))
        else:
            actual = _log.sha256_hex(json_file.read_bytes())
            if actual != item.record_sha256:
                report.problems.append(
                    AuditProblem(
                        record,
                        json_where,
                        f"record JSON edited: sha256 {actual}, archived {item.record_sha256}",
                    )
                )
        if pdf_data is not None:
            intact.append((record, pdf_file, item.pdf_sha256))
    return intact


def check_signatures(
    root: Path, intact: list[tuple[str, Path, str]], report: AuditReport, verifier: Verifier
) -> None:
    """Re-verify the PDFs found intact; runs without the archive lock (it is slow)."""
    for record, pdf_file, sha in intact:
        pdf_where = f"{root.name}/{pdf_file.relative_to(root).as_posix()}"
        try:
            data = pdf_file.read_bytes()
        except OSError as exc:
            report.problems.append(AuditProblem(record, pdf_where, f"PDF unreadable: {exc}"))
            continue
        if _log.sha256_hex(data) != sha:
            report.problems.append(AuditProblem(record, pdf_where, "PDF changed during the audit"))
            continue
        try:
            result = verifier(data)
        except Exception as exc:  # a verifier crash is a finding, not the end of the audit
            result = (False, f"verification failed: {type(exc).__name__}: {exc}")
        ok, why = result if isinstance(result, tuple) else (bool(result), "")
        if not ok:
            report.problems.append(
                AuditProblem(
                    record, pdf_where, f"signatures do not verify{': ' + why if why else ''}"
                )
            )


def _check_unaccounted(root: Path, logged: Mapping[str, _Logged], report: AuditReport) -> None:
    known = {p for item in logged.values() for p in (item.pdf, item.json)}
    for folder, dirs, files in os.walk(root):
        if Path(folder) == root:
            dirs[:] = [d for d in dirs if d != ".index"]
        dirs.sort()
        for name in sorted(files):
            rel = (Path(folder) / name).relative_to(root).as_posix()
            if rel in known:
                continue
            why = (
                "leftover temporary file (run recover)"
                if is_temp_name(name)
                else "file not accounted for by any log line"
            )
            stem = name.rsplit(".", 1)[0]
            report.problems.append(AuditProblem(stem or None, f"{root.name}/{rel}", why))


def _check_index(
    rows: list[dict[str, Any]], logged: Mapping[str, _Logged], report: AuditReport, db_where: str
) -> None:
    seen: set[str] = set()
    for row in rows:
        record = row["id"]
        seen.add(record)
        item = logged.get(record)
        if row["state"] == "pending":
            if item is None:
                report.problems.append(
                    AuditProblem(record, db_where, "an interrupted store (run recover)")
                )
            continue
        if item is None:
            report.problems.append(
                AuditProblem(
                    record,
                    db_where,
                    "index row without a log line (added behind the log's back, or its log "
                    "line was deleted)",
                )
            )
            continue
        differences = [
            name
            for name, index_value, log_value in (
                ("sha256", row["sha256"], item.pdf_sha256),
                ("record_sha256", row["record_sha256"], item.record_sha256),
                ("pdf path", row["pdf_path"], item.pdf),
                ("json path", row["json_path"], item.json),
                ("status", row["status"], item.status),
                ("log seq", row["log_seq"], item.seq),
            )
            if index_value != log_value
        ]
        if differences:
            report.problems.append(
                AuditProblem(
                    record, db_where, f"index row disagrees with the log: {', '.join(differences)}"
                )
            )
    for record, item in logged.items():
        if record not in seen:
            report.problems.append(
                AuditProblem(record, db_where, f"logged record (seq {item.seq}) missing from index")
            )


def check_integrity(
    root: Path, log_path: Path, rows: list[dict[str, Any]], anchored: _log.Head
) -> tuple[AuditReport, list[tuple[str, Path, str]]]:
    """Everything but signatures (the caller holds the archive lock, for a consistent view);
    returns the report and the intact PDFs for :func:`check_signatures`."""
    report = AuditReport()
    prefix = root.name
    logged = _check_chain(log_path, anchored, report, f"{prefix}/.index/{log_path.name}")
    intact = _check_files(root, logged, report)
    _check_unaccounted(root, logged, report)
    _check_index(rows, logged, report, f"{prefix}/.index/archive.sqlite")
    report.checked = len(logged)
    return report, intact

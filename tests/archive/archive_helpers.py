"""Helpers of the archive tests: records that look like the workflow's, PDFs, a fixed clock."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from docflow.config import Home

HERE = Path(__file__).resolve().parent
STORER = HERE / "storer.py"
PYTHON = sys.executable

CHAMBER = "Алматы қаласының заң консультанттары палатасы"


def make_record(i: int, **overrides: Any) -> dict[str, Any]:
    """A cpd-report record as the workflow will hand it over."""
    record: dict[str, Any] = {
        "kind": "cpd-report",
        "outcome": "compliant",
        "full_name": f"Сейітқали Әсел Нұрланқызы {i}",
        "iin": f"{900415400000 + i:012d}",
        "year": 2025,
        "chamber": CHAMBER,
        "version": 1,
        "previous": None,
        "input_sha256": f"{i:064x}",
        "signers": [{"role": "consultant"}, {"role": "officer"}],
        "verdict": "compliant",
        "points": 12,
        "rule_version": "appendix2@2022-01-01",
        "template_version": "report@1",
        "events": [
            {"type": "received", "at": "2026-02-10T09:00:00Z", "actor": "watcher", "detail": ""},
            {"type": "archived", "at": "2026-02-10T09:01:00Z", "actor": "workflow", "detail": ""},
        ],
    }
    record.update(overrides)
    return record


def make_pdf(i: int, salt: str = "") -> bytes:
    """Distinct PDF-like bytes per record (the archive does not parse PDFs)."""
    body = f"%PDF-1.7\n% record {i} {salt}\n".encode() + bytes(range(256)) * 4
    return body + b"\n%%EOF\n"


class FixedClock:
    """A clock that advances one second per reading, so events are ordered and reproducible."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def log_lines(home: Home) -> list[bytes]:
    return (home.outbox / ".index" / "log.jsonl").read_bytes().splitlines(keepends=True)


def write_log(home: Home, lines: list[bytes]) -> None:
    (home.outbox / ".index" / "log.jsonl").write_bytes(b"".join(lines))

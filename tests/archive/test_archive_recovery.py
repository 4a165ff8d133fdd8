"""Recovery from damage a crash can leave: a torn log line, temporary files, a lost index."""

from __future__ import annotations

import json

from archive_helpers import log_lines, make_pdf, make_record

from docflow.archive import Archive
from docflow.config import Home


def test_a_torn_last_log_line_is_cut_on_open(filled: Archive, home: Home) -> None:
    filled.close()
    log = home.outbox / ".index" / "log.jsonl"
    with log.open("ab") as handle:
        handle.write(b'{"seq":6,"at":"2026-02-10T10:00:00Z","event":"sto')  # power cut mid-write
    with Archive(home, recover=False) as raw:
        assert any("torn line" in p.message for p in raw.audit().problems)
        assert raw.recover().torn_log_bytes == 49
    with Archive(home) as archive:
        assert archive.audit().ok
        archive.store(make_record(6), make_pdf(6), record_id="R-6")
        assert [json.loads(x)["seq"] for x in log_lines(home)] == [1, 2, 3, 4, 5, 6]
        assert archive.audit().ok


def test_leftover_temporary_files_are_named_then_removed(filled: Archive, home: Home) -> None:
    folder = filled.get("R-2025-0001").pdf_path.parent
    leftover = folder / ".R-2025-0007.pdf.1a2b3c4d5e6f.tmp"
    leftover.write_bytes(b"%PDF half")
    [problem] = filled.audit().problems
    assert "leftover temporary file" in problem.message
    assert filled.recover().temp_files_removed == [leftover.relative_to(home.outbox).as_posix()]
    assert not leftover.exists()
    assert filled.audit().ok


def test_a_lost_index_is_rebuilt_from_the_log_and_the_records(filled: Archive, home: Home) -> None:
    from datetime import UTC, datetime

    filled.set_status("R-2025-0002", "revoked", reason="key compromised",
                      at=datetime(2026, 3, 1, tzinfo=UTC))  # fmt: skip
    before = filled.all_records()
    filled.close()
    for name in ("archive.sqlite", "archive.sqlite-wal", "archive.sqlite-shm"):
        (home.outbox / ".index" / name).unlink(missing_ok=True)
    with Archive(home) as archive:
        assert archive.all_records() == before
        assert archive.search(status="revoked")[0]["id"] == "R-2025-0002"
        assert archive.audit().ok

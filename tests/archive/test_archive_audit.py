"""The audit names every kind of tampering by record id and path (issue 5)."""

from __future__ import annotations

import json

import pytest
from archive_helpers import log_lines, make_pdf, make_record, write_log

from docflow.archive import Archive, AuditReport
from docflow.config import Home
from docflow.errors import ArchiveError

LOG = "outbox/.index/log.jsonl"


def messages(report: AuditReport) -> str:
    return "\n".join(str(p) for p in report.problems)


def test_an_untouched_archive_passes(filled: Archive) -> None:
    report = filled.audit()
    assert report.ok, messages(report)
    assert report.checked == 5
    assert report.head.seq == 5
    data = report.to_json()
    assert data["ok"] is True and data["problems"] == [] and data["checked"] == 5


def test_one_edited_byte_of_a_pdf_is_named(filled: Archive, home: Home) -> None:
    path = filled.get("R-2025-0002").pdf_path
    pdf_rel = path.relative_to(home.root).as_posix()
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))

    report = filled.audit()
    assert not report.ok
    [problem] = report.problems
    assert problem.record == "R-2025-0002"
    assert problem.path == pdf_rel
    assert "PDF changed" in problem.message
    with pytest.raises(ArchiveError, match="not the archived PDF"):
        filled.pdf_bytes("R-2025-0002")


def test_a_replaced_pdf_is_named(filled: Archive) -> None:
    filled.get("R-2025-0003").pdf_path.write_bytes(make_pdf(3, salt="forged"))
    report = filled.audit()
    assert [(p.record, "PDF changed" in p.message) for p in report.problems] == [
        ("R-2025-0003", True)
    ]


def test_a_deleted_record_is_named(filled: Archive, home: Home) -> None:
    stored = filled.get("R-2025-0001")
    stored.pdf_path.unlink()
    stored.json_path.unlink()
    report = filled.audit()
    [problem] = report.problems
    assert problem.record == "R-2025-0001"
    assert problem.path == stored.pdf_path.relative_to(home.root).as_posix()
    assert "record deleted" in problem.message


def test_a_deleted_pdf_alone_is_named(filled: Archive) -> None:
    filled.get("R-2025-0004").pdf_path.unlink()
    [problem] = filled.audit().problems
    assert problem.record == "R-2025-0004" and "PDF missing" in problem.message


def test_an_edited_record_json_is_named(filled: Archive, home: Home) -> None:
    path = filled.get("R-2025-0000").json_path
    record = json.loads(path.read_text(encoding="utf-8"))
    record["outcome"] = "exempt"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    [problem] = filled.audit().problems
    assert problem.record == "R-2025-0000"
    assert problem.path == path.relative_to(home.root).as_posix()
    assert "record JSON edited" in problem.message


def test_an_edited_log_line_breaks_the_chain_there(filled: Archive, home: Home) -> None:
    lines = log_lines(home)
    entry = json.loads(lines[2])
    entry["pdf_sha256"] = "0" * 64  # someone hides a replaced PDF
    lines[2] = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
    write_log(home, lines)

    report = filled.audit()
    text = messages(report)
    assert f"{LOG}:3" in text and "was edited: hash mismatch" in text
    assert f"{LOG}:4" in text and "chain broken" in text
    assert any(p.record == "R-2025-0002" and p.path == f"{LOG}:3" for p in report.problems)


def test_a_recomputed_edited_line_is_still_caught_by_its_successor(
    filled: Archive, home: Home
) -> None:
    from docflow.archive._log import entry_hash

    lines = log_lines(home)
    entry = json.loads(lines[1])
    entry["pdf_sha256"] = "0" * 64
    entry["hash"] = entry_hash(entry)  # a careful forger fixes the line's own hash
    lines[1] = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
    write_log(home, lines)
    text = messages(filled.audit())
    assert "chain broken at log line 3 (seq 3, record R-2025-0002)" in text


def test_a_deleted_log_line_is_named(filled: Archive, home: Home) -> None:
    lines = log_lines(home)
    del lines[1]
    write_log(home, lines)
    report = filled.audit()
    text = messages(report)
    assert "seq 3 where 2 was expected" in text
    assert f"{LOG}:2" in text
    # the record whose line vanished is now unaccounted for, and its index row too
    assert any(p.record == "R-2025-0001" and "not accounted" in p.message for p in report.problems)
    assert any(p.record == "R-2025-0001" and "index row without a log line" in p.message
               for p in report.problems)  # fmt: skip


def test_a_deleted_last_log_line_is_caught_by_the_anchor(filled: Archive, home: Home) -> None:
    write_log(home, log_lines(home)[:-1])
    text = messages(filled.audit())
    assert "lines were deleted from the end of the log" in text
    # and the archive refuses to write onto a shortened log
    with pytest.raises(ArchiveError, match="log lines were removed"):
        filled.store(make_record(7), make_pdf(7), record_id="R-7")


def test_reordered_log_lines_are_named(filled: Archive, home: Home) -> None:
    lines = log_lines(home)
    lines[1], lines[2] = lines[2], lines[1]
    write_log(home, lines)
    text = messages(filled.audit())
    assert "seq 3 where 2 was expected" in text
    assert "chain broken at log line 2" in text


def test_files_nobody_logged_are_named(filled: Archive, home: Home) -> None:
    folder = filled.get("R-2025-0000").pdf_path.parent
    (folder / "R-planted.pdf").write_bytes(b"%PDF-1.7 planted")
    (home.outbox / "notes.txt").write_text("x")
    report = filled.audit()
    named = {(p.record, p.path) for p in report.problems}
    assert ("R-planted", (folder / "R-planted.pdf").relative_to(home.root).as_posix()) in named
    assert ("notes", "outbox/notes.txt") in named
    # a planted file at a future record's place blocks that store instead of being overwritten
    (folder / "R-2025-0009.pdf").write_bytes(b"%PDF-1.7 squatter")
    with pytest.raises(ArchiveError, match="exists but is not in the archive"):
        filled.store(make_record(9), make_pdf(9), record_id="R-2025-0009")
    assert filled.search(iin=make_record(9)["iin"]) == []


def test_the_verifier_rechecks_every_pdf(filled: Archive) -> None:
    bad = filled.get("R-2025-0003").sha256
    seen: list[int] = []

    def verifier(data: bytes) -> tuple[bool, str]:
        from hashlib import sha256

        seen.append(len(data))
        return sha256(data).hexdigest() != bad, "officer signature: revoked"

    report = filled.audit(verifier)
    assert len(seen) == 5
    [problem] = report.problems
    assert problem.record == "R-2025-0003"
    assert problem.message == "signatures do not verify: officer signature: revoked"


def test_a_crashing_verifier_is_a_finding(filled: Archive) -> None:
    def verifier(data: bytes) -> bool:
        raise RuntimeError("boom")

    report = filled.audit(verifier)
    assert len(report.problems) == 5
    assert all("RuntimeError: boom" in p.message for p in report.problems)


def test_an_index_row_changed_behind_the_log_is_named(filled: Archive, home: Home) -> None:
    import sqlite3

    db = sqlite3.connect(home.outbox / ".index" / "archive.sqlite")
    db.execute("UPDATE records SET status = 'revoked' WHERE id = 'R-2025-0002'")
    db.commit()
    db.close()
    [problem] = filled.audit().problems
    assert problem.record == "R-2025-0002" and "disagrees with the log: status" in problem.message


def test_get_refuses_an_edited_record_json(filled: Archive) -> None:
    path = filled.get("R-2025-0001").json_path
    path.write_text(path.read_text(encoding="utf-8").replace("compliant", "exempt"))
    with pytest.raises(ArchiveError, match="not the archived record"):
        filled.get("R-2025-0001")

"""Issue 19: the archive's tail has a witness, and a damaged index is quarantined and rebuilt.

Attacks, each on a real archive through the real `docflow archive` commands:

* delete the newest record (its PDF, its JSON and its log line) and the index, then
  `archive recover`: before, the index was rebuilt from what was left and `archive audit`
  passed; now recover refuses to lower the witnessed head and audit fails naming the record;
* delete a middle record and recompute the unkeyed chain after it: before, audit passed; now
  the witnessed line at the head is not the log's, and audit says so;
* a record the work journal says was archived is gone from the log: audit names it;
* the index overwritten with garbage: before, audit/recover/search/verify died with a traceback
  and every new store failed; now it is moved aside with a timestamp and rebuilt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from archive_helpers import log_lines, make_pdf, make_record, write_log

from docflow.archive import Archive
from docflow.archive._log import entry_hash, sha256_hex
from docflow.config import Home
from docflow.inbox.journal import Journal


def docflow(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docflow", "--home", str(home.root), *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _delete_record_files(home: Home, record_id: str) -> None:
    with Archive(home, recover=False) as arch:
        stored = arch.get(record_id)
    stored.pdf_path.unlink()
    stored.json_path.unlink()


def _delete_index(home: Home) -> None:
    for part in (home.outbox / ".index").glob("archive.sqlite*"):
        part.unlink()


def _recompute_chain(lines: list[bytes]) -> list[bytes]:
    """What an attacker who knows the format does: renumber and rehash every line."""
    out: list[bytes] = []
    prev = "0" * 64
    for seq, raw in enumerate(lines, start=1):
        entry = json.loads(raw)
        entry["seq"], entry["prev"] = seq, prev
        entry["hash"] = entry_hash(entry)
        line = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()
        prev = sha256_hex(line)
        out.append(line + b"\n")
    return out


def test_deleting_the_newest_record_and_the_index_is_named_by_audit(
    filled: Archive, home: Home
) -> None:
    filled.close()
    _delete_record_files(home, "R-2025-0004")
    write_log(home, log_lines(home)[:-1])
    _delete_index(home)

    recovered = docflow(home, "archive", "recover")
    assert recovered.returncode != 0
    assert "seq 5 (record R-2025-0004) was witnessed" in recovered.stderr
    assert "Traceback" not in recovered.stderr

    audit = docflow(home, "archive", "audit", "--no-signatures", "--json")
    assert audit.returncode == 1
    problems = json.loads(audit.stdout)["problems"]
    named = [p for p in problems if p["record"] == "R-2025-0004"]
    assert named and "newest records were deleted" in named[0]["message"]


def test_recomputing_the_chain_after_deleting_a_middle_record_is_caught(
    filled: Archive, home: Home
) -> None:
    filled.close()
    _delete_record_files(home, "R-2025-0002")
    lines = [line for line in log_lines(home) if b'"R-2025-0002"' not in line]
    write_log(home, _recompute_chain(lines))
    _delete_index(home)

    recovered = docflow(home, "archive", "recover")
    assert recovered.returncode != 0 and "witnessed" in recovered.stderr

    audit = docflow(home, "archive", "audit", "--no-signatures", "--json")
    assert audit.returncode == 1
    messages = " | ".join(p["message"] for p in json.loads(audit.stdout)["problems"])
    assert "chain recomputed" in messages
    assert "R-2025-0004" in audit.stdout  # its line is not the witnessed one any more


def test_a_forged_witness_line_does_not_check(filled: Archive, home: Home) -> None:
    filled.close()
    witness = home.outbox / ".index" / "witness.jsonl"
    lines = witness.read_bytes().splitlines(keepends=True)
    forged = json.loads(lines[-1])
    forged["seq"] = 4  # an attacker lowering the witnessed head without the key
    witness.write_bytes(b"".join(lines[:-1]) + json.dumps(forged).encode() + b"\n")
    audit = docflow(home, "archive", "audit", "--no-signatures")
    assert audit.returncode == 1 and "does not check" in audit.stdout
    assert (home.certs / "archive-witness.key").stat().st_mode & 0o077 == 0


def test_audit_cross_checks_the_work_journal(filled: Archive, home: Home) -> None:
    filled.close()
    journal = Journal(home.state / "journal.sqlite")
    journal.add("S-1", "kept.zip", "a" * 64)
    journal.update("S-1", state="archived", record="R-2025-0001", kind="cpd-report")
    journal.add("S-2", "gone.zip", "b" * 64)
    journal.update("S-2", state="archived", record="R-2025-0099", kind="cpd-report")
    journal.close()

    audit = docflow(home, "archive", "audit", "--no-signatures", "--json")

    assert audit.returncode == 1
    problems = json.loads(audit.stdout)["problems"]
    assert [p["record"] for p in problems] == ["R-2025-0099"]
    assert "gone.zip" in problems[0]["path"]


def test_a_garbage_index_is_quarantined_and_rebuilt(filled: Archive, home: Home) -> None:
    filled.close()
    index = home.outbox / ".index" / "archive.sqlite"
    for extra in index.parent.glob("archive.sqlite-*"):
        extra.unlink()
    index.write_bytes(os.urandom(8192))

    search = docflow(home, "archive", "search", "--json")
    assert search.returncode == 0, search.stderr
    assert "Traceback" not in search.stderr
    assert len(json.loads(search.stdout)) == 5
    moved = sorted(p.name for p in index.parent.glob("archive.sqlite.damaged-*"))
    assert len(moved) == 1
    audit = docflow(home, "archive", "audit", "--no-signatures")
    assert audit.returncode == 0, audit.stdout + audit.stderr

    with Archive(home) as arch:  # and new reports are archived again
        arch.store(make_record(7), make_pdf(7), record_id="R-2025-0007")
        assert len(arch.search()) == 6
    assert Path(index.parent / moved[0]).read_bytes()[:16] != b"SQLite format 3\x00"

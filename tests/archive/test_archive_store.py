"""Storing, finding and versioning records (issue 5, the archive half)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from archive_helpers import CHAMBER, log_lines, make_pdf, make_record

from docflow.archive import Archive, slugify
from docflow.config import Home
from docflow.errors import ArchiveError, UnknownRecord


def test_store_writes_pdf_and_record_in_the_readable_layout(archive: Archive, home: Home) -> None:
    stored = archive.store(make_record(1), make_pdf(1), record_id="R-2025-0001")

    folder = home.outbox / "2025" / "almaty-qalasynyn-zan-konsultanttary-palatasy" / "cpd-report"
    assert stored.pdf_path == folder / "R-2025-0001.pdf"
    assert stored.pdf_path.read_bytes() == make_pdf(1)
    on_disk = json.loads((folder / "R-2025-0001.json").read_text(encoding="utf-8"))
    assert on_disk["id"] == "R-2025-0001"
    assert on_disk["full_name"] == "Сейітқали Әсел Нұрланқызы 1"
    assert (
        on_disk["pdf"]
        == "2025/almaty-qalasynyn-zan-konsultanttary-palatasy/cpd-report/R-2025-0001.pdf"
    )
    assert on_disk["archived_at"] == "2026-02-10T09:30:01Z"
    assert len(on_disk["sha256"]) == 64
    assert on_disk["events"][0]["type"] == "received"
    assert archive.get("R-2025-0001").record == on_disk
    assert archive.pdf_bytes("R-2025-0001") == make_pdf(1)
    entry = json.loads(log_lines(home)[0])
    assert entry["event"] == "stored" and entry["record"] == "R-2025-0001" and entry["seq"] == 1
    assert entry["pdf_sha256"] == on_disk["sha256"] and entry["prev"] == "0" * 64
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temp files left


def test_hostile_chamber_and_kind_cannot_escape_the_outbox(archive: Archive, home: Home) -> None:
    record = make_record(1, chamber="../../etc/ Палата\x00<x>", kind="../../evil", year="2025")
    stored = archive.store(record, make_pdf(1), record_id="R-1")
    assert home.outbox in stored.pdf_path.parents
    assert stored.pdf_path.relative_to(home.outbox).parts == (
        "2025",
        "etc-palata-x",
        "evil",
        "R-1.pdf",
    )


@pytest.mark.parametrize("bad", ["../x", "a/b", ".hidden", "", "x" * 200, "a b", "r.tmp", "Ә-1"])
def test_unsafe_record_ids_are_refused(archive: Archive, bad: str) -> None:
    with pytest.raises(ArchiveError):
        archive.store(make_record(1), make_pdf(1), record_id=bad)
    assert archive.all_records() == []


def test_slugify_transliterates_kazakh_and_russian() -> None:
    assert (
        slugify("Палата юридических консультантов «Щит»")
        == "palata-yuridicheskikh-konsultantov-shchit"
    )
    assert slugify("ҚАЗАҚСТАН ӨҢІРІ") == "qazaqstan-oniri"
    assert slugify("!!!") == "unknown"
    assert len(slugify("Ә" * 500)) <= 60


def test_same_id_and_bytes_is_idempotent(archive: Archive, home: Home) -> None:
    first = archive.store(make_record(1), make_pdf(1), record_id="R-1")
    again = archive.store(make_record(1), make_pdf(1), record_id="R-1")
    assert again.record == first.record
    assert again.pdf_path == first.pdf_path
    assert len(log_lines(home)) == 1
    assert len(archive.all_records()) == 1


def test_a_different_pdf_for_an_existing_id_is_refused(archive: Archive, home: Home) -> None:
    archive.store(make_record(1), make_pdf(1), record_id="R-1")
    with pytest.raises(ArchiveError, match="different PDF"):
        archive.store(make_record(1), make_pdf(1, salt="other"), record_id="R-1")
    with pytest.raises(ArchiveError, match="already archived as record R-1"):
        archive.store(make_record(2), make_pdf(1), record_id="R-2")
    assert archive.pdf_bytes("R-1") == make_pdf(1)
    assert len(log_lines(home)) == 1


def test_search_is_case_insensitive_for_cyrillic(filled: Archive) -> None:
    filled.store(
        make_record(9, full_name="Ержанов Қайрат", chamber="Палата Шымкента", outcome="below_norm"),
        make_pdf(9),
        record_id="R-9",
    )
    assert [r["id"] for r in filled.search(name="әсел нұрланқызы 3")] == ["R-2025-0003"]
    assert [r["id"] for r in filled.search(name="ҚАЙРАТ")] == ["R-9"]
    assert [r["id"] for r in filled.search(name="ержанов")] == ["R-9"]
    assert len(filled.search(chamber="заң КОНСУЛЬТАНТТАРЫ")) == 5
    assert [r["id"] for r in filled.search(chamber="шымкент")] == ["R-9"]
    assert [r["id"] for r in filled.search(outcome="below_norm")] == ["R-9"]
    assert [r["id"] for r in filled.search(iin="900415400002")] == ["R-2025-0002"]
    assert len(filled.search(year=2025, kind="cpd-report")) == 6
    assert filled.search(year=2024) == []
    assert filled.search(kind="certificate") == []
    assert [r["id"] for r in filled.search(text="APPENDIX2", name="ҚАЙ")] == ["R-9"]
    assert filled.search(name="%") == []  # no LIKE wildcards
    result = filled.search(iin="900415400002")[0]
    for key in ("id", "kind", "outcome", "full_name", "iin", "year", "chamber", "version",
                "sha256", "archived_at", "status"):  # fmt: skip
        assert key in result
    assert result["status"] == "active"


def test_find_by_hashes(filled: Archive) -> None:
    record = filled.get("R-2025-0004")
    assert filled.find_by_pdf_sha256(record.sha256) == "R-2025-0004"
    assert filled.find_by_input_sha256(f"{4:064x}") == "R-2025-0004"
    assert filled.find_by_pdf_sha256("0" * 64) is None
    assert filled.find_by_input_sha256("f" * 64) is None


def test_version_chain(archive: Archive) -> None:
    archive.store(make_record(1, version=1), make_pdf(1), record_id="R-1")
    archive.store(make_record(2), make_pdf(2), record_id="R-other")  # another person
    archive.store(
        make_record(1, version=2, previous="R-1", input_sha256="a" * 64), make_pdf(1, "v2"),
        record_id="R-1-v2",
    )  # fmt: skip
    series = "cpd-report:900415400001:2025"
    chain = archive.versions(series)
    assert [(r["id"], r["version"], r["previous"]) for r in chain] == [
        ("R-1", 1, None),
        ("R-1-v2", 2, "R-1"),
    ]
    assert archive.get("R-1-v2").record["series"] == series
    assert archive.versions("cpd-report:nobody:2025") == []


def test_set_status_is_logged_and_searchable_and_leaves_the_json(
    filled: Archive, home: Home
) -> None:
    before = filled.get("R-2025-0001").json_path.read_bytes()
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    filled.set_status("R-2025-0001", "revoked", reason="signer certificate revoked", at=at)
    filled.set_status("R-2025-0001", "revoked", reason="signer certificate revoked", at=at)

    assert filled.get("R-2025-0001").json_path.read_bytes() == before
    [hit] = filled.search(status="revoked")
    assert hit["id"] == "R-2025-0001" and hit["status_reason"] == "signer certificate revoked"
    assert hit["status_at"] == "2026-03-01T12:00:00Z"
    last = json.loads(log_lines(home)[-1])
    assert (last["event"], last["status"], last["seq"]) == ("status", "revoked", 6)
    assert len(log_lines(home)) == 6  # the repeated call added nothing
    assert filled.audit().ok
    with pytest.raises(UnknownRecord):
        filled.set_status("nope", "revoked", reason="x", at=at)
    with pytest.raises(ArchiveError):
        filled.set_status("R-2025-0001", "Revoked!", reason="x", at=at)


def test_unknown_ids(archive: Archive) -> None:
    with pytest.raises(UnknownRecord):
        archive.get("R-404")
    with pytest.raises(UnknownRecord):
        archive.pdf_bytes("R-404")


def test_reopening_sees_the_same_archive(filled: Archive, home: Home) -> None:
    filled.close()
    with Archive(home) as again:
        assert [r["id"] for r in again.all_records()] == [f"R-2025-{i:04d}" for i in range(5)]
        assert again.recover().clean
        assert again.audit().ok


def test_chamber_folder_ignores_case_and_default_year(archive: Archive, home: Home) -> None:
    record = make_record(1, chamber=CHAMBER.upper())
    del record["year"]
    stored = archive.store(record, make_pdf(1), record_id="C-1")
    # Without a year the archiving year is used; the chamber slug does not depend on case.
    assert stored.pdf_path.parent.parent.name == "almaty-qalasynyn-zan-konsultanttary-palatasy"
    assert stored.pdf_path.parent.parent.parent.name == "2026"

"""The index's search (schema 2, issue 18): trigram indexes, short needles, pages, and an index
made by schema 1 upgraded in place."""

from __future__ import annotations

import sqlite3

from archive_helpers import make_pdf, make_record

from docflow.archive import Archive, _index
from docflow.config import Home


def test_trigram_search_finds_substrings_in_any_case_and_short_needles_too(filled: Archive) -> None:
    # "нұрланқызы 3" in the middle of the name, upper case (Kazakh letters fold too)
    assert [r["id"] for r in filled.search(name="НҰРЛАНҚЫЗЫ 3")] == ["R-2025-0003"]
    assert len(filled.search(name="әс")) == 5  # two letters: below a trigram, still found
    assert len(filled.search(chamber="алматы")) == 5
    assert [r["id"] for r in filled.search(text="900415400004")] == ["R-2025-0004"]
    assert filled.search(name="жоқ адам") == []
    # two trigram indexes and a short needle in one query
    assert [r["id"] for r in filled.search(name="ызы 3", chamber="алматы", text="ә")] == [
        "R-2025-0003"
    ]
    assert filled.search(name="ызы 3", chamber="астана") == []


def test_search_pages_are_ordered_slices_with_the_total(filled: Archive) -> None:
    page, total = filled.search_page(page=2, per_page=2, name="нұрлан")
    assert total == 5 and [r["id"] for r in page] == ["R-2025-0002", "R-2025-0003"]
    page, total = filled.search_page(page=3, per_page=2, kind="cpd-report")
    assert total == 5 and [r["id"] for r in page] == ["R-2025-0004"]
    assert [r["id"] for r in filled.search(limit=1, offset=1)] == ["R-2025-0001"]


def test_the_search_plan_uses_the_trigram_index_not_a_scan(filled: Archive) -> None:
    select, _, args = _index.search_sql({"name_fold": "нұрлан"}, {}, limit=50, offset=0)
    plan = " ".join(str(tuple(r)) for r in filled._db.execute(f"EXPLAIN QUERY PLAN {select}", args))
    assert "SCAN f VIRTUAL TABLE" in plan
    assert "SCAN r " not in plan and "SCAN records " not in plan


def test_a_schema_1_index_is_upgraded_and_searchable(home: Home) -> None:
    arch = Archive(home)
    arch.store(make_record(7), make_pdf(7), record_id="R-2025-0007")
    arch.close()
    # Put the index back to schema 1 (one wide records table, no trigram tables) ...
    path = home.outbox / ".index" / "archive.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    v1 = sqlite3.connect(":memory:")
    v1.execute(_index._RECORDS_V1)
    names = [r[1] for r in v1.execute("PRAGMA table_info(records)")]
    rows = db.execute(
        f"SELECT {', '.join(names)} FROM records r JOIN record_bodies b USING (id)"
    ).fetchall()
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'records_%'"
    ).fetchall():
        db.execute(f"DROP TABLE IF EXISTS {name}")
    db.execute("DROP TABLE records")
    db.execute("DROP TABLE record_bodies")
    db.execute(_index._RECORDS_V1)
    marks = ", ".join("?" * len(names))
    for row in rows:
        db.execute(f"INSERT INTO records ({', '.join(names)}) VALUES ({marks})", row)
    db.execute("PRAGMA user_version = 1")
    db.close()
    # ... and open it again: upgraded, searchable, audit clean.
    with Archive(home) as again:
        assert [r["id"] for r in again.search(name="нұрланқызы 7")] == ["R-2025-0007"]
        assert again.audit().ok
        assert again._db.execute("PRAGMA user_version").fetchone()[0] == _index.SCHEMA_VERSION

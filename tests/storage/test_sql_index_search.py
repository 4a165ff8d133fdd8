"""Paged search of the database index (issue 18): the same pages, in log order, whichever way
the query runs (through the trigram index, or walking the log order for common phrases)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from archive_helpers import make_record

from docflow.archive._sqlindex import LAZY_FROM, SqlIndex
from docflow.storage import open_database


def _rows(n: int) -> Iterator[tuple[dict[str, Any], bytes, str, str, str, int]]:
    for i in range(n):
        full = {**make_record(i), "id": f"R-{i:05d}", "sha256": f"{i:064x}",
                "archived_at": "2026-02-10T09:00:00Z", "series": f"s{i}"}  # fmt: skip
        if i % 3 == 0:
            full["note"] = "салық құқығы бойынша семинар"
        data = json.dumps(full, ensure_ascii=False).encode()
        yield full, data, hashlib.sha256(data).hexdigest(), f"{i}.pdf", f"{i}.json", i + 1


def _check(index: SqlIndex) -> None:
    index.bulk_load(_rows(3 * LAZY_FROM))
    expected = [f"R-{i:05d}" for i in range(0, 3 * LAZY_FROM, 3)]  # log order
    page, total = index.search_page(text="САЛЫҚ ҚҰҚЫҒЫ", page=3, per_page=7)
    assert total == LAZY_FROM and [r["id"] for r in page] == expected[14:21]
    page, total = index.search_page(text="салық", iin="900415400003")
    assert total == 1 and [r["id"] for r in page] == ["R-00003"]
    page, total = index.search_page(name="нұрланқызы 59", chamber="алм")  # two indexes at once
    assert total == 11 and [r["id"] for r in page][:2] == ["R-00059", "R-00590"]
    assert index.search_page(name="нұрланқызы 59", chamber="астана") == ([], 0)
    assert index.search_page(text="жоқ сөз") == ([], 0)


def test_sqlite_index_pages(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'index.sqlite'}")
    try:
        _check(SqlIndex(database))
    finally:
        database.dispose()


@pytest.mark.scale
def test_postgres_index_pages(scale_env: dict[str, str]) -> None:
    import uuid

    database = open_database(scale_env["DOCFLOW_DATABASE_URL"], schema=f"t_{uuid.uuid4().hex[:12]}")
    try:
        _check(SqlIndex(database))
    finally:
        database.drop_schema()
        database.dispose()

"""The seams without servers: ScaledArchive on ``sqlite:///`` and local blobs (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from archive_helpers import FixedClock, make_pdf, make_record
from sqlalchemy import text

from docflow.archive import Archive
from docflow.archive._scaled import ScaledArchive
from docflow.config import Home
from docflow.errors import ConfigError
from docflow.storage import StorageSettings, open_database


def _home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home").ensure()
    db = tmp_path / "index.sqlite"
    (home.root / "docflow.toml").write_text(
        f'[storage]\ndatabase = "sqlite:///{db}"\nretention_years = 30\n', encoding="utf-8"
    )
    return home


def test_storage_settings_come_from_docflow_toml_only(tmp_path: Path) -> None:
    assert not StorageSettings.from_home(tmp_path).scaled
    home = _home(tmp_path)
    settings = StorageSettings.from_home(home.root)
    assert settings.scaled and settings.retention_years == 30 and settings.objects is None
    (home.root / "docflow.toml").write_text('[storage]\nobjects = "ftp://x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="s3://"):
        StorageSettings.from_home(home.root)


def test_sqlite_url_archive_stores_searches_and_audits(tmp_path: Path) -> None:
    home = _home(tmp_path)
    with Archive(home, clock=FixedClock(datetime(2026, 2, 10, tzinfo=UTC))) as arch:
        assert isinstance(arch, ScaledArchive)
        for i in range(4):
            arch.store(make_record(i), make_pdf(i), record_id=f"R-2025-{i:04d}")
        page, total = arch.search_page(name="нұрланқызы", page=2, per_page=3)
        assert total == 4 and [r["id"] for r in page] == ["R-2025-0003"]
        assert [r["id"] for r in arch.search(name="әс", iin="900415400002")] == ["R-2025-0002"]
        assert arch.pdf_bytes("R-2025-0001") == make_pdf(1)
        assert arch.audit().ok


def test_the_log_table_refuses_update_and_the_audit_names_the_first_bad_row(
    tmp_path: Path,
) -> None:
    home = _home(tmp_path)
    with Archive(home, clock=FixedClock(datetime(2026, 2, 10, tzinfo=UTC))) as arch:
        for i in range(3):
            arch.store(make_record(i), make_pdf(i), record_id=f"R-2025-{i:04d}")
    database = open_database(f"sqlite:///{tmp_path / 'index.sqlite'}")
    with pytest.raises(Exception, match="append-only"), database.engine.begin() as conn:
        conn.execute(text("DELETE FROM archive_log WHERE seq = 3"))
    with database.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER archive_log_no_update"))
        conn.execute(text("UPDATE archive_log SET line = replace(line, '2026-02', '2025-02') "
                          "WHERE seq = 2"))  # fmt: skip
    database.dispose()
    with Archive(home) as arch:
        problems = arch.audit().problems
    assert problems[0].path == "archive_log#2" and problems[0].record == "R-2025-0001"


def test_the_scaled_archive_exports_the_same_bagit_bag(tmp_path: Path) -> None:
    import bagit

    home = _home(tmp_path)
    with Archive(home, clock=FixedClock(datetime(2026, 2, 10, tzinfo=UTC))) as arch:
        for i in range(2):
            arch.store(make_record(i), make_pdf(i), record_id=f"R-2025-{i:04d}")
        bag_dir = arch.export_bagit(tmp_path / "bag", organization="ЗКП")
        head = arch.head()
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    pdfs = sorted(p for p in bag.payload_files() if p.endswith(".pdf"))
    assert len(pdfs) == 2
    assert (bag_dir / pdfs[1]).read_bytes() == make_pdf(1)
    assert f"seq={head.seq} sha256={head.line_sha256}" in bag.info["Internal-Sender-Identifier"]
    assert (bag_dir / "data" / "log.jsonl").read_bytes().count(b"\n") == 2

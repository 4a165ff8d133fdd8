"""Issue 18: the dashboard is counted by the archive's index, and a registered chamber's search
is filtered and paged by the index's chamber id; both give what the Python way gave (every
record read, ``dashboard_rows`` and ``ChamberRegistry.chamber_of_record``), in the embedded
index, the index by URL on SQLite and on the real PostgreSQL server, before and after the
chambers migration links old free-text records, and after an older index is upgraded."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docflow.archive import Archive
from docflow.bodies import ChamberRegistry
from docflow.chambers import migrate_home
from docflow.cli import main
from docflow.config import Home
from docflow.pki.testing import minimal_pdf
from docflow.web.services import (
    ArchiveService,
    chamber_names,
    dashboard_rows,
    dashboard_rows_from_counts,
)

REPO = Path(__file__).resolve().parents[2]
KARAGANDA_KK = "Қарағанды облысының заң консультанттары палатасы"
KARAGANDA_RU = "Палата юридических консультантов Карагандинской области"
KARAGANDA_ALIAS = "Қарағанды палатасы"
OLD_NAME = "Қарағанды облыстық палатасы (ескі)"
LATER = "Жетісу облысының заң консультанттары палатасы"
UNKNOWN = "Белгісіз палата"


def _report(n: int, chamber: str | None, *, series: int | None = None, version: int = 1,
            year: int | None = 2025, **extra: Any) -> dict[str, Any]:  # fmt: skip
    record = {
        "id": f"CPD-{n:06d}", "kind": "cpd-report", "outcome": "compliant",
        "full_name": f"Тест {n}", "iin": f"85022830{n:04d}", "year": year,
        "series": f"cpd-report/{series or n}", "version": version, **extra,
    }  # fmt: skip
    if chamber is not None:
        record["chamber"] = chamber
    return record


#: A varied archive, in log order: versions (a returned report corrected later, a correction
#: of the same version stored twice, a late chain), late, exempt, below the norm, own chamber
#: ids, kk/ru/alias names, a name registered only after it was indexed, an unknown name, no
#: chamber, no year, and records that are not reports.
RECORDS = [
    _report(1, KARAGANDA_KK),
    _report(2, KARAGANDA_RU, outcome="returned"),
    _report(3, KARAGANDA_RU, series=2, version=2),  # the correction of 2: compliant
    _report(4, "Алматы", chamber_id="almaty", outcome="exempt", late=True),
    _report(5, UNKNOWN, outcome="below_norm"),
    _report(6, LATER, late=True),
    _report(7, OLD_NAME, year=2024, outcome="returned", late=True),
    _report(8, OLD_NAME, year=2024, series=7, version=2, outcome="below_norm"),
    _report(9, KARAGANDA_ALIAS, year=2024, series=7, version=2),  # same version, later: wins
    _report(10, None, year=None),
    _report(11, KARAGANDA_KK, outcome="exempt"),
    _report(12, KARAGANDA_KK, series=11, version=3, outcome="returned", late=True),
    _report(13, KARAGANDA_KK, series=11, version=2),  # older version stored later: not newest
    {
        "id": "CERT-000001",
        "kind": "certificate",
        "chamber": KARAGANDA_KK,
        "year": 2025,
        "full_name": "Сертификат",
        "iin": "850228300099",
    },
]
WAITING = [(KARAGANDA_ALIAS, 2025), (UNKNOWN.upper(), 2025), (None, None), (LATER, 2024)]


def _registry(home: Home) -> ChamberRegistry:
    chambers = ChamberRegistry(home)
    chambers.add("karaganda", kk=KARAGANDA_KK, ru=KARAGANDA_RU, aliases=[KARAGANDA_ALIAS])
    chambers.add("almaty", kk="Алматы қаласының заң консультанттары палатасы",
                 ru="Палата юридических консультантов города Алматы")  # fmt: skip
    return chambers


def _shown(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.chamber, r.year, r.chamber_id, dict(r.counts)) for r in rows]


def _check_dashboard(home: Home) -> None:
    """The dashboard's rows from the index's counts equal those from every record, for each
    reader's language and for one chamber's rows."""
    with Archive(home) as archive:
        records = archive.all_records()
        counts = archive.dashboard_counts()
    for locale in ("kk", "ru"):
        key_of, name_of = chamber_names(home, locale)
        before = dashboard_rows(records, WAITING, chamber_of=key_of, name_of=name_of)
        key_of, name_of = chamber_names(home, locale)
        after = dashboard_rows_from_counts(counts, WAITING, chamber_of=key_of, name_of=name_of)
        assert _shown(after) == _shown(before)
        for only in ("karaganda", "almaty", UNKNOWN):
            key_of, name_of = chamber_names(home, locale)
            one = dashboard_rows(records, WAITING, chamber_of=key_of, name_of=name_of, only=only)
            key_of, name_of = chamber_names(home, locale)
            sql = dashboard_rows_from_counts(counts, WAITING, chamber_of=key_of, name_of=name_of,
                                             only=only)  # fmt: skip
            assert _shown(sql) == _shown(one)


def _check_chamber_search(home: Home) -> None:
    """A registered chamber's page (by id, by any name, newest first and oldest first, every
    page) and the CLI's --chamber give the records ``chamber_of_record`` gives, in order."""
    registry = ChamberRegistry(home)
    with Archive(home) as archive:
        records = archive.all_records()
    linked = registry.linked_records()
    service = ArchiveService(home)
    try:
        for body in registry.chambers():
            mine = [r for r in records if registry.chamber_of_record(r, linked=linked) == body.id]
            expected = [r["id"] for r in mine]
            for query in (body.id, body.kk, body.ru.upper(), *body.aliases):
                found = service.search({"chamber": query})
                assert [r["id"] for r in found] == expected, query
                pages: list[str] = []
                for page in range(1, len(expected) // 2 + 2):
                    result = service.search_page({"chamber": query}, page=page, per_page=2)
                    assert result.total == len(expected)
                    pages += [r["id"] for r in result.records]
                assert pages == expected[::-1], query
                oldest = service.search_page({"chamber": query}, per_page=50, newest_first=False)
                assert [r["id"] for r in oldest.records] == expected
            with_year = service.search({"chamber": body.id, "year": "2024"})
            assert [r["id"] for r in with_year] == [r["id"] for r in mine if r["year"] == 2024]
            cli = CliRunner().invoke(
                main, ["--home", str(home.root), "archive", "search", "--chamber", body.id]
            )
            assert cli.exit_code == 0, cli.output
            listed = [line.split()[0] for line in cli.output.splitlines() if "  " in line]
            assert listed == expected
    finally:
        service.close()


def _fill(home: Home) -> None:
    with Archive(home) as archive:
        for record in RECORDS:
            archive.store(record, minimal_pdf(record["id"]), record_id=str(record["id"]))


def _phases(home: Home) -> None:
    _registry(home)
    _fill(home)
    _check_dashboard(home)
    _check_chamber_search(home)
    # A chamber registered after its records were indexed: resolved when asked.
    ChamberRegistry(home).add("zhetisu", kk=LATER, ru="Палата Жетісу")
    _check_dashboard(home)
    _check_chamber_search(home)
    # The migration links the old free-text names (and makes a chamber of the unknown one).
    report = migrate_home(home, aliases=[("karaganda", OLD_NAME)])
    assert report.records_linked >= 2
    with Archive(home) as archive:
        linked = ChamberRegistry(home).linked_records()
        assert linked["CPD-000007"] == "karaganda"
        assert (
            archive.search_page(chamber_id="karaganda", per_page=50)[1]
            == sum(1 for r in archive.all_records()
                   if ChamberRegistry(home).chamber_of_record(r) == "karaganda")
        )  # fmt: skip
    _check_dashboard(home)
    _check_chamber_search(home)


def test_issue18_dashboard_and_chamber_search_in_sql_match_python_embedded(
    tmp_path: Path,
) -> None:
    home = Home(tmp_path / "home").ensure()
    _phases(home)


def test_issue18_dashboard_and_chamber_search_in_sql_match_python_sqlite_url(
    tmp_path: Path,
) -> None:
    home = Home(tmp_path / "home").ensure()
    (home.root / "docflow.toml").write_text(
        f'[storage]\ndatabase = "sqlite:///{tmp_path / "index.sqlite"}"\n', encoding="utf-8"
    )
    _phases(home)


@pytest.fixture
def pg_home(tmp_path: Path) -> Iterator[Home]:
    """A home whose index is on the running PostgreSQL server, in a private schema."""
    base = os.environ.get("DOCFLOW_DATABASE_URL")
    if not base:
        out = subprocess.run(["bash", str(REPO / "scripts" / "scale-up.sh"), "env"],
                             capture_output=True, text=True)  # fmt: skip
        for line in out.stdout.splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            if key == "DOCFLOW_DATABASE_URL":
                base = value
    if not base:
        pytest.skip("the PostgreSQL server of scripts/scale-up.sh is not running")
    from docflow.storage import open_database

    schema = f"t_{uuid.uuid4().hex[:12]}"
    database = open_database(base, schema=schema)
    home = Home(tmp_path / "home").ensure()
    (home.root / "docflow.toml").write_text(
        f'[storage]\ndatabase = "{base}?options=-csearch_path%3D{schema}"\n', encoding="utf-8"
    )
    yield home
    database.drop_schema()
    database.dispose()


def test_issue18_dashboard_and_chamber_search_in_sql_match_python_postgres(
    pg_home: Home,
) -> None:
    _phases(pg_home)


def test_issue18_a_schema_2_index_is_upgraded_with_chamber_ids_and_counts(
    tmp_path: Path,
) -> None:
    """An embedded index from before (schema 2: no chamber id, no counts) is filled on
    opening: own chamber ids, the migration's links and registered names, and the counts."""
    home = Home(tmp_path / "home").ensure()
    registry = _registry(home)
    _fill(home)
    registry.add("zhetisu", kk=LATER, ru="Палата Жетісу")
    registry.link_record("CPD-000007", "karaganda", source_name=OLD_NAME)
    path = home.outbox / ".index" / "archive.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    for index in ("records_chamber_id", "records_chamber_text"):
        db.execute(f"DROP INDEX {index}")
    for column in ("chamber_id", "late", "newest"):
        db.execute(f"ALTER TABLE records DROP COLUMN {column}")
    db.execute("DROP TABLE dash_counts")
    db.execute("PRAGMA user_version = 2")
    db.close()
    with Archive(home) as archive:
        assert archive._db.execute("PRAGMA user_version").fetchone()[0] == 3
        ids = dict(archive._db.execute("SELECT id, chamber_id FROM records").fetchall())
        assert ids["CPD-000004"] == "almaty"  # its own
        assert ids["CPD-000007"] == "karaganda"  # the link
        assert ids["CPD-000006"] == "zhetisu"  # its name, registered since
        assert ids["CPD-000005"] is None  # nobody's name
        assert archive.audit().ok
    _check_dashboard(home)
    _check_chamber_search(home)


def _sqlite_url_home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home").ensure()
    (home.root / "docflow.toml").write_text(
        f'[storage]\ndatabase = "sqlite:///{tmp_path / "index.sqlite"}"\n', encoding="utf-8"
    )
    return home


@pytest.mark.parametrize("where", ["sqlite-url", "postgres"])
def test_issue18_an_index_at_revision_0002_is_upgraded_by_0003_and_filled_on_opening(
    where: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Revision 0003 on an index holding rows (SQLite by URL and PostgreSQL): its own chamber
    ids and lateness from the JSON, then, on the archive's first open, the migration's links
    and the names registered; the counts equal the Python way's."""
    from sqlalchemy import text

    home = (
        _sqlite_url_home(tmp_path) if where == "sqlite-url" else request.getfixturevalue("pg_home")
    )
    registry = _registry(home)
    _fill(home)
    registry.add("zhetisu", kk=LATER, ru="Палата Жетісу")
    registry.link_record("CPD-000007", "karaganda", source_name=OLD_NAME)
    with Archive(home) as archive:  # back to revision 0002: no chamber ids, no counts
        with archive.db.engine.begin() as conn:
            for index in ("archive_records_chamber_id", "archive_records_chamber_text"):
                conn.execute(text(f"DROP INDEX {index}"))
            for column in ("chamber_id", "late", "newest"):
                conn.execute(text(f"ALTER TABLE archive_records DROP COLUMN {column}"))
            conn.execute(text("DROP TABLE archive_dash_counts"))
            conn.execute(text("DROP TABLE archive_index_state"))
            conn.execute(text("UPDATE docflow_storage_version SET version_num = '0002' "
                              "WHERE version_num IN ('0003', '0004')"))  # fmt: skip
    with Archive(home) as archive:
        with archive.db.reading() as conn:
            ids = dict(conn.execute(text("SELECT id, chamber_id FROM archive_records")).all())
            late = dict(conn.execute(text("SELECT id, late FROM archive_records")).all())
        assert ids["CPD-000004"] == "almaty"  # its own
        assert ids["CPD-000007"] == "karaganda"  # the link
        assert ids["CPD-000006"] == "zhetisu"  # its name, registered since
        assert ids["CPD-000001"] == "karaganda" and ids["CPD-000005"] is None
        assert late["CPD-000004"] == 1 and late["CPD-000001"] == 0
        assert archive.audit().ok
    _check_dashboard(home)
    _check_chamber_search(home)

"""Issue 13 on the web: the dashboard groups by chamber id (one chamber filed under its kk and
ru names is one row), shows the name in the reader's language and filters by id; the archive
search finds a registered chamber's records by id, whichever name they were filed under."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docflow.archive import Archive
from docflow.bodies import ChamberRegistry
from docflow.config import Home
from docflow.pki.testing import minimal_pdf
from docflow.web.services import ArchiveService, chamber_names, dashboard_rows

KARAGANDA_KK = "Қарағанды облысының заң консультанттары палатасы"
KARAGANDA_RU = "Палата юридических консультантов Карагандинской области"


def _record(n: int, chamber: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"CPD-2025-{n:012d}", "kind": "cpd-report", "outcome": "compliant",
        "full_name": f"Тест {n}", "iin": f"85022830{n:04d}", "year": 2025, "chamber": chamber,
        "series": f"cpd-report/{n}/2025", "version": 1, **extra,
    }  # fmt: skip


def _home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home").ensure()
    chambers = ChamberRegistry(home)
    chambers.add("karaganda", kk=KARAGANDA_KK, ru=KARAGANDA_RU)
    chambers.add("almaty", kk="Алматы қаласының заң консультанттары палатасы",
                 ru="Палата юридических консультантов города Алматы")  # fmt: skip
    return home


def test_issue13_the_dashboard_has_one_row_per_chamber_id_in_the_readers_language(
    tmp_path: Path,
) -> None:
    home = _home(tmp_path)
    records = [
        _record(1, KARAGANDA_KK),
        _record(2, KARAGANDA_RU),
        _record(3, "Алматы қаласының заң консультанттары палатасы", chamber_id="almaty"),
        _record(4, "Белгісіз палата"),
    ]
    waiting = [(KARAGANDA_RU.upper(), 2025)]
    key_of, name_of = chamber_names(home, "ru")
    rows = {r.chamber_id: r for r in dashboard_rows(records, waiting, chamber_of=key_of,
                                                    name_of=name_of)}  # fmt: skip
    assert set(rows) == {"karaganda", "almaty", "Белгісіз палата"}
    assert rows["karaganda"].chamber == KARAGANDA_RU
    assert rows["karaganda"].counts["filed"] == 3 and rows["karaganda"].counts["waiting"] == 1
    assert rows["almaty"].chamber == "Палата юридических консультантов города Алматы"
    key_kk, name_kk = chamber_names(home, "kk")
    only = dashboard_rows(records, waiting, chamber_of=key_kk, name_of=name_kk, only="karaganda")
    assert [(r.chamber, r.counts["filed"]) for r in only] == [(KARAGANDA_KK, 3)]


def test_issue13_archive_search_by_chamber_id_finds_every_name(tmp_path: Path) -> None:
    home = _home(tmp_path)
    with Archive(home) as archive:
        for r in (_record(1, KARAGANDA_KK), _record(2, KARAGANDA_RU), _record(3, "Алматы")):
            archive.store(r, minimal_pdf(r["id"]), record_id=r["id"])
    service = ArchiveService(home)
    try:
        for query in ("karaganda", KARAGANDA_RU, "палата юридических консультантов карагандинской"
                      " области"):  # fmt: skip
            found = service.search({"chamber": query})
            assert sorted(r["id"] for r in found) == ["CPD-2025-000000000001",
                                                      "CPD-2025-000000000002"], query  # fmt: skip
        # Text that names no registered chamber keeps matching part of the name.
        assert [r["id"] for r in service.search({"chamber": "Алмат"})] == ["CPD-2025-000000000003"]
    finally:
        service.close()

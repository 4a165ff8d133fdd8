"""``docflow chambers migrate`` (issue 13): an existing home's free-text chamber names become
ids in one command, the signed archive is left byte for byte as it was, and the audit passes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.archive import Archive
from docflow.bodies import ChamberRegistry, OfficeRegistry
from docflow.chambers import migrate_home
from docflow.chambers._migrate import plan_chambers, suggest_id
from docflow.cli import main
from docflow.config import Home
from docflow.pki import Pki
from docflow.pki.testing import make_test_pki
from docflow.summaries.roster import Member, Roster
from docflow.summaries.store import SummaryStore

from .conftest import ALMATY_KK, KARAGANDA_KK, KARAGANDA_RU, valid_iin

COLLEGIUM_KK = "Республикалық заң консультанттары алқасы"


def _record(i: int, chamber: str, kind: str = "cpd-report") -> dict[str, object]:
    return {
        "kind": kind,
        "outcome": "compliant",
        "full_name": f"Тестов {i}",
        "iin": valid_iin(i),
        "year": 2025,
        "chamber": chamber,
        "version": 1,
        "input_sha256": f"{i:064x}",
        "signers": [{"role": "consultant"}, {"role": "officer"}],
    }


def _pdf(i: int) -> bytes:
    return f"%PDF-1.7\n% record {i}\n".encode() + bytes(range(256)) + b"\n%%EOF\n"


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".index" not in p.parts
    }


@pytest.fixture
def old_home(home: Home) -> Home:
    """A home as it was before chambers: free-text names in records and rosters, a legacy
    officer without a chamber."""
    clock = iter(datetime(2026, 2, 10, 9, m, tzinfo=UTC) for m in range(60))
    with Archive(home, clock=lambda: next(clock)) as archive:
        loose = "  палата юридических консультантов КАРАГАНДИНСКОЙ области"
        for i, chamber in enumerate([KARAGANDA_KK, KARAGANDA_RU, loose, ALMATY_KK, ALMATY_KK]):
            archive.store(_record(i, chamber), _pdf(i), record_id=f"R-2025-{i:04d}")
        archive.store(
            _record(9, COLLEGIUM_KK, "collegium-summary"), _pdf(9), record_id="collegium-2025-v1"
        )
    roster = Roster(KARAGANDA_RU, (Member("Тестов 1", valid_iin(1), datetime(2020, 1, 1).date()),))
    with SummaryStore(home) as store:
        store.save_roster(roster, source="old.csv", imported_at="2026-01-10T00:00:00")
    make_test_pki(home)
    for extra in home.state.glob("bodies.sqlite*"):  # offices were not recorded back then
        extra.unlink()
    return home


def test_migrate_turns_kk_and_ru_names_into_one_id_and_audit_passes(old_home: Home) -> None:
    before = _snapshot(old_home.outbox)
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["--home", str(old_home.root), "chambers", "migrate",
         "--alias", f"karaganda={KARAGANDA_KK}", "--alias", f"karaganda={KARAGANDA_RU}",
         "--legacy-chamber", "karaganda"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    registry = ChamberRegistry(old_home)
    chambers = {c.id: c for c in registry.chambers()}
    assert sorted(chambers) == ["almaty", "karaganda"]
    assert (chambers["karaganda"].kk, chambers["karaganda"].ru) == (KARAGANDA_KK, KARAGANDA_RU)
    assert chambers["almaty"].kk == ALMATY_KK
    assert "almaty: one name found" in result.output  # its Russian name is still to be given

    linked = registry.linked_records()
    assert {linked[f"R-2025-{i:04d}"] for i in range(3)} == {"karaganda"}
    assert {linked["R-2025-0003"], linked["R-2025-0004"]} == {"almaty"}
    assert linked["collegium-2025-v1"] == "collegium"

    # The signed archive is untouched and its audit passes.
    assert _snapshot(old_home.outbox) == before
    with Archive(old_home, recover=False) as archive:
        report = archive.audit()
        assert report.ok, report.to_json()
        assert report.checked == 6

    # Offices recorded, the legacy officer now an officer of Karaganda.
    pki = Pki(old_home)
    officer = pki.find(role="officer")
    assert officer.body == "karaganda"
    assert [o.iin for o in OfficeRegistry(old_home).offices(body="karaganda")] == [officer.iin]

    again = migrate_home(old_home)
    assert again.created == () and again.records_linked == 0
    assert again.rosters == {KARAGANDA_RU: "karaganda"}


def test_dry_run_changes_nothing(old_home: Home) -> None:
    report = migrate_home(
        old_home, aliases=[("karaganda", KARAGANDA_KK), ("karaganda", KARAGANDA_RU)], dry_run=True
    )
    assert sorted(b.id for b in report.created) == ["almaty", "karaganda"]
    assert report.records_linked == 6
    assert ChamberRegistry(old_home).chambers() == []
    assert ChamberRegistry(old_home).linked_records() == {}


def test_mapping_file_registers_chambers_first(old_home: Home, tmp_path: Path) -> None:
    mapping = tmp_path / "chambers.json"
    mapping.write_text(
        json.dumps(
            {
                "karaganda": {"kk": KARAGANDA_KK, "ru": KARAGANDA_RU},
                "almaty": {"kk": ALMATY_KK, "ru": "Палата юридических консультантов г. Алматы"},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(
        main, ["--home", str(old_home.root), "chambers", "migrate", "--map", str(mapping)]
    )
    assert result.exit_code == 0, result.output
    assert "create" not in result.output  # every name found belongs to a mapped chamber
    assert ChamberRegistry(old_home).display_name("almaty", "ru").endswith("г. Алматы")


def test_names_without_a_mapping_become_chambers_of_their_own() -> None:
    created, resolved = plan_chambers([KARAGANDA_KK, KARAGANDA_RU, KARAGANDA_KK], [], {})
    assert len(created) == 2  # nothing says they are one chamber: two, to be merged by hand
    assert resolved[KARAGANDA_KK] != resolved[KARAGANDA_RU]
    assert suggest_id(KARAGANDA_KK) == "qaragandy"
    assert suggest_id(KARAGANDA_KK, ["qaragandy"]) == "qaragandy-2"

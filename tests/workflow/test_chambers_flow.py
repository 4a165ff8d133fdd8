"""Issue 13 through the inbox: who may file a report, and who countersigns it.

- the impostor report (a real consultant's IIN, another person's name, another chamber) is
  rejected with its reason by a real ``docflow watch``;
- two chambers with an officer each: every report is countersigned by its own chamber's
  officer, as the signer certificate in the archived PDF shows;
- a chamber without a roster cannot confirm membership: the report waits for the officer.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pyhanko.pdf_utils.reader import PdfFileReader
from workflow_builders import (
    as_zip,
    docflow,
    env,
    join_roster,
    report,
    set_up_chamber,
    valid_iin,
    wait_for,
)

from docflow.archive import Archive
from docflow.bodies import ChamberRegistry
from docflow.chambers import enroll_office
from docflow.cli import main
from docflow.config import Home
from docflow.pki import Pki
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, OFFICER_IIN
from docflow.verify import verify_pdf

KARAGANDA_KK = "Қарағанды облысының заң консультанттары палатасы"
KARAGANDA_RU = "Палата юридических консультантов Карагандинской области"
KARAGANDA_OFFICER = (valid_iin(31), "Ахметов Ерлан")
KARAGANDA_MEMBER = (valid_iin(32), "Нұрланов Ерлан Бақытұлы")


def _karaganda(home: Home) -> None:
    """The second chamber: its names, its roster, its own officer."""
    set_up_chamber(home, [KARAGANDA_MEMBER], chamber_id="karaganda", kk=KARAGANDA_KK,
                   ru=KARAGANDA_RU)  # fmt: skip
    iin, name = KARAGANDA_OFFICER
    enroll_office(home, iin=iin, name=name, role="officer", chamber="karaganda")


def _signers(pdf: bytes) -> dict[str, int]:
    """Field name → serial number of the certificate that signed it."""
    reader = PdfFileReader(io.BytesIO(pdf))
    return {s.field_name: int(s.signer_cert.serial_number) for s in reader.embedded_signatures}


def _journal(home: Home) -> list[dict[str, Any]]:
    out = subprocess.run(
        docflow(home, "status", "--json"), capture_output=True, text=True, check=True, env=env()
    )
    return list(json.loads(out.stdout))


@pytest.mark.slow
def test_issue13_the_impostor_report_is_rejected_by_a_real_watch(pki_home: Home) -> None:
    """A report with the test consultant's IIN (enrolled, an Almaty member), another person's
    name and the Karaganda chamber (by its Russian name): rejected, naming both mismatches."""
    _karaganda(pki_home)
    impostor = report(full_name="Иванов Иван Иванович")
    impostor["consultant"]["chamber"] = KARAGANDA_RU
    proc = subprocess.Popen(
        docflow(pki_home, "watch", "--settle", "0.2"), env=env(), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        (pki_home.inbox / "impostor.zip").write_bytes(as_zip(impostor))
        wait_for(lambda: any(e["state"] == "rejected" for e in _journal(pki_home)), timeout=120)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    [entry] = _journal(pki_home)
    assert entry["source"] == "impostor.zip" and entry["state"] == "rejected"
    assert "not_a_member" in entry["reason"] and "certificate_name_mismatch" in entry["reason"]
    error = (pki_home.inbox / "rejected" / "impostor.zip.error.txt").read_text(encoding="utf-8")
    # Every mismatch named, in the report's language (Kazakh, issue 14).
    assert f"{CONSULTANT_IIN} «karaganda» палатасының мүшелер тізімінде жоқ" in error
    assert "кілті" in error and CONSULTANT_NAME in error and "Иванов Иван" in error
    with Archive(pki_home) as archive:
        assert archive.search() == []


def test_issue13_an_unknown_chamber_is_rejected_listing_the_known_ones(
    pki_home: Home, drop: Callable[[str, bytes], Path], workflow: Any
) -> None:
    data = report()
    data["consultant"]["chamber"] = "Атырау облысының палатасы"
    drop("atyrau.zip", as_zip(data))
    workflow.run_once()
    error = (pki_home.inbox / "rejected" / "atyrau.zip.error.txt").read_text(encoding="utf-8")
    assert "Атырау облысының палатасы" in error and "almaty" in error


def test_issue13_r46_every_report_is_countersigned_by_its_own_chambers_officer(
    pki_home: Home, drop: Callable[[str, bytes], Path], workflow: Any
) -> None:
    _karaganda(pki_home)
    member_iin, member_name = KARAGANDA_MEMBER
    Pki(pki_home).enroll(member_iin, member_name, "consultant")
    almaty = report()
    drop("almaty.zip", as_zip(almaty))
    # The Karaganda report names its chamber by the Russian name, spelt loosely.
    karaganda = report(iin=member_iin, full_name=member_name)
    karaganda["consultant"]["chamber"] = "палата юридических  консультантов карагандинской области"
    drop("karaganda.zip", as_zip(karaganda))
    workflow.run_once()

    pki = Pki(pki_home)
    officer_of = {
        "almaty": pki.find(role="officer", chamber="almaty"),
        "karaganda": pki.find(role="officer", chamber="karaganda"),
    }
    assert officer_of["almaty"].iin == OFFICER_IIN
    assert officer_of["karaganda"].iin == KARAGANDA_OFFICER[0]
    trust = pki.trust_roots()
    with Archive(pki_home) as archive:
        records = {r["source"]: r for r in archive.search(kind="cpd-report")}
        assert sorted(records) == ["almaty.zip", "karaganda.zip"]
        for source, chamber in (("almaty.zip", "almaty"), ("karaganda.zip", "karaganda")):
            record = archive.get(records[source]["id"]).record
            officer = officer_of[chamber]
            assert record["chamber_id"] == chamber
            assert record["signers"][1] == {
                "role": "officer", "name": officer.name, "iin": officer.iin,
            }  # fmt: skip
            pdf = archive.pdf_bytes(records[source]["id"])
            # The officer field of the archived PDF is signed with that chamber officer's key.
            signed = _signers(pdf)
            assert signed["officer"] == officer.serial
            consultant = pki.find(iin=record["iin"], role="consultant")
            assert signed["consultant"] == consultant.serial
            assert verify_pdf(pdf, trust_roots=trust).verdict == "valid"

    # status and archive search filter by chamber id, the chamber named by any of its names.
    cli = CliRunner()
    root = str(pki_home.root)
    out = cli.invoke(main, ["--home", root, "status", "--chamber", KARAGANDA_RU, "--json"])
    assert out.exit_code == 0, out.output
    assert [(e["source"], e["chamber"]) for e in json.loads(out.output)] == [
        ("karaganda.zip", "karaganda")
    ]
    out = cli.invoke(main, ["--home", root, "archive", "search", "--chamber", "almaty", "--json"])
    assert [r["source"] for r in json.loads(out.output)] == ["almaty.zip"]
    out = cli.invoke(main, ["--home", root, "--lang", "ru", "status"])
    assert f"[{KARAGANDA_RU}]" in out.output


def test_issue13_without_a_roster_membership_is_not_confirmed_and_the_officer_reviews(
    pki_home: Home, drop: Callable[[str, bytes], Path], workflow: Any
) -> None:
    ChamberRegistry(pki_home).add(
        "akmola",
        kk="Ақмола облысының заң консультанттары палатасы",
        ru="Палата юридических консультантов Акмолинской области",
    )
    iin, name = valid_iin(41), "Мұхамедов Дәурен"
    enroll_office(pki_home, iin=iin, name=name, role="officer", chamber="akmola")
    data = report()
    data["consultant"]["chamber"] = "akmola"
    drop("akmola.zip", as_zip(data))
    workflow.run_once()
    [entry] = workflow.journal.entries()
    assert entry.state == "review"
    assert "membership not confirmed" in (entry.reason or "")

    # Once the chamber's roster lists her, the same kind of report goes straight through.
    join_roster(pki_home, "akmola", [(CONSULTANT_IIN, CONSULTANT_NAME)])
    drop("akmola-2.zip", as_zip({**data, "submitted_on": "2026-02-06"}))
    workflow.run_once()
    states = {e.source: e.state for e in workflow.journal.entries()}
    assert states["akmola-2.zip"] == "archived"
    with Archive(pki_home) as archive:
        [record] = archive.search(kind="cpd-report")
        assert archive.get(record["id"]).record["signers"][1]["iin"] == iin


def test_issue13_a_roster_is_imported_under_its_chamber_id_and_an_unknown_one_is_rejected(
    pki_home: Home, drop: Callable[[str, bytes], Path], workflow: Any
) -> None:
    import yaml

    def roster(chamber: str) -> bytes:
        data = {"kind": "chamber-roster", "chamber": chamber, "members": [
            {"full_name": CONSULTANT_NAME, "iin": CONSULTANT_IIN, "member_since": "2019-03-01"},
        ]}  # fmt: skip
        return yaml.safe_dump(data, allow_unicode=True).encode()

    drop("almaty-ru.yaml", roster("Палата юридических консультантов города Алматы"))
    drop("atyrau.yaml", roster("Атырау облысының палатасы"))
    workflow.run_once()
    entries = {e.source: e for e in workflow.journal.entries()}
    assert entries["almaty-ru.yaml"].state == "archived"
    assert entries["almaty-ru.yaml"].chamber == "almaty"
    assert entries["atyrau.yaml"].state == "rejected"
    error = (pki_home.inbox / "rejected" / "atyrau.yaml.error.txt").read_text(encoding="utf-8")
    assert "Атырау облысының палатасы" in error and "almaty" in error

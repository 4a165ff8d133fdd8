"""Certificates attached to a report as evidence (R-7.5): a genuine one passes; forged ones are
caught — edited after signing (an incremental update, a flipped byte, stripped data), signed by
a key the chamber does not trust, signed by a trusted non-issuer, revoked, issued to someone
else, unknown to the archive, for another year, for another form."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from docflow.archive import Archive
from docflow.certificates import (
    check_evidence,
    check_evidence_issues,
    describe,
    find_certificate,
)
from docflow.cli import main
from docflow.model import CpdReport
from docflow.pki import TrustServices
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, minimal_pdf
from docflow.rules import evaluate_cpd
from docflow.sign import SignSpec, sign_pdf

from .conftest import CHAMBER, KkBatch, RuBatch, World, new_home

pytestmark = pytest.mark.slow


def report(*activities: dict[str, Any], year: int = 2025) -> CpdReport:
    return CpdReport.model_validate(
        {
            "kind": "cpd-report",
            "year": year,
            "locale": "kk",
            "consultant": {
                "full_name": CONSULTANT_NAME,
                "iin": CONSULTANT_IIN,
                "chamber": CHAMBER,
                "member_since": "2019-03-01",
            },
            "activities": list(activities),
        }
    )


def seminar(evidence: str, *, form: int = 2, on: str = "2025-03-14") -> dict[str, Any]:
    return {
        "form": form,
        "title": "Семинар",
        "organizer": CHAMBER,
        "date": on,
        "evidence": [evidence],
    }


def judge(
    world: World,
    name: str,
    pdf: bytes,
    *activities: dict[str, Any],
    year: int = 2025,
    archive: Any = None,
) -> dict[str, str]:
    """Each refused file's reasons, in English (the findings carry them as messages)."""
    acts = activities or (seminar(name),)
    found = check_evidence_issues(
        archive or world.archive,
        report(*acts, year=year),
        {name: pdf},
        trust_roots=world.trust_roots(),
    )
    return {k: "; ".join(m.text("en") for m in v) for k, v in found.items()}


def genuine_kk(world: World, kk: KkBatch, index: int = 0) -> bytes:
    return bytes(world.archive.pdf_bytes(kk.records[index]["id"]))


# --------------------------------------------------------------------------- genuine


def test_a_genuine_certificate_passes(world: World, kk_batch: KkBatch) -> None:
    assert judge(world, "evidence/seminar.pdf", genuine_kk(world, kk_batch)) == {}


def test_ordinary_evidence_is_not_judged(world: World) -> None:
    evidence = {"evidence/a.pdf": minimal_pdf("attendance sheet"), "evidence/b.jpg": b"\xff\xd8"}
    got = check_evidence(
        world.archive,
        report(seminar("evidence/a.pdf")),
        evidence,
        trust_roots=world.trust_roots(),
    )
    assert got == {}


# --------------------------------------------------------------------------- edited after signing


def test_edited_by_an_incremental_update_is_caught(world: World, kk_batch: KkBatch) -> None:
    # The consultant takes someone else's certificate and paints their own name over it.
    pdf = genuine_kk(world, kk_batch, 1)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    overlay = generic.StreamObject(
        stream_data=b"q 1 1 1 rg 50 600 500 60 re f Q BT /Helv 20 Tf 60 620 Td (FORGED) Tj ET"
    )
    writer.add_stream_to_page(0, writer.add_object(overlay))
    out = BytesIO()
    writer.write(out)
    forged = out.getvalue()
    assert forged.startswith(pdf)  # a real incremental update: the signed bytes are intact
    reason = judge(world, "evidence/seminar.pdf", forged)["evidence/seminar.pdf"]
    assert "changed after" in reason and "issued to another person" in reason
    assert "not the PDF archived" in reason


def test_a_flipped_byte_is_caught(world: World, kk_batch: KkBatch) -> None:
    pdf = bytearray(genuine_kk(world, kk_batch))
    at = pdf.find(b"LibreOffice")
    assert at > 0, "the producer string of the first revision"
    pdf[at] = ord("X")  # same length: the file still parses, the hash does not match
    reason = judge(world, "evidence/seminar.pdf", bytes(pdf))["evidence/seminar.pdf"]
    assert "does not match the issuer's signature" in reason


def test_stripping_the_embedded_data_does_not_hide_a_forgery(
    world: World, kk_batch: KkBatch
) -> None:
    pdf = genuine_kk(world, kk_batch, 1)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    root = writer.root
    names = root["/Names"]
    del names["/EmbeddedFiles"]
    writer.update_container(names)
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    stripped = out.getvalue()
    info = describe(stripped, world.archive)
    assert info is not None  # recognised by its issuer field
    reason = judge(world, "evidence/seminar.pdf", stripped)["evidence/seminar.pdf"]
    assert "changed after" in reason


# --------------------------------------------------------------------------- who signed


def _resign(unsigned: bytes, signer: Any, services: Any) -> bytes:
    spec = SignSpec(field="issuer", role="issuer", locale="ru", lock=True, lta=True)
    return sign_pdf(unsigned, spec, signer=signer, services=services.endpoints)


def _unsigned_ru_consultant(ru: RuBatch) -> bytes:
    serial = ru.result.issued[0].serial
    (path,) = [p for p in ru.workdir.glob(f"00000-{serial}.pdf")]
    return path.read_bytes()


def test_signed_by_a_key_the_chamber_does_not_trust_is_caught(
    world: World, ru_batch: RuBatch, tmp_path: Path
) -> None:
    # The very same certificate content, signed by an "issuer" of a PKI nobody enrolled here.
    home2, pki2 = new_home(tmp_path / "forger")
    with TrustServices(home2) as services:
        forged = _resign(
            _unsigned_ru_consultant(ru_batch), pki2.signer_for(role="issuer"), services
        )
    name = "evidence/talk.pdf"
    reason = judge(world, name, forged, seminar(name, form=4, on="2025-05-22"))[name]
    assert "does not trust" in reason


def test_signed_by_a_trusted_person_who_is_not_an_issuer_is_caught(
    world: World, ru_batch: RuBatch
) -> None:
    # The consultant's own chamber key is trusted, but a consultant issues no certificates.
    forged = _resign(
        _unsigned_ru_consultant(ru_batch),
        world.pki.signer_for(iin=CONSULTANT_IIN),
        world.parts.trust,
    )
    name = "evidence/talk.pdf"
    reason = judge(world, name, forged, seminar(name, form=4, on="2025-05-22"))[name]
    assert "not an issuer" in reason and "not the PDF archived" in reason


# --------------------------------------------------------------------------- the archive says no


def test_a_revoked_certificate_is_caught(world: World, ru_batch: RuBatch) -> None:
    serial = ru_batch.result.issued[0].serial
    pdf = world.archive.pdf_bytes(serial)
    name = "evidence/talk.pdf"
    activity = seminar(name, form=4, on="2025-05-22")
    assert judge(world, name, pdf, activity) == {}  # genuine until revoked
    result = CliRunner().invoke(
        main,
        [
            "--home",
            str(world.home.root),
            "certificates",
            "revoke",
            serial,
            "--reason",
            "participant left after one hour",
        ],
    )
    assert result.exit_code == 0, result.output
    record = find_certificate(world.archive, serial)
    assert record is not None and record["status"] == "revoked"
    reason = judge(world, name, pdf, activity)[name]
    assert "revoked" in reason and "left after one hour" in reason
    info = describe(pdf, world.archive)
    assert info is not None and info["revoked"] and info["revocation_reason"]


def test_a_certificate_issued_to_someone_else_is_caught(world: World, kk_batch: KkBatch) -> None:
    pdf = genuine_kk(world, kk_batch, 1)  # Жұмабаев's certificate, attached by the consultant
    reason = judge(world, "evidence/seminar.pdf", pdf)["evidence/seminar.pdf"]
    assert "issued to another person" in reason
    assert kk_batch.records[1]["iin"] not in reason  # masked


def test_a_certificate_unknown_to_the_archive_is_caught(
    world: World, kk_batch: KkBatch, tmp_path: Path
) -> None:
    other_home, _ = new_home(tmp_path / "elsewhere")
    with Archive(other_home) as elsewhere:
        reason = judge(world, "e.pdf", genuine_kk(world, kk_batch), archive=elsewhere)["e.pdf"]
    assert "unknown to this chamber's archive" in reason


def test_event_outside_the_reporting_year_is_caught(world: World, kk_batch: KkBatch) -> None:
    name = "evidence/seminar.pdf"
    reason = judge(
        world, name, genuine_kk(world, kk_batch), seminar(name, on="2024-03-14"), year=2024
    )[name]
    assert "outside the reporting year 2024" in reason


def test_form_and_points_must_match_the_activity(world: World, kk_batch: KkBatch) -> None:
    name = "evidence/seminar.pdf"
    reason = judge(world, name, genuine_kk(world, kk_batch), seminar(name, form=4))[name]
    assert "certifies form 2, but activity 1 is of form 4" in reason
    assert "worth 2 points" in reason


def test_the_rules_turn_a_refused_certificate_into_an_r75_finding(
    world: World, kk_batch: KkBatch
) -> None:
    name = "evidence/seminar.pdf"
    cpd = report(seminar(name))
    evidence = {name: genuine_kk(world, kk_batch, 1)}
    problems = check_evidence_issues(world.archive, cpd, evidence, trust_roots=world.trust_roots())
    verdict = evaluate_cpd(
        cpd, today=date(2026, 2, 10), evidence_names=set(evidence), evidence_problems=problems
    )
    r75 = [f for f in verdict.findings if f.clause == "R-7.5"]
    assert r75 and "issued to another person" in r75[0].message
    assert "другому лицу" in r75[0].text("ru")  # R-3.2e: the real reason, in each language
    assert verdict.total_points == 0

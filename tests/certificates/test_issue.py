"""Issuing: every participant gets a signed, archived certificate whose QR code (decoded from
the rendered page) carries ``<base_url>/v/<serial>``, which verifies as valid, which ``describe``
recognises, and which a second run never issues again (R-5.4)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from docflow.certificates import (
    describe,
    find_certificate,
    load_secret,
    read_embedded,
    serial_for,
)
from docflow.intake.parse import load_submission
from docflow.pki.testing import CONSULTANT_IIN
from docflow.verify import verify_pdf

from .conftest import (
    BASE_URL,
    ISSUE_DAY,
    KK_PARTICIPANTS,
    RU_PARTICIPANTS,
    KkBatch,
    RuBatch,
    World,
    decode_qr,
    issue_here,
)

pytestmark = pytest.mark.slow


def _all_records(kk: KkBatch, ru: RuBatch) -> list[dict[str, Any]]:
    return kk.records + ru.records


def test_every_participant_has_one_archived_certificate(
    kk_batch: KkBatch, ru_batch: RuBatch
) -> None:
    assert kk_batch.state == "archived", kk_batch.reason
    assert [r["full_name"] for r in kk_batch.records] == [p["full_name"] for p in KK_PARTICIPANTS]
    assert [r["iin"] for r in ru_batch.records] == [p["iin"] for p in RU_PARTICIPANTS]
    records = _all_records(kk_batch, ru_batch)
    assert len({r["serial"] for r in records}) == len(records) == 5
    for record in records:
        assert record["kind"] == "certificate" and record["outcome"] == "issued"
        assert record["id"] == record["serial"]
        assert record["verify_url"] == f"{BASE_URL}/v/{record['serial']}"
        assert record["signers"][0]["role"] == "issuer"
        assert record["issued_on"] == ISSUE_DAY.isoformat()
        assert record["year"] == 2025 and record["chamber"]
    kk, ru = kk_batch.records[0], ru_batch.records[0]
    assert (kk["form"], kk["points"], kk["locale"]) == (2, 2, "kk")  # A2-2: 2 points
    assert (ru["form"], ru["points"], ru["locale"]) == (4, 3, "ru")  # A2-4: 3 points
    assert kk["event"]["hours"] == 8


def test_serials_follow_from_the_batch_and_the_home_secret(world: World, ru_batch: RuBatch) -> None:
    secret = load_secret(world.home)
    for cert in ru_batch.result.issued:
        assert cert.serial == serial_for(secret, ru_batch.result.batch, cert.index, cert.iin)


def test_qr_code_on_every_page_is_the_verification_address(
    world: World, kk_batch: KkBatch, ru_batch: RuBatch, tmp_path: Path
) -> None:
    for record in _all_records(kk_batch, ru_batch):
        pdf = world.archive.pdf_bytes(record["id"])
        assert decode_qr(pdf, tmp_path) == [f"{BASE_URL}/v/{record['serial']}"]


def test_every_certificate_verifies_and_is_described(
    world: World, kk_batch: KkBatch, ru_batch: RuBatch
) -> None:
    for record in _all_records(kk_batch, ru_batch):
        pdf = world.archive.pdf_bytes(record["id"])
        report = verify_pdf(pdf, trust_roots=world.trust_roots())
        assert report.verdict == "valid", report.to_json()
        issuer = [s for s in report.signatures if s.field == "issuer"]
        assert issuer and issuer[0].role == "issuer" and issuer[0].timestamp is not None
        assert issuer[0].docmdp_ok is not False
        # B-LTA: a document timestamp follows the issuer's signature.
        assert len(report.signatures) >= 2
        info = describe(pdf, world.archive)
        assert info is not None
        assert info["serial"] == record["serial"] and info["known"] and info["matches_archive"]
        current = find_certificate(world.archive, record["serial"])
        assert current is not None
        assert info["revoked"] == (current["status"] == "revoked")
        assert info["participant"]["full_name"] == record["full_name"]
        masked = info["participant"]["iin"]
        assert masked == record["iin"][:4] + "******" + record["iin"][-2:]
        embedded = read_embedded(pdf)
        assert embedded is not None and embedded["serial"] == record["serial"]
        assert record["iin"] not in pdf.decode("latin-1")  # only the masked IIN travels


def test_an_ordinary_pdf_is_not_described_as_a_certificate(world: World) -> None:
    from docflow.pki.testing import minimal_pdf, pdf_with_fields

    assert describe(minimal_pdf(), world.archive) is None
    assert describe(pdf_with_fields(("consultant",)), world.archive) is None
    assert describe(b"not a pdf", world.archive) is None


def test_issuing_the_same_batch_again_issues_nothing_new(
    world: World, ru_batch: RuBatch, tmp_path: Path
) -> None:
    source = tmp_path / "again.yaml"
    records = world.archive.search(kind="certificate")
    # the same bytes as the ru batch: rebuild them from its record's batch hash
    original = next(
        p for p in ru_batch.workdir.parent.iterdir() if p.suffix == ".yaml"
    ).read_bytes()
    assert hashlib.sha256(original).hexdigest() == ru_batch.result.batch
    source.write_bytes(original)
    loaded = load_submission(source, today=ISSUE_DAY)
    again = issue_here(world.parts, loaded, tmp_path / "w")
    assert again.serials == ru_batch.result.serials
    assert again.new_count == 0
    assert len(world.archive.search(kind="certificate")) == len(records)


def test_the_consultants_certificates_are_findable_by_iin(
    world: World, kk_batch: KkBatch, ru_batch: RuBatch
) -> None:
    mine = world.archive.search(kind="certificate", iin=CONSULTANT_IIN)
    assert {r["serial"] for r in mine} >= {
        kk_batch.records[0]["serial"],
        ru_batch.records[0]["serial"],
    }


def test_describe_in_a_home_without_an_archive_writes_nothing(
    world: World, kk_batch: KkBatch, tmp_path: Path
) -> None:
    from docflow.config import Home

    elsewhere = Home(tmp_path / "no-archive")
    pdf = world.archive.pdf_bytes(kk_batch.records[0]["id"])
    info = describe(pdf, elsewhere)
    assert info is not None and info["serial"] == kk_batch.records[0]["serial"]
    assert not info["known"] and not info["revoked"]
    assert info["participant"]["iin"] == "9004******27"  # from the embedded data: masked
    assert not elsewhere.root.exists()

"""Issue 13, keys bound to roles: a signature in a role's field made with a key of another
capacity is INVALID in ``verify``, with that reason (a consultant's own report signed with his
*chair* key while the stamp says "consultant")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from docflow.bodies import ChamberRegistry, OfficeRegistry
from docflow.config import Home
from docflow.pki import Pki, TrustServices
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, OFFICER_IIN, make_test_pki
from docflow.verify import verify_pdf
from docflow.verify._validate import capacity_problem

from .conftest import SigningKit, blank_pdf, with_fields


@pytest.fixture(scope="module")
def chair_kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SigningKit]:
    """A home where the test consultant is also the Almaty chamber's chair (a second key)."""
    home = Home(tmp_path_factory.mktemp("capacity-home")).ensure()
    pki = make_test_pki(home)
    ChamberRegistry(home).add(
        "almaty",
        kk="Алматы қаласының заң консультанттары палатасы",
        ru="Палата юридических консультантов города Алматы",
    )
    pki.enroll(CONSULTANT_IIN, CONSULTANT_NAME, "chair", chamber="almaty")
    with TrustServices(home) as services:
        yield SigningKit(home, pki, services)


def _report(kit: SigningKit, consultant_role: str) -> bytes:
    base = with_fields(blank_pdf(), ("consultant", "officer"))
    pki = kit.pki
    key = pki.signer_for(CONSULTANT_IIN, consultant_role, chamber=None).signer
    first = kit.sign(base, "consultant", key)
    return kit.sign(first, "officer", pki.signer_for(OFFICER_IIN, "officer").signer, lta=True)


def test_issue13_a_consultant_field_signed_with_a_chair_key_is_invalid(
    chair_kit: SigningKit,
) -> None:
    report = verify_pdf(_report(chair_kit, "chair"), trust_roots=chair_kit.pki.trust_roots())
    assert report.verdict == "invalid"
    consultant = next(s for s in report.signatures if s.field == "consultant")
    assert consultant.verdict == "invalid"
    assert consultant.role == "chair"  # verify reports the role in the certificate
    assert any("«consultant» field was signed with a «chair» key" in r for r in consultant.reasons)
    assert any("подписано ключом «chair»" in r for r in consultant.reasons)
    officer = next(s for s in report.signatures if s.field == "officer")
    assert not any("key" in r and "field" in r for r in officer.reasons)


def test_issue13_the_same_person_signing_with_his_consultant_key_is_valid(
    chair_kit: SigningKit,
) -> None:
    report = verify_pdf(_report(chair_kit, "consultant"), trust_roots=chair_kit.pki.trust_roots())
    assert report.verdict == "valid", report.to_json()
    assert [s.role for s in report.signatures][:2] == ["consultant", "officer"]


def test_issue13_the_recorded_office_decides_over_the_certificates_claim(
    chair_kit: SigningKit,
) -> None:
    """With the home's office registry (``role_of``) the office recorded for the key counts:
    the chair key is a chair's in any field but ``chair``; a key with no docflow role claim
    (a national CA's) is not judged."""
    pki: Pki = chair_kit.pki
    chair = pki.find(CONSULTANT_IIN, "chair", "almaty")
    cert = pki.signer_for(CONSULTANT_IIN, "chair", chamber="almaty").certificate
    role_of = OfficeRegistry(chair_kit.home).role_of
    assert role_of(cert) == ("chair", "almaty"), chair
    assert capacity_problem("chair", cert, role_of) is None
    assert "«officer» field was signed with a «chair» key" in (
        capacity_problem("officer", cert, role_of) or ""
    )
    assert capacity_problem("officer", cert, lambda c: ("officer", "almaty")) is None
    assert capacity_problem("signer-1", cert) is None  # not a docflow role's field

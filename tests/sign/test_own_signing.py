"""Signatures made with the signer's own key (issue 15): prepare → outside CMS → checks →
complete (B-LTA). Real keys only: the demo PKI with its loopback TSA/OCSP/CRL, and NCA RK's
published test keys (RSA, 2018–2019) from ../shared/kz-pki."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from docflow.errors import SigningError
from docflow.pki import Pki, SignerHandle, TrustServices, load_pkcs12
from docflow.pki.testing import (
    CONSULTANT_IIN,
    CONSULTANT_NAME,
    OFFICER_IIN,
    OTHER_IIN,
    make_test_pki,
    pdf_with_fields,
)
from docflow.sign import (
    PreparedSignature,
    SignSpec,
    TrustAnchors,
    check_cms,
    complete,
    detached_cms,
    embed_cms,
    is_signing_certificate,
    prepare,
    read_cms,
)
from docflow.verify import verify_pdf

KZ_PKI = Path(__file__).resolve().parents[3] / "shared" / "kz-pki" / "ncanode-2018"
if not KZ_PKI.exists():  # the worktrees live beside the shared folder
    KZ_PKI = Path("/work/shared/kz-pki/ncanode-2018")
NCA_PASSPHRASE = b"Qwerty12"  # published test keys (../shared/kz-pki/README.md)
NCA_IIN = "123456789011"
NCA_TIME = datetime(2019, 1, 1, tzinfo=UTC)


def _cert(path: Path) -> asn1_x509.Certificate:
    data = path.read_bytes()
    try:
        c = x509.load_pem_x509_certificate(data)
    except ValueError:
        c = x509.load_der_x509_certificate(data)
    return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class Demo:
    home: Path
    pki: Pki
    services: TrustServices

    @property
    def trust(self) -> TrustAnchors:
        return TrustAnchors.from_services(self.services.endpoints)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("own") / "home"
    pki = make_test_pki(home)
    pki.enroll(OTHER_IIN, "Revoked Person DEMO", "consultant")
    pki.revoke(OTHER_IIN, "key_compromise", datetime.now(UTC) - timedelta(minutes=5))
    with TrustServices(home) as services:
        yield Demo(home, pki, services)


@pytest.fixture(scope="module")
def nca() -> dict[str, SignerHandle]:
    folder = KZ_PKI / "individual_valid"
    return {
        "sign": load_pkcs12(next(folder.glob("RSA256_*.p12")), NCA_PASSPHRASE),
        "auth": load_pkcs12(next(folder.glob("AUTH_RSA256_*.p12")), NCA_PASSPHRASE),
    }


@pytest.fixture(scope="module")
def nca_trust() -> TrustAnchors:
    # NCA's 2018 responders are not reachable from here; revocation is soft-fail for this key
    return TrustAnchors(
        roots=(_cert(KZ_PKI / "certs/root/root_rsa.crt"),),
        intermediates=(_cert(KZ_PKI / "certs/trusted/nca_rsa.crt"),),
        fetch=False,
        revocation_mode="soft-fail",
    )


def _prepared(name: str = CONSULTANT_NAME, now: datetime | None = None) -> PreparedSignature:
    return prepare(
        pdf_with_fields(), SignSpec("consultant", role="consultant"), signer_name=name, now=now
    )


# ----------------------------------------------------------------------------- NCA keys


def test_nca_rsa_signing_key_is_accepted_with_nca_roots(
    nca: dict[str, SignerHandle], nca_trust: TrustAnchors
) -> None:
    prepared = _prepared("ТЕСТОВ ТЕСТ", NCA_TIME)
    signature = detached_cms(nca["sign"].signer, prepared.signed_bytes(), signing_time=NCA_TIME)
    status = check_cms(
        signature,
        prepared,
        expected_iin=NCA_IIN,
        trust=nca_trust,
        now=NCA_TIME,
        expires=NCA_TIME + timedelta(days=1),
    )
    assert status.accepted, status.refusals
    assert status.signer_iin == NCA_IIN and status.digest_algorithm == "sha256"
    # embedded, pyHanko finds it intact and trusted as of 2019
    signed = embed_cms(prepared, status.cms_der)
    sig = PdfFileReader(BytesIO(signed)).embedded_regular_signatures[0]
    vc = ValidationContext(
        trust_roots=list(nca_trust.roots),
        other_certs=list(nca_trust.intermediates),
        moment=NCA_TIME,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    result = validate_pdf_signature(sig, vc)
    assert result.intact and result.valid and result.trusted


def test_nca_login_key_is_refused(nca: dict[str, SignerHandle], nca_trust: TrustAnchors) -> None:
    prepared = _prepared("ТЕСТОВ ТЕСТ", NCA_TIME)
    signature = detached_cms(nca["auth"].signer, prepared.signed_bytes(), signing_time=NCA_TIME)
    status = check_cms(signature, prepared, expected_iin=NCA_IIN, trust=nca_trust, now=NCA_TIME)
    assert [r.code for r in status.refusals] == ["login_key"]
    assert "кіру" in status.refusals[0].message("kk")
    assert "входа" in status.refusals[0].message("ru")


def test_signing_key_rule_on_nca_certificates(nca: dict[str, SignerHandle]) -> None:
    assert is_signing_certificate(nca["sign"].certificate)[0]
    assert not is_signing_certificate(nca["auth"].certificate)[0]
    head = KZ_PKI.parent / "ncanode-head" / "certs"
    assert is_signing_certificate(_cert(head / "individual_valid_sign_2004_rsa.cer"))[0]
    assert not is_signing_certificate(_cert(head / "individual_valid_sign_2004_rsa_auth.cer"))[0]
    assert is_signing_certificate(_cert(head / "ceo_valid_sign_2004_gost.cer"))[0]


def test_nca_key_is_refused_when_its_ca_is_not_trusted(
    nca: dict[str, SignerHandle], demo: Demo
) -> None:
    prepared = _prepared("ТЕСТОВ ТЕСТ", NCA_TIME)
    signature = detached_cms(nca["sign"].signer, prepared.signed_bytes(), signing_time=NCA_TIME)
    status = check_cms(signature, prepared, expected_iin=NCA_IIN, trust=demo.trust, now=NCA_TIME)
    assert [r.code for r in status.refusals] == ["untrusted"]


def test_nca_key_after_its_validity_is_refused(
    nca: dict[str, SignerHandle], nca_trust: TrustAnchors
) -> None:
    prepared = _prepared("ТЕСТОВ ТЕСТ")
    signature = detached_cms(nca["sign"].signer, prepared.signed_bytes())
    status = check_cms(signature, prepared, expected_iin=NCA_IIN, trust=nca_trust)
    assert "cert_expired" in [r.code for r in status.refusals]


# ----------------------------------------------------------------------------- demo PKI


def test_demo_key_is_accepted_and_completes_to_b_lta(demo: Demo) -> None:
    prepared = _prepared()
    signer = demo.pki.signer_for(iin=CONSULTANT_IIN)
    signature = detached_cms(signer.signer, prepared.signed_bytes(), signing_time=datetime.now(UTC))
    status = check_cms(signature, prepared, expected_iin=CONSULTANT_IIN, trust=demo.trust)
    assert status.accepted, status.refusals
    signed = complete(prepared, status.cms_der, services=demo.services.endpoints)
    reader = PdfFileReader(BytesIO(signed))
    assert DocumentSecurityStore.read_dss(reader) is not None
    assert len(reader.embedded_timestamp_signatures) == 1  # document timestamp: B-LTA
    report = verify_pdf(signed, trust_roots=demo.pki.trust_roots())
    # issue 19: the consultant's signature is valid; the report awaits the officer's
    assert report.valid_so_far and report.awaiting == ("officer",), report.to_json()
    first = report.signatures[0]
    assert first.field == "consultant" and first.iin == CONSULTANT_IIN
    assert first.timestamp is not None  # the signature timestamp complete added


def test_two_own_signatures_then_locked(demo: Demo, caplog: pytest.LogCaptureFixture) -> None:
    first = prepare(
        pdf_with_fields(), SignSpec("consultant", role="consultant"), signer_name=CONSULTANT_NAME
    )
    consultant = demo.pki.signer_for(iin=CONSULTANT_IIN)
    cms1 = detached_cms(consultant.signer, first.signed_bytes(), signing_time=datetime.now(UTC))
    after_first = complete(first, cms1, services=demo.services.endpoints)
    with caplog.at_level(logging.WARNING, logger="pyhanko"):
        second = prepare(
            after_first, SignSpec("officer", role="officer", lock=True), signer_name="Officer"
        )
    # The locking field is prepared asking "no changes" as the held path does, not "fill
    # forms" that pyHanko overrides with a warning on the user's console.
    assert not [r for r in caplog.records if "DocMDP" in r.getMessage()]
    officer = demo.pki.signer_for(role="officer")
    cms2 = detached_cms(officer.signer, second.signed_bytes(), signing_time=datetime.now(UTC))
    assert check_cms(cms2, second, expected_iin=OFFICER_IIN, trust=demo.trust).accepted
    final = complete(second, cms2, services=demo.services.endpoints)
    report = verify_pdf(final, trust_roots=demo.pki.trust_roots())
    assert report.verdict == "valid", report.to_json()
    assert [s.iin for s in report.signatures if s.iin] == [CONSULTANT_IIN, OFFICER_IIN]


def test_another_persons_key_is_refused(demo: Demo) -> None:
    prepared = _prepared()
    officer = demo.pki.signer_for(role="officer")
    signature = detached_cms(
        officer.signer, prepared.signed_bytes(), signing_time=datetime.now(UTC)
    )
    status = check_cms(signature, prepared, expected_iin=CONSULTANT_IIN, trust=demo.trust)
    assert [r.code for r in status.refusals] == ["wrong_person"]
    assert OFFICER_IIN in status.refusals[0].message("kk")


def test_revoked_key_is_refused(demo: Demo) -> None:
    prepared = _prepared("Revoked Person DEMO")
    e = next(e for e in demo.pki.enrolments() if e.iin == OTHER_IIN)
    assert e.passphrase_path is not None
    revoked = load_pkcs12(e.p12_path, e.passphrase_path.read_bytes().strip())
    signature = detached_cms(
        revoked.signer, prepared.signed_bytes(), signing_time=datetime.now(UTC)
    )
    status = check_cms(signature, prepared, expected_iin=OTHER_IIN, trust=demo.trust)
    assert [r.code for r in status.refusals] == ["revoked"]


def test_signature_over_other_bytes_is_refused(demo: Demo) -> None:
    prepared = _prepared()
    signer = demo.pki.signer_for(iin=CONSULTANT_IIN)
    other = _prepared(now=datetime.now(UTC) + timedelta(minutes=1))  # a different stamp time
    assert other.sha256 != prepared.sha256
    signature = detached_cms(signer.signer, other.signed_bytes())
    status = check_cms(signature, prepared, expected_iin=CONSULTANT_IIN, trust=demo.trust)
    assert [r.code for r in status.refusals] == ["other_bytes"]
    with pytest.raises(SigningError):  # the request stays open: nothing is embedded by check
        PreparedSignature.from_metadata(prepared.metadata(), other.pdf)


def test_signature_over_the_digest_as_data_is_refused(demo: Demo) -> None:
    prepared = _prepared()
    signer = demo.pki.signer_for(iin=CONSULTANT_IIN)
    signature = detached_cms(signer.signer, prepared.digest())  # digest sent as if it were data
    status = check_cms(signature, prepared, expected_iin=CONSULTANT_IIN, trust=demo.trust)
    assert [r.code for r in status.refusals] == ["digest_of_digest"]
    # NCALayer's digested:true with the digest as data yields the right messageDigest
    right = detached_cms(signer.signer, prepared.digest(), digested=True)
    assert check_cms(right, prepared, expected_iin=CONSULTANT_IIN, trust=demo.trust).accepted


def test_tampered_signature_value_is_refused(demo: Demo) -> None:
    prepared = _prepared()
    signer = demo.pki.signer_for(iin=CONSULTANT_IIN)
    info = cms.ContentInfo.load(detached_cms(signer.signer, prepared.signed_bytes()))
    value = bytearray(info["content"]["signer_infos"][0]["signature"].native)
    value[10] ^= 0xFF
    info["content"]["signer_infos"][0]["signature"] = bytes(value)
    status = check_cms(
        info.dump(force=True), prepared, expected_iin=CONSULTANT_IIN, trust=demo.trust
    )
    assert [r.code for r in status.refusals] == ["bad_signature"]


def test_expired_request_and_garbage_are_refused(demo: Demo) -> None:
    prepared = _prepared()
    signer = demo.pki.signer_for(iin=CONSULTANT_IIN)
    signature = detached_cms(signer.signer, prepared.signed_bytes())
    past = datetime.now(UTC) - timedelta(seconds=1)
    status = check_cms(
        signature, prepared, expected_iin=CONSULTANT_IIN, trust=demo.trust, expires=past
    )
    assert [r.code for r in status.refusals] == ["request_expired"]
    garbage = check_cms(b"not a cms", prepared, expected_iin=CONSULTANT_IIN, trust=demo.trust)
    assert [r.code for r in garbage.refusals] == ["malformed"]
    pem = (
        b"-----BEGIN CMS-----\n"
        + __import__("base64").encodebytes(signature)
        + b"-----END CMS-----\n"
    )
    assert check_cms(pem, prepared, expected_iin=CONSULTANT_IIN, trust=demo.trust).accepted


def test_prepared_signature_survives_a_restart(tmp_path: Path, demo: Demo) -> None:
    prepared = _prepared()
    prepared.save(tmp_path / "req")
    again = PreparedSignature.load(tmp_path / "req")
    assert again == prepared
    data = bytearray((tmp_path / "req" / "prepared.pdf").read_bytes())
    data[100] ^= 1
    (tmp_path / "req" / "prepared.pdf").write_bytes(bytes(data))
    with pytest.raises(SigningError):
        PreparedSignature.load(tmp_path / "req")


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils missing")
def test_pdfsig_judges_an_own_signature_valid(demo: Demo, tmp_path: Path) -> None:
    prepared = _prepared()
    signer = demo.pki.signer_for(iin=CONSULTANT_IIN)
    signature = detached_cms(signer.signer, prepared.signed_bytes(), signing_time=datetime.now(UTC))
    signed = complete(prepared, signature, services=demo.services.endpoints)
    path = tmp_path / "own.pdf"
    path.write_bytes(signed)
    out = subprocess.run(
        ["pdfsig", str(path)], capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}
    ).stdout
    first = out.split("Signature #2")[0]
    assert "adbe.pkcs7.detached" in first
    assert "Signature is Valid." in first


def test_der_ending_in_a_whitespace_byte_is_read_as_is() -> None:
    # found by the bench: a CMS whose DER ends in 0x0a/0x20 lost its last byte to strip()
    der = bytes.fromhex("3003020120")  # SEQUENCE { INTEGER 32 }
    assert read_cms(der) == der
    assert read_cms(b"  " + __import__("base64").b64encode(der) + b"\n") == der

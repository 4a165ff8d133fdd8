"""A GOST-2015-signed PDF (detached CMS through pyHanko's interrupted signing path, a GOST TSA,
GOST-signed OCSP answers and CRLs in the DSS) judged by ``docflow verify`` with the GOST test
PKI in the home's trust list: VALID, and INVALID once one signed byte changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.cli import main
from docflow.trust import TrustStore, parse_certificate
from tests.gost.gost_pki import SIGNER_IIN, GostPki
from tests.verify.conftest import blank_pdf

pytestmark = pytest.mark.slow  # signs PDFs with pyHanko

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def gost_pki() -> GostPki:
    return GostPki.build(AT)


@pytest.fixture(scope="module")
def gost_pdf(gost_pki: GostPki) -> bytes:
    return gost_pki.sign_pdf(blank_pdf("GOST report 2026"))


@pytest.fixture
def home(tmp_path: Path, gost_pki: GostPki) -> Path:
    store = TrustStore(tmp_path / "certs")
    store.add(gost_pki.root.cert.dump(), name="GOST test root")
    store.add(gost_pki.ca.cert.dump(), name="GOST test CA")
    return tmp_path


def _verify(home: Path, pdf: bytes, *extra: str) -> tuple[int, dict]:
    path = home / "report.pdf"
    path.write_bytes(pdf)
    result = CliRunner().invoke(main, ["--home", str(home), "verify", "--json", str(path), *extra])
    return result.exit_code, json.loads(result.output)


def test_gost_signed_pdf_is_valid_with_the_gost_pki_in_the_trust_list(
    home: Path, gost_pdf: bytes
) -> None:
    code, report = _verify(home, gost_pdf)
    assert report["verdict"] == "valid", report
    assert code == 0
    (signature,) = report["signatures"]
    assert signature["algorithm"] == "GOST 34.10-2015 512 / Streebog-512"
    assert signature["iin"] == SIGNER_IIN
    assert signature["trusted"] and signature["revocation"] == "good"
    assert signature["timestamp"].startswith("2026-06-01T12:00")
    assert signature["signed_at"].startswith("2026-06-01T11:59:55")


def test_gost_signed_pdf_without_the_trust_list_is_not_valid(
    tmp_path: Path, gost_pdf: bytes
) -> None:
    code, report = _verify(tmp_path, gost_pdf)
    assert report["verdict"] == "indeterminate"
    assert code == 1


def test_gost_signed_pdf_with_one_signed_byte_changed_is_invalid(
    home: Path, gost_pdf: bytes
) -> None:
    marker = b"GOST report 2026"
    at = gost_pdf.index(marker)
    tampered = gost_pdf[:at] + b"G0ST" + gost_pdf[at + 4 :]
    code, report = _verify(home, tampered)
    assert report["verdict"] == "invalid", report
    assert code == 1
    assert not report["signatures"][0]["intact"]


def test_gost_crl_listing_the_signer_makes_the_signature_invalid(
    home: Path, gost_pki: GostPki
) -> None:
    pdf = gost_pki.sign_pdf(blank_pdf("GOST report 2026"), signer_revoked_by_crl=True)
    code, report = _verify(home, pdf)
    (signature,) = report["signatures"]
    assert signature["revocation"] == "revoked", report  # the GOST-signed CRL was checked
    assert report["verdict"] == "invalid"
    assert code == 1


def test_a_gost_34310_2004_signature_is_indeterminate_with_its_algorithm_named(
    home: Path, kz_pki: Path
) -> None:
    """The old NCA algorithm has no Python implementation: never VALID, never a crash."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.signers.pdf_cms import ExternalSigner

    cert = parse_certificate(
        (kz_pki / "ncanode-head" / "certs" / "ceo_valid_sign_2004_gost.cer").read_bytes()
    )
    assert cert["signature_algorithm"]["algorithm"].dotted == "1.2.398.3.10.1.1.1.2"
    signer = ExternalSigner(
        signing_cert=cert,
        cert_registry=None,
        signature_value=bytes(64),
        signature_mechanism=cert["signature_algorithm"],
    )
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(blank_pdf("old GOST")), strict=False),
        signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256"),
        signer=signer,
    )
    code, report = _verify(home, out.getvalue())
    (signature,) = report["signatures"]
    assert signature["verdict"] == "indeterminate"
    assert signature["algorithm"] == "GOST 34.310-2004 / GOST 34.311-95"
    assert "GOST 34.310-2004" in signature["reasons"][0]
    assert report["verdict"] == "indeterminate"
    assert code == 1

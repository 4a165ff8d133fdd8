"""A PDF signed with NCA RK's published RSA test key (../shared/kz-pki, «ТЕСТОВ ТЕСТ»,
IIN123456789011), judged as of 2019-01-01 with the NCA test roots in the home's trust list."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from docflow.cli import main
from docflow.trust import TrustStore
from tests.verify.conftest import blank_pdf

pytestmark = pytest.mark.slow  # signs PDFs with pyHanko

KZ_PKI = Path(__file__).resolve().parents[2].parent / "shared" / "kz-pki"
OLD = KZ_PKI / "ncanode-2018"
ROOT_RSA = OLD / "certs" / "root" / "root_rsa.crt"
NCA_RSA = OLD / "certs" / "trusted" / "nca_rsa.crt"


def _nca_signed_pdf() -> bytes:
    (p12,) = sorted((OLD / "individual_valid").glob("RSA256_*.p12"))
    # Legacy PKCS#12 encryption (RC2/3DES): pyca reads it without OpenSSL's legacy provider.
    key, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), b"Qwerty12")
    assert key is not None and cert is not None
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(p.read_bytes()) for p in (NCA_RSA, ROOT_RSA)]
        ),
    )
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(blank_pdf("NCA RSA report")), strict=False),
        signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256"),
        signer=signer,
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def nca_pdf() -> bytes:
    return _nca_signed_pdf()


def _verify(home: Path, pdf: bytes) -> dict:
    path = home / "nca.pdf"
    path.write_bytes(pdf)
    result = CliRunner().invoke(
        main, ["--home", str(home), "verify", "--json", "--at", "2019-01-01T12:00:00Z", str(path)]
    )
    return json.loads(result.output)


def test_nca_rsa_signature_chains_to_the_nca_test_roots_in_the_trust_list(
    tmp_path: Path, nca_pdf: bytes
) -> None:
    store = TrustStore(tmp_path / "certs")
    store.add(ROOT_RSA.read_bytes(), name="NCA root RSA (test)")
    store.add(NCA_RSA.read_bytes(), name="NCA RSA (test)")
    report = _verify(tmp_path, nca_pdf)
    (signature,) = report["signatures"]
    assert signature["signer"] == "ТЕСТОВ ТЕСТ"
    assert signature["iin"] == "123456789011"  # SERIALNUMBER=IIN123456789011
    assert signature["role"] == "signer"
    assert signature["algorithm"] == "RSA / SHA-256"
    assert signature["intact"] and signature["trusted"]
    # NCA's 2019 CRL and OCSP answers are not in the test material, and docflow requires
    # revocation data for a VALID verdict: what remains open is said, nothing else.
    assert signature["revocation"] == "unknown"
    assert report["verdict"] == "indeterminate"
    assert signature["reasons"] == [
        "no OCSP response or CRL is available to show that the signer's certificate was not revoked"
    ]


def test_nca_rsa_signature_without_the_trust_list_is_not_trusted(
    tmp_path: Path, nca_pdf: bytes
) -> None:
    report = _verify(tmp_path, nca_pdf)
    (signature,) = report["signatures"]
    assert signature["intact"] and not signature["trusted"]
    assert report["verdict"] == "indeterminate"


def test_nca_rsa_signature_after_the_certificate_expired_is_not_trusted(
    tmp_path: Path, nca_pdf: bytes
) -> None:
    store = TrustStore(tmp_path / "certs")
    store.add(ROOT_RSA.read_bytes(), name="root")
    store.add(NCA_RSA.read_bytes(), name="ca")
    path = tmp_path / "nca.pdf"
    path.write_bytes(nca_pdf)
    result = CliRunner().invoke(
        main,
        ["--home", str(tmp_path), "verify", "--json", "--at", "2020-01-01T00:00:00Z", str(path)],
    )
    report = json.loads(result.output)
    assert not report["signatures"][0]["trusted"]  # valid 2018-08-22 → 2019-08-22
    assert report["verdict"] != "valid"

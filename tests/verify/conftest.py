"""Fixtures for verify: a real demo PKI with its loopback TSA/OCSP/CRL, and PDFs signed with
pyHanko directly (consultant, then officer; timestamps, DSS, a final document timestamp).

Signing here does not use docflow.sign on purpose: verify must judge files it did not make, and
the tests must not depend on the signing module's choices.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from docflow.config import Home
from docflow.pki import Pki, SignerHandle, TrustServices
from docflow.pki.testing import CONSULTANT_IIN, OFFICER_IIN, make_test_pki
from tests.support.pdfs import blank_pdf, with_fields


@dataclass
class SigningKit:
    home: Home
    pki: Pki
    services: TrustServices

    def handle(self, iin: str) -> SignerHandle:
        return self.pki.signer_for(iin=iin)

    def vc(self) -> ValidationContext:
        return ValidationContext(
            trust_roots=self.pki.trust_roots(),
            other_certs=self.pki.chain(),
            allow_fetching=True,
        )

    def sign(
        self,
        pdf: bytes,
        field: str,
        signer: signers.Signer,
        *,
        lta: bool = False,
        embed_revinfo: bool = True,
        timestamp: bool = True,
    ) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name=field,
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=embed_revinfo,
            validation_context=self.vc() if embed_revinfo else None,
            use_pades_lta=lta,
        )
        tsa = timestamps.HTTPTimeStamper(self.services.tsa_url) if timestamp else None
        out = signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer, timestamper=tsa
        )
        return out.getvalue()

    def sign_both(self, pdf: bytes | None = None) -> bytes:
        """The report as docflow issues it: consultant, then officer, then B-LTA."""
        base = with_fields(pdf or blank_pdf(), ("consultant", "officer"))
        first = self.sign(base, "consultant", self.handle(CONSULTANT_IIN).signer)
        return self.sign(first, "officer", self.handle(OFFICER_IIN).signer, lta=True)


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SigningKit]:
    home = Home(tmp_path_factory.mktemp("verify-home")).ensure()
    pki = make_test_pki(home)
    with TrustServices(home) as services:
        yield SigningKit(home, pki, services)


@pytest.fixture(scope="session")
def signed_twice(kit: SigningKit) -> bytes:
    return kit.sign_both()


@pytest.fixture(scope="session")
def signed_twice_file(signed_twice: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signed") / "report-signed.pdf"
    path.write_bytes(signed_twice)
    return path


@dataclass(frozen=True)
class StrangerCa:
    """A CA nobody trusts, issuing a docflow-looking signer certificate."""

    signer: signers.SimpleSigner
    root: asn1_x509.Certificate


def outside_ca(ca_name: str, subject: list[x509.NameAttribute]) -> StrangerCa:
    """A CA of its own (not docflow's) and one signer certificate it issues with ``subject``."""
    now = datetime.now(UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name)])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca)
        .issuer_name(ca)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subject))
        .issuer_name(ca)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )

    def der(c: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    pkey = keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    simple = signers.SimpleSigner(
        signing_cert=der(cert),
        signing_key=pkey,
        cert_registry=SimpleCertificateStore.from_certs([der(ca_cert)]),
    )
    return StrangerCa(simple, der(ca_cert))


@pytest.fixture(scope="session")
def stranger() -> StrangerCa:
    return outside_ca(
        "Stranger Root CA",
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Impostor Officer"),
            x509.NameAttribute(NameOID.TITLE, "officer"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN" + OFFICER_IIN),
        ],
    )

"""Building the demo PKI's certificates and CRLs with ``cryptography`` (no I/O here)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: Every demo certificate says so in its subject: nobody may mistake it for a real one.
DEMO_ORGANIZATION = "docflow DEMO — not for real use"
DEMO_UNIT = "Demonstration only / Тек демонстрация үшін"


@dataclass(frozen=True)
class Issuer:
    """A CA able to sign: its certificate and private key."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


@dataclass(frozen=True)
class ServiceUrls:
    """Where the loopback services answer; baked into every certificate's AIA/CRL DP."""

    base_url: str

    @property
    def ocsp(self) -> str:
        return f"{self.base_url}/ocsp"

    @property
    def tsa(self) -> str:
        return f"{self.base_url}/tsa"

    def crl(self, ca: str) -> str:
        return f"{self.base_url}/crl/{ca}.crl"

    def ca_cert(self, ca: str) -> str:
        return f"{self.base_url}/certs/{ca}.crt"


def new_key(bits: int) -> rsa.RSAPrivateKey:
    # RSA keeps PDF 1.7 (ECDSA makes pyHanko mark the file PDF 2.0, which breaks PDF/A).
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def demo_name(
    common_name: str,
    *,
    serial: str | None = None,
    title: str | None = None,
    body: str | None = None,
) -> x509.Name:
    """A demo subject; ``title`` is the signing role, ``body`` the id of the chamber (or
    ``collegium``) the office is held in, as a second organizationalUnitName."""
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANIZATION),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_UNIT),
    ]
    if body is not None:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, body))
    if title is not None:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title))
    if serial is not None:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _builder(
    subject: x509.Name,
    issuer_name: x509.Name,
    public_key: rsa.RSAPublicKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        # 159 random bits: positive, unique, unpredictable (CA/B baseline asks >= 64).
        .serial_number(secrets.randbits(159) | 1)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _issued_by(builder: x509.CertificateBuilder, issuer: Issuer) -> x509.CertificateBuilder:
    return builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
        critical=False,
    )


def _key_usage(*, sign: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _revocation_pointers(
    builder: x509.CertificateBuilder, urls: ServiceUrls, ca: str, *, ocsp: bool
) -> x509.CertificateBuilder:
    access = [
        x509.AccessDescription(
            x509.AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier(urls.ca_cert(ca)),
        )
    ]
    if ocsp:
        access.insert(
            0,
            x509.AccessDescription(
                x509.AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier(urls.ocsp),
            ),
        )
    return builder.add_extension(
        x509.AuthorityInformationAccess(access), critical=False
    ).add_extension(
        x509.CRLDistributionPoints(
            [
                x509.DistributionPoint(
                    full_name=[x509.UniformResourceIdentifier(urls.crl(ca))],
                    relative_name=None,
                    reasons=None,
                    crl_issuer=None,
                )
            ]
        ),
        critical=False,
    )


def make_root(key: rsa.RSAPrivateKey, now: datetime) -> x509.Certificate:
    name = demo_name("docflow DEMO Root CA")
    builder = (
        _builder(
            name, name, key.public_key(), now - timedelta(days=730), now + timedelta(days=7300)
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
    )
    return builder.sign(key, hashes.SHA256())


def make_issuing_ca(
    key: rsa.RSAPrivateKey, root: Issuer, urls: ServiceUrls, now: datetime
) -> x509.Certificate:
    builder = _builder(
        demo_name("docflow DEMO Issuing CA"),
        root.certificate.subject,
        key.public_key(),
        now - timedelta(days=730),
        now + timedelta(days=3650),
    )
    builder = _issued_by(builder, root)
    builder = builder.add_extension(
        x509.BasicConstraints(ca=True, path_length=0), critical=True
    ).add_extension(_key_usage(ca=True), critical=True)
    # The root has no OCSP responder: its CRL covers the issuing CA.
    builder = _revocation_pointers(builder, urls, "root-ca", ocsp=False)
    return builder.sign(root.key, hashes.SHA256())


def make_leaf(
    public_key: rsa.RSAPublicKey,
    subject: x509.Name,
    issuer: Issuer,
    urls: ServiceUrls,
    now: datetime,
    *,
    purpose: str,
    days: int = 1095,
) -> x509.Certificate:
    """A certificate for a person (``purpose="signer"``), the TSA or the OCSP responder.

    Validity starts a year back so that tests on a fixed clock and the wall clock both fall
    inside it.
    """
    builder = _builder(
        subject,
        issuer.certificate.subject,
        public_key,
        now - timedelta(days=365),
        now + timedelta(days=days),
    )
    builder = _issued_by(builder, issuer)
    builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
    builder = builder.add_extension(_key_usage(sign=True), critical=True)
    if purpose == "tsa":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    elif purpose == "ocsp":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False
        ).add_extension(x509.OCSPNoCheck(), critical=False)
    elif purpose == "signer":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
    else:  # pragma: no cover - programming error
        raise ValueError(purpose)
    if purpose != "ocsp":
        builder = _revocation_pointers(builder, urls, "issuing-ca", ocsp=True)
    return builder.sign(issuer.key, hashes.SHA256())


@dataclass(frozen=True)
class RevokedEntry:
    serial: int
    at: datetime
    reason: x509.ReasonFlags


def make_crl(
    issuer: Issuer, revoked: Iterable[RevokedEntry], now: datetime, *, number: int
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(now - timedelta(minutes=1))
        .next_update(now + timedelta(days=7))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    for entry in revoked:
        item = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(entry.at)
            .add_extension(x509.CRLReason(entry.reason), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(item)
    return builder.sign(issuer.key, hashes.SHA256())

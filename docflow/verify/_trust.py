"""Trust anchors for verify: loading certificates and finding a docflow home's own CA."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from asn1crypto import pem, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives.serialization import Encoding

from docflow.errors import ConfigError


def to_asn1(cert: Any) -> x509.Certificate:
    """An asn1crypto certificate from asn1crypto, cryptography, or DER/PEM bytes."""
    if isinstance(cert, x509.Certificate):
        return cert
    if isinstance(cert, cx509.Certificate):
        return x509.Certificate.load(cert.public_bytes(Encoding.DER))
    if isinstance(cert, bytes | bytearray):
        certs = list(_load_all(bytes(cert)))
        if len(certs) != 1:
            raise ConfigError(f"expected one certificate, found {len(certs)}")
        return certs[0]
    raise TypeError(f"not a certificate: {type(cert).__name__}")


def _load_all(data: bytes) -> Iterable[x509.Certificate]:
    if pem.detect(data):
        for type_name, _, der in pem.unarmor(data, multiple=True):
            if type_name == "CERTIFICATE":
                yield x509.Certificate.load(der)
    else:
        yield x509.Certificate.load(data)


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate in a PEM (possibly a bundle) or DER file."""
    try:
        data = path.read_bytes()
        certs = list(_load_all(data))
        for cert in certs:
            cert.native  # noqa: B018 -- parse fully now, so a broken file fails here
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a readable certificate: {exc}") from exc
    if not certs:
        raise ConfigError(f"{path}: holds no certificate")
    return certs


def home_ca_certificates(certs_dir: Path) -> tuple[list[x509.Certificate], list[x509.Certificate]]:
    """The demo PKI's CA certificates in a home's ``certs/``: (self-signed anchors, others).

    The PKI module may name its files as it likes (``root-ca.pem``, ``ca.crt``, …); what makes
    a file an anchor is that it holds a self-signed CA certificate. Issuing CAs found beside it
    are not anchors; they only help path building.
    """
    anchors: list[x509.Certificate] = []
    intermediates: list[x509.Certificate] = []
    if not certs_dir.is_dir():
        return anchors, intermediates
    seen: set[bytes] = set()
    candidates = sorted(
        p
        for pattern in ("*.pem", "*.crt", "*.cer", "*.der")
        for p in certs_dir.rglob(pattern)
        if "ca" in p.name.lower() and p.is_file() and p.parent.name != "trust"
    )
    for path in candidates:
        try:
            certs = load_certificates(path)
        except ConfigError:
            continue  # a key or CSR with a CA-like name is not an anchor
        for cert in certs:
            if not cert.ca or cert.sha256 in seen:
                continue
            seen.add(cert.sha256)
            if cert.self_signed in ("maybe", "yes"):
                anchors.append(cert)
            else:
                intermediates.append(cert)
    return anchors, intermediates


def home_trust_anchors(certs_dir: Path) -> list[x509.Certificate]:
    """Only the self-signed CA certificates of ``home_ca_certificates``."""
    return home_ca_certificates(certs_dir)[0]

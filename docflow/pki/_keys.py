"""Loading signing keys (PKCS#12 incl. legacy RC2-40, PKCS#11 tokens) into pyHanko signers.

Loading an RSA key costs ~40 ms (OpenSSL checks the key) and pyHanko's ``SimpleSigner``
re-parses its key on every signature, so loaded keys are kept per process here and the signer
holds the parsed key. It also keeps its signing-certificate-v2 attribute (RFC 5035), which
depends only on its certificate: pyHanko builds it anew for every signature, and asn1crypto
then re-serialises the copied issuer name, ~35 ms of CPU per signature.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign import pkcs11
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from docflow.errors import PkiError

#: A chamber id or ``collegium`` (``docflow.bodies.check_body_id``).
_BODY_ID = re.compile(r"[a-z][a-z0-9-]{1,31}")

#: Environment variable holding a PKCS#12 passphrase (never passed on the command line).
PASSPHRASE_ENV = "DOCFLOW_KEY_PASSPHRASE"
#: Environment variable naming a file that holds the passphrase.
PASSPHRASE_FILE_ENV = "DOCFLOW_KEY_PASSPHRASE_FILE"
#: Environment variable holding a PKCS#11 user PIN.
PIN_ENV = "DOCFLOW_PKCS11_PIN"


class _OnceSigningCertificateV2(SigningCertificateV2Provider):
    """pyHanko's signing-certificate-v2 provider, built once per certificate and then served
    from its DER (a parsed value is dumped as it was read, with no re-serialisation)."""

    def __init__(self, signing_cert: asn1_x509.Certificate, cache: dict[str, bytes]):
        super().__init__(signing_cert)
        self._cache = cache

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        der = self._cache.get("der")
        if der is None:
            der = self._cache["der"] = (await super().build_attr_value(dry_run)).dump()
        return tsp.SigningCertificateV2.load(der)


class _CachedKeySigner(SimpleSigner):
    """A ``SimpleSigner`` that keeps the parsed ``cryptography`` key instead of re-loading it,
    and its signing-certificate-v2 attribute."""

    def __init__(self, key: rsa.RSAPrivateKey, **kwargs: Any) -> None:
        self._pyca_key = key
        self._attr_cache: dict[str, bytes] = {}
        super().__init__(**kwargs)

    # A private pyHanko hook: listed in docflow/render/_pyhanko_compat.py, checked by a test.
    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Iterable[CMSAttributeProvider]:
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if type(provider) is SigningCertificateV2Provider:
                provider = _OnceSigningCertificateV2(provider.signing_cert, self._attr_cache)
            yield provider

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo == "rsassa_pkcs1v15":
            return self._pyca_key.sign(
                data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm)
            )
        return super().sign_raw(data, digest_algorithm)  # rare: PSS etc., slow path is fine


@dataclass(frozen=True)
class SignerHandle:
    """A ready-to-use signer and who it is (from the certificate's subject)."""

    signer: Signer
    certificate: asn1_x509.Certificate
    name: str
    role: str | None
    iin: str | None
    source: str = field(default="pkcs12", compare=False)

    @classmethod
    def for_signer(cls, signer: Signer, source: str) -> SignerHandle:
        cert = signer.signing_cert
        if cert is None:
            raise PkiError("the signer has no certificate")
        return cls(signer, cert, *subject_identity(cert), source=source)


def subject_identity(cert: asn1_x509.Certificate) -> tuple[str, str | None, str | None]:
    """(common name, role from ``title``, IIN from ``serialNumber="IIN…"``)."""
    subject = cert.subject.native
    serial = str(subject.get("serial_number") or "")
    iin = serial[3:] if serial.upper().startswith("IIN") else None
    title = subject.get("title")
    return str(subject.get("common_name") or ""), (str(title) if title else None), iin


def subject_office(cert: asn1_x509.Certificate) -> tuple[str | None, str | None]:
    """(role from ``title``, body id from an ``organizationalUnitName`` that is a body id).

    A claim of the certificate's face; the office actually recorded for it is
    ``docflow.bodies.OfficeRegistry.role_of``.
    """
    subject = cert.subject.native
    title = subject.get("title")
    if isinstance(title, list):
        title = title[0] if title else None
    units = subject.get("organizational_unit_name") or []
    if isinstance(units, str):
        units = [units]
    body = next((u for u in units if _BODY_ID.fullmatch(str(u))), None)
    return (str(title) if title else None), body


def resolve_passphrase(stored: Path | None = None) -> bytes:
    """The passphrase: the stored demo file if any, else ``$DOCFLOW_KEY_PASSPHRASE``, else the
    file named by ``$DOCFLOW_KEY_PASSPHRASE_FILE``."""
    if stored is not None and stored.exists():
        return stored.read_bytes().strip()
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value.encode("utf-8")
    path = os.environ.get(PASSPHRASE_FILE_ENV)
    if path:
        try:
            return Path(path).read_bytes().strip()
        except OSError as exc:
            raise PkiError(
                f"cannot read the passphrase file named by {PASSPHRASE_FILE_ENV}"
            ) from exc
    raise PkiError(f"no passphrase: set {PASSPHRASE_ENV} or {PASSPHRASE_FILE_ENV}")


_cache: dict[tuple[str, int, int, str], SignerHandle] = {}
_cache_lock = threading.Lock()


def load_pkcs12(
    path: Path, passphrase: bytes, *, chain: Iterable[asn1_x509.Certificate] = ()
) -> SignerHandle:
    """Load a PKCS#12 file (modern AES or legacy RC2-40/3DES) once per process.

    The cache key includes the file's mtime and size, so a re-enrolled key is picked up.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise PkiError(f"no key file {path.name}") from exc
    # The passphrase's digest is part of the key: a wrong passphrase never gets a cached key.
    key = (
        str(path.resolve()),
        stat.st_mtime_ns,
        stat.st_size,
        hashlib.sha256(passphrase).hexdigest(),
    )
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        private_key, cert, extra = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)
    except ValueError as exc:
        # Never echo the passphrase; the message says only what failed.
        raise PkiError(f"{path.name}: wrong passphrase or unreadable PKCS#12") from exc
    if private_key is None or cert is None:
        raise PkiError(f"{path.name}: PKCS#12 holds no key or no certificate")
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise PkiError(f"{path.name}: only RSA keys are supported (PDF/A needs PDF 1.7)")
    der = serialization.Encoding.DER
    signing_cert = asn1_x509.Certificate.load(cert.public_bytes(der))
    others = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in extra]
    others.extend(chain)
    key_info = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    signer = _CachedKeySigner(
        private_key,
        signing_cert=signing_cert,
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs(others),
    )
    handle = SignerHandle.for_signer(signer, "pkcs12")
    with _cache_lock:
        _cache[key] = handle
    return handle


def load_pkcs11(
    lib: str,
    *,
    token_label: str,
    key_label: str,
    cert_label: str | None = None,
    pin: str | None = None,
    chain: Iterable[asn1_x509.Certificate] = (),
) -> SignerHandle:
    """Open a session on a PKCS#11 token (e.g. SoftHSM2, a Kazpost/NCA token) and sign with it.

    The PIN comes from the argument or ``$DOCFLOW_PKCS11_PIN``. The session stays open for the
    life of the process (the handle is meant to be cached by its caller).
    """
    user_pin = pin if pin is not None else os.environ.get(PIN_ENV)
    try:
        session = pkcs11.open_pkcs11_session(
            lib, token_criteria=TokenCriteria(label=token_label), user_pin=user_pin
        )
        signer = pkcs11.PKCS11Signer(
            session,
            key_label=key_label,
            cert_label=cert_label or key_label,
            ca_chain=list(chain),
        )
        handle = SignerHandle.for_signer(signer, "pkcs11")
    except PkiError:
        raise
    except Exception as exc:  # python-pkcs11 raises its own tree; one plain error for callers
        raise PkiError(f"PKCS#11 token {token_label!r}: {type(exc).__name__}: {exc}") from exc
    return handle

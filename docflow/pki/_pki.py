"""The demo PKI kept in a home's ``certs/``: root CA → issuing CA → TSA, OCSP responder, people.

Layout (all private keys in PKCS#12 with a passphrase, files 0600)::

    certs/pki.json              registry: service URL, every issued certificate (with its role and
                                body), revocations
    certs/pki-passphrase        the demo CA/service keys' passphrase (0600)
    certs/root-ca.pem|.p12      root CA (self-signed)
    certs/issuing-ca.pem|.p12   issuing CA (signs people, TSA, OCSP responder)
    certs/tsa.pem|.p12          RFC 3161 timestamp authority
    certs/ocsp.pem|.p12         delegated OCSP responder (ocsp-nocheck)
    certs/crl/root-ca.crl, certs/crl/issuing-ca.crl
    certs/people/<IIN>-<role>.pem|.p12|.pass

A person holds one key per office: role (consultant, officer, issuer, chair, collegium_chair)
and body (the chamber id, ``collegium``, or none for a consultant). Each enrolment is also
recorded as an office in the bodies' store (``docflow.bodies.OfficeRegistry``:
``.docflow/bodies.sqlite``, or the shared ``[storage] database`` of a scaled-out home), which
``verify`` asks for the capacity a certificate signs in.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from docflow.bodies._offices import ROLES as ROLES
from docflow.bodies._offices import OfficeRegistry, check_office
from docflow.config import Home
from docflow.errors import NotEnrolled, PkiError
from docflow.iin import validate_iin
from docflow.pki import _x509
from docflow.pki._keys import SignerHandle, load_pkcs12, resolve_passphrase
from docflow.pki._revcache import REVOCATION_CACHE

DEFAULT_PORT = 8089
#: The officer enrolled by ``init`` (a valid demo IIN: 1980-01-01, male, checksum 6).
DEMO_OFFICER_IIN = "800101300006"
DEMO_OFFICER_NAME = "Демо Офицер (DEMO)"

REVOCATION_REASONS = {flag.value: flag for flag in x509.ReasonFlags} | {
    flag.name: flag for flag in x509.ReasonFlags
}

_registry_lock = threading.RLock()


@dataclass(frozen=True)
class Enrolment:
    """One person's signing certificate as recorded in ``pki.json``."""

    iin: str
    name: str
    role: str
    serial: int
    cert_path: Path
    p12_path: Path
    passphrase_path: Path | None
    revoked_at: datetime | None
    revocation_reason: str | None
    #: The chamber id (or ``collegium``) the office is held in; ``None`` for a consultant
    #: enrolled without one, or an office enrolled before chambers existed.
    body: str | None = None

    @property
    def live(self) -> bool:
        return self.revoked_at is None


def _write_private(path: Path, data: bytes) -> None:
    """Write a secret so that it is never readable by others, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _write_public(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _check_iin(iin: str) -> None:
    if not (len(iin) == 12 and iin.isdigit()):
        raise PkiError(f"IIN must be 12 digits, got {iin!r}")
    problems = validate_iin(iin)
    if problems:
        raise PkiError(f"IIN {iin}: {'; '.join(problems)}")


class Pki:
    """The demo PKI of one home. Cheap to construct; ``init()`` makes the files."""

    def __init__(self, home: Home | Path | str, *, key_size: int = 3072) -> None:
        root = home.root if isinstance(home, Home) else Path(home)
        self.root = root
        self.certs = root / "certs"
        self.key_size = key_size
        #: (the registry file's inode, mtime, size) and the enrolments read from it.
        self._read: tuple[tuple[int, int, int], tuple[Enrolment, ...]] | None = None

    # ------------------------------------------------------------------ files
    @property
    def registry_path(self) -> Path:
        return self.certs / "pki.json"

    @property
    def root_cert_path(self) -> Path:
        return self.certs / "root-ca.pem"

    @property
    def issuing_cert_path(self) -> Path:
        return self.certs / "issuing-ca.pem"

    def exists(self) -> bool:
        """A complete PKI is there (a half-made one, e.g. after a crash, does not count)."""
        try:
            return bool(self._registry().get("complete"))
        except (PkiError, ValueError):
            return False

    def _registry(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.registry_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise PkiError(f"no demo PKI in {self.certs}: run `docflow pki init`") from exc
        return data

    def _save_registry(self, data: dict[str, Any]) -> None:
        _write_public(
            self.registry_path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        )

    @contextmanager
    def _editing(self) -> Iterator[dict[str, Any]]:
        with _registry_lock:
            data = self._registry()
            yield data
            self._save_registry(data)

    @property
    def base_url(self) -> str:
        return str(self._registry()["base_url"])

    @property
    def urls(self) -> _x509.ServiceUrls:
        return _x509.ServiceUrls(self.base_url)

    def _ca_passphrase(self) -> bytes:
        return (self.certs / "pki-passphrase").read_bytes().strip()

    def _save_key(
        self,
        path: Path,
        key: rsa.RSAPrivateKey,
        cert: x509.Certificate,
        passphrase: bytes,
        chain: list[x509.Certificate] | None = None,
    ) -> None:
        data = pkcs12.serialize_key_and_certificates(
            name=path.stem.encode(),
            key=key,
            cert=cert,
            cas=chain,
            encryption_algorithm=serialization.BestAvailableEncryption(passphrase),
        )
        _write_private(path, data)

    def _load_issuer(self, name: str) -> _x509.Issuer:
        key, cert, _ = pkcs12.load_key_and_certificates(
            (self.certs / f"{name}.p12").read_bytes(), self._ca_passphrase()
        )
        assert isinstance(key, rsa.RSAPrivateKey) and cert is not None
        return _x509.Issuer(cert, key)

    def load_service_key(self, name: str) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        """The TSA's or OCSP responder's certificate and key (for ``TrustServices``)."""
        issuer = self._load_issuer(name)
        return issuer.certificate, issuer.key

    # ------------------------------------------------------------------ init
    def init(
        self, *, port: int = DEFAULT_PORT, host: str = "127.0.0.1", now: datetime | None = None
    ) -> bool:
        """Make the demo PKI unless it is already there. Returns whether anything was made.

        ``port``/``host`` fix where ``TrustServices`` will listen: every certificate's AIA and
        CRL distribution point names that address, so it is recorded in ``pki.json``.
        """
        if self.exists():
            return False
        now = now or datetime.now(UTC)
        self.certs.mkdir(parents=True, exist_ok=True)
        passphrase = secrets.token_urlsafe(24).encode()
        _write_private(self.certs / "pki-passphrase", passphrase)
        urls = _x509.ServiceUrls(f"http://{host}:{port}")

        root_key = _x509.new_key(self.key_size)
        root = _x509.Issuer(_x509.make_root(root_key, now), root_key)
        ca_key = _x509.new_key(self.key_size)
        ca = _x509.Issuer(_x509.make_issuing_ca(ca_key, root, urls, now), ca_key)
        tsa_key = _x509.new_key(2048)
        tsa = _x509.make_leaf(
            tsa_key.public_key(),
            _x509.demo_name("docflow DEMO TSA"),
            ca,
            urls,
            now,
            purpose="tsa",
            days=3650,
        )
        ocsp_key = _x509.new_key(2048)
        ocsp = _x509.make_leaf(
            ocsp_key.public_key(),
            _x509.demo_name("docflow DEMO OCSP responder"),
            ca,
            urls,
            now,
            purpose="ocsp",
            days=3650,
        )
        for name, key, cert in (
            ("root-ca", root_key, root.certificate),
            ("issuing-ca", ca_key, ca.certificate),
            ("tsa", tsa_key, tsa),
            ("ocsp", ocsp_key, ocsp),
        ):
            self._save_key(self.certs / f"{name}.p12", key, cert, passphrase)
            _write_public(self.certs / f"{name}.pem", _pem(cert))
        registry: dict[str, Any] = {
            "format": 1,
            "demo": "docflow DEMO PKI — not for real use",
            "base_url": urls.base_url,
            "created": now.isoformat(),
            "complete": False,
            "services": {"tsa": str(tsa.serial_number), "ocsp": str(ocsp.serial_number)},
            "people": [],
        }
        self._save_registry(registry)
        self.write_crls(now)
        self.enroll(DEMO_OFFICER_IIN, DEMO_OFFICER_NAME, "officer", now=now)
        # Marked complete last: a half-made PKI is made again by the next init, never used.
        with self._editing() as reg:
            reg["complete"] = True
        return True

    # ------------------------------------------------------------------ people
    def enrolments(self) -> list[Enrolment]:
        """Every enrolment, oldest first. Read again whenever the registry file changed (it is
        replaced whole on every change, by this process or another); a signing process asks
        ~9 times per report, which no longer parses the file each time."""
        try:
            info = self.registry_path.stat()
            stamp: tuple[int, int, int] | None = (info.st_ino, info.st_mtime_ns, info.st_size)
        except FileNotFoundError:
            stamp = None
        read = self._read
        if stamp is not None and read is not None and read[0] == stamp:
            return list(read[1])
        out = self._read_enrolments()
        if stamp is not None:
            self._read = (stamp, tuple(out))
        return out

    def _read_enrolments(self) -> list[Enrolment]:
        out = []
        for p in self._registry()["people"]:
            revoked = p.get("revoked")
            out.append(
                Enrolment(
                    iin=p["iin"],
                    name=p["name"],
                    role=p["role"],
                    serial=int(p["serial"]),
                    cert_path=self.certs / p["cert"],
                    p12_path=self.certs / p["p12"],
                    passphrase_path=(self.certs / p["passphrase"]) if p.get("passphrase") else None,
                    revoked_at=datetime.fromisoformat(revoked["at"]) if revoked else None,
                    revocation_reason=revoked["reason"] if revoked else None,
                    body=p.get("body"),
                )
            )
        return out

    def live_enrolments(self) -> list[Enrolment]:
        """Enrolments whose certificate is not revoked, oldest first."""
        return [e for e in self.enrolments() if e.live]

    @property
    def offices(self) -> OfficeRegistry:
        return OfficeRegistry(self.root)

    def enroll(
        self,
        iin: str,
        name: str,
        role: str = "consultant",
        *,
        chamber: str | None = None,
        now: datetime | None = None,
        out: Path | None = None,
    ) -> Enrolment:
        """Issue a signing certificate and PKCS#12 for a person's office (idempotent per IIN,
        role and body) and record the office.

        ``chamber`` is the chamber id the office is held in (already resolved: see
        ``docflow.bodies.ChamberRegistry``); ``collegium_chair`` is always of ``collegium``.
        The certificate's subject carries the role (``title``) and the body (a second
        ``organizationalUnitName``). The passphrase is ``$DOCFLOW_KEY_PASSPHRASE`` (or the
        file named by ``$DOCFLOW_KEY_PASSPHRASE_FILE``) when set — then it is not stored —
        otherwise a generated one is stored beside the key, 0600 (demo only). With ``out`` the
        PKCS#12 is written there for the person to keep (the passphrase must come from the
        environment) and docflow keeps only the certificate: the person signs with their own
        key.
        """
        _check_iin(iin)
        body = check_office(role, chamber)
        if not name.strip():
            raise PkiError("a name is required")
        for e in self.live_enrolments():
            if e.iin == iin and e.role == role and e.body == body:
                return e
            if e.iin == iin and e.role == role == "consultant" and e.body is None and body:
                # A consultant's key made before his chamber was known: now it is.
                return self.assign_body(e.serial, body)
        now = now or datetime.now(UTC)
        ca = self._load_issuer("issuing-ca")
        key = _x509.new_key(2048)
        subject = _x509.demo_name(name.strip(), serial=f"IIN{iin}", title=role, body=body)
        cert = _x509.make_leaf(key.public_key(), subject, ca, self.urls, now, purpose="signer")
        stem = f"people/{iin}-{role}-{cert.serial_number % 10**6:06d}"
        try:
            passphrase = resolve_passphrase(None)
            pass_rel: str | None = None
        except PkiError:
            if out is not None:
                raise
            passphrase = secrets.token_urlsafe(18).encode()
            pass_rel = f"{stem}.pass"
            _write_private(self.certs / pass_rel, passphrase)
        key_path = out if out is not None else self.certs / f"{stem}.p12"
        self._save_key(key_path, key, cert, passphrase, [ca.certificate])
        _write_public(self.certs / f"{stem}.pem", _pem(cert))
        with self._editing() as reg:
            reg["people"].append(
                {
                    "iin": iin,
                    "name": name.strip(),
                    "role": role,
                    "serial": str(cert.serial_number),
                    "cert": f"{stem}.pem",
                    "p12": f"{stem}.p12",
                    "passphrase": pass_rel,
                    "own_key": out is not None,
                    "issued": now.isoformat(),
                    "revoked": None,
                    "body": body,
                }
            )
        self.offices.record(
            cert, iin=iin, name=name.strip(), role=role, body=body,
            serial=cert.serial_number, since=now,
        )  # fmt: skip
        return next(e for e in self.enrolments() if e.serial == cert.serial_number)

    def sync_offices(self) -> int:
        """Record the office of every enrolment that has none yet (a home enrolled before
        offices were recorded); returns how many were added."""
        offices = self.offices
        known = {o.serial for o in offices.offices(live=False)}
        added = 0
        for e in self.enrolments():
            if str(e.serial) in known:
                continue
            cert = x509.load_pem_x509_certificate(e.cert_path.read_bytes())
            offices.record(
                cert, iin=e.iin, name=e.name, role=e.role, body=e.body, serial=e.serial,
                since=cert.not_valid_before_utc,
            )  # fmt: skip
            if e.revoked_at is not None:
                offices.end(e.serial, at=e.revoked_at, reason=e.revocation_reason or "")
            added += 1
        return added

    def assign_body(self, serial: int, body: str) -> Enrolment:
        """Give an office enrolled before chambers existed (no body) its chamber.

        Its certificate keeps its subject; the registry and the office record say the body.
        """
        with self._editing() as reg:
            entry = next((p for p in reg["people"] if int(p["serial"]) == serial), None)
            if entry is None:
                raise NotEnrolled(f"no certificate with serial {serial:x}")
            if entry.get("body") not in (None, body):
                raise PkiError(f"certificate {serial:x} is already of {entry['body']}")
            entry["body"] = check_office(entry["role"], body)
        self.offices.assign_body(serial, body)
        return next(e for e in self.enrolments() if e.serial == serial)

    def revoke(
        self,
        iin: str,
        reason: str = "unspecified",
        at: datetime | None = None,
        *,
        role: str | None = None,
    ) -> list[Enrolment]:
        """Revoke every live certificate of a person (or only the one for ``role``).

        ``at`` may lie in the past (a key compromised before it was noticed). The CRL file is
        rewritten and the running ``TrustServices`` answer from the registry, so both see it.
        """
        if reason not in REVOCATION_REASONS:
            raise PkiError(f"unknown revocation reason {reason!r}")
        flag = REVOCATION_REASONS[reason]
        at = at or datetime.now(UTC)
        done = []
        with self._editing() as reg:
            for p in reg["people"]:
                if p["iin"] == iin and (role is None or p["role"] == role) and not p["revoked"]:
                    p["revoked"] = {"at": at.isoformat(), "reason": flag.value}
                    done.append(int(p["serial"]))
        if not done:
            raise NotEnrolled(f"no live certificate for IIN {iin}")
        for serial in done:
            self.offices.end(serial, at=at, reason=flag.value)
        self.write_crls()
        REVOCATION_CACHE.clear()  # this process signs with fresh answers from now on
        return [e for e in self.enrolments() if e.serial in done]

    def revoked(self) -> dict[int, tuple[datetime, x509.ReasonFlags]]:
        """Serial → (revocation time, reason) for every revoked certificate of the issuing CA."""
        out = {}
        for e in self.enrolments():
            if e.revoked_at is not None:
                out[e.serial] = (e.revoked_at, REVOCATION_REASONS[e.revocation_reason or ""])
        return out

    def issued_serials(self) -> set[int]:
        reg = self._registry()
        return {int(p["serial"]) for p in reg["people"]} | {
            int(s) for s in reg["services"].values()
        }

    def build_crl(self, ca_name: str, now: datetime | None = None) -> bytes:
        """A freshly signed CRL (DER) of the root CA or the issuing CA."""
        now = now or datetime.now(UTC)
        issuer = self._load_issuer(ca_name)
        entries = []
        if ca_name == "issuing-ca":
            entries = [
                _x509.RevokedEntry(serial, at, reason)
                for serial, (at, reason) in self.revoked().items()
            ]
        number = int(now.timestamp())  # monotonic enough for a demo, and needs no state
        crl = _x509.make_crl(issuer, entries, now, number=number)
        return crl.public_bytes(serialization.Encoding.DER)

    def write_crls(self, now: datetime | None = None) -> None:
        for name in ("root-ca", "issuing-ca"):
            _write_public(self.certs / "crl" / f"{name}.crl", self.build_crl(name, now))

    # ------------------------------------------------------------------ using keys
    def trust_roots(self) -> list[asn1_x509.Certificate]:
        return [asn1_x509.Certificate.load(self._der(self.root_cert_path))]

    def chain(self) -> list[asn1_x509.Certificate]:
        """The intermediate certificates a signer sends along."""
        return [asn1_x509.Certificate.load(self._der(self.issuing_cert_path))]

    @staticmethod
    def _der(path: Path) -> bytes:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        return cert.public_bytes(serialization.Encoding.DER)

    def find(
        self, iin: str | None = None, role: str | None = None, chamber: str | None = None
    ) -> Enrolment:
        """The newest live enrolment matching the IIN, role and chamber given.

        A person may hold several keys (one per office): name the ``role`` to get the key of
        that capacity, never another one of the same person.
        """
        if iin is None and role is None:
            raise PkiError("name an IIN or a role")
        live = [
            e
            for e in self.live_enrolments()
            if (iin is None or e.iin == iin)
            and (role is None or e.role == role)
            and (chamber is None or e.body == chamber)
        ]
        if not live:
            who = " ".join(x for x in (f"IIN {iin}" if iin else "", role or "", chamber or "") if x)
            raise NotEnrolled(f"{who} has no signing key: run `docflow pki enroll` first")
        return live[-1]

    def officers_of(self, chamber_id: str) -> list[Enrolment]:
        """The live officers of a chamber, oldest first (several are allowed)."""
        return [e for e in self.live_enrolments() if e.role == "officer" and e.body == chamber_id]

    def issuers_of(self, chamber_id: str) -> list[Enrolment]:
        """The live certificate issuers of a chamber, oldest first."""
        return [e for e in self.live_enrolments() if e.role == "issuer" and e.body == chamber_id]

    def chair_of(self, body_id: str) -> Enrolment:
        """The chair of a chamber, or of the Collegium for ``collegium`` (the newest live)."""
        role = "collegium_chair" if body_id == "collegium" else "chair"
        return self.find(role=role, chamber=body_id)

    def signer_for(
        self, iin: str | None = None, role: str | None = None, *, chamber: str | None = None
    ) -> SignerHandle:
        """A loaded signer for a person in one capacity (cached per process: keys are loaded
        once). ``signer_for(iin, "consultant")`` is that person's consultant key even when he
        also holds a chair's key."""
        e = self.find(iin, role, chamber)
        if not e.p12_path.exists():
            raise NotEnrolled(
                f"{e.name} holds their own key (pki enroll --out): docflow keeps none to sign with"
            )
        handle = load_pkcs12(e.p12_path, resolve_passphrase(e.passphrase_path), chain=self.chain())
        return handle

    def endpoints(self, tsa_url: str | None = None) -> ServiceEndpoints:
        """Where signing gets timestamps, and whom it trusts to build revocation info."""
        return ServiceEndpoints(
            tsa_url=tsa_url or f"{self.base_url}/tsa",
            trust_roots=tuple(self.trust_roots()),
            intermediates=tuple(self.chain()),
        )


@dataclass(frozen=True)
class ServiceEndpoints:
    """What signing needs from the outside world: a TSA, and the anchors for revocation info.

    OCSP and CRL addresses come from each certificate's AIA / CRL distribution points.
    """

    tsa_url: str
    trust_roots: tuple[asn1_x509.Certificate, ...]
    intermediates: tuple[asn1_x509.Certificate, ...] = ()
    timeout: float = 10.0
    #: Seconds an OCSP response or CRL may be reused by later signatures of this process
    #: (0: fetched for every signature). See ``docflow.pki._revcache``.
    revocation_max_age: float = 0.0

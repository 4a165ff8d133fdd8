"""The home's trust list: certificates an administrator trusts for signatures, timestamps and
revocation answers (the NCA RK roots and intermediates, a chamber's own CA, …).

Layout under ``certs/trust/``: one ``<sha256>.der`` per certificate (file names never come from
outside) and ``index.json`` naming each one; both are written atomically (``docflow.atomic``),
the certificate before the index, so the index never names a missing file.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from asn1crypto import pem, x509

from docflow.atomic import write_bytes_atomic
from docflow.errors import ConfigError

Kind = Literal["anchor", "intermediate"]
_NAME = re.compile(r"^[\w.\- ()]{1,80}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_lock = threading.Lock()


@dataclass(frozen=True)
class TrustEntry:
    """One certificate of the trust list, as ``trust list`` shows it."""

    name: str
    sha256: str
    kind: Kind
    subject: str
    issuer: str
    not_before: str
    not_after: str
    added: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _gost_names() -> None:
    # GOST certificates (NCA RK) carry algorithm identifiers asn1crypto must know to read them.
    from docflow.gost import register

    register()


def parse_certificate(data: bytes) -> x509.Certificate:
    """The one certificate in PEM or DER ``data``; ConfigError otherwise."""
    _gost_names()
    try:
        if pem.detect(data):
            ders = [
                der for kind, _, der in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"
            ]
        else:
            ders = [data]
        if len(ders) != 1:
            raise ValueError(f"expected one certificate, found {len(ders)}")
        cert = x509.Certificate.load(ders[0])
        cert["tbs_certificate"]["subject"].native  # noqa: B018 -- parse now, fail here
        cert["tbs_certificate"]["validity"].native  # noqa: B018
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"not a certificate (PEM or DER): {exc}") from exc
    return cert


def _is_self_signed(cert: x509.Certificate) -> bool:
    return cert.self_signed in ("yes", "maybe")


class TrustStore:
    """The trust list of one home (``certs/trust/``)."""

    def __init__(self, certs_dir: Path) -> None:
        self.folder = certs_dir / "trust"
        self.index_path = self.folder / "index.json"

    # ------------------------------------------------------------------ reading

    def entries(self) -> list[TrustEntry]:
        if not self.index_path.exists():
            return []
        try:
            data = json.loads(self.index_path.read_text(encoding="utf-8"))
            return [TrustEntry(**item) for item in data.get("certificates", [])]
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigError(f"{self.index_path}: unreadable trust list: {exc}") from exc

    def certificates(self) -> tuple[list[x509.Certificate], list[x509.Certificate]]:
        """(anchors, intermediates) of the list; a missing or altered file is an error."""
        _gost_names()
        anchors: list[x509.Certificate] = []
        intermediates: list[x509.Certificate] = []
        for entry in self.entries():
            path = self.folder / f"{entry.sha256}.der"
            try:
                cert = x509.Certificate.load(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise ConfigError(f"trust list: {entry.name}: {exc}") from exc
            if cert.sha256.hex() != entry.sha256:
                raise ConfigError(f"trust list: {entry.name}: the certificate file was altered")
            (anchors if entry.kind == "anchor" else intermediates).append(cert)
        return anchors, intermediates

    # ------------------------------------------------------------------ changing

    def add(self, data: bytes, name: str | None = None, kind: Kind | None = None) -> TrustEntry:
        """Add one certificate; its kind is "anchor" when self-signed unless ``kind`` says."""
        cert = parse_certificate(data)
        sha256 = cert.sha256.hex()
        subject = cert.subject.human_friendly
        chosen = (name or _default_name(cert)).strip()
        if not _NAME.match(chosen):
            raise ConfigError(
                f"trust name {chosen!r}: use 1-80 letters, digits, spaces and . - _ ( )"
            )
        if kind is None:
            kind = "anchor" if _is_self_signed(cert) else "intermediate"
        validity = cert["tbs_certificate"]["validity"]
        entry = TrustEntry(
            name=chosen,
            sha256=sha256,
            kind=kind,
            subject=subject,
            issuer=cert.issuer.human_friendly,
            not_before=_iso(validity["not_before"].native),
            not_after=_iso(validity["not_after"].native),
            added=datetime.now().astimezone().isoformat(timespec="seconds"),
        )
        with _lock:
            entries = self.entries()
            for other in entries:
                if other.sha256 == sha256:
                    raise ConfigError(f"already in the trust list as {other.name!r}")
                if other.name == chosen:
                    raise ConfigError(f"the trust list already has a certificate named {chosen!r}")
            write_bytes_atomic(self.folder / f"{sha256}.der", cert.dump())
            self._write([*entries, entry])
        return entry

    def remove(self, key: str) -> TrustEntry:
        """Remove the certificate named ``key`` (or with that SHA-256)."""
        with _lock:
            entries = self.entries()
            lowered = key.strip().lower()
            found = [e for e in entries if e.name == key or e.sha256 == lowered]
            if not found:
                raise ConfigError(f"no certificate {key!r} in the trust list")
            entry = found[0]
            self._write([e for e in entries if e.sha256 != entry.sha256])
            if _SHA256.match(entry.sha256):
                (self.folder / f"{entry.sha256}.der").unlink(missing_ok=True)
        return entry

    def _write(self, entries: list[TrustEntry]) -> None:
        document = {"version": 1, "certificates": [e.to_json() for e in entries]}
        write_bytes_atomic(
            self.index_path,
            (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        )


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _default_name(cert: x509.Certificate) -> str:
    subject = cert.subject.native
    cn = subject.get("common_name") or cert.subject.human_friendly
    if isinstance(cn, list):
        cn = cn[0]
    cleaned = re.sub(r"[^\w.\- ()]", " ", str(cn)).strip()
    cleaned = re.sub(r"\s+", " ", cleaned)[:60] or "certificate"
    return f"{cleaned} {cert.sha256.hex()[:8]}"


def trust_store(certs_dir: Path) -> tuple[list[x509.Certificate], list[x509.Certificate]]:
    """(anchors, intermediates) of a home's trust list (``home.certs``); empty when none."""
    return TrustStore(certs_dir).certificates()

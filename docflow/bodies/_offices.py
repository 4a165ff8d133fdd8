"""Offices: who holds which role in which body, with which certificate.

Every enrolment (``docflow pki enroll``) records an office here, keyed by the certificate's
SHA-256 fingerprint, so that ``verify`` can ask in what capacity a certificate signs
(:meth:`OfficeRegistry.role_of`) and the workflow whom a chamber's office belongs to.
An office ends when its certificate is revoked; the record stays, so old signatures keep
their capacity.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, update

from docflow.bodies._chambers import COLLEGIUM_ID
from docflow.bodies._store import bodies_db_path, bodies_store, offices
from docflow.config import Home
from docflow.errors import PkiError

__all__ = [
    "BODY_ROLES",
    "CHAMBER_ROLES",
    "ROLES",
    "Office",
    "OfficeRegistry",
    "certificate_fingerprint",
    "check_office",
]

#: Every capacity a docflow signature is made in.
ROLES = (
    "consultant", "officer", "issuer", "chair", "collegium_chair", "presidium_member",
    "coordinator",
)  # fmt: skip
#: Offices held in a chamber (``--chamber ID`` required). A territorial bar collegium and the
#: Bar Association (``rba``) are registered as bodies the same way (docflow.roadmap): their
#: ``chair``; the RBA's ``presidium_member`` and staff ``coordinator`` (M-org).
CHAMBER_ROLES = ("officer", "issuer", "chair", "presidium_member", "coordinator")
#: Offices held in a body other than a chamber.
BODY_ROLES = {"collegium_chair": COLLEGIUM_ID}


def check_office(role: str, body: str | None) -> str | None:
    """The body an office of ``role`` belongs to, checked: a chamber office needs a chamber,
    the Collegium's chair belongs to ``collegium``, a consultant may name a chamber or not."""
    if role not in ROLES:
        raise PkiError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if role in BODY_ROLES:
        if body not in (None, BODY_ROLES[role]):
            raise PkiError(f"{role} is an office of {BODY_ROLES[role]}, not of {body}")
        return BODY_ROLES[role]
    if body == COLLEGIUM_ID:
        raise PkiError(f"{role} is held in a chamber, not in the Collegium")
    return body


def certificate_fingerprint(certificate: Any) -> str:
    """SHA-256 (hex) of a certificate's DER: a ``cryptography`` or ``asn1crypto`` certificate,
    or DER / PEM bytes."""
    if isinstance(certificate, bytes | bytearray):
        data = bytes(certificate)
        if data.lstrip().startswith(b"-----BEGIN"):
            from cryptography import x509

            data = x509.load_pem_x509_certificate(data).public_bytes(_der_encoding())
    elif hasattr(certificate, "public_bytes"):  # cryptography
        data = certificate.public_bytes(_der_encoding())
    elif hasattr(certificate, "dump"):  # asn1crypto
        data = certificate.dump()
    else:
        raise TypeError(f"not a certificate: {type(certificate).__name__}")
    return hashlib.sha256(data).hexdigest()


def _der_encoding() -> Any:
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


@dataclass(frozen=True)
class Office:
    """One person holding one role in one body (``None``: a consultant of no recorded
    chamber, or an office enrolled before chambers existed) with one certificate."""

    iin: str
    name: str
    role: str
    body: str | None
    serial: str
    fingerprint: str
    since: datetime
    ended_at: datetime | None = None
    end_reason: str | None = None

    @property
    def live(self) -> bool:
        return self.ended_at is None

    def to_json(self) -> dict[str, Any]:
        return {
            "iin": self.iin,
            "name": self.name,
            "role": self.role,
            "body": self.body,
            "serial": self.serial,
            "fingerprint": self.fingerprint,
            "since": self.since.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "end_reason": self.end_reason,
        }


def _office(row: Any) -> Office:
    return Office(
        iin=row["iin"],
        name=row["full_name"],
        role=row["role"],
        body=row["body"],
        serial=row["serial"],
        fingerprint=row["fingerprint"],
        since=datetime.fromisoformat(row["since"]),
        ended_at=datetime.fromisoformat(row["ended_at"]) if row["ended_at"] else None,
        end_reason=row["end_reason"],
    )


#: The office of one certificate: every signature a worker checks asks it (built once).
_BY_FINGERPRINT = select(offices).where(offices.c.fingerprint == bindparam("fingerprint"))


@functools.cache
def _offices_query(columns: tuple[str, ...], live: bool) -> Any:
    """The offices with ``columns`` equal to the parameters of their names, built once per
    combination (a worker asks for a chamber's officers with every report)."""
    query = select(offices).where(*(offices.c[c] == bindparam(c) for c in columns))
    if live:
        query = query.where(offices.c.ended_at.is_(None))
    return query.order_by(offices.c.since, offices.c.seq)


class OfficeRegistry:
    """The offices of one home (the bodies' store, table ``offices``): ``.docflow/bodies.sqlite``,
    or the shared ``[storage] database`` of a scaled-out home."""

    def __init__(self, home: Home | Path | str):
        self.path = bodies_db_path(home)

    def record(
        self,
        certificate: Any,
        *,
        iin: str,
        name: str,
        role: str,
        body: str | None,
        serial: int | str,
        since: datetime | None = None,
    ) -> Office:
        """Record that ``certificate`` signs as ``role`` of ``body`` (idempotent)."""
        body = check_office(role, body)
        fingerprint = certificate_fingerprint(certificate)
        when = (since or datetime.now(UTC)).isoformat()
        store = bodies_store(self.path)
        with store.writing() as db:
            row = db.execute(_BY_FINGERPRINT, {"fingerprint": fingerprint}).mappings().first()
            if row is None:
                values = {"fingerprint": fingerprint, "serial": str(serial), "iin": iin,
                          "full_name": name, "role": role, "body": body, "since": when,
                          "seq": store.next_seq(db, offices)}  # fmt: skip
                store.insert_missing(db, offices, [values])
                row = db.execute(_BY_FINGERPRINT, {"fingerprint": fingerprint}).mappings().one()
            if row["role"] != role or row["body"] != body:
                # One certificate, one capacity: it cannot be re-recorded as another office.
                raise PkiError(
                    f"certificate {fingerprint[:16]}… is already the {row['role']} key of "
                    f"{row['body'] or 'no body'}"
                )
        return _office(row)

    def assign_body(self, serial: int | str, body: str) -> None:
        """Give an office recorded without a body (enrolled before chambers) its body."""
        with bodies_store(self.path).writing() as db:
            db.execute(
                update(offices)
                .where(offices.c.serial == str(serial), offices.c.body.is_(None))
                .values(body=body)
            )

    def end(self, serial: int | str, *, at: datetime, reason: str) -> None:
        """The office of the certificate with this serial ended (its certificate revoked)."""
        with bodies_store(self.path).writing() as db:
            db.execute(
                update(offices)
                .where(offices.c.serial == str(serial), offices.c.ended_at.is_(None))
                .values(ended_at=at.isoformat(), end_reason=reason)
            )

    def offices(
        self,
        *,
        body: str | None = None,
        role: str | None = None,
        iin: str | None = None,
        live: bool = True,
    ) -> list[Office]:
        """Offices matching every filter given, oldest first (only live ones by default)."""
        given = {k: v for k, v in (("body", body), ("role", role), ("iin", iin)) if v is not None}
        query = _offices_query(tuple(given), live)
        with bodies_store(self.path).reading() as db:
            rows = db.execute(query, given).mappings().all()
        return [_office(r) for r in rows]

    def office_of(self, certificate: Any) -> Office | None:
        """The office a certificate was enrolled for, ended or not; ``None`` if unknown."""
        fingerprint = certificate_fingerprint(certificate)
        with bodies_store(self.path).reading() as db:
            row = db.execute(_BY_FINGERPRINT, {"fingerprint": fingerprint}).mappings().first()
        return _office(row) if row else None

    def role_of(self, certificate: Any) -> tuple[str, str | None] | None:
        """(role, body id) the certificate signs in, or ``None`` for a certificate no office
        was recorded for. For ``verify``: a signature in a field of another role is made in
        the wrong capacity. Revocation is not judged here (the signature's time matters)."""
        office = self.office_of(certificate)
        return (office.role, office.body) if office else None

    def issuer_allowed(self, iin: str, chamber_id: str) -> bool:
        """Whether ``iin`` holds a live issuer office of ``chamber_id`` (certificates name
        their issuer by IIN; the batch is rejected otherwise)."""
        return bool(self.offices(body=chamber_id, role="issuer", iin=iin))

"""The verdict of ``docflow verify`` as data: ``VerifyReport`` and one ``SignatureStatus`` each.

The JSON shape produced by ``to_json`` is the ``verify --json`` shape of CONTRACT.md; extra keys
(``field``, ``iin``, ``coverage``, ``docmdp_ok``) only add to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Verdict = Literal["valid", "invalid", "indeterminate"]
Revocation = Literal["good", "revoked", "unknown"]
ModifiedAfter = Literal["none", "signatures_only", "form_filling", "annotations", "other"]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class SignatureStatus:
    """What one signature (or document timestamp) in a PDF proves."""

    field: str
    signer: str
    role: str
    intact: bool
    trusted: bool
    revocation: Revocation
    signed_at: datetime | None
    timestamp: datetime | None
    modified_after: ModifiedAfter
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    iin: str | None = None
    #: pyHanko's SignatureCoverageLevel name in lower case (entire_file, entire_revision, …).
    coverage: str | None = None
    docmdp_ok: bool | None = None
    #: "RSA / SHA-256", "GOST 34.10-2015 512 / Streebog-512", … (None when unreadable).
    algorithm: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "signer": self.signer,
            "role": self.role,
            "iin": self.iin,
            "intact": self.intact,
            "trusted": self.trusted,
            "revocation": self.revocation,
            "signed_at": _iso(self.signed_at),
            "timestamp": _iso(self.timestamp),
            "modified_after": self.modified_after,
            "coverage": self.coverage,
            "docmdp_ok": self.docmdp_ok,
            "algorithm": self.algorithm,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class ArchiveMatch:
    """Whether docflow's archive holds exactly these bytes (looked up by SHA-256)."""

    registered: bool
    record: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"registered": self.registered, "record": self.record}


@dataclass(frozen=True)
class VerifyReport:
    """The judgment on one PDF: every signature, and one overall verdict with its reasons."""

    file: str
    sha256: str
    verdict: Verdict
    signatures: tuple[SignatureStatus, ...]
    reasons: tuple[str, ...] = ()
    archive: ArchiveMatch | None = None
    validated_at: datetime | None = field(default=None, compare=False)

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": self.file,
            "sha256": self.sha256,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "signatures": [s.to_json() for s in self.signatures],
        }
        if self.archive is not None:
            data["archive"] = self.archive.to_json()
        return data

"""Signatures in files pyHanko cannot parse: found by their ``/ByteRange`` and checked raw.

A PDF whose object structure is broken (bad xref offsets, a damaged dictionary) may still carry
signatures. They are judged byte-for-byte: the CMS in the gap of each ``/ByteRange`` against the
bytes that range covers. Nothing after the signature can be analysed in such a file, so the best
such a signature can get is ``indeterminate``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms, x509
from pyhanko.sign.validation import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleTrustManager

from docflow.verify._aio import run_sync
from docflow.verify._gost import signature_validator
from docflow.verify._report import SignatureStatus

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


@dataclass(frozen=True)
class RawSignature:
    byte_range: tuple[int, int, int, int]


def find_signatures(data: bytes) -> list[RawSignature]:
    found: list[RawSignature] = []
    for match in _BYTE_RANGE.finditer(data):
        a, b, c, d = (int(g) for g in match.groups())
        found.append(RawSignature((a, b, c, d)))
    return found


def judge(
    raw: RawSignature,
    data: bytes,
    roots: tuple[x509.Certificate, ...],
    allow_fetching: bool,
    at: datetime | None,
    read_error: str,
) -> SignatureStatus:
    a, b, c, d = raw.byte_range
    damaged = (
        f"the file's structure is damaged ({read_error}); changes after signing cannot be analysed"
    )

    def status(signer: str, intact: bool, reasons: list[str], signed_at: datetime | None = None):
        return SignatureStatus(
            field=f"ByteRange {a} {b} {c} {d}",
            signer=signer,
            role="signer",
            intact=intact,
            trusted=False,
            revocation="unknown",
            signed_at=signed_at,
            timestamp=None,
            modified_after="other",
            coverage="unclear",
            docmdp_ok=None,
            verdict="indeterminate" if intact else "invalid",
            reasons=(*reasons, damaged),
        )

    if a != 0 or c < b or c + d > len(data):
        return status("unknown signer", False, ["the signature's byte range lies outside the file"])
    try:
        hex_contents = data[b:c].strip().lstrip(b"<").rstrip(b">")
        content = cms.ContentInfo.load(bytes.fromhex(hex_contents.decode("ascii")).rstrip(b"\0"))
        vc = ValidationContext(
            trust_manager=SimpleTrustManager.build(trust_roots=list(roots)),
            moment=at or datetime.now(UTC),
            allow_fetching=allow_fetching,
            signature_validator=signature_validator(),
        )
        result = run_sync(
            async_validate_detached_cms(
                data[a : a + b] + data[c : c + d],
                content["content"],
                signer_validation_context=vc,
            )
        )
    except Exception as exc:  # unreadable CMS in a damaged file is a verdict, not a crash
        return status("unknown signer", False, [f"the signature could not be read: {exc}"[:300]])
    cn = result.signing_cert.subject.native.get("common_name") or "unknown signer"
    intact = bool(result.intact and result.valid)
    reasons = [] if intact else ["the signed bytes were changed after signing"]
    return status(str(cn), intact, reasons, result.signer_reported_dt)

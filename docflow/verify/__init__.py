"""Judging any signed PDF: every signature's integrity, trust, revocation and what changed
after it, as a ``VerifyReport`` (the ``verify --json`` shape of CONTRACT.md)."""

from docflow.verify._report import ArchiveMatch, SignatureStatus, VerifyReport
from docflow.verify._trust import (
    home_ca_certificates,
    home_trust_anchors,
    load_certificates,
    to_asn1,
)
from docflow.verify._truststore import trust_store
from docflow.verify._validate import verify_pdf

__all__ = [
    "ArchiveMatch",
    "SignatureStatus",
    "VerifyReport",
    "home_ca_certificates",
    "home_trust_anchors",
    "load_certificates",
    "to_asn1",
    "trust_store",
    "verify_pdf",
]

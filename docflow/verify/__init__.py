"""Judging any signed PDF: every signature's integrity, trust, revocation and what changed
after it, as a ``VerifyReport`` (the ``verify --json`` shape of CONTRACT.md)."""

from docflow.errors import VerifyLimitExceeded
from docflow.verify._limits import (
    MAX_PDF_BYTES,
    MAX_SIGNATURES,
    read_pdf,
    sha256_of,
)
from docflow.verify._messages import Finding, message
from docflow.verify._policy import DOCFLOW_ROLES, POLICIES, RoleOf, certificate_role
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
    "DOCFLOW_ROLES",
    "MAX_PDF_BYTES",
    "MAX_SIGNATURES",
    "POLICIES",
    "ArchiveMatch",
    "Finding",
    "RoleOf",
    "SignatureStatus",
    "VerifyLimitExceeded",
    "VerifyReport",
    "certificate_role",
    "home_ca_certificates",
    "home_trust_anchors",
    "load_certificates",
    "message",
    "read_pdf",
    "sha256_of",
    "to_asn1",
    "trust_store",
    "verify_pdf",
]

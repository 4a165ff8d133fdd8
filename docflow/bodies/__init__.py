"""Chambers, the Collegium, the offices held in them, and the rules of authority (issue 13).

``ChamberRegistry(home)`` keeps the chambers (id, Kazakh and Russian names, aliases) and
resolves a chamber named loosely; ``OfficeRegistry(home)`` keeps who holds which office in
which body with which certificate (``role_of(cert)`` for ``verify``); ``check_membership``
judges a filer against the chamber's roster; the ``*_signer`` functions say who may sign
what. All state is in the bodies' store (``.docflow/bodies.sqlite``, or the shared ``[storage]
database`` of a scaled-out home); the archive is never rewritten.
"""

from docflow.bodies._authority import (
    Holder,
    capacity_mismatch,
    certificate_issuer,
    chamber_summary_signer,
    collegium_summary_signer,
    holders_of,
    issuer_allowed,
    notice_signer,
    report_countersigner,
)
from docflow.bodies._chambers import (
    COLLEGIUM,
    COLLEGIUM_ID,
    Body,
    ChamberRegistry,
    check_body_id,
    resolve_body,
    unknown_chamber,
)
from docflow.bodies._membership import MEMBERSHIP_CODES, MembershipFinding, check_membership
from docflow.bodies._names import fold_name, same_name
from docflow.bodies._offices import (
    BODY_ROLES,
    CHAMBER_ROLES,
    ROLES,
    Office,
    OfficeRegistry,
    certificate_fingerprint,
    check_office,
)

__all__ = [
    "BODY_ROLES",
    "CHAMBER_ROLES",
    "COLLEGIUM",
    "COLLEGIUM_ID",
    "MEMBERSHIP_CODES",
    "ROLES",
    "Body",
    "ChamberRegistry",
    "Holder",
    "MembershipFinding",
    "Office",
    "OfficeRegistry",
    "capacity_mismatch",
    "certificate_fingerprint",
    "certificate_issuer",
    "chamber_summary_signer",
    "check_body_id",
    "check_membership",
    "check_office",
    "collegium_summary_signer",
    "fold_name",
    "holders_of",
    "issuer_allowed",
    "notice_signer",
    "report_countersigner",
    "resolve_body",
    "same_name",
    "unknown_chamber",
]

"""Event certificates (R-5.4, R-7.5): serials, QR-verifiable issuing, revocation, and judging
certificates attached to a report as evidence.

``issue_batch`` issues a batch (resumable, idempotent); ``describe`` tells ``docflow verify``
what certificate a PDF is; ``check_evidence`` names attached certificates that prove nothing;
``revoke`` withdraws one; ``require_approved`` refuses a template the Collegium has not
approved (R-5.4), ``approve_template`` records an approval in the home's register.
"""

from docflow.certificates._check import (
    check_evidence,
    check_evidence_issues,
    describe,
    find_certificate,
    revoke,
)
from docflow.certificates._data import ATTACHMENT_NAME, mask_iin, read_embedded
from docflow.certificates._forms import (
    ApprovedForm,
    approve_template,
    approved_form,
    load_register,
    require_approved,
)
from docflow.certificates._issue import (
    Batch,
    BatchResult,
    IssuedCertificate,
    issue_batch,
    verify_url,
)
from docflow.certificates._serial import SERIAL_PREFIX, is_serial, load_secret, serial_for

__all__ = [
    "ATTACHMENT_NAME",
    "SERIAL_PREFIX",
    "ApprovedForm",
    "Batch",
    "BatchResult",
    "IssuedCertificate",
    "approve_template",
    "approved_form",
    "check_evidence",
    "check_evidence_issues",
    "describe",
    "find_certificate",
    "is_serial",
    "issue_batch",
    "load_register",
    "load_secret",
    "mask_iin",
    "read_embedded",
    "require_approved",
    "revoke",
    "serial_for",
    "verify_url",
]

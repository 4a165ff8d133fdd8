"""Event certificates (R-5.4, R-7.5): serials, QR-verifiable issuing, revocation, and judging
certificates attached to a report as evidence.

``Batch`` issues a batch's certificates, one participant at a time (resumable, idempotent;
the flow in ``docflow.workflow.certificates`` drives it); ``describe`` tells ``docflow verify``
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
from docflow.certificates._issue import SIGNER as SIGNER_SPEC
from docflow.certificates._issue import (
    Batch,
    IssuedCertificate,
    SignHook,
    judge_batch,
    points_here,
    verify_url,
)
from docflow.certificates._serial import SERIAL_PREFIX, is_serial, load_secret, serial_for

__all__ = [
    "ATTACHMENT_NAME",
    "SERIAL_PREFIX",
    "SIGNER_SPEC",
    "ApprovedForm",
    "Batch",
    "IssuedCertificate",
    "SignHook",
    "approve_template",
    "approved_form",
    "check_evidence",
    "check_evidence_issues",
    "describe",
    "find_certificate",
    "is_serial",
    "judge_batch",
    "load_register",
    "load_secret",
    "mask_iin",
    "points_here",
    "read_embedded",
    "require_approved",
    "revoke",
    "serial_for",
    "verify_url",
]

"""Signing requests: PDFs prepared for a person's own signature, waiting in the home's state
folder, exported as packages to sign offline, completed when a CMS passes every check."""

from docflow.signreq._modes import SIGNING_ROLES, SigningModes, signing_modes
from docflow.signreq._package import (
    SignPackage,
    export_batch,
    export_package,
    is_batch,
    read_batch,
    read_package,
    read_signed,
    read_signed_batch,
    sign_batch,
    sign_package,
)
from docflow.signreq._store import (
    DEFAULT_REQUEST_DAYS,
    RequestClosed,
    SignRequestRecord,
    SignRequests,
    SubmitResult,
    UnknownSignRequest,
    WaitingOn,
    batch_document,
    batch_of,
    check_id,
    due,
)
from docflow.signreq._trust import home_services, home_trust

__all__ = [
    "DEFAULT_REQUEST_DAYS",
    "SIGNING_ROLES",
    "RequestClosed",
    "SignPackage",
    "SignRequestRecord",
    "SignRequests",
    "SigningModes",
    "SubmitResult",
    "UnknownSignRequest",
    "WaitingOn",
    "batch_document",
    "batch_of",
    "check_id",
    "due",
    "export_batch",
    "export_package",
    "home_services",
    "home_trust",
    "is_batch",
    "read_batch",
    "read_package",
    "read_signed",
    "read_signed_batch",
    "sign_batch",
    "sign_package",
    "signing_modes",
]

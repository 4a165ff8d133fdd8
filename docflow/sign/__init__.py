"""PAdES signing of docflow's PDFs: visible stamp, timestamp, DSS, document timestamp (B-LTA),
FieldMDP/DocMDP lock on the final signature."""

from docflow.sign._cmscheck import (
    CmsCheckStatus,
    Refusal,
    SignedBytes,
    TrustAnchors,
    check_cms,
    is_signing_certificate,
    read_cms,
)
from docflow.sign._cmsmake import async_detached_cms, detached_cms
from docflow.sign._hexstrings import install as _install_hex_reader
from docflow.sign._signing import (
    DEFAULT_BYTES_RESERVED,
    SignRequest,
    SignSpec,
    finish_lta,
    new_validation_context,
    sign_pdf,
)
from docflow.sign._stamp import FONT_PATH, stamp_lines
from docflow.sign._twophase import OWN_SUBFILTER, PreparedSignature, complete, embed_cms, prepare

# Signatures' /Contents are read back at C speed (see docflow/sign/_hexstrings.py).
_install_hex_reader()

__all__ = [
    "DEFAULT_BYTES_RESERVED",
    "FONT_PATH",
    "OWN_SUBFILTER",
    "CmsCheckStatus",
    "PreparedSignature",
    "Refusal",
    "SignRequest",
    "SignSpec",
    "SignedBytes",
    "TrustAnchors",
    "async_detached_cms",
    "check_cms",
    "complete",
    "detached_cms",
    "embed_cms",
    "finish_lta",
    "is_signing_certificate",
    "new_validation_context",
    "prepare",
    "read_cms",
    "sign_pdf",
    "stamp_lines",
]

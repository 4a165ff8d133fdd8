"""PAdES signing of docflow's PDFs: visible stamp, timestamp, DSS, document timestamp (B-LTA),
FieldMDP/DocMDP lock on the final signature."""

from docflow.sign._signing import (
    DEFAULT_BYTES_RESERVED,
    SignRequest,
    SignSpec,
    finish_lta,
    new_validation_context,
    sign_pdf,
)
from docflow.sign._stamp import FONT_PATH, stamp_lines

__all__ = [
    "DEFAULT_BYTES_RESERVED",
    "FONT_PATH",
    "SignRequest",
    "SignSpec",
    "finish_lta",
    "new_validation_context",
    "sign_pdf",
    "stamp_lines",
]

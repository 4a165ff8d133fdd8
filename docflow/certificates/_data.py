"""The machine-readable copy of a certificate embedded in its PDF (``docflow-certificate.json``)
and reading it back from any PDF, so a certificate is recognised without the archive.

The embedded copy carries the serial and what the page shows, but only a masked IIN: the
PDF travels with the participant, and the archive record is the authority for the full IIN.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from io import BytesIO
from typing import Any

__all__ = ["ATTACHMENT_NAME", "MARKER", "embedded_data", "mask_iin", "read_embedded"]

ATTACHMENT_NAME = "docflow-certificate.json"
#: The value of the ``docflow`` key that marks the JSON as a docflow certificate's.
MARKER = "event-certificate"


def mask_iin(iin: object) -> str | None:
    """``900415400127`` → ``9004******27`` (as the web pages show it)."""
    if iin is None:
        return None
    text = str(iin)
    if len(text) <= 6:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 6) + text[-2:]


def embedded_data(record: Mapping[str, Any]) -> bytes:
    """The JSON embedded in the certificate's PDF, from its (future) archive record."""
    data = {
        "docflow": MARKER,
        "version": 1,
        "serial": record["serial"],
        "verify_url": record["verify_url"],
        "participant": {"full_name": record["full_name"], "iin": mask_iin(record["iin"])},
        "event": record["event"],
        "form": record["form"],
        "points": record["points"],
        "issuer": record["issuer"],
        "issued_on": record["issued_on"],
        "locale": record["locale"],
        "rule_version": record["rule_version"],
    }
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def read_embedded(pdf: bytes) -> dict[str, Any] | None:
    """The embedded certificate JSON of ``pdf``, or None (not a PDF, no such file, not ours).

    Reads the newest revision, as a viewer would show it.
    """
    if not pdf.startswith(b"%PDF"):
        return None
    try:
        from pypdf import PdfReader

        reader = PdfReader(BytesIO(pdf), strict=False)
        found = reader.attachments.get(ATTACHMENT_NAME)
    except Exception:  # pypdf raises many kinds on damaged input; not ours to judge here
        return None
    for content in found or []:
        try:
            data = json.loads(content)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and data.get("docflow") == MARKER and "serial" in data:
            return data
    return None

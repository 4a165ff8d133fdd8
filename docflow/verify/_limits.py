"""Bounds checked before verify does anything expensive (docs/VERIFY-POLICY.md, "Limits").

A file is measured with ``stat`` before a byte of it is read, and the number of distinct
signatures is counted before any is hashed or validated, so no input holds a core for longer
than the work its bounds allow.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from docflow.errors import UnreadablePdf, VerifyLimitExceeded
from docflow.verify._messages import Finding

#: The largest PDF verify reads. A docflow report with every attachment it may carry stays
#: well below (docflow.model bounds the evidence); the public page accepts less (20 MB).
MAX_PDF_BYTES = 100 * 1024 * 1024
#: The most signatures and document timestamps judged in one file. A report has three; a
#: quorum document of the Bar (M-2.6q) has one per chair of about twenty collegia.
MAX_SIGNATURES = 64


def check_size(size: int, name: str = "", limit: int = MAX_PDF_BYTES) -> None:
    if size > limit:
        raise VerifyLimitExceeded(Finding("limit.file_size", {"size": size, "limit": limit}), name)


def check_signature_count(count: int, name: str = "", limit: int = MAX_SIGNATURES) -> None:
    if count > limit:
        raise VerifyLimitExceeded(
            Finding("limit.signatures", {"count": count, "limit": limit}), name
        )


def _check_regular(info: os.stat_result, name: str, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise UnreadablePdf(f"{name}: not a regular file")
    check_size(info.st_size, name, limit)


def read_pdf(path: Path, limit: int = MAX_PDF_BYTES) -> bytes:
    """The bytes of ``path`` once ``stat`` shows it is a regular file within ``limit`` (a huge
    or sparse file is refused unread). Raises ``OSError`` when it cannot be read."""
    _check_regular(path.stat(), path.name, limit)  # before opening: a FIFO blocks the open
    with path.open("rb") as handle:
        _check_regular(os.fstat(handle.fileno()), path.name, limit)  # the file actually opened
        data = handle.read(limit + 1)
    check_size(len(data), path.name, limit)  # it grew while being read
    return data


def sha256_of(path: Path, chunk: int = 1024 * 1024) -> str:
    """The SHA-256 of a file, streamed (never the whole file in memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()

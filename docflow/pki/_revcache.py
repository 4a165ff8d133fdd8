"""Revocation answers (OCSP responses, CRLs) kept for a short while in a signing process.

Every signature asks for the status of the signer's certificate, of the issuing CA and of the
TSA, and the document timestamp asks again: without a cache a report costs about twenty OCSP
and CRL round trips, nearly all for the same handful of certificates. Signing processes keep
each answer for ``max_age`` seconds (``revocation_cache_seconds`` in docflow.toml), never past
its own nextUpdate, and forget everything when this process revokes a certificate. The
answers embedded in a document are then at most ``max_age`` seconds older than its signature,
which is what a signing service reusing OCSP responses within their validity (RFC 5019) does.

Entries hold DER bytes: every hit is parsed afresh, because asn1crypto objects parse lazily and
are not safe to share between threads.

An answer that must speak for a signature already made (the B-LTA step, issue 19) must be
issued after that signature: ``get(..., not_before=...)`` never hands out an older one, so the
caller fetches afresh (EU DSS judges revocation data issued before the signing time stale).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from datetime import UTC, datetime


class RevocationCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[bytes, float, datetime | None, datetime | None]] = {}
        self.hits = 0
        self.misses = 0

    def get(
        self, key: Hashable, max_age: float, *, not_before: datetime | None = None
    ) -> bytes | None:
        """The DER stored under ``key`` if younger than ``max_age`` seconds, not past its
        nextUpdate and, given ``not_before``, issued at or after it; None otherwise."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                der, stored, next_update, issued_at = entry
                fresh = time.monotonic() - stored < max_age
                if fresh and (next_update is None or datetime.now(UTC) < next_update):
                    if not_before is None or (issued_at is not None and issued_at >= not_before):
                        self.hits += 1
                        return der
                    # too old for this caller, still good for signatures yet to be made
                    self.misses += 1
                    return None
                del self._entries[key]
            self.misses += 1
            return None

    def put(
        self,
        key: Hashable,
        der: bytes,
        *,
        next_update: datetime | None,
        issued_at: datetime | None = None,
    ) -> None:
        """Keep ``der``; ``issued_at`` is the answer's own time (OCSP producedAt, CRL
        thisUpdate), which ``get(..., not_before=...)`` compares."""
        with self._lock:
            self._entries[key] = (der, time.monotonic(), next_update, issued_at)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: The process's cache, shared by every signature it makes.
REVOCATION_CACHE = RevocationCache()

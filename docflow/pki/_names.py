"""asn1crypto's comparable form of X.509 names, computed once per distinct name.

Certificate path validation (pyhanko_certvalidator) compares and indexes names by their
``hashable`` form: RFC 4518 string preparation of every attribute, in pure Python
(``stringprep``), ~0.45 ms per name. asn1crypto caches it per parsed object only, and signing
parses the same names afresh for every signature (the signer's chain, the TSA's certificate
in each token, the OCSP responder in each answer): ~90 preparations, ~11 ms of CPU per report.

``install()`` makes ``RelativeDistinguishedName.hashable`` and ``RDNSequence.hashable`` (which
``Name.hashable`` and name equality use) look their answer up by the name's DER first. The
form is a function of the DER alone (attribute types and values), so the answer is the same;
the memo is bounded (``MAX_NAMES``): past it, names are prepared as before.
``tests/pki/test_names.py`` checks both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from asn1crypto import x509

__all__ = ["MAX_NAMES", "ORIGINAL", "install", "installed"]

#: Distinct names remembered per process (a few hundred bytes each).
MAX_NAMES = 4096

_memo: dict[tuple[type, bytes], str] = {}
#: asn1crypto's own computations, by class (kept by ``install`` for the tests).
ORIGINAL: dict[type, Callable[[Any], str]] = {}
_lock = threading.Lock()
_installed = False


def _memoized(cls: type, compute: Callable[[Any], str]) -> property:
    def hashable(self: Any) -> str:
        key = (cls, self.dump())
        found = _memo.get(key)
        if found is None:
            found = compute(self)
            if len(_memo) < MAX_NAMES:
                _memo[key] = found
        return found

    hashable.__doc__ = compute.__doc__
    return property(hashable)


def install() -> None:
    """Memoize the two ``hashable`` properties by DER (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        for cls in (x509.RelativeDistinguishedName, x509.RDNSequence):
            compute = ORIGINAL[cls] = cls.hashable.fget
            cls.hashable = _memoized(cls, compute)
        _installed = True


def installed() -> bool:
    return _installed

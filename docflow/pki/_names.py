"""asn1crypto's string preparation of X.509 name values, computed once per distinct value.

Certificate path validation (pyhanko_certvalidator) compares and indexes names by their
prepared form: RFC 4518 string preparation of every attribute value, in pure Python
(``stringprep``), ~0.1 ms per value. asn1crypto caches it per parsed object only, and signing
parses the same names afresh for every signature (the signer's chain, the TSA's certificate
in each token, the OCSP responder in each answer): ~90 preparations, ~11 ms of CPU per report.

``install()`` makes ``NameTypeAndValue._ldap_string_prep`` (behind ``prepped_value``, name
equality and ``Name.hashable``) look its answer up by the value first. The preparation is a
function of the string alone, so the answer is the same; a value it refuses raises as before
and is not remembered; the memo is bounded (``MAX_VALUES``): past it, values are prepared as
before. ``tests/pki/test_names.py`` checks both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from asn1crypto import x509

__all__ = ["MAX_VALUES", "PREPARE", "install", "installed"]

#: Distinct values remembered per process (names, serial numbers, countries: short strings).
MAX_VALUES = 8192

_memo: dict[str, str] = {}
_lock = threading.Lock()
_installed = False
#: asn1crypto's own preparation (kept by ``install``, for the tests).
PREPARE: Callable[[Any, str], str] = x509.NameTypeAndValue._ldap_string_prep


def _prepare(self: Any, string: str) -> str:
    found = _memo.get(string)
    if found is None:
        found = PREPARE(self, string)
        if len(_memo) < MAX_VALUES:
            _memo[string] = found
    return found


def install() -> None:
    """Memoize the preparation by value (idempotent)."""
    global _installed
    with _lock:
        if not _installed:
            x509.NameTypeAndValue._ldap_string_prep = _prepare
            _installed = True


def installed() -> bool:
    return _installed

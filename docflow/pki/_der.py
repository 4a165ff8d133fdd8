"""A few DER encoders (X.690) for joining already-encoded pieces into a larger structure.

asn1crypto rebuilds and re-serialises every nested value it is handed, which makes a response
that embeds a certificate chain cost far more than its signature. The trust services encode
their constant parts once with asn1crypto and assemble each response from those bytes and the
few values that change, with these helpers. Only single-octet tags (tag numbers below 31).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

SEQUENCE = 0x30
SET = 0x31
INTEGER = 0x02
OCTET_STRING = 0x04
UTC_TIME = 0x17
GENERALIZED_TIME = 0x18


def context(number: int) -> int:
    """The tag octet of a constructed context-specific ``[number]`` (EXPLICIT, or IMPLICIT of
    a constructed type such as SEQUENCE or SET OF)."""
    if not 0 <= number < 31:
        raise ValueError(f"tag number {number} needs the long form")
    return 0xA0 | number


def length(n: int) -> bytes:
    """Definite length octets: short form below 128, else long form (X.690 8.1.3)."""
    if n < 0:
        raise ValueError("a length is never negative")
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, contents: bytes) -> bytes:
    """One value: its tag octet, its length, its contents."""
    if not 0 <= tag <= 0xFF or tag & 0x1F == 0x1F:
        raise ValueError(f"tag {tag:#x} is not a single-octet tag")
    return bytes([tag]) + length(len(contents)) + contents


def sequence(*parts: bytes) -> bytes:
    return tlv(SEQUENCE, b"".join(parts))


def set_of(parts: Iterable[bytes], *, tag: int = SET) -> bytes:
    """A SET OF: DER orders the elements by their encodings (X.690 11.6). ``tag`` replaces
    the SET tag for an IMPLICIT one (e.g. CMS signed attributes, ``[0]``)."""
    return tlv(tag, b"".join(sorted(parts)))


def integer(n: int) -> bytes:
    """An INTEGER in the fewest two's-complement octets (X.690 8.3.2)."""
    size = (n if n >= 0 else ~n).bit_length() // 8 + 1
    return tlv(INTEGER, n.to_bytes(size, "big", signed=True))


def octet_string(data: bytes) -> bytes:
    return tlv(OCTET_STRING, data)


def _whole_utc_seconds(moment: datetime) -> None:
    if moment.utcoffset() != timedelta(0):
        raise ValueError(f"{moment!r} is not in UTC")
    if moment.microsecond:
        raise ValueError(f"{moment!r} has a fraction of a second")


def generalized_time(moment: datetime) -> bytes:
    """GeneralizedTime ``YYYYMMDDHHMMSSZ`` (DER: UTC, no fraction when it is zero)."""
    _whole_utc_seconds(moment)
    return tlv(GENERALIZED_TIME, moment.strftime("%Y%m%d%H%M%SZ").encode("ascii"))


def utc_time(moment: datetime) -> bytes:
    """UTCTime ``YYMMDDHHMMSSZ``; two-digit years only mean 1950-2049 (RFC 5280 4.1.2.5.1)."""
    _whole_utc_seconds(moment)
    if not 1950 <= moment.year <= 2049:
        raise ValueError(f"UTCTime cannot hold the year {moment.year}")
    return tlv(UTC_TIME, moment.strftime("%y%m%d%H%M%SZ").encode("ascii"))

"""The Kazakh individual identification number (IIN, ЖСН/ИИН): its structure and checksum.

An IIN has 12 digits: YYMMDD (birth date), one digit for century and sex, four serial digits,
and a check digit. Problems are reported in plain words so that a consultant can fix them.
"""

from __future__ import annotations

from datetime import date

from docflow.i18n import Msg

__all__ = ["birth_date", "check_digit", "is_valid_iin", "validate_iin"]

_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

#: Digit 7 -> the century of birth (odd = male, even = female).
_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}


def check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 digits, or None when no digit can make the number valid.

    The sum of digit*weight with weights 1..11 is taken mod 11; a result of 10 is recomputed with
    weights 3..11,1,2; a second 10 means the serial cannot be used.
    """
    digits = [int(c) for c in first_eleven]
    for weights in (_WEIGHTS_FIRST, _WEIGHTS_SECOND):
        rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if rest != 10:
            return rest
    return None


def birth_date(value: str) -> date | None:
    """The birth date encoded in an IIN, or None if it does not encode a real date."""
    if len(value) < 7 or not value[:7].isdigit() or value[6] not in _CENTURY:
        return None
    year = _CENTURY[value[6]] + int(value[0:2])
    try:
        return date(year, int(value[2:4]), int(value[4:6]))
    except ValueError:
        return None


def iin_issues(value: object) -> list[Msg]:
    """Every problem with ``value`` as an IIN, as messages (``docflow.i18n``); none: valid."""
    if not isinstance(value, str):
        return [Msg("iin.not_text")]
    if not (value.isascii() and value.isdigit()):
        return [Msg("iin.not_digits", {"value": repr(value)})]
    if len(value) != 12:
        return [Msg("iin.length", {"value": repr(value), "length": len(value)})]
    problems: list[Msg] = []
    century_ok = value[6] in _CENTURY
    if not century_ok:
        problems.append(Msg("iin.century", {"digit": value[6]}))
    else:
        if birth_date(value) is None:
            problems.append(Msg("iin.birth_date", {"digits": value[:6]}))
    expected = check_digit(value[:11])
    if expected is None:
        problems.append(Msg("iin.no_checksum"))
    elif expected != int(value[11]):
        problems.append(Msg("iin.check_digit", {"expected": expected, "given": value[11]}))
    return problems


def validate_iin(value: str) -> list[str]:
    """Every problem with ``value`` as an IIN, in plain English; an empty list means valid."""
    return [m.text("en") for m in iin_issues(value)]


def is_valid_iin(value: str) -> bool:
    """True when ``value`` is a well-formed IIN (structure, birth date, checksum)."""
    return not validate_iin(value)

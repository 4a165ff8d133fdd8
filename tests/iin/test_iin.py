"""The Kazakh IIN: structure, birth date, century/sex digit, two-pass checksum."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docflow.iin import birth_date, check_digit, is_valid_iin, validate_iin


def _complete(first_eleven: str) -> str | None:
    digit = check_digit(first_eleven)
    return None if digit is None else first_eleven + str(digit)


def test_example_from_the_contract_is_valid() -> None:
    assert validate_iin("900415400127") == []
    assert is_valid_iin("900415400127")
    assert birth_date("900415400127") == date(1990, 4, 15)


def test_example_needs_the_second_weight_pass() -> None:
    # 9*1+4*4+1*5+5*6+4*7+1*10+2*11 = 120, 120 mod 11 = 10: the second weights give 7.
    digits = [int(c) for c in "90041540012"]
    assert sum(d * w for d, w in zip(digits, range(1, 12), strict=True)) % 11 == 10
    assert check_digit("90041540012") == 7


@pytest.mark.parametrize(
    "value",
    [
        "900415400127",
        _complete("85110340211"),
        _complete("05030250001"),  # born 2005, female: digit 6
        _complete("99123111234"),  # born 1899, male: digit 1
    ],
)
def test_valid_numbers(value: str | None) -> None:
    assert value is not None
    assert validate_iin(value) == []


def test_bad_checksum_names_the_right_digit() -> None:
    problems = validate_iin("900415400128")
    assert len(problems) == 1
    assert "check digit" in problems[0] and "should be 7" in problems[0]


def test_impossible_birth_date_990230() -> None:
    value = _complete("99023030001")
    assert value is not None
    problems = validate_iin(value)
    assert any("990230 is not a date" in p for p in problems)


def test_not_a_leap_year() -> None:
    value = _complete("01022950001")  # 29 Feb 2001 does not exist
    assert value is not None
    assert not is_valid_iin(value)
    leap = _complete("00022950001")  # 29 Feb 2000 does
    assert leap is not None and is_valid_iin(leap)


@pytest.mark.parametrize("century", ["0", "7", "8", "9"])
def test_bad_century_digit(century: str) -> None:
    value = _complete(f"900415{century}0012")
    problems = validate_iin(value or f"900415{century}00120")
    assert any("digit 7" in p for p in problems)


@pytest.mark.parametrize("value", ["90041540012A", "9004 1540012", "９００４１５４００１２７", ""])
def test_letters_and_other_characters(value: str) -> None:
    problems = validate_iin(value)
    assert problems and ("only digits" in problems[0] or "12 digits" in problems[0])


@pytest.mark.parametrize("value", ["90041540012", "9004154001270", "1"])
def test_wrong_length(value: str) -> None:
    assert any("exactly 12 digits" in p for p in validate_iin(value))


def test_serial_without_any_check_digit_is_invalid() -> None:
    # Find 11 digits for which both weight passes give 10: no check digit can save them.
    for serial in range(10000):
        first = f"900415{4}{serial:04d}"
        if check_digit(first) is None:
            break
    else:  # pragma: no cover - the search space always has such serials
        pytest.fail("no unusable serial found")
    for last in "0123456789":
        assert not is_valid_iin(first + last)
    assert any("cannot form a valid number" in p for p in validate_iin(first + "0"))


def test_not_a_string() -> None:
    assert validate_iin(900415400127) != []  # type: ignore[arg-type]


_birth_dates = st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31))


@given(born=_birth_dates, female=st.booleans(), serial=st.integers(0, 9999))
def test_property_built_numbers_are_valid_and_decode(born: date, female: bool, serial: int) -> None:
    century = (born.year // 100 - 18) * 2 + 1 + int(female)
    first = f"{born:%y%m%d}{century}{serial:04d}"
    value = _complete(first)
    if value is None:
        assert all(not is_valid_iin(first + d) for d in "0123456789")
        return
    assert validate_iin(value) == []
    assert birth_date(value) == born


@given(born=_birth_dates, serial=st.integers(0, 9999), shift=st.integers(1, 9))
def test_property_a_changed_check_digit_is_caught(born: date, serial: int, shift: int) -> None:
    century = (born.year // 100 - 18) * 2 + 1
    value = _complete(f"{born:%y%m%d}{century}{serial:04d}")
    if value is None:
        return
    wrong = value[:11] + str((int(value[11]) + shift) % 10)
    assert not is_valid_iin(wrong)


@given(st.text(max_size=20))
def test_property_never_raises_on_any_text(value: str) -> None:
    problems = validate_iin(value)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)
    assert is_valid_iin(value) == (problems == [])


def test_birth_date_of_malformed_is_none() -> None:
    assert birth_date("9904") is None
    assert birth_date("990230300010") is None
    assert birth_date("900415900012") is None
    assert birth_date("000101500000") == date(2000, 1, 1)

"""Fixtures of the bodies tests: a home with the Karaganda and Almaty chambers registered,
and valid IINs for the people in them."""

from __future__ import annotations

import pytest

from docflow.bodies import ChamberRegistry
from docflow.config import Home
from docflow.iin import check_digit

KARAGANDA_KK = "Қарағанды облысының заң консультанттары палатасы"
KARAGANDA_RU = "Палата юридических консультантов Карагандинской области"
ALMATY_KK = "Алматы қаласының заң консультанттары палатасы"
ALMATY_RU = "Палата юридических консультантов города Алматы"


def valid_iin(n: int) -> str:
    """A distinct valid IIN per ``n`` (born 1985-02-28, serials from n)."""
    for step in range(10000):
        first = f"8502283{(n + step) % 10000:04d}"
        digit = check_digit(first)
        if digit is not None:
            return first + str(digit)
    raise ValueError("no valid IIN")


@pytest.fixture
def chambers(home: Home) -> ChamberRegistry:
    registry = ChamberRegistry(home)
    registry.add("karaganda", kk=KARAGANDA_KK, ru=KARAGANDA_RU)
    registry.add("almaty", kk=ALMATY_KK, ru=ALMATY_RU, aliases=["Алматинская палата"])
    return registry

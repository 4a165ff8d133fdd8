"""Working days for M-10-15 ("10–15 жұмыс күні ішінде ілеспе хаттама ашылып"): the roadmap
counts with Kazakhstan's calendar of days off.

The calendar itself belongs to ``docflow.rules.workdays`` (``docflow/data/calendar_kz.yaml``,
branch ``rules``). Until that module is on this branch the roadmap uses the fallback below:
Saturdays, Sundays and the fixed public holidays of the Labour Code (art. 84 of the Law "On
holidays"), without the government's moved working days. One function is the interface:
``add_working_days(day, n)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

__all__ = ["add_working_days", "calendar_source"]

#: Fixed public holidays of Kazakhstan (month, day); Nauryz is 21–23 March.
_FIXED = {
    (1, 1), (1, 2), (1, 7), (3, 8), (3, 21), (3, 22), (3, 23), (5, 1), (5, 7), (5, 9),
    (7, 6), (8, 30), (10, 25), (12, 16),
}  # fmt: skip


def _fallback_add(day: date, n: int) -> date:
    current = day
    left = n
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and (current.month, current.day) not in _FIXED:
            left -= 1
    return current


def _resolve() -> tuple[Callable[[date, int], date], str]:
    try:
        from docflow.rules.workdays import add_working_days as real  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _fallback_add, "fallback: weekends and fixed public holidays"
    return real, "docflow.rules.workdays (calendar_kz.yaml)"


_ADD, _SOURCE = _resolve()


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day``."""
    return _ADD(day, n)


def calendar_source() -> str:
    """Which calendar counted (recorded in the decision's record)."""
    return _SOURCE

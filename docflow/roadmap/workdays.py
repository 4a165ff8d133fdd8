"""Working days for M-10-15 ("10–15 жұмыс күні ішінде ілеспе хаттама ашылып"): the roadmap
counts with Kazakhstan's calendar of days off and moved working days
(``docflow.rules.workdays``, ``docflow/data/calendar_kz.yaml``)."""

from __future__ import annotations

from datetime import date

from docflow.rules.workdays import add_working_days as _add_working_days

__all__ = ["add_working_days", "calendar_source"]


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day``."""
    return _add_working_days(day, n)


def calendar_source() -> str:
    """Which calendar counted (recorded in the decision's record)."""
    return "docflow.rules.workdays (calendar_kz.yaml)"

"""Kazakhstan's working-day calendar as versioned data (``docflow/data/calendar_kz.yaml``).

Pure: the data is read once from the package; every function takes the day it is asked about.
R-3.2d uses it to move a deadline that falls on a day off to the next working day; the roadmap
counts its "10-15 working days" (M-10-15) with ``add_working_days``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "WorkdayCalendar",
    "add_working_days",
    "is_working_day",
    "load_calendar",
    "next_working_day",
    "parse_calendar",
]


@dataclass(frozen=True)
class _Holiday:
    month: int
    day: int
    since: int | None = None
    until: int | None = None

    def on(self, year: int) -> date | None:
        if (self.since and year < self.since) or (self.until and year > self.until):
            return None
        return date(year, self.month, self.day)


@dataclass(frozen=True)
class WorkdayCalendar:
    """Holidays (carried over from a weekend), religious days off (not carried over), and per
    year the Government's transfers and the first day of Kurban ait."""

    holidays: tuple[_Holiday, ...]
    religious: tuple[_Holiday, ...]
    kurban_ait: Mapping[int, date]
    transfers: Mapping[int, tuple[tuple[date, date], ...]]  # year -> ((working, off), ...)
    complete: Mapping[int, bool]

    def year_complete(self, year: int) -> bool:
        """True when every Government transfer of ``year`` is known to the data."""
        return self.complete.get(year, False)

    def days_off(self, year: int) -> frozenset[date]:
        return _days_off(self, year)

    def working_weekend_days(self, year: int) -> frozenset[date]:
        return frozenset(w for w, _ in self.transfers.get(year, ()))

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekend_days(day.year):
            return True
        return day.weekday() < 5 and day not in self.days_off(day.year)

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``n`` >= 0; 0 gives ``next_working_day``)."""
        if n < 0:
            raise ValueError("n must be 0 or more")
        day = self.next_working_day(day)
        for _ in range(n):
            day = self.next_working_day(day + timedelta(days=1))
        return day


def _weekend(day: date) -> bool:
    return day.weekday() >= 5


def _days_off(cal: WorkdayCalendar, year: int) -> frozenset[date]:
    holidays = sorted(d for h in cal.holidays if (d := h.on(year)) is not None)
    religious = {d for h in cal.religious if (d := h.on(year)) is not None}
    if year in cal.kurban_ait:
        religious.add(cal.kurban_ait[year])
    off: set[date] = set(holidays) | religious
    # Labour Code art. 85 p. 2: a holiday on a day off makes the next working day a day off.
    for day in holidays:
        if _weekend(day):
            carried = day + timedelta(days=1)
            while _weekend(carried) or carried in off:
                carried += timedelta(days=1)
            off.add(carried)
    # Labour Code art. 85 p. 3: the Government's transfers.
    for working, moved_off in cal.transfers.get(year, ()):
        off.discard(working)
        off.add(moved_off)
    return frozenset(off)


def _holiday(item: Mapping[str, Any]) -> _Holiday:
    return _Holiday(
        month=int(item["month"]),
        day=int(item["day"]),
        since=item.get("since"),
        until=item.get("until"),
    )


def parse_calendar(data: Mapping[str, Any]) -> WorkdayCalendar:
    years = data.get("years") or {}
    transfers: dict[int, tuple[tuple[date, date], ...]] = {}
    for year, item in years.items():
        pairs = []
        for t in item.get("transfers") or []:
            working, off = t["working"], t["day_off"]
            if working.year != int(year) or off.year != int(year):
                raise ValueError(f"calendar {year}: transfer {working} -> {off} leaves the year")
            pairs.append((working, off))
        transfers[int(year)] = tuple(pairs)
    return WorkdayCalendar(
        holidays=tuple(_holiday(h) for h in data.get("holidays") or []),
        religious=tuple(_holiday(h) for h in data.get("religious") or []),
        kurban_ait={
            int(y): item["kurban_ait"] for y, item in years.items() if "kurban_ait" in item
        },
        transfers=transfers,
        complete={int(y): bool(item.get("complete")) for y, item in years.items()},
    )


@cache
def load_calendar() -> WorkdayCalendar:
    """The calendar shipped with docflow (read once)."""
    import yaml

    text = resources.files("docflow").joinpath("data/calendar_kz.yaml").read_text(encoding="utf-8")
    return parse_calendar(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def is_working_day(day: date) -> bool:
    """True on a working day of a five-day week in Kazakhstan."""
    return load_calendar().is_working_day(day)


def next_working_day(day: date) -> date:
    """``day`` when it is a working day, else the first working day after it."""
    return load_calendar().next_working_day(day)


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (M-10-15's "within 10-15 working days")."""
    return load_calendar().add_working_days(day, n)

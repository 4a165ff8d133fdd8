"""Who still owes a report before the filing deadline (R-3.2d): the reminder list, pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from docflow.summaries.chamber import MemberLine, chamber_summary
from docflow.summaries.roster import Period, Roster

__all__ = ["pending_members"]


def pending_members(
    roster: Roster,
    records: Iterable[Mapping[str, Any]],
    *,
    year: int,
    today: date,
    suspensions: Mapping[str, Sequence[Period]] | None = None,
) -> list[MemberLine]:
    """Members owing a report for ``year`` who have none accepted yet: nothing filed, or the
    filed one returned and not corrected (R-3.2e). Empty after the deadline: then it is a
    matter for R-9.1, not a reminder."""
    summary = chamber_summary(roster, records, year=year, today=today, suspensions=suspensions)
    if today > summary.deadline:
        return []
    return [m for m in summary.members if m.state in ("not_filed", "returned")]

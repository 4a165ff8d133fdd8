"""R-9.1 as pure data: which warnings to issue, which are cured, which become suspensions.

A case per member and reporting year moves ``open`` (warning issued, R-9.1a) → ``cured`` (a
report reaching the norm submitted by the due date) or → ``suspended`` (R-9.1b, three months,
with the duty to reach the norm: a sanction suspension is no R-7.4 exemption).
The service layer stores cases and issues the signed notices; this module only decides.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from docflow.summaries.chamber import ChamberSummary
from docflow.summaries.roster import Period

__all__ = [
    "SANCTION_GROUND",
    "SANCTION_STATES",
    "SanctionAction",
    "SanctionCase",
    "add_months",
    "plan_sanctions",
    "suspension_periods",
]

SANCTION_STATES = ("open", "cured", "suspended")
WARNING_MONTHS = 1  # R-9.1a
SUSPENSION_MONTHS = 3  # R-9.1b


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class SanctionCase:
    """One member's R-9.1 case for one reporting year."""

    chamber: str
    iin: str
    year: int
    full_name: str
    reason: str  # below_norm | not_filed | returned (the member's state when warned)
    state: str  # open | cured | suspended
    warned_on: date
    due_on: date
    warning_record: str | None = None
    cured_on: date | None = None
    cure_record: str | None = None
    suspended_from: date | None = None
    suspended_to: date | None = None
    suspension_record: str | None = None
    locale: str = "kk"

    def to_json(self) -> dict[str, Any]:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "chamber": self.chamber,
            "iin": self.iin,
            "year": self.year,
            "full_name": self.full_name,
            "reason": self.reason,
            "state": self.state,
            "warned_on": iso(self.warned_on),
            "due_on": iso(self.due_on),
            "warning_record": self.warning_record,
            "cured_on": iso(self.cured_on),
            "cure_record": self.cure_record,
            "suspended_from": iso(self.suspended_from),
            "suspended_to": iso(self.suspended_to),
            "suspension_record": self.suspension_record,
            "locale": self.locale,
        }


@dataclass(frozen=True)
class SanctionAction:
    """What to do now: ``warn`` (issue a warning notice), ``cure`` (close a case, no
    document), ``suspend`` (issue a suspension notice). ``case`` is the case after the action."""

    kind: str
    case: SanctionCase


def plan_sanctions(
    summary: ChamberSummary,
    cases: Mapping[str, SanctionCase],
    *,
    today: date,
    locale: str = "kk",
) -> list[SanctionAction]:
    """The R-9.1 actions due on ``today`` for ``summary``'s year; ``cases`` by IIN.

    Nothing is warned before the filing deadline has passed (R-3.2d): until 15 February a
    report may still be filed or corrected. Deciding from the same inputs twice gives no new
    action for a case already decided, so a repeated run issues nothing twice.
    """
    actions: list[SanctionAction] = []
    if today <= summary.deadline:
        return actions
    by_iin = {m.iin: m for m in summary.members}
    for line in summary.deficient:
        if line.iin in cases:
            continue
        case = SanctionCase(
            chamber=summary.chamber,
            iin=line.iin,
            year=summary.year,
            full_name=line.full_name,
            reason=line.state,
            state="open",
            warned_on=today,
            due_on=add_months(today, WARNING_MONTHS),
            locale=locale,
        )
        actions.append(SanctionAction("warn", case))
    for iin, case in sorted(cases.items()):
        if case.state != "open":
            continue
        current = by_iin.get(iin)
        # R-9.1a: the norm reached by the due date closes the warning; so does a ground of
        # exemption found since, because then nothing was owed.
        cured = current is not None and (
            current.state == "exempt"
            or (
                current.state == "compliant"
                and current.latest_on is not None
                and current.latest_on <= case.due_on
            )
        )
        if cured and current is not None:
            actions.append(
                SanctionAction(
                    "cure",
                    replace(
                        case,
                        state="cured",
                        cured_on=current.latest_on or today,
                        cure_record=current.record,
                    ),
                )
            )
        elif today > case.due_on:
            start = case.due_on + timedelta(days=1)
            end = add_months(start, SUSPENSION_MONTHS) - timedelta(days=1)
            actions.append(
                SanctionAction(
                    "suspend",
                    replace(case, state="suspended", suspended_from=start, suspended_to=end),
                )
            )
    return actions


#: The ground of a sanction suspension's period: not an R-7.4 ground (R-9.1b keeps the duty).
SANCTION_GROUND = "sanction_suspension"


def suspension_periods(cases: Sequence[SanctionCase]) -> dict[str, list[Period]]:
    """Sanction suspensions by IIN, for display (``chamber_summary(suspensions=)``).

    R-9.1b suspends "with the duty to reach the norm": unlike a suspension of activity under
    R-7.4, a sanction suspension exempts from nothing, neither the year it punishes nor the
    year it falls in. Its periods carry the ground ``sanction_suspension`` so no reader can
    take them for an R-7.4 ground."""
    out: dict[str, list[Period]] = {}
    for case in cases:
        if case.state == "suspended" and case.suspended_from is not None:
            out.setdefault(case.iin, []).append(
                Period(SANCTION_GROUND, case.suspended_from, case.suspended_to)
            )
    return out

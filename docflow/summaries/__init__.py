"""Rosters, the chamber's and the Collegium's annual summaries (R-4.7, R-5.5, R-5.6), the
R-9.1 warnings and suspensions, and reminders before the R-3.2d deadline.

The computations (``chamber_summary``, ``collegium_summary``, ``plan_sanctions``,
``pending_members``) are pure; ``SummaryService`` writes their documents as jobs of the generic
flow (``jobs``), which renders, signs and archives them in its worker processes (issue 12).
"""

from docflow.summaries.chamber import (
    FORM_KEYS,
    GROUNDS,
    ChamberSummary,
    MemberLine,
    Note,
    chamber_summary,
    collegium_due,
    filing_deadline,
    latest_reports,
    summary_csv,
    totals_csv,
)
from docflow.summaries.collegium import ChamberYear, CollegiumSummary, FormYear, collegium_summary
from docflow.summaries.reminders import pending_members
from docflow.summaries.roster import Member, Period, Roster, load_roster, parse_roster_csv
from docflow.summaries.sanctions import (
    SanctionAction,
    SanctionCase,
    add_months,
    plan_sanctions,
    suspension_periods,
)
from docflow.summaries.store import SummaryStore

__all__ = [
    "FORM_KEYS",
    "GROUNDS",
    "ChamberSummary",
    "ChamberYear",
    "CollegiumSummary",
    "FormYear",
    "Member",
    "MemberLine",
    "Note",
    "Period",
    "Roster",
    "SanctionAction",
    "SanctionCase",
    "SummaryStore",
    "add_months",
    "chamber_summary",
    "collegium_due",
    "collegium_summary",
    "filing_deadline",
    "latest_reports",
    "load_roster",
    "parse_roster_csv",
    "pending_members",
    "plan_sanctions",
    "summary_csv",
    "suspension_periods",
    "totals_csv",
]

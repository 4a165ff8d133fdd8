"""The pure rules engine: Part R and Appendix 2 of ../shared/RULES.md (no I/O, no clock).

Appendix 2 and Kazakhstan's working-day calendar are versioned data (``docflow/data/``);
``evaluate_cpd`` returns a ``CpdVerdict`` whose every finding cites its clause.
"""

from docflow.rules.appendix2 import (
    Appendix2Row,
    Appendix2Version,
    load_versions,
    parse_versions,
    table_for_year,
)
from docflow.rules.cpd import (
    ActivityResult,
    CpdVerdict,
    EvidenceIssue,
    Finding,
    RosterExemption,
    deadline_for,
    decided_points_problems,
    evaluate_cpd,
    filing_day,
    roster_exemption,
    statutory_deadline,
)
from docflow.rules.texts import comment_section, defect_remarks, exemption_statement
from docflow.rules.workdays import (
    WorkdayCalendar,
    add_working_days,
    is_working_day,
    load_calendar,
    next_working_day,
)

__all__ = [
    "ActivityResult",
    "Appendix2Row",
    "Appendix2Version",
    "CpdVerdict",
    "EvidenceIssue",
    "Finding",
    "RosterExemption",
    "WorkdayCalendar",
    "add_working_days",
    "comment_section",
    "deadline_for",
    "decided_points_problems",
    "defect_remarks",
    "evaluate_cpd",
    "exemption_statement",
    "filing_day",
    "is_working_day",
    "load_calendar",
    "load_versions",
    "next_working_day",
    "parse_versions",
    "roster_exemption",
    "statutory_deadline",
    "table_for_year",
]

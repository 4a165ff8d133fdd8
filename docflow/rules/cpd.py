"""The verdict on an annual professional-development report (Part R and Appendix 2 of RULES.md).

Pure: no I/O, no clock. ``today`` (the day of arrival) and the names of the evidence files that
are actually present come in as arguments; the verdict goes out as data.

Decisions taken where the rules are silent (documented here so the officer can find them):

* An activity outside the reporting year counts 0 (R-7.1) but does not make the report invalid.
* An activity without evidence counts 0 and is a *defect*: the report is returned for
  correction (R-7.5, R-3.2e). An exempt consultant's report has no defects: nothing is owed.
* An exemption whose period touches the reporting year at all exempts the whole year (R-7.4:
  when the status is restored during a year, the duty starts from the next year).
* A consultant who became a member of the chamber only after the reporting year owes nothing for
  it: the duty of R-3.2c/R-7.2 is a member's duty. The verdict is ``exempt`` with a finding citing
  R-7.1. A membership starting *during* the year leaves the duty in place (the rules do not relieve
  it) and is noted.
* An "other" activity (R-3.1b) counts only the points the officer decided; until then the report
  needs review — unless the activity could not count anyway (no evidence, outside the year).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from docflow.model import CpdReport, evidence_key
from docflow.rules.appendix2 import Appendix2Version, table_for_year

__all__ = [
    "ActivityResult",
    "CpdVerdict",
    "Finding",
    "Severity",
    "VerdictName",
    "deadline_for",
    "evaluate_cpd",
]

Severity = Literal["error", "warning", "info"]
VerdictName = Literal["compliant", "non_compliant", "exempt", "needs_review"]

_REASONS = {
    "maternity_leave": "maternity leave",
    "childcare_leave": "childcare leave",
    "suspended": "suspension of activity",
}


@dataclass(frozen=True)
class Finding:
    """One observation, always citing the clause it comes from."""

    clause: str
    message: str
    severity: Severity = "info"
    #: The activity it is about (1-based, as numbered in messages), if any.
    activity: int | None = None
    #: The evidence names the report gave for that activity (R-7.5).
    evidence: tuple[str, ...] = ()

    def to_json(self) -> dict[str, str]:
        return {"clause": self.clause, "message": self.message, "severity": self.severity}


@dataclass(frozen=True)
class ActivityResult:
    index: int
    form: int | Literal["other"]
    title: str
    organizer: str
    date: date
    points: int  # what counts towards the total (0 when not counted)
    counted: bool
    claimed_points: int | None
    evidence: list[str]  # as named in the report
    form_name: dict[str, str] = field(default_factory=dict)  # {"kk": ..., "ru": ...}
    table_points: int | None = None  # Appendix 2 points of the form (None for "other")

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "form": self.form,
            "form_name": dict(self.form_name),
            "title": self.title,
            "organizer": self.organizer,
            "date": self.date.isoformat(),
            "points": self.points,
            "counted": self.counted,
            "claimed_points": self.claimed_points,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class CpdVerdict:
    verdict: VerdictName
    total_points: int
    required_points: int
    late: bool
    deadline: date
    findings: list[Finding]
    activities: list[ActivityResult]
    rule_version: str
    defects: list[Finding]
    exemption: dict[str, str | None] | None = None

    @property
    def returnable(self) -> bool:
        """True when the officer must return the report for correction (R-3.2e)."""
        return bool(self.defects)

    def to_json(self) -> dict[str, Any]:
        """The ``docflow check --json`` shape of CONTRACT.md."""
        return {
            "verdict": self.verdict,
            "total_points": self.total_points,
            "required_points": self.required_points,
            "late": self.late,
            "deadline": self.deadline.isoformat(),
            "rule_version": self.rule_version,
            "exemption": dict(self.exemption) if self.exemption else None,
            "findings": [f.to_json() for f in self.findings],
            "defects": [f.to_json() for f in self.defects],
            "activities": [a.to_json() for a in self.activities],
        }


def deadline_for(year: int) -> date:
    """R-3.2d / R-7.6: the report is due by 15 February of the year after the reporting year."""
    return date(year + 1, 2, 15)


def evaluate_cpd(
    report: CpdReport,
    *,
    today: date,
    evidence_names: set[str],
    decided_points: Mapping[int, int] | None = None,
    table: Appendix2Version | None = None,
    evidence_problems: Mapping[str, str] | None = None,
) -> CpdVerdict:
    """Judge ``report`` under the Appendix 2 version in force in its year (R-7.3, R-10.2).

    ``evidence_names``: normalised paths of the evidence files present; ``decided_points``:
    activity index -> points the officer decided for an "other" activity (R-3.1b);
    ``evidence_problems``: normalised path -> reason, for attached files that are not valid
    evidence (e.g. a forged or revoked docflow certificate): they do not document anything.
    """
    decided = dict(decided_points or {})
    problems = {evidence_key(k) or k: v for k, v in (evidence_problems or {}).items()}
    version = table or table_for_year(report.year)
    year = report.year
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    findings: list[Finding] = []
    defects: list[Finding] = []

    exempt, exempt_findings, exemption = _exemption(report, year_start, year_end)

    results: list[ActivityResult] = []
    undecided_other: list[int] = []
    for index, activity in enumerate(report.activities):
        number = index + 1  # people count activities from 1
        counted = True
        present = [
            p
            for p in activity.evidence
            if evidence_key(p) in evidence_names and evidence_key(p) not in problems
        ]
        refused = [
            f"{p}: {problems[key]}"
            for p in activity.evidence
            if (key := evidence_key(p)) in problems and key in evidence_names
        ]
        if activity.form == "other":
            table_points = None
            points = decided.get(index, 0)
        else:
            row = version.row(activity.form)
            table_points = points = row.points
            # points come from Appendix 2; a value in the input is checked, not trusted.
            for given, label in ((activity.points, "points"), (activity.claimed_points, "claimed")):
                if given is not None and given != row.points:
                    findings.append(
                        Finding(
                            "R-7.3",
                            f"activity {number}: {label} {given} differ from Appendix 2 "
                            f"({row.clause}: {row.points}); {row.points} counted",
                            "info",
                        )
                    )
        if not year_start <= activity.date <= year_end:
            # the reporting year runs 1 January - 31 December.
            counted = False
            findings.append(
                Finding(
                    "R-7.1",
                    f"activity {number} ({activity.date.isoformat()}) is outside the reporting "
                    f"year {year}; it counts 0",
                    "warning",
                )
            )
        if not present:
            # participation must be documented; R-3.2e: the report goes back for it.
            counted = False
            missing = (
                "not valid evidence: " + "; ".join(refused)
                if refused
                else f"named but not attached: {', '.join(activity.evidence)}"
                if activity.evidence
                else "none named"
            )
            finding = Finding(
                "R-7.5",
                f"activity {number} ({activity.title}) has no supporting document "
                f"({missing}); it counts 0 until one is attached",
                "error",
                activity=number,
                evidence=tuple(activity.evidence),
            )
            findings.append(finding)
            if not exempt:
                defects.append(finding)
        if activity.form == "other":
            if index in decided:
                findings.append(
                    Finding(
                        "R-3.1b",
                        f"activity {number} is outside Appendix 2; the officer decided "
                        f"{decided[index]} point(s)",
                        "info",
                    )
                )
            elif counted:
                undecided_other.append(index)
                claim = (
                    f" (claimed {activity.claimed_points})"
                    if activity.claimed_points is not None
                    else ""
                )
                findings.append(
                    Finding(
                        "R-3.1b",
                        f"activity {number} is outside Appendix 2{claim}; the chamber's "
                        "responsible person must decide its points",
                        "warning",
                    )
                )
        results.append(
            ActivityResult(
                index=index,
                form=activity.form,
                title=activity.title,
                organizer=activity.organizer,
                date=activity.date,
                points=points if counted else 0,
                counted=counted,
                claimed_points=(
                    activity.claimed_points
                    if activity.claimed_points is not None
                    else activity.points
                ),
                evidence=list(activity.evidence),
                form_name=version.form_name(activity.form),
                table_points=table_points,
            )
        )

    total = sum(r.points for r in results)
    required = version.required_points

    # R-3.2d: due by 15 February of the next year; a late report is accepted but marked.
    deadline = deadline_for(year)
    filed = report.submitted_on or today
    late = filed > deadline
    if late:
        findings.append(
            Finding(
                "R-3.2d",
                f"filed on {filed.isoformat()}, after the deadline of {deadline.isoformat()}: "
                "accepted, marked late",
                "warning",
            )
        )
    elif filed <= year_end:
        # R-3.1c: early filing is a right; intake has made sure the activities came first.
        findings.append(
            Finding(
                "R-3.1c",
                f"filed early, on {filed.isoformat()}, before the reporting year ended",
                "info",
            )
        )

    verdict: VerdictName
    findings = exempt_findings + findings
    if exempt:
        verdict = "exempt"
    elif undecided_other:
        verdict = "needs_review"
    elif total < required:
        verdict = "non_compliant"
    else:
        verdict = "compliant"

    if not exempt:
        findings.extend(_membership_note(report, year_start, year_end))
        if total < required:
            findings.append(
                Finding(
                    "R-3.2c",
                    f"{total} point(s) counted, fewer than the required {required} (R-7.2)",
                    "error" if verdict == "non_compliant" else "warning",
                )
            )
        else:
            findings.append(
                Finding("R-3.2c", f"{total} point(s) counted; at least {required} required")
            )

    return CpdVerdict(
        verdict=verdict,
        total_points=total,
        required_points=required,
        late=late,
        deadline=deadline,
        findings=findings,
        activities=results,
        rule_version=version.id,
        defects=defects,
        exemption=exemption,
    )


def _exemption(
    report: CpdReport, year_start: date, year_end: date
) -> tuple[bool, list[Finding], dict[str, str | None] | None]:
    """Whether the consultant is exempt for the year, the findings saying why, and the data."""
    member_since = report.consultant.member_since
    if member_since > year_end:
        finding = Finding(
            "R-7.1",
            f"a member of the chamber only since {member_since.isoformat()}: "
            f"no duty for {report.year}",
        )
        return True, [finding], {"reason": "not_a_member", "from": None, "to": None}
    ex = report.exemption
    if ex is None:
        return False, [], None
    as_data: dict[str, str | None] = {
        "reason": ex.reason,
        "from": ex.from_.isoformat(),
        "to": ex.to.isoformat() if ex.to else None,
    }
    period = f"from {ex.from_.isoformat()}" + (f" to {ex.to.isoformat()}" if ex.to else "")
    ends = ex.to or date.max
    if ex.from_ > year_end or ends < year_start:
        note = Finding(
            "R-7.4",
            f"{_REASONS[ex.reason]} {period} does not touch {report.year}; the duty applies",
        )
        return False, [note], None
    message = f"exempt for {report.year}: {_REASONS[ex.reason]} {period}"
    if ex.to is not None and ex.to <= year_end:
        # status restored during the year: the duty starts from the next calendar year.
        message += f"; status restored during {report.year}, the duty starts in {report.year + 1}"
    return True, [Finding("R-7.4", message)], as_data


def _membership_note(report: CpdReport, year_start: date, year_end: date) -> list[Finding]:
    since = report.consultant.member_since
    if year_start < since <= year_end:
        return [
            Finding(
                "R-7.1",
                f"a member since {since.isoformat()}, during the reporting year; "
                "the annual duty applies in full",
            )
        ]
    return []

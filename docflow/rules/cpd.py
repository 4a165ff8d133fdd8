"""The verdict on an annual professional-development report (Part R and Appendix 2 of RULES.md).

Pure: no I/O, no clock. The day the report was filed, the names of the evidence files that are
actually present, the chamber roster's confirmation of an exemption and the officer's decisions
come in as arguments; the verdict goes out as data. Every finding carries a message key and its
parameters (``docflow.i18n``) so each reader gets it in their own language.

Decisions taken where the rules are silent (documented here so the officer can find them):

* An activity outside the reporting year counts 0 (R-7.1) but does not make the report invalid.
* An activity without evidence counts 0 and is a *defect*: the report is returned for
  correction (R-7.5, R-3.2e). An exempt consultant's report has no defects: nothing is owed.
* R-7.4: an exemption is applied without a look only when the chamber's roster confirms the
  same ground for the whole reporting year; any other claim (no roster confirmation, or a leave
  starting or ending inside the year) is the officer's decision, made with the claim's
  supporting documents. A roster's generic "on leave" is no R-7.4 ground; neither is a
  sanction suspension (R-9.1b keeps the duty).
* R-3.2d: the filing day is the day docflow received the report (or the consultant's own
  signature time), never a date typed into it. A deadline on a day off moves to the next
  working day (``docflow/data/calendar_kz.yaml``).
* A consultant who became a member of the chamber only after the reporting year owes nothing for
  it: the duty of R-3.2c/R-7.2 is a member's duty. The verdict is ``exempt`` with a finding citing
  R-7.1. A membership starting *during* the year leaves the duty in place (the rules do not relieve
  it) and is noted.
* An "other" activity (R-3.1b) counts only the points the officer decided, by the activity's
  number as people count (from 1); with no decision it counts 0, never the claim. Until the
  officer decides, the report needs review, unless the activity could not count anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from docflow.i18n import Msg, message, to_json_value
from docflow.model import CpdReport, evidence_key
from docflow.rules.appendix2 import Appendix2Version, table_for_year
from docflow.rules.workdays import WorkdayCalendar, load_calendar

__all__ = [
    "ActivityResult",
    "CpdVerdict",
    "EvidenceIssue",
    "Finding",
    "RosterExemption",
    "Severity",
    "VerdictName",
    "deadline_for",
    "decided_points_problems",
    "evaluate_cpd",
    "filing_day",
    "roster_exemption",
    "statutory_deadline",
]

Severity = Literal["error", "warning", "info"]
VerdictName = Literal["compliant", "non_compliant", "exempt", "needs_review"]
#: R-7.4 grounds. A roster's generic ``on_leave`` is none of them.
R74_GROUNDS = ("maternity_leave", "childcare_leave", "suspended")


@dataclass(frozen=True)
class Finding:
    """One observation, always citing the clause it comes from.

    ``key`` and ``params`` name the message in ``docflow.i18n``'s catalogues; ``activity`` is
    the activity's number as people count it (from 1), ``evidence`` the documents concerned.
    """

    clause: str
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity = "info"
    activity: int | None = None
    evidence: tuple[str, ...] = ()

    def text(self, locale: str) -> str:
        """The message in ``locale`` (kk, ru or en)."""
        return message(self.key, locale, **self.params)

    @property
    def message(self) -> str:
        """The message in English (logs and tests); people read ``text(locale)``."""
        return self.text("en")

    def to_json(self, locale: str = "en") -> dict[str, Any]:
        return {
            "clause": self.clause,
            "message": self.text(locale),
            "severity": self.severity,
            "key": self.key,
            "params": {k: to_json_value(v) for k, v in self.params.items()},
            "activity": self.activity,
            "evidence": list(self.evidence),
        }


#: Why an attached file is not valid evidence (R-7.5), e.g. ``Msg("evidence.issued_to_other",
#: {...})``, so the remarks give the real reason (R-3.2e).
EvidenceIssue = Msg


@dataclass(frozen=True)
class RosterExemption:
    """What the chamber's roster records for a member (R-7.4): the ground and its period
    (inclusive; ``None`` is open-ended). Only an R-7.4 ground makes one."""

    ground: Literal["maternity_leave", "childcare_leave", "suspended"]
    start: date | None
    end: date | None

    def covers_year(self, year: int) -> bool:
        return (self.start is None or self.start <= date(year, 1, 1)) and (
            self.end is None or self.end >= date(year, 12, 31)
        )


def roster_exemption(
    status: str, status_from: date | None, status_to: date | None
) -> RosterExemption | None:
    """The roster's record of an R-7.4 ground, or None (``active``, or a generic ``on_leave``,
    which does not say it is maternity or childcare leave)."""
    if status == "maternity_leave":
        return RosterExemption("maternity_leave", status_from, status_to)
    if status == "childcare_leave":
        return RosterExemption("childcare_leave", status_from, status_to)
    if status == "suspended":
        return RosterExemption("suspended", status_from, status_to)
    return None


@dataclass(frozen=True)
class ActivityResult:
    index: int  # 0-based position in the report; people see ``number``
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
    justification: str | None = None  # R-3.1b: the consultant's reasons for an "other" activity

    @property
    def number(self) -> int:
        """The activity's number as the consultant and the officer see it (from 1)."""
        return self.index + 1

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "number": self.number,
            "form": self.form,
            "form_name": dict(self.form_name),
            "title": self.title,
            "organizer": self.organizer,
            "date": self.date.isoformat(),
            "points": self.points,
            "counted": self.counted,
            "claimed_points": self.claimed_points,
            "justification": self.justification,
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
    exemption: dict[str, Any] | None = None
    filed_on: date | None = None

    @property
    def returnable(self) -> bool:
        """True when the officer must return the report for correction (R-3.2e)."""
        return bool(self.defects)

    def to_json(self, locale: str = "en") -> dict[str, Any]:
        """The ``docflow check --json`` shape of CONTRACT.md (messages in ``locale``)."""
        return {
            "verdict": self.verdict,
            "total_points": self.total_points,
            "required_points": self.required_points,
            "late": self.late,
            "deadline": self.deadline.isoformat(),
            "filed_on": self.filed_on.isoformat() if self.filed_on else None,
            "rule_version": self.rule_version,
            "exemption": dict(self.exemption) if self.exemption else None,
            "findings": [f.to_json(locale) for f in self.findings],
            "defects": [f.to_json(locale) for f in self.defects],
            "activities": [a.to_json() for a in self.activities],
        }


def statutory_deadline(year: int) -> date:
    """R-3.2d / R-7.6: the report is due by 15 February of the year after the reporting year."""
    return date(year + 1, 2, 15)


def deadline_for(year: int, calendar: WorkdayCalendar | None = None) -> date:
    """The last day a report for ``year`` is on time (R-3.2d): 15 February of the next year,
    moved to the next working day when it is a day off (Civil Code art. 178 p. 3)."""
    return (calendar or load_calendar()).next_working_day(statutory_deadline(year))


def filing_day(received_on: date, consultant_signed_on: date | None = None) -> date:
    """R-3.2d: the day a report is filed is the day docflow received it, or, once signatures
    are the consultant's own, the day of the consultant's signature. A ``submitted_on`` typed
    into the report is never the filing day (it is at most shown)."""
    return consultant_signed_on or received_on


def decided_points_problems(report: CpdReport, decided: Mapping[int, int]) -> list[Finding]:
    """What is wrong with the officer's points (R-3.1b), keyed by activity number (from 1):
    a number the report does not have, or one whose activity is in Appendix 2."""
    problems: list[Finding] = []
    count = len(report.activities)
    for number in sorted(decided):
        if not 1 <= number <= count:
            problems.append(
                Finding(
                    "R-3.1b",
                    "review.points_unknown_activity",
                    {"number": number, "count": count},
                    "error",
                    activity=number,
                )
            )
        elif report.activities[number - 1].form != "other":
            problems.append(
                Finding(
                    "R-3.1b",
                    "review.points_not_other",
                    {"number": number, "form": report.activities[number - 1].form},
                    "error",
                    activity=number,
                )
            )
    return problems


def _issue_list(value: str | Sequence[EvidenceIssue]) -> tuple[EvidenceIssue, ...]:
    if isinstance(value, str):
        return (EvidenceIssue("evidence.other_problem", {"reason": value}),)
    return tuple(value)


def evaluate_cpd(
    report: CpdReport,
    *,
    filed_on: date | None = None,
    evidence_names: set[str],
    decided_points: Mapping[int, int] | None = None,
    table: Appendix2Version | None = None,
    evidence_problems: Mapping[str, str | Sequence[EvidenceIssue]] | None = None,
    roster_exemption: RosterExemption | None = None,
    exemption_accepted: bool | None = None,
    calendar: WorkdayCalendar | None = None,
    today: date | None = None,
) -> CpdVerdict:
    """Judge ``report`` under the Appendix 2 version in force in its year (R-7.3, R-10.2).

    ``filed_on``: the filing day (``filing_day``: the day docflow received the report), which
    alone decides lateness (R-3.2d); ``today`` is its older name, kept for callers not yet
    moved. ``evidence_names``: normalised paths of the evidence files present;
    ``decided_points``: activity number (from 1) -> points the officer decided for an "other"
    activity (R-3.1b); ``evidence_problems``: normalised path -> why an attached file is not
    valid evidence (``EvidenceIssue``s, or a plain reason): it documents nothing;
    ``roster_exemption``: what the chamber's roster records for the consultant (R-7.4);
    ``exemption_accepted``: the officer's decision on a claimed exemption (None: not decided).
    """
    filed = filed_on or today
    if filed is None:
        raise TypeError("evaluate_cpd needs filed_on, the day the report was filed (R-3.2d)")
    decided = dict(decided_points or {})
    bad = [n for n in decided if not 1 <= n <= len(report.activities)]
    if bad:
        raise ValueError(f"no activity number {bad[0]} in the report (R-3.1b)")
    problems = {evidence_key(k) or k: _issue_list(v) for k, v in (evidence_problems or {}).items()}
    version = table or table_for_year(report.year)
    year = report.year
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    findings: list[Finding] = []
    defects: list[Finding] = []

    status, exempt_findings, exemption = _exemption(
        report, year_start, year_end, evidence_names, roster_exemption, exemption_accepted
    )
    exempt = status == "exempt"
    owes_nothing_yet = status in ("exempt", "pending")

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
            (p, problems[key])
            for p in activity.evidence
            if (key := evidence_key(p)) in problems and key in evidence_names
        ]
        if activity.form == "other":
            table_points = None
            points = decided.get(number, 0)
        else:
            row = version.row(activity.form)
            table_points = points = row.points
            # points come from Appendix 2; a value in the input is checked, not trusted.
            for given, label in ((activity.points, "points"), (activity.claimed_points, "claimed")):
                if given is not None and given != row.points:
                    findings.append(
                        Finding(
                            "R-7.3",
                            f"rules.r73_{label}_differ",
                            {"number": number, "given": given, "row": row.clause,
                             "table": row.points},
                            "info",
                            activity=number,
                        )
                    )  # fmt: skip
        if not year_start <= activity.date <= year_end:
            # the reporting year runs 1 January - 31 December.
            counted = False
            findings.append(
                Finding(
                    "R-7.1",
                    "rules.r71_outside_year",
                    {"number": number, "date": activity.date, "year": year},
                    "warning",
                    activity=number,
                )
            )
        if not present:
            # participation must be documented; R-3.2e: the report goes back for it.
            counted = False
            finding = _no_evidence(number, activity.title, list(activity.evidence), refused,
                                   evidence_names)  # fmt: skip
            findings.append(finding)
            if not owes_nothing_yet:
                defects.append(finding)
        if activity.form == "other":
            if number in decided:
                findings.append(
                    Finding(
                        "R-3.1b",
                        "rules.r31b_decided",
                        {"number": number, "points": decided[number]},
                        "info",
                        activity=number,
                    )
                )
            elif counted:
                undecided_other.append(index)
                findings.append(
                    Finding(
                        "R-3.1b",
                        "rules.r31b_undecided_claimed"
                        if activity.claimed_points is not None
                        else "rules.r31b_undecided",
                        {"number": number, "claimed": activity.claimed_points or 0},
                        "warning",
                        activity=number,
                        evidence=tuple(activity.evidence),
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
                justification=activity.justification,
            )
        )

    total = sum(r.points for r in results)
    required = version.required_points

    # R-3.2d: due by 15 February of the next year (moved off a day off); a late report is
    # accepted but marked. Only the day of filing counts, never a typed ``submitted_on``.
    deadline = deadline_for(year, calendar)
    late = filed > deadline
    if late:
        findings.append(
            Finding("R-3.2d", "rules.r32d_late", {"filed": filed, "deadline": deadline}, "warning")
        )
    elif filed <= year_end:
        # R-3.1c: early filing is a right; intake has made sure the activities came first.
        findings.append(Finding("R-3.1c", "rules.r31c_early", {"filed": filed}))
    if deadline != statutory_deadline(year) and not late:
        findings.append(
            Finding(
                "R-3.2d",
                "rules.r32d_moved",
                {"statutory": statutory_deadline(year), "deadline": deadline},
            )
        )

    verdict: VerdictName
    findings = exempt_findings + findings
    if exempt:
        verdict = "exempt"
    elif status == "pending" or undecided_other:
        verdict = "needs_review"
    elif total < required:
        verdict = "non_compliant"
    else:
        verdict = "compliant"

    if not exempt:
        findings.extend(_membership_note(report, year_start, year_end))
    if not owes_nothing_yet:  # an undecided exemption is no failed 0-point report
        if total < required:
            findings.append(
                Finding(
                    "R-3.2c",
                    "rules.r32c_below",
                    {"total": total, "required": required},
                    "error" if verdict == "non_compliant" else "warning",
                )
            )
        else:
            findings.append(
                Finding("R-3.2c", "rules.r32c_enough", {"total": total, "required": required})
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
        filed_on=filed,
    )


def _no_evidence(
    number: int,
    title: str,
    named: list[str],
    refused: list[tuple[str, tuple[EvidenceIssue, ...]]],
    evidence_names: set[str],
) -> Finding:
    """R-7.5: the activity has no document; the finding says the real reason (R-3.2e)."""
    if refused:
        name, issues = refused[0]
        first = issues[0] if issues else Msg("evidence.other_problem", {"reason": ""})
        return Finding(
            "R-7.5",
            "rules.r75_not_valid",
            {"number": number, "title": title, "name": name, "issue": first},
            "error",
            activity=number,
            evidence=tuple(p for p, _ in refused),
        )  # fmt: skip
    if named:
        missing = [p for p in named if evidence_key(p) not in evidence_names]
        return Finding(
            "R-7.5",
            "rules.r75_not_attached",
            {"number": number, "title": title, "names": ", ".join(missing or named)},
            "error",
            activity=number,
            evidence=tuple(missing or named),
        )
    return Finding("R-7.5", "rules.r75_none_named", {"number": number, "title": title}, "error",
                   activity=number)  # fmt: skip


def _exemption(
    report: CpdReport,
    year_start: date,
    year_end: date,
    evidence_names: set[str],
    roster: RosterExemption | None,
    accepted: bool | None,
) -> tuple[Literal["exempt", "pending", "owed"], list[Finding], dict[str, Any] | None]:
    """Whether the consultant is exempt for the year (``pending``: the officer decides), the
    findings saying why, and the exemption as data (ground, period, who confirmed it)."""
    year = report.year
    member_since = report.consultant.member_since
    if member_since > year_end:
        finding = Finding("R-7.1", "rules.r71_not_yet_member", {"since": member_since,
                                                                   "year": year})  # fmt: skip
        return "exempt", [finding], {"reason": "not_a_member", "from": None, "to": None,
                                     "confirmed_by": "membership"}  # fmt: skip
    ex = report.exemption
    if ex is None:
        return "owed", [], None
    ends = ex.to or date.max
    period = {"ground": ex.reason, "start": ex.from_, "end": ex.to, "year": year}
    if ex.from_ > year_end or ends < year_start:
        note = Finding("R-7.4", "rules.r74_other_year", period)
        return "owed", [note], None
    evidence = tuple(ex.evidence)
    present = tuple(p for p in evidence if evidence_key(p) in evidence_names)
    as_data: dict[str, Any] = {
        "reason": ex.reason,
        "from": ex.from_.isoformat(),
        "to": ex.to.isoformat() if ex.to else None,
        "evidence": list(evidence),
        "confirmed_by": None,
    }
    # read against a leave that begins on 20 December: a period starting or ending inside
    # the year is never applied without the officer's look.
    partial = ex.from_ > year_start or ends < year_end
    confirmed = (
        roster is not None
        and roster.ground == ex.reason
        and roster.covers_year(year)
        and not partial
    )
    if accepted is True:
        as_data["confirmed_by"] = "officer"
        return "exempt", [Finding("R-7.4", "rules.r74_accepted", period, evidence=present)], as_data
    if accepted is False:
        return "owed", [Finding("R-7.4", "rules.r74_refused", period, "warning")], None
    if confirmed:
        as_data["confirmed_by"] = "roster"
        return "exempt", [Finding("R-7.4", "rules.r74_roster", period, evidence=present)], as_data
    key = (
        "rules.r74_partial_year"
        if partial
        else "rules.r74_not_in_roster"
        if roster is None
        else "rules.r74_roster_differs"
    )
    findings = [Finding("R-7.4", key, period, "warning", evidence=present)]
    if not present:
        findings.append(
            Finding(
                "R-7.4",
                "rules.r74_no_document" if not evidence else "rules.r74_document_missing",
                {"names": ", ".join(evidence)},
                "warning",
                evidence=evidence,
            )
        )
    return "pending", findings, as_data


def _membership_note(report: CpdReport, year_start: date, year_end: date) -> list[Finding]:
    since = report.consultant.member_since
    if year_start < since <= year_end:
        return [Finding("R-7.1", "rules.r71_member_during_year", {"since": since})]
    return []

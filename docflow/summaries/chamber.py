"""The chamber's annual summary (R-4.7) as a pure function of the roster, the archived report
records and ``today``: who owed a report (R-7.4), who filed on time (R-3.2d), who met the norm
(R-3.2c), points per Appendix 2 form, and who is below the norm or did not file (R-9.1)."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from docflow.summaries.roster import Member, Period, Roster

__all__ = [
    "DEFICIENT",
    "FORM_KEYS",
    "GROUNDS",
    "ChamberSummary",
    "MemberLine",
    "Note",
    "chamber_summary",
    "collegium_due",
    "filing_deadline",
    "latest_reports",
    "summary_csv",
    "totals_csv",
]

#: Appendix 2 rows and "other" (R-3.1b), in the order tables and charts show them.
FORM_KEYS = (*(str(n) for n in range(1, 13)), "other")
#: R-7.4 grounds; ``on_leave`` is a roster leave whose kind the roster does not give.
GROUNDS = ("maternity_leave", "childcare_leave", "suspended", "on_leave")
#: Member states that R-9.1 acts on.
DEFICIENT = ("below_norm", "not_filed", "returned")
REQUIRED_POINTS = 10  # R-3.2c, R-7.2


def filing_deadline(year: int) -> date:
    """R-3.2d: reports for ``year`` are due by 15 February of the next year."""
    return date(year + 1, 2, 15)


def collegium_due(year: int) -> date:
    """R-4.7: the chamber sends its summary to the Collegium by 1 March of the next year."""
    return date(year + 1, 3, 1)


@dataclass(frozen=True)
class Note:
    clause: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"clause": self.clause, "message": self.message}


@dataclass(frozen=True)
class MemberLine:
    """One roster member's standing for the year.

    ``state``: ``compliant`` | ``below_norm`` | ``not_filed`` | ``returned`` (the latest version
    was returned with remarks and not corrected, R-3.2e) | ``exempt`` (R-7.4, ``ground`` says
    why) | ``not_subject`` (joined after the year).
    """

    full_name: str
    iin: str
    member_since: date
    state: str
    ground: str | None = None
    filed_on: date | None = None  # first version's submission (R-3.2d timeliness)
    latest_on: date | None = None  # latest version's submission (a cure's date, R-9.1a)
    late: bool | None = None
    total_points: int | None = None
    points_by_form: Mapping[str, int] = field(default_factory=dict)
    record: str | None = None
    version: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "full_name": self.full_name,
            "iin": self.iin,
            "member_since": self.member_since.isoformat(),
            "state": self.state,
            "ground": self.ground,
            "filed_on": self.filed_on.isoformat() if self.filed_on else None,
            "latest_on": self.latest_on.isoformat() if self.latest_on else None,
            "late": self.late,
            "total_points": self.total_points,
            "points_by_form": dict(self.points_by_form),
            "record": self.record,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MemberLine:
        """The line ``to_json`` wrote (a summary travels to the flow's worker as JSON)."""
        return cls(
            full_name=str(data["full_name"]),
            iin=str(data["iin"]),
            member_since=date.fromisoformat(data["member_since"]),
            state=str(data["state"]),
            ground=data.get("ground"),
            filed_on=_day(data.get("filed_on")),
            latest_on=_day(data.get("latest_on")),
            late=data.get("late"),
            total_points=data.get("total_points"),
            points_by_form=dict(data.get("points_by_form") or {}),
            record=data.get("record"),
            version=data.get("version"),
        )


@dataclass(frozen=True)
class ChamberSummary:
    chamber: str
    year: int
    today: date
    deadline: date
    collegium_due: date
    required_points: int
    members: tuple[MemberLine, ...]
    points_by_form: Mapping[str, int]
    participants_by_form: Mapping[str, int]
    unknown_reports: tuple[str, ...]  # IINs of this chamber's reports not on the roster
    notes: tuple[Note, ...]
    #: The chamber's id (issue 13), when its roster is keyed by one.
    chamber_id: str | None = None

    def _count(self, state: str) -> int:
        return sum(1 for m in self.members if m.state == state)

    @property
    def roster_total(self) -> int:
        return len(self.members)

    @property
    def not_subject(self) -> int:
        return self._count("not_subject")

    @property
    def exempt(self) -> int:
        return self._count("exempt")

    @property
    def exempt_by_ground(self) -> dict[str, int]:
        counts = Counter(m.ground for m in self.members if m.state == "exempt")
        return {g: counts.get(g, 0) for g in GROUNDS}

    @property
    def subject(self) -> int:
        """Members owing a report for the year (R-7.4)."""
        return self.roster_total - self.not_subject - self.exempt

    @property
    def compliant(self) -> int:
        return self._count("compliant")

    @property
    def below_norm(self) -> int:
        return self._count("below_norm")

    @property
    def not_filed(self) -> int:
        return self._count("not_filed")

    @property
    def returned(self) -> int:
        return self._count("returned")

    @property
    def filed(self) -> int:
        """Accepted reports of members owing one (compliant + below the norm)."""
        return self.compliant + self.below_norm

    @property
    def filed_on_time(self) -> int:
        return sum(1 for m in self.members if m.state in ("compliant", "below_norm") and not m.late)

    @property
    def filed_late(self) -> int:
        return sum(1 for m in self.members if m.state in ("compliant", "below_norm") and m.late)

    @property
    def total_points(self) -> int:
        return sum(self.points_by_form.values())

    @property
    def deficient(self) -> tuple[MemberLine, ...]:
        """Members below the norm, not filed, or returned and not corrected (R-9.1)."""
        return tuple(m for m in self.members if m.state in DEFICIENT)

    @property
    def warnings(self) -> tuple[Note, ...]:
        return self.notes

    def counts(self) -> dict[str, int]:
        """Every number of the summary, by a stable key (CSV, JSON, templates, tests)."""
        out = {
            "roster_total": self.roster_total,
            "not_subject": self.not_subject,
            "exempt": self.exempt,
            **{f"exempt_{g}": n for g, n in self.exempt_by_ground.items()},
            "subject": self.subject,
            "filed": self.filed,
            "filed_on_time": self.filed_on_time,
            "filed_late": self.filed_late,
            "compliant": self.compliant,
            "below_norm": self.below_norm,
            "not_filed": self.not_filed,
            "returned": self.returned,
            "total_points": self.total_points,
        }
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "chamber-summary",
            "chamber": self.chamber,
            "year": self.year,
            "today": self.today.isoformat(),
            "deadline": self.deadline.isoformat(),
            "collegium_due": self.collegium_due.isoformat(),
            "required_points": self.required_points,
            "counts": self.counts(),
            "points_by_form": dict(self.points_by_form),
            "participants_by_form": dict(self.participants_by_form),
            "deficient": [m.to_json() for m in self.deficient],
            "members": [m.to_json() for m in self.members],
            "unknown_reports": list(self.unknown_reports),
            "warnings": [n.to_json() for n in self.notes],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, chamber_id: str | None = None) -> ChamberSummary:
        """The summary ``to_json`` wrote: ``from_json(s.to_json(), chamber_id=s.chamber_id)``
        equals ``s`` (the document is made from it in a worker process, issue 12)."""
        return cls(
            chamber=str(data["chamber"]),
            year=int(data["year"]),
            today=date.fromisoformat(data["today"]),
            deadline=date.fromisoformat(data["deadline"]),
            collegium_due=date.fromisoformat(data["collegium_due"]),
            required_points=int(data["required_points"]),
            members=tuple(MemberLine.from_json(m) for m in data["members"]),
            points_by_form=dict(data["points_by_form"]),
            participants_by_form=dict(data["participants_by_form"]),
            unknown_reports=tuple(data["unknown_reports"]),
            notes=tuple(Note(str(n["clause"]), str(n["message"])) for n in data["warnings"]),
            chamber_id=chamber_id,
        )


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _fold(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def latest_reports(
    records: Iterable[Mapping[str, Any]], *, year: int
) -> dict[str, list[Mapping[str, Any]]]:
    """The live ``cpd-report`` records of ``year`` per IIN, oldest version first (the last one
    stands: R-3.2e makes a corrected report the next version of the same series)."""
    by_iin: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        if record.get("kind") != "cpd-report" or record.get("year") != year:
            continue
        if record.get("status") not in (None, "active"):
            continue  # e.g. revoked: no longer part of the chamber's record
        by_iin[str(record.get("iin"))].append(record)
    for versions in by_iin.values():
        versions.sort(key=lambda r: (int(r.get("version") or 0), str(r.get("archived_at") or "")))
    return dict(by_iin)


def _exemption_ground(member: Member, year: int, periods: Sequence[Period]) -> str | None:
    for period in (member.period, *periods):
        if period is not None and period.intersects_year(year):
            return period.ground
    return None


def _member_line(
    member: Member, versions: Sequence[Mapping[str, Any]], *, year: int, periods: Sequence[Period]
) -> MemberLine:
    base = MemberLine(member.full_name, member.iin, member.member_since, state="not_filed")
    if member.member_since > date(year, 12, 31):
        return replace(base, state="not_subject")
    latest = versions[-1] if versions else None
    if latest is not None:
        # Timeliness is that of the first version: a correction after remarks (R-3.2e) is the
        # same report, filed when it was first filed.
        filed_on = min((d for r in versions if (d := _day(r.get("submitted_on")))), default=None)
        base = replace(
            base,
            filed_on=filed_on,
            latest_on=_day(latest.get("submitted_on")),
            late=bool(filed_on and filed_on > filing_deadline(year)),
            total_points=int(latest.get("total_points") or 0),
            points_by_form={
                str(k): int(v) for k, v in (latest.get("points_by_form") or {}).items()
            },
            record=latest.get("id"),
            version=latest.get("version"),
        )
    outcome = latest.get("outcome") if latest is not None else None
    ground = _exemption_ground(member, year, periods)
    if ground is None and latest is not None and outcome == "exempt":
        ground = str((latest.get("exemption") or {}).get("reason") or "on_leave")
    if ground is not None:
        return replace(base, state="exempt", ground=ground)
    if latest is None:
        return base
    if outcome == "returned":
        return replace(base, state="returned")
    return replace(base, state="compliant" if outcome == "compliant" else "below_norm")


def chamber_summary(
    roster: Roster,
    records: Iterable[Mapping[str, Any]],
    *,
    year: int,
    today: date,
    suspensions: Mapping[str, Sequence[Period]] | None = None,
    required_points: int = REQUIRED_POINTS,
) -> ChamberSummary:
    """The chamber's summary for ``year`` as of ``today`` (R-4.7).

    ``records`` are archive records (any kinds, years and chambers: the ones that count are
    picked here); ``suspensions`` are sanction suspensions per IIN (R-9.1b). They come "with
    the duty to reach the norm", so they exempt no one: only the roster's R-7.4 grounds do.
    """
    reports = latest_reports(records, year=year)
    suspensions = suspensions or {}
    deadline = filing_deadline(year)
    lines: list[MemberLine] = []
    points: Counter[str] = Counter()
    participants: Counter[str] = Counter()
    for member in sorted(roster.members, key=lambda m: (_fold(m.full_name), m.iin)):
        line = _member_line(
            member,
            reports.get(member.iin, []),
            year=year,
            periods=(),  # R-9.1b: a sanction suspension keeps the duty (not an ground)
        )
        lines.append(line)
        if line.state not in ("compliant", "below_norm"):
            continue
        for form, value in line.points_by_form.items():
            points[form] += value
            if value > 0:
                participants[form] += 1

    roster_iins = {m.iin for m in roster.members}
    chamber_key = _fold(roster.chamber)

    def of_this_chamber(record: Mapping[str, Any]) -> bool:
        # Issue 13: the record's chamber id, when both have one; else its free-text name.
        if roster.chamber_id and record.get("chamber_id"):
            return bool(record.get("chamber_id") == roster.chamber_id)
        return _fold(record.get("chamber")) == chamber_key

    unknown = tuple(
        sorted(
            iin
            for iin, versions in reports.items()
            if iin not in roster_iins and of_this_chamber(versions[-1])
        )
    )
    notes: list[Note] = []
    if today > collegium_due(year):
        notes.append(
            Note(
                "R-4.7",
                f"produced on {today.isoformat()}, after "
                f"{collegium_due(year).isoformat()}: the summary was due to the Collegium by "
                "1 March",
            )
        )
    if today <= deadline:
        notes.append(
            Note("R-3.2d", f"preliminary: reports may be filed until {deadline.isoformat()}")
        )
    if unknown:
        notes.append(
            Note(
                "R-4.5",
                f"{len(unknown)} report(s) of this chamber come from IINs not on the "
                f"roster: {', '.join(unknown)}",
            )
        )
    ordered = {k: points.get(k, 0) for k in FORM_KEYS}
    ordered.update({k: v for k, v in points.items() if k not in ordered})
    return ChamberSummary(
        chamber=roster.chamber,
        year=year,
        today=today,
        deadline=deadline,
        collegium_due=collegium_due(year),
        required_points=required_points,
        members=tuple(lines),
        points_by_form=ordered,
        participants_by_form={k: participants.get(k, 0) for k in ordered},
        unknown_reports=unknown,
        notes=tuple(notes),
        chamber_id=roster.chamber_id,
    )


MEMBER_COLUMNS = (
    "full_name", "iin", "member_since", "state", "ground", "filed_on", "late",
    "total_points", *(f"form_{k}" for k in FORM_KEYS), "record",
)  # fmt: skip


def summary_csv(summary: ChamberSummary) -> str:
    """One row per roster member (UTF-8 text; the caller adds a BOM for Excel if it wants)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MEMBER_COLUMNS)
    for m in summary.members:
        writer.writerow(
            [
                m.full_name, m.iin, m.member_since.isoformat(), m.state, m.ground or "",
                m.filed_on.isoformat() if m.filed_on else "",
                "" if m.late is None else ("yes" if m.late else "no"),
                "" if m.total_points is None else m.total_points,
                *(m.points_by_form.get(k, 0) if m.record else "" for k in FORM_KEYS),
                m.record or "",
            ]
        )  # fmt: skip
    return out.getvalue()


def totals_csv(summary: ChamberSummary) -> str:
    """``metric,value`` rows: every count, then points and participants per form."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("metric", "value"))
    writer.writerow(("chamber", summary.chamber))
    writer.writerow(("year", summary.year))
    for key, value in summary.counts().items():
        writer.writerow((key, value))
    for key in summary.points_by_form:
        writer.writerow((f"points_form_{key}", summary.points_by_form[key]))
        writer.writerow((f"participants_form_{key}", summary.participants_by_form[key]))
    return out.getvalue()

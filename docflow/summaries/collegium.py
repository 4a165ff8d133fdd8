"""The Collegium's summary across chambers (R-5.5) and the effectiveness of each form of
development (R-5.6): participation and points per Appendix 2 form, per chamber and per year.
Pure: archive records in, numbers out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docflow.summaries.chamber import FORM_KEYS, latest_reports

__all__ = ["ChamberYear", "CollegiumSummary", "FormYear", "collegium_summary"]


@dataclass(frozen=True)
class ChamberYear:
    """One chamber's accepted reports for one year (latest versions)."""

    chamber: str
    year: int
    reports: int  # accepted: compliant + below the norm
    compliant: int
    below_norm: int
    exempt: int
    returned: int
    late: int
    points_by_form: Mapping[str, int]
    participants_by_form: Mapping[str, int]

    @property
    def total_points(self) -> int:
        return sum(self.points_by_form.values())

    @property
    def compliance_rate(self) -> float | None:
        return self.compliant / self.reports if self.reports else None

    def to_json(self) -> dict[str, Any]:
        return {
            "chamber": self.chamber,
            "year": self.year,
            "reports": self.reports,
            "compliant": self.compliant,
            "below_norm": self.below_norm,
            "exempt": self.exempt,
            "returned": self.returned,
            "late": self.late,
            "total_points": self.total_points,
            "points_by_form": dict(self.points_by_form),
            "participants_by_form": dict(self.participants_by_form),
        }


@dataclass(frozen=True)
class FormYear:
    """R-5.6: how one form was used across all chambers in one year."""

    form: str
    year: int
    participants: int  # consultants with points in this form
    points: int
    reports: int  # accepted reports that year (the base of ``share``)

    @property
    def share(self) -> float:
        return self.participants / self.reports if self.reports else 0.0

    @property
    def points_per_participant(self) -> float:
        return self.points / self.participants if self.participants else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "year": self.year,
            "participants": self.participants,
            "points": self.points,
            "share": round(self.share, 4),
            "points_per_participant": round(self.points_per_participant, 2),
        }


@dataclass(frozen=True)
class CollegiumSummary:
    years: tuple[int, ...]
    chambers: tuple[str, ...]
    by_chamber: Mapping[tuple[str, int], ChamberYear]
    forms: Mapping[tuple[str, int], FormYear]

    @property
    def year(self) -> int:
        """The reporting year summarised; the others are for comparison."""
        return self.years[-1]

    def chamber_year(self, chamber: str, year: int) -> ChamberYear:
        return self.by_chamber[(chamber, year)]

    def form_year(self, form: str, year: int) -> FormYear:
        return self.forms[(form, year)]

    def totals(self, year: int) -> ChamberYear:
        """All chambers added up for ``year``."""
        rows = [self.by_chamber[(c, year)] for c in self.chambers]
        points: Counter[str] = Counter()
        people: Counter[str] = Counter()
        for row in rows:
            points.update(row.points_by_form)
            people.update(row.participants_by_form)
        return ChamberYear(
            chamber="",
            year=year,
            reports=sum(r.reports for r in rows),
            compliant=sum(r.compliant for r in rows),
            below_norm=sum(r.below_norm for r in rows),
            exempt=sum(r.exempt for r in rows),
            returned=sum(r.returned for r in rows),
            late=sum(r.late for r in rows),
            points_by_form={k: points.get(k, 0) for k in FORM_KEYS},
            participants_by_form={k: people.get(k, 0) for k in FORM_KEYS},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "collegium-summary",
            "year": self.year,
            "years": list(self.years),
            "chambers": [
                [self.by_chamber[(c, y)].to_json() for y in self.years] for c in self.chambers
            ],
            "totals": [self.totals(y).to_json() for y in self.years],
            "forms": [self.forms[(f, y)].to_json() for f in FORM_KEYS for y in self.years],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CollegiumSummary:
        """The summary ``to_json`` wrote (equal to the one that wrote it): each form's base,
        the year's accepted reports, is the chambers' sum, as ``collegium_summary`` counts."""
        years = tuple(int(y) for y in data["years"])
        by_chamber: dict[tuple[str, int], ChamberYear] = {}
        chambers: list[str] = []
        for rows in data["chambers"]:
            for row in rows:
                cy = ChamberYear(
                    chamber=str(row["chamber"]),
                    year=int(row["year"]),
                    reports=int(row["reports"]),
                    compliant=int(row["compliant"]),
                    below_norm=int(row["below_norm"]),
                    exempt=int(row["exempt"]),
                    returned=int(row["returned"]),
                    late=int(row["late"]),
                    points_by_form=dict(row["points_by_form"]),
                    participants_by_form=dict(row["participants_by_form"]),
                )
                by_chamber[(cy.chamber, cy.year)] = cy
            if rows:
                chambers.append(str(rows[0]["chamber"]))
        reports = {y: sum(by_chamber[(c, y)].reports for c in chambers) for y in years}
        forms = {
            (str(f["form"]), int(f["year"])): FormYear(
                form=str(f["form"]),
                year=int(f["year"]),
                participants=int(f["participants"]),
                points=int(f["points"]),
                reports=reports[int(f["year"])],
            )
            for f in data["forms"]
        }
        return cls(years, tuple(chambers), by_chamber, forms)


def _chamber_year(chamber: str, year: int, records: Iterable[Mapping[str, Any]]) -> ChamberYear:
    reports = latest_reports(records, year=year)
    counts: Counter[str] = Counter()
    points: Counter[str] = Counter()
    people: Counter[str] = Counter()
    late = 0
    for versions in reports.values():
        latest = versions[-1]
        outcome = str(latest.get("outcome"))
        counts[outcome] += 1
        if outcome not in ("compliant", "below_norm"):
            continue
        first = min(str(r.get("submitted_on") or "9999") for r in versions)
        late += first > f"{year + 1}-02-15"  # R-3.2d, ISO dates compare as text
        for form, value in (latest.get("points_by_form") or {}).items():
            points[str(form)] += int(value)
            if int(value) > 0:
                people[str(form)] += 1
    return ChamberYear(
        chamber=chamber,
        year=year,
        reports=counts["compliant"] + counts["below_norm"],
        compliant=counts["compliant"],
        below_norm=counts["below_norm"],
        exempt=counts["exempt"],
        returned=counts["returned"],
        late=late,
        points_by_form={k: points.get(k, 0) for k in FORM_KEYS},
        participants_by_form={k: people.get(k, 0) for k in FORM_KEYS},
    )


def collegium_summary(
    records_by_chamber: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    years: Sequence[int],
) -> CollegiumSummary:
    """R-5.5/R-5.6 over ``years`` (the last is the one summarised, earlier ones compare)."""
    if not years:
        raise ValueError("at least one year is needed")
    ordered_years = tuple(sorted(set(years)))
    chambers = tuple(sorted(records_by_chamber, key=lambda c: c.casefold()))
    by_chamber = {
        (c, y): _chamber_year(c, y, records_by_chamber[c]) for c in chambers for y in ordered_years
    }
    forms: dict[tuple[str, int], FormYear] = {}
    for y in ordered_years:
        rows = [by_chamber[(c, y)] for c in chambers]
        reports = sum(r.reports for r in rows)
        for f in FORM_KEYS:
            forms[(f, y)] = FormYear(
                form=f,
                year=y,
                participants=sum(r.participants_by_form[f] for r in rows),
                points=sum(r.points_by_form[f] for r in rows),
                reports=reports,
            )
    return CollegiumSummary(ordered_years, chambers, by_chamber, forms)

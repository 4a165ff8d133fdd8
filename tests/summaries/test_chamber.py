"""The chamber's annual summary (R-4.7) against a chamber of 37 members with every outcome."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Any

from summaries_data import CHAMBER, SPECS, UNKNOWN_IIN, YEAR, Spec

from docflow.summaries import (
    FORM_KEYS,
    GROUNDS,
    ChamberSummary,
    Member,
    Period,
    Roster,
    chamber_summary,
    summary_csv,
    totals_csv,
)

TODAY = date(2026, 2, 27)  # after the filing deadline, before the Collegium's


def _latest(records: list[dict[str, Any]], iin: str) -> dict[str, Any] | None:
    mine = [r for r in records if r["iin"] == iin and r["year"] == YEAR]
    return max(mine, key=lambda r: r["version"]) if mine else None


def test_chamber_has_every_kind_of_outcome() -> None:
    states = Counter(s.expect for s in SPECS)
    grounds = Counter(s.ground for s in SPECS if s.ground)
    assert len(SPECS) >= 30
    for state in ("compliant", "below_norm", "not_filed", "returned", "exempt", "not_subject"):
        assert states[state] >= 1, state
    assert set(grounds) == set(GROUNDS)
    assert any(s.late for s in SPECS) and any(s.late is False for s in SPECS)


def test_every_member_state_R_7_4_R_3_2d(roster: Roster, records: list[dict[str, Any]]) -> None:
    summary = chamber_summary(roster, records, year=YEAR, today=TODAY)
    lines = {m.iin: m for m in summary.members}
    assert len(lines) == len(SPECS)
    for spec in SPECS:
        line = lines[spec.iin]
        assert (line.state, line.ground, line.late) == (spec.expect, spec.ground, spec.late), (
            spec.name
        )


def test_every_number_against_the_records(roster: Roster, records: list[dict[str, Any]]) -> None:
    summary = chamber_summary(roster, records, year=YEAR, today=TODAY)
    counts = summary.counts()

    def n(predicate: Any) -> int:
        return sum(1 for s in SPECS if predicate(s))

    assert counts["roster_total"] == len(SPECS) == 37
    assert counts["not_subject"] == n(lambda s: s.member_since > date(YEAR, 12, 31)) == 2
    for ground in GROUNDS:
        assert counts[f"exempt_{ground}"] == n(lambda s, g=ground: s.ground == g)
    assert counts["exempt"] == sum(counts[f"exempt_{g}"] for g in GROUNDS) == 8
    assert counts["subject"] == 37 - 2 - 8
    # Derived from the records themselves, not from the expectations.
    subject = [s for s in SPECS if s.expect not in ("exempt", "not_subject")]
    latest = {s.iin: _latest(records, s.iin) for s in subject}
    outcomes = Counter(r["outcome"] if r else "none" for r in latest.values())
    assert counts["compliant"] == outcomes["compliant"] == 16
    assert counts["below_norm"] == outcomes["below_norm"] == 5
    assert counts["returned"] == outcomes["returned"] == 2
    assert counts["not_filed"] == outcomes["none"] == 4
    assert counts["filed"] == counts["compliant"] + counts["below_norm"]
    accepted = [s for s in subject if latest[s.iin] and latest[s.iin]["outcome"] != "returned"]
    first_filed = {
        s.iin: min(r["submitted_on"] for r in records if r["iin"] == s.iin and r["year"] == YEAR)
        for s in accepted
    }
    assert counts["filed_on_time"] == sum(d <= "2026-02-15" for d in first_filed.values()) == 17
    assert counts["filed_late"] == sum(d > "2026-02-15" for d in first_filed.values()) == 4
    points: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for s in accepted:
        for form, value in latest[s.iin]["points_by_form"].items():  # type: ignore[index]
            points[form] += value
            people[form] += value > 0
    assert dict(summary.points_by_form) == {k: points.get(k, 0) for k in FORM_KEYS}
    assert dict(summary.participants_by_form) == {k: people.get(k, 0) for k in FORM_KEYS}
    assert counts["total_points"] == sum(points.values()) == 195
    # the list of those below the norm or without a (correct) report
    expected = {s.iin for s in SPECS if s.expect in ("below_norm", "not_filed", "returned")}
    assert {m.iin for m in summary.deficient} == expected
    assert len(expected) == 11


def test_a_member_with_no_report_is_caught(records: list[dict[str, Any]]) -> None:
    # Without the roster nobody knows who did not file: the roster is the only source.
    silent = next(s for s in SPECS if s.expect == "not_filed")
    assert not [r for r in records if r["iin"] == silent.iin]
    roster = Roster(CHAMBER, (Member(silent.name, silent.iin, date(2019, 1, 1)),))
    summary = chamber_summary(roster, records, year=YEAR, today=TODAY)
    assert summary.not_filed == 1 and summary.subject == 1
    assert [m.iin for m in summary.deficient] == [silent.iin]


def test_noise_does_not_count_and_unknown_reports_are_named(
    roster: Roster, records: list[dict[str, Any]]
) -> None:
    summary = chamber_summary(roster, records, year=YEAR, today=TODAY)
    first = SPECS[0]
    line = next(m for m in summary.members if m.iin == first.iin)
    assert line.total_points == 10  # the 2024 report (12 points) is another year
    assert summary.unknown_reports == (UNKNOWN_IIN,)  # the other chamber's report is not ours
    assert [n.clause for n in summary.notes] == ["R-4.5"]


def test_revoked_report_no_longer_counts(roster: Roster, records: list[dict[str, Any]]) -> None:
    spec = next(s for s in SPECS if s.expect == "compliant")
    for r in records:
        if r["iin"] == spec.iin and r["year"] == YEAR:
            r["status"] = "revoked"
    summary = chamber_summary(roster, records, year=YEAR, today=TODAY)
    assert next(m for m in summary.members if m.iin == spec.iin).state == "not_filed"


def test_after_1_march_warns_R_4_7(roster: Roster, records: list[dict[str, Any]]) -> None:
    on_time = chamber_summary(roster, records, year=YEAR, today=date(2026, 3, 1))
    late = chamber_summary(roster, records, year=YEAR, today=date(2026, 3, 2))
    assert "R-4.7" not in [n.clause for n in on_time.warnings]
    assert "R-4.7" in [n.clause for n in late.warnings]
    assert late.counts() == on_time.counts()  # the warning changes no number


def test_before_the_deadline_is_preliminary_R_3_2d(
    roster: Roster, records: list[dict[str, Any]]
) -> None:
    summary = chamber_summary(roster, records, year=YEAR, today=date(2026, 2, 15))
    assert "R-3.2d" in [n.clause for n in summary.warnings]


def test_R_9_1b_a_sanction_suspension_exempts_from_nothing() -> None:
    member = Member("Тоқтатылған Ержан", SPECS[0].iin, date(2015, 1, 1))
    roster = Roster(CHAMBER, (member,))
    periods = {member.iin: [Period("sanction_suspension", date(2026, 3, 21), date(2026, 6, 20))]}
    in_2026 = chamber_summary(roster, [], year=2026, today=date(2027, 2, 20), suspensions=periods)
    in_2027 = chamber_summary(roster, [], year=2027, today=date(2028, 2, 20), suspensions=periods)
    assert in_2026.members[0].state == "not_filed"  # the duty to reach the norm stays
    assert in_2027.members[0].state == "not_filed"


def _spec_by_iin() -> dict[str, Spec]:
    return {s.iin: s for s in SPECS}


def test_csv_matches_the_summary(roster: Roster, records: list[dict[str, Any]]) -> None:
    summary = chamber_summary(roster, records, year=YEAR, today=TODAY)
    rows = list(csv.DictReader(io.StringIO(summary_csv(summary))))
    assert len(rows) == len(SPECS)
    specs = _spec_by_iin()
    for row, line in zip(rows, summary.members, strict=True):
        assert row["iin"] == line.iin and row["state"] == specs[line.iin].expect
        assert row["ground"] == (line.ground or "")
        assert row["late"] == {None: "", True: "yes", False: "no"}[line.late]
        if line.record:
            assert int(row["total_points"]) == line.total_points
            assert {k: int(row[f"form_{k}"]) for k in FORM_KEYS} == {
                k: line.points_by_form.get(k, 0) for k in FORM_KEYS
            }
    per_state = Counter(r["state"] for r in rows)
    totals = dict(csv.reader(io.StringIO(totals_csv(summary))))
    for key in ("compliant", "below_norm", "not_filed", "returned", "exempt", "not_subject"):
        assert int(totals[key]) == per_state[key] == summary.counts()[key]
    for form in FORM_KEYS:
        column = sum(
            int(r[f"form_{form}"]) for r in rows if r["state"] in ("compliant", "below_norm")
        )
        assert int(totals[f"points_form_{form}"]) == column == summary.points_by_form[form]
    assert totals["chamber"] == CHAMBER


def test_issue12_the_summary_travels_to_the_worker_unchanged(
    roster: Roster, records: list[dict[str, Any]]
) -> None:
    """The document is made in a worker process from the summary's JSON (the flow's input):
    read back, it is the same summary, down to every member's line."""
    summary = chamber_summary(roster, records, year=YEAR, today=date(2026, 3, 5))
    again = ChamberSummary.from_json(summary.to_json(), chamber_id="almaty")
    assert again == replace(summary, chamber_id="almaty")
    assert again.to_json() == summary.to_json()

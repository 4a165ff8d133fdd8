"""Issue 14: the rules as the Kazakh text says them (R-3.2d, R-7.4, R-3.1b, R-3.2e)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from docflow.model import CpdReport
from docflow.rules import (
    EvidenceIssue,
    RosterExemption,
    add_working_days,
    deadline_for,
    decided_points_problems,
    evaluate_cpd,
    filing_day,
    is_working_day,
    next_working_day,
    roster_exemption,
)
from docflow.rules.workdays import load_calendar, parse_calendar


def report(**fields: Any) -> CpdReport:
    data: dict[str, Any] = {
        "kind": "cpd-report",
        "year": 2025,
        "locale": "kk",
        "consultant": {
            "full_name": "Сейітқали Әсел Нұрланқызы",
            "iin": "900415400127",
            "chamber": "Алматы қаласының заң консультанттары палатасы",
            "member_since": "2019-03-01",
        },
        "activities": [
            {
                "form": f,
                "title": f"Activity {n}",
                "organizer": "ЗКП",
                "date": "2025-03-14",
                "evidence": [f"e/{n}.pdf"],
            }
            for n, f in enumerate([4, 7, 2, 3], start=1)
        ],
    }
    data.update(fields)
    return CpdReport.model_validate(data)


def names(r: CpdReport) -> set[str]:
    out = {p for a in r.activities for p in a.evidence}
    if r.exemption:
        out |= set(r.exemption.evidence)
    return out


# --------------------------------------------------------------------------- R-3.2d


def test_R_3_2d_a_typed_submitted_on_is_never_the_filing_day() -> None:
    # The 2024 report that arrived 22 months late saying "submitted_on: 2025-02-14".
    r = report(year=2024, submitted_on="2025-02-14", activities=[])
    verdict = evaluate_cpd(r, filed_on=date(2026, 12, 10), evidence_names=set())
    assert verdict.late is True
    assert verdict.filed_on == date(2026, 12, 10)


def test_R_3_2d_deadline_on_a_sunday_moves_to_the_next_working_day() -> None:
    r = report()
    assert deadline_for(2025) == date(2026, 2, 16)  # 15 February 2026 is a Sunday
    monday = evaluate_cpd(r, filed_on=date(2026, 2, 16), evidence_names=names(r))
    tuesday = evaluate_cpd(r, filed_on=date(2026, 2, 17), evidence_names=names(r))
    assert monday.late is False and tuesday.late is True
    assert deadline_for(2024) == date(2025, 2, 17)  # 15 February 2025 is a Saturday


def test_R_3_2d_filing_day_is_the_arrival_or_the_consultants_signature() -> None:
    assert filing_day(date(2026, 2, 10)) == date(2026, 2, 10)
    assert filing_day(date(2026, 2, 20), date(2026, 2, 14)) == date(2026, 2, 14)


def test_R_3_2d_calendar_holidays_and_their_carry_over() -> None:
    assert not is_working_day(date(2026, 3, 9))  # 8 March 2026 is a Sunday: Monday off
    # Nauryz 2026: 21 Sat, 22 Sun, 23 Mon: the weekend days carry to Tuesday and Wednesday.
    assert [is_working_day(date(2026, 3, d)) for d in range(20, 27)] == [
        True,
        False,
        False,
        False,
        False,
        False,
        True,
    ]
    assert not is_working_day(date(2026, 5, 27))  # Kurban ait
    assert not is_working_day(date(2025, 10, 27))  # Republic Day (Sat) carried to Monday
    assert not is_working_day(date(2026, 1, 7))  # Orthodox Christmas
    assert is_working_day(date(2022, 12, 19))  # 17 December is no holiday since 2022
    assert not is_working_day(date(2023, 12, 18))  # 16 December 2023 (Sat) carried to Monday


def test_R_3_2d_calendar_government_transfers() -> None:
    assert is_working_day(date(2024, 5, 4))  # a Saturday made a working day
    assert not is_working_day(date(2024, 5, 8))  # ... for Wednesday 8 May
    assert not is_working_day(date(2023, 7, 7))
    assert is_working_day(date(2023, 7, 1))


def test_R_3_2d_a_religious_holiday_on_a_weekend_is_not_carried_over() -> None:
    assert date(2024, 6, 16).weekday() == 6  # Kurban ait 2024 on a Sunday
    assert is_working_day(date(2024, 6, 17))


def test_M_10_15_working_days_are_counted_with_the_calendar() -> None:
    assert next_working_day(date(2026, 3, 20)) == date(2026, 3, 20)
    assert next_working_day(date(2026, 3, 21)) == date(2026, 3, 26)
    # Ten working days from Friday 20 March 2026 skip Nauryz and two weekends.
    assert add_working_days(date(2026, 3, 20), 10) == date(2026, 4, 8)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 20), -1)


def test_R_3_2d_the_calendar_says_which_years_are_complete() -> None:
    cal = load_calendar()
    assert all(cal.year_complete(y) for y in (2022, 2023, 2024, 2025))
    assert not cal.year_complete(2030)
    with pytest.raises(ValueError):
        moved = {"working": date(2024, 1, 6), "day_off": date(2025, 1, 3)}
        parse_calendar({"years": {2025: {"transfers": [moved]}}})


# ---------------------------------------------------------------------------


def test_R_7_4_a_self_declared_exemption_is_the_officers_decision() -> None:
    r = report(activities=[], exemption={"reason": "maternity_leave", "from": "2024-06-01"})
    verdict = evaluate_cpd(r, filed_on=date(2026, 2, 1), evidence_names=set())
    assert verdict.verdict == "needs_review"
    assert [f.key for f in verdict.findings if f.clause == "R-7.4"] == [
        "rules.r74_not_in_roster",
        "rules.r74_no_document",
    ]


def test_R_7_4_the_roster_confirms_an_exemption_for_the_whole_year() -> None:
    r = report(activities=[], exemption={"reason": "maternity_leave", "from": "2024-06-01"})
    confirmed = RosterExemption("maternity_leave", date(2024, 6, 1), None)
    verdict = evaluate_cpd(
        r, filed_on=date(2026, 2, 1), evidence_names=set(), roster_exemption=confirmed
    )
    assert verdict.verdict == "exempt"
    assert verdict.exemption is not None and verdict.exemption["confirmed_by"] == "roster"
    other_ground = RosterExemption("suspended", None, None)
    assert (
        evaluate_cpd(
            r, filed_on=date(2026, 2, 1), evidence_names=set(), roster_exemption=other_ground
        ).verdict
        == "needs_review"
    )


def test_R_7_4_a_leave_starting_on_20_december_is_always_the_officers_call() -> None:
    r = report(
        exemption={"reason": "childcare_leave", "from": "2025-12-20", "evidence": ["e/order.pdf"]}
    )
    roster = RosterExemption("childcare_leave", date(2025, 12, 20), None)
    verdict = evaluate_cpd(
        r, filed_on=date(2026, 2, 1), evidence_names=names(r), roster_exemption=roster
    )
    assert verdict.verdict == "needs_review"
    (finding,) = [f for f in verdict.findings if f.clause == "R-7.4"]
    assert finding.key == "rules.r74_partial_year" and finding.evidence == ("e/order.pdf",)
    refused = evaluate_cpd(
        r, filed_on=date(2026, 2, 1), evidence_names=names(r), exemption_accepted=False
    )
    assert refused.verdict == "compliant" and refused.exemption is None


def test_R_7_4_a_roster_on_leave_is_no_ground() -> None:
    assert roster_exemption("on_leave", date(2024, 1, 1), None) is None
    assert roster_exemption("active", None, None) is None
    assert roster_exemption("maternity_leave", None, None) == RosterExemption(
        "maternity_leave", None, None
    )


def test_R_7_4_the_exemption_names_its_supporting_document() -> None:
    r = report(exemption={"reason": "suspended", "from": "2025-01-01", "evidence": ["e/x.pdf"]})
    verdict = evaluate_cpd(r, filed_on=date(2026, 2, 1), evidence_names=names(r) - {"e/x.pdf"})
    keys = [f.key for f in verdict.findings if f.clause == "R-7.4"]
    assert keys == ["rules.r74_not_in_roster", "rules.r74_document_missing"]
    assert "e/x.pdf" in verdict.findings[1].text("ru")


# --------------------------------------------------------------------------- R-3.1b


def other_report() -> CpdReport:
    r = report()
    data = r.model_dump(mode="json", by_alias=True)
    data["activities"].append(
        {
            "form": "other",
            "title": "Pro bono clinic",
            "organizer": "ЗКП",
            "date": "2025-05-01",
            "justification": "40 hours of free consultations.",
            "claimed_points": 2,
            "evidence": ["e/5.pdf"],
        }
    )
    return CpdReport.model_validate(data)


def test_R_3_1b_the_officers_points_go_by_the_number_the_officer_sees() -> None:
    r = other_report()
    verdict = evaluate_cpd(
        r, filed_on=date(2026, 2, 1), evidence_names=names(r), decided_points={5: 0}
    )
    assert verdict.activities[4].points == 0
    assert verdict.activities[4].number == 5
    assert verdict.verdict == "compliant"  # decided: no longer waiting
    granted = evaluate_cpd(
        r, filed_on=date(2026, 2, 1), evidence_names=names(r), decided_points={5: 3}
    )
    assert granted.total_points == 13


def test_R_3_1b_an_unknown_activity_number_is_an_error() -> None:
    r = other_report()
    problems = decided_points_problems(r, {4: 0, 6: 1})
    assert [p.key for p in problems] == [
        "review.points_not_other",
        "review.points_unknown_activity",
    ]
    assert decided_points_problems(r, {5: 1}) == []
    with pytest.raises(ValueError):
        evaluate_cpd(r, filed_on=date(2026, 2, 1), evidence_names=names(r), decided_points={6: 1})


def test_R_3_1b_the_justification_is_shown_to_the_officer() -> None:
    r = other_report()
    verdict = evaluate_cpd(r, filed_on=date(2026, 2, 1), evidence_names=names(r))
    assert verdict.to_json()["activities"][4]["justification"] == "40 hours of free consultations."


# --------------------------------------------------------------------------- R-3.2e


def test_R_3_2e_a_certificate_of_another_person_is_named_as_such() -> None:
    r = report()
    issue = EvidenceIssue("evidence.issued_to_other", {"iin": "9004••••0127", "name": "Ким"})
    verdict = evaluate_cpd(
        r,
        filed_on=date(2026, 2, 1),
        evidence_names=names(r),
        evidence_problems={"e/1.pdf": [issue]},
    )
    (defect,) = verdict.defects
    assert defect.activity == 1 and defect.evidence == ("e/1.pdf",)
    assert "another person" in defect.text("en") and "not attached" not in defect.text("en")
    assert "другому лицу" in defect.text("ru")
    assert "басқа адамға" in defect.text("kk")


def test_R_7_4_the_roster_reads_leave_as_a_ground_only_when_it_names_one() -> None:
    from docflow.summaries.roster import Member, Roster

    roster = Roster(
        "ЗКП",
        (
            Member("A", "900415400127", date(2019, 1, 1), "maternity_leave", date(2024, 6, 1)),
            Member("B", "750505400007", date(2019, 1, 1), "on_leave", date(2024, 6, 1)),
        ),
    )
    assert roster.r74_exemption("900415400127") == RosterExemption(
        "maternity_leave", date(2024, 6, 1), None
    )
    assert roster.r74_exemption("750505400007") is None
    assert roster.r74_exemption("000000000000") is None


def test_R_7_4_an_undecided_exemption_does_not_read_as_a_failed_report() -> None:
    r = report(activities=[], exemption={"reason": "maternity_leave", "from": "2024-06-01"})
    verdict = evaluate_cpd(r, filed_on=date(2026, 2, 1), evidence_names=set())
    assert "R-3.2c" not in [f.clause for f in verdict.findings]
    refused = evaluate_cpd(
        r, filed_on=date(2026, 2, 1), evidence_names=set(), exemption_accepted=False
    )
    assert refused.verdict == "non_compliant" and "R-3.2c" in [f.clause for f in refused.findings]

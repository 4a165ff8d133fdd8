"""One test per actionable clause of Part R and Appendix 2 (../shared/RULES.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from docflow.model import CpdReport
from docflow.rules import CpdVerdict, RosterExemption, evaluate_cpd

TODAY = date(2026, 2, 10)
ReportFactory = Callable[..., CpdReport]


def activity(form: int | str = 2, date: str = "2025-03-14", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form": form,
        "title": f"Activity of form {form}",
        "organizer": "Алматы қаласының заң консультанттары палатасы",
        "date": date,
        "evidence": [f"evidence/{form}-{date}.pdf"],
    }
    if form == "other":
        data["justification"] = "Pro bono legal clinic for citizens, 40 hours."
    data.update(extra)
    return data


def judge(report: CpdReport, *, today: date = TODAY, **kwargs: Any) -> CpdVerdict:
    """Evaluate with every named evidence file present unless told otherwise."""
    kwargs.setdefault("evidence_names", {p for a in report.activities for p in a.evidence})
    return evaluate_cpd(report, today=today, **kwargs)


def clauses(verdict: CpdVerdict) -> list[str]:
    return [f.clause for f in verdict.findings]


def ten_points() -> list[dict[str, Any]]:
    # 3 + 3 + 2 + 2 = 10: exactly the norm.
    return [
        activity(4, "2025-02-01"),
        activity(7, "2025-03-01"),
        activity(2, "2025-04-01"),
        activity(3, "2025-05-01"),
    ]


# --------------------------------------------------------------------------- Appendix 2 rows


def _points_of(make_report: ReportFactory, form: int) -> int:
    verdict = judge(make_report([activity(form)]))
    assert verdict.activities[0].counted
    return verdict.activities[0].points


def test_A2_1_short_programmes_give_two_points(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 1) == 2


def test_A2_2_seminars_give_two_points(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 2) == 2


def test_A2_3_development_courses_give_two_points(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 3) == 2


def test_A2_4_giving_a_talk_gives_three_points(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 4) == 3


def test_A2_5_internship_gives_two_points(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 5) == 2


def test_A2_6_institute_programmes_give_two_points(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 6) == 2


def test_A2_7_teaching_gives_three_points(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 7) == 3


def test_A2_8_degree_gives_six_points(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 8) == 6


def test_A2_9_working_groups_give_three_points(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 9) == 3


def test_A2_10_monographs_give_five_points(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 10) == 5


def test_A2_11_media_articles_give_one_point(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 11) == 1


def test_A2_12_media_appearances_give_one_point(make_report: ReportFactory) -> None:
    assert _points_of(make_report, 12) == 1


# --------------------------------------------------------------------------- points and norm


def test_R_7_3_points_are_computed_claimed_points_are_checked(make_report: ReportFactory) -> None:
    verdict = judge(make_report([activity(2, points=5), activity(8, claimed_points=6)]))
    assert [a.points for a in verdict.activities] == [2, 6]
    r73 = [f for f in verdict.findings if f.clause == "R-7.3"]
    assert len(r73) == 1 and r73[0].severity == "info" and "5" in r73[0].message
    assert verdict.activities[0].claimed_points == 5


def test_R_3_2c_below_ten_points_is_non_compliant(make_report: ReportFactory) -> None:
    verdict = judge(make_report(ten_points()[:-1]))
    assert verdict.total_points == 8
    assert verdict.verdict == "non_compliant"
    finding = next(f for f in verdict.findings if f.clause == "R-3.2c")
    assert finding.severity == "error"


def test_R_7_2_ten_points_a_year_is_compliant(make_report: ReportFactory) -> None:
    verdict = judge(make_report(ten_points()))
    assert (verdict.total_points, verdict.required_points) == (10, 10)
    assert verdict.verdict == "compliant"
    assert verdict.findings[-1].clause == "R-3.2c" and verdict.findings[-1].severity == "info"


def test_R_2_2_no_form_is_mandatory_only_the_total_counts(make_report: ReportFactory) -> None:
    media_only = [activity(11, f"2025-{m:02d}-10") for m in range(1, 11)]
    assert judge(make_report(media_only)).verdict == "compliant"


def test_R_6_1_online_activity_counts_like_in_person(make_report: ReportFactory) -> None:
    online = judge(make_report([activity(2, online=True)]))
    in_person = judge(make_report([activity(2, online=False)]))
    assert online.total_points == in_person.total_points == 2


# --------------------------------------------------------------------------- reporting year


def test_R_7_1_activity_outside_the_reporting_year_counts_zero(make_report: ReportFactory) -> None:
    verdict = judge(make_report([*ten_points(), activity(8, "2024-12-31")]))
    late_one = verdict.activities[-1]
    assert (late_one.counted, late_one.points) == (False, 0)
    assert verdict.total_points == 10
    finding = next(f for f in verdict.findings if f.clause == "R-7.1")
    assert finding.severity == "warning" and "2024-12-31" in finding.message


def test_R_7_1_year_boundaries_are_inclusive(make_report: ReportFactory) -> None:
    verdict = judge(make_report([activity(2, "2025-01-01"), activity(2, "2025-12-31")]))
    assert all(a.counted for a in verdict.activities)


# --------------------------------------------------------------------------- evidence


def test_R_7_5_activity_without_evidence_counts_zero_and_is_a_defect(
    make_report: ReportFactory,
) -> None:
    report = make_report([*ten_points(), activity(8, "2025-06-01", evidence=[])])
    verdict = judge(report)
    assert verdict.activities[-1].counted is False
    assert verdict.total_points == 10
    assert [d.clause for d in verdict.defects] == ["R-7.5"]
    assert "none named" in verdict.defects[0].message


def test_R_7_5_evidence_named_but_absent_is_a_defect(make_report: ReportFactory) -> None:
    report = make_report(ten_points())
    verdict = evaluate_cpd(report, today=TODAY, evidence_names=set())
    assert len(verdict.defects) == 4
    assert verdict.total_points == 0
    assert "evidence/4-2025-02-01.pdf" in verdict.defects[0].message


def test_R_7_5_evidence_paths_are_compared_normalised(make_report: ReportFactory) -> None:
    report = make_report([activity(2, evidence=["./evidence/../evidence/a.pdf"])])
    verdict = evaluate_cpd(report, today=TODAY, evidence_names={"evidence/a.pdf"})
    assert verdict.activities[0].counted and not verdict.defects


def test_R_3_2e_defects_make_the_report_returnable(make_report: ReportFactory) -> None:
    verdict = evaluate_cpd(make_report(ten_points()), today=TODAY, evidence_names=set())
    assert verdict.returnable
    assert not judge(make_report(ten_points())).returnable


# --------------------------------------------------------------------------- "other" activities


def test_R_3_1b_other_activity_needs_review(make_report: ReportFactory) -> None:
    verdict = judge(make_report([*ten_points(), activity("other", claimed_points=2)]))
    assert verdict.verdict == "needs_review"
    assert verdict.activities[-1].points == 0
    assert verdict.activities[-1].form_name["kk"].startswith("2-қосымшаға")
    assert "R-3.1b" in clauses(verdict)


def test_R_3_1b_points_decided_by_the_officer_count(make_report: ReportFactory) -> None:
    report = make_report([*ten_points()[:-1], activity("other", claimed_points=3)])
    verdict = judge(report, decided_points={4: 2})  # activity 4, counted from 1
    assert verdict.activities[-1].points == 2
    assert verdict.total_points == 10
    assert verdict.verdict == "compliant"


def test_R_3_1b_other_outside_the_year_needs_no_review(make_report: ReportFactory) -> None:
    verdict = judge(make_report([*ten_points(), activity("other", "2024-06-01")]))
    assert verdict.verdict == "compliant"


# --------------------------------------------------------------------------- exemptions


@pytest.mark.parametrize("reason", ["maternity_leave", "childcare_leave", "suspended"])
def test_R_7_4_exempt_for_each_ground(make_report: ReportFactory, reason: str) -> None:
    report = make_report([], exemption={"reason": reason, "from": "2024-09-01", "to": None})
    verdict = judge(report, roster_exemption=RosterExemption(reason, date(2024, 9, 1), None))
    assert verdict.verdict == "exempt"
    assert verdict.findings[0].clause == "R-7.4"
    words = {"maternity_leave": "maternity", "childcare_leave": "childcare"}
    ground = words.get(reason, "suspension")
    assert ground in verdict.findings[0].message
    assert verdict.exemption == {
        "reason": reason,
        "from": "2024-09-01",
        "to": None,
        "evidence": [],
        "confirmed_by": "roster",
    }


def test_R_7_4_restored_during_the_year_duty_starts_next_year(make_report: ReportFactory) -> None:
    leave = {"reason": "childcare_leave", "from": "2023-05-01", "to": "2025-04-30"}
    # A leave ending inside the year is the officer's call; accepted, it exempts the year.
    assert judge(make_report([], exemption=leave)).verdict == "needs_review"
    verdict_2025 = judge(make_report([], exemption=leave), exemption_accepted=True)
    assert verdict_2025.verdict == "exempt"
    verdict_2026 = judge(make_report([], year=2026, exemption=leave), today=date(2027, 1, 10))
    assert verdict_2026.verdict == "non_compliant"


def test_R_7_4_exemption_in_another_year_does_not_exempt(make_report: ReportFactory) -> None:
    leave = {"reason": "maternity_leave", "from": "2022-01-10", "to": "2023-12-31"}
    verdict = judge(make_report([activity(2)], exemption=leave))
    assert verdict.verdict == "non_compliant"
    assert verdict.exemption is None


def test_R_7_4_exempt_report_has_no_defects(make_report: ReportFactory) -> None:
    report = make_report(
        [activity(2, evidence=[])],
        exemption={"reason": "suspended", "from": "2025-01-01", "to": None},
    )
    verdict = judge(report, roster_exemption=RosterExemption("suspended", None, None))
    assert verdict.verdict == "exempt" and verdict.defects == []


def test_R_7_1_member_only_after_the_year_owes_nothing(make_report: ReportFactory) -> None:
    consultant = {
        "full_name": "Ким Виктор",
        "iin": "900415400127",
        "chamber": "ПЮК",
        "member_since": "2026-01-15",
    }
    verdict = judge(make_report([], consultant=consultant))
    assert verdict.verdict == "exempt"
    assert verdict.findings[0].clause == "R-7.1"
    assert verdict.exemption == {
        "reason": "not_a_member",
        "from": None,
        "to": None,
        "confirmed_by": "membership",
    }


def test_R_7_1_member_since_during_the_year_owes_the_norm(make_report: ReportFactory) -> None:
    consultant = {
        "full_name": "Ким Виктор",
        "iin": "900415400127",
        "chamber": "ПЮК",
        "member_since": "2025-06-15",
    }
    verdict = judge(make_report([activity(2)], consultant=consultant))
    assert verdict.verdict == "non_compliant"


# --------------------------------------------------------------------------- deadline


def test_R_3_2d_late_report_is_marked_late_verdict_unchanged(make_report: ReportFactory) -> None:
    verdict = judge(make_report(ten_points()), today=date(2025 + 1, 2, 17))
    assert verdict.late is True
    assert verdict.deadline == date(2026, 2, 16)  # 15 February 2026 is a Sunday
    assert verdict.verdict == "compliant"
    assert "R-3.2d" in clauses(verdict)


def test_R_3_2d_filed_on_the_deadline_is_on_time(make_report: ReportFactory) -> None:
    verdict = judge(make_report(ten_points()), today=date(2026, 2, 16))
    assert verdict.late is False
    assert [f.key for f in verdict.findings if f.clause == "R-3.2d"] == ["rules.r32d_moved"]


def test_R_3_2d_without_submitted_on_the_day_of_arrival_counts(make_report: ReportFactory) -> None:
    assert judge(make_report(ten_points()), today=date(2026, 3, 1)).late is True
    assert judge(make_report(ten_points()), today=TODAY).late is False


def test_R_3_1c_early_filing_is_allowed(make_report: ReportFactory) -> None:
    report = make_report(ten_points(), submitted_on="2025-11-30")
    verdict = judge(report, today=date(2025, 11, 30))
    assert verdict.verdict == "compliant" and not verdict.late
    assert "R-3.1c" in clauses(verdict)


# --------------------------------------------------------------------------- precedence, shape


def test_verdict_precedence_exempt_over_review_over_non_compliant(
    make_report: ReportFactory,
) -> None:
    with_other = [activity("other")]
    assert judge(make_report(with_other)).verdict == "needs_review"
    leave = {"reason": "suspended", "from": "2025-01-01", "to": None}
    roster = RosterExemption("suspended", date(2025, 1, 1), None)
    assert judge(make_report(with_other, exemption=leave), roster_exemption=roster).verdict == (
        "exempt"
    )


def test_every_finding_cites_a_clause(make_report: ReportFactory) -> None:
    report = make_report(
        [activity(2, "2024-01-01"), activity("other"), activity(3, evidence=[], points=9)],
        submitted_on="2026-03-01",
    )
    verdict = judge(report, today=date(2026, 3, 1))
    assert verdict.findings
    for finding in verdict.findings:
        assert finding.clause.startswith(("R-", "A2-"))
        assert finding.severity in {"error", "warning", "info"}


def test_to_json_has_the_check_json_shape(make_report: ReportFactory) -> None:
    doc = judge(make_report([activity(8)], submitted_on="2026-02-01")).to_json()
    assert set(doc) == {
        "verdict",
        "total_points",
        "required_points",
        "late",
        "deadline",
        "filed_on",
        "rule_version",
        "exemption",
        "findings",
        "defects",
        "activities",
    }
    assert doc["rule_version"] == "appendix2@2022-01-01"
    assert doc["deadline"] == "2026-02-16"  # 15 February 2026 is a Sunday (R-3.2d)
    (act,) = doc["activities"]
    assert set(act) == {
        "index",
        "form",
        "form_name",
        "title",
        "organizer",
        "date",
        "points",
        "counted",
        "claimed_points",
        "justification",
        "evidence",
        "number",
    }
    assert act["form"] == 8 and act["points"] == 6 and act["date"] == "2025-03-14"
    assert act["form_name"]["kk"].endswith("ғылыми дәрежелерін беру")
    assert {"clause", "message", "severity", "key", "params"} <= set(doc["findings"][0])


def test_rules_are_pure_same_input_same_verdict(make_report: ReportFactory) -> None:
    report = make_report(ten_points())
    assert judge(report) == judge(report)


def test_R_7_5_an_attached_file_that_is_not_valid_evidence_documents_nothing(
    today: date,
) -> None:
    data = {
        "kind": "cpd-report",
        "year": 2025,
        "locale": "kk",
        "consultant": {
            "full_name": "Сейітқали Әсел",
            "iin": "900415400127",
            "chamber": "ЗКП",
            "member_since": "2019-03-01",
        },
        "activities": [
            {"form": 4, "title": "Баяндама", "organizer": "ЗКП", "date": "2025-05-22",
             "evidence": ["evidence/cert.pdf"]},
            {"form": 8, "title": "PhD", "organizer": "ҚазҰУ", "date": "2025-06-01",
             "evidence": ["evidence/diploma.pdf"]},
            {"form": 4, "title": "Баяндама 2", "organizer": "ЗКП", "date": "2025-09-22",
             "evidence": ["evidence/other.pdf"]},
        ],
    }  # fmt: skip
    report = CpdReport.model_validate(data)
    names = {"evidence/cert.pdf", "evidence/diploma.pdf", "evidence/other.pdf"}
    clean = evaluate_cpd(report, today=today, evidence_names=names)
    assert clean.total_points == 12 and not clean.defects
    judged = evaluate_cpd(
        report,
        today=today,
        evidence_names=names,
        evidence_problems={"evidence/cert.pdf": "certificate revoked by the issuer"},
    )
    assert judged.total_points == 9
    assert [a.counted for a in judged.activities] == [False, True, True]
    [defect] = judged.defects
    assert defect.clause == "R-7.5" and "certificate revoked by the issuer" in defect.message

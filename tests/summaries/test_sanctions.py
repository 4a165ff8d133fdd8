"""R-9.1 decisions with a moving ``today``: warning → cure, warning → suspension, and that
deciding again issues nothing twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from summaries_data import CHAMBER, SPECS, YEAR, record_for

from docflow.summaries import (
    Member,
    Roster,
    SanctionCase,
    add_months,
    chamber_summary,
    plan_sanctions,
    suspension_periods,
)


def _apply(cases: dict[str, SanctionCase], actions: list[Any]) -> dict[str, SanctionCase]:
    out = dict(cases)
    for action in actions:
        out[action.case.iin] = action.case
    return out


def _plan(roster: Roster, records: list[dict[str, Any]], cases: dict[str, SanctionCase],
          today: date) -> list[Any]:  # fmt: skip
    summary = chamber_summary(roster, records, year=YEAR, today=today)
    return plan_sanctions(summary, cases, today=today)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 2, 20), 1, date(2026, 3, 20)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 21), 3, date(2026, 6, 21)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_nothing_before_the_deadline_R_3_2d(roster: Roster, records: list[dict[str, Any]]) -> None:
    assert _plan(roster, records, {}, date(2026, 2, 15)) == []


def test_warnings_for_below_norm_and_not_filed_R_9_1a(
    roster: Roster, records: list[dict[str, Any]]
) -> None:
    actions = _plan(roster, records, {}, date(2026, 2, 20))
    assert {a.kind for a in actions} == {"warn"}
    expected = {s.iin: s.expect for s in SPECS if s.expect in ("below_norm", "not_filed",
                                                                "returned")}  # fmt: skip
    assert {a.case.iin: a.case.reason for a in actions} == expected
    for a in actions:
        assert (a.case.state, a.case.warned_on, a.case.due_on) == (
            "open", date(2026, 2, 20), date(2026, 3, 20)
        )  # fmt: skip
    # the exempt, the compliant and the newcomers are never warned
    never = {s.iin for s in SPECS if s.expect in ("exempt", "compliant", "not_subject")}
    assert not {a.case.iin for a in actions} & never


def test_warning_then_cure_and_warning_then_suspension(
    roster: Roster, records: list[dict[str, Any]]
) -> None:
    cases = _apply({}, _plan(roster, records, {}, date(2026, 2, 20)))
    # Deciding again the same day, or a week later, issues nothing new (idempotent).
    assert _plan(roster, records, cases, date(2026, 2, 20)) == []
    assert _plan(roster, records, cases, date(2026, 2, 27)) == []

    below = [s for s in SPECS if s.expect == "below_norm"]
    cured_in_time, cured_too_late = below[0], below[1]
    records = [
        *records,
        record_for(cured_in_time.iin, cured_in_time.name, version=2, outcome="compliant",
                   submitted_on=date(2026, 3, 10), points_by_form={"2": 10}),
        record_for(cured_too_late.iin, cured_too_late.name, version=2, outcome="compliant",
                   submitted_on=date(2026, 3, 25), points_by_form={"2": 10}),
    ]  # fmt: skip
    # 15 March: the corrected report reached the norm before the due date (R-9.1a).
    actions = _plan(roster, records, cases, date(2026, 3, 15))
    assert [(a.kind, a.case.iin) for a in actions] == [("cure", cured_in_time.iin)]
    assert actions[0].case.cured_on == date(2026, 3, 10)
    cases = _apply(cases, actions)
    # 20 March is still within the month: nothing yet.
    assert _plan(roster, records, cases, date(2026, 3, 20)) == []
    # 26 March: past the due date, the rest are suspended for three months (R-9.1b); a norm
    # reached on 25 March comes too late.
    actions = _plan(roster, records, cases, date(2026, 3, 26))
    suspended = {a.case.iin for a in actions if a.kind == "suspend"}
    assert {a.kind for a in actions} == {"suspend"}
    assert cured_too_late.iin in suspended and cured_in_time.iin not in suspended
    assert len(suspended) == 10
    for a in actions:
        assert (a.case.suspended_from, a.case.suspended_to) == (date(2026, 3, 21),
                                                                date(2026, 6, 20))  # fmt: skip
    cases = _apply(cases, actions)
    assert _plan(roster, records, cases, date(2026, 4, 30)) == []  # decided: nothing twice

    # R-9.1b: suspended "with the duty to reach the norm": neither 2026 nor 2027 is exempt.
    periods = suspension_periods(list(cases.values()))
    assert set(periods) == suspended
    assert all(p.ground == "sanction_suspension" for ps in periods.values() for p in ps)
    in_2026 = chamber_summary(roster, [], year=2026, today=date(2027, 2, 20), suspensions=periods)
    by_iin = {m.iin: m for m in in_2026.members}
    roster_grounds = {s.iin for s in SPECS if s.status != "active"}
    assert all(by_iin[i].state != "exempt" for i in suspended - roster_grounds)


def test_R_9_1b_a_sanction_suspension_keeps_the_duty_to_reach_the_norm() -> None:
    case = SanctionCase(
        chamber=CHAMBER, iin=SPECS[0].iin, year=2025, full_name="Тоқтатылған Ержан",
        reason="below_norm", state="suspended", warned_on=date(2026, 2, 20),
        due_on=date(2026, 3, 20), suspended_from=date(2026, 3, 21),
        suspended_to=date(2026, 6, 20),
    )  # fmt: skip
    member = Member("Тоқтатылған Ержан", SPECS[0].iin, date(2015, 1, 1))
    periods = suspension_periods([case])
    summary = chamber_summary(
        Roster(CHAMBER, (member,)), [], year=2026, today=date(2027, 2, 20), suspensions=periods
    )
    assert summary.members[0].state == "not_filed" and summary.exempt == 0


def test_R_9_1b_the_suspension_notice_keeps_the_duty() -> None:
    import importlib.util
    from pathlib import Path

    builder = Path(__file__).resolve().parents[2] / "tools" / "build_templates.py"
    spec = importlib.util.spec_from_file_location("build_templates", builder)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    NOTICES = module.NOTICES

    for locale, exempts in (("kk", "босатыласыз"), ("ru", "освобождаетесь")):
        after = NOTICES["suspension"][locale]["after"]
        assert exempts not in after
        assert "7.4" in after


def test_a_cured_case_is_never_reopened(roster: Roster, records: list[dict[str, Any]]) -> None:
    cases = _apply({}, _plan(roster, records, {}, date(2026, 2, 20)))
    iin = next(iter(cases))
    cases[iin] = replace(cases[iin], state="cured", cured_on=date(2026, 3, 1))
    later = _plan(roster, records, cases, date(2026, 5, 1))
    assert iin not in {a.case.iin for a in later}

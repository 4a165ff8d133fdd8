"""Membership from the roster (issue 13, A1 "member of … chamber", R-4.6): a report's IIN and
name are checked against the chamber's roster; without one the officer reviews."""

from __future__ import annotations

from datetime import date

import pytest

from docflow.bodies import check_membership
from docflow.summaries.roster import Member, Roster

from .conftest import valid_iin

ASEL = valid_iin(1)
IVAN = valid_iin(2)
STRANGER = valid_iin(3)


@pytest.fixture
def roster() -> Roster:
    return Roster(
        chamber="Қарағанды облысының заң консультанттары палатасы",
        chamber_id="karaganda",
        members=(
            Member("Сейітқали Әсел Нұрланқызы", ASEL, date(2019, 5, 1)),
            Member("Иванов Пётр Семёнович", IVAN, date(2020, 1, 1)),
        ),
    )


def test_a1_member_with_the_rosters_name_passes(roster: Roster) -> None:
    assert check_membership(ASEL, "Сейітқали Әсел Нұрланқызы", "karaganda", roster) == []
    # ё/е, case and spacing are not a mismatch
    assert check_membership(IVAN, "ИВАНОВ  Петр Семенович", "karaganda", roster) == []


def test_a1_iin_not_on_the_roster_is_rejected(roster: Roster) -> None:
    (finding,) = check_membership(STRANGER, "Сейітқали Әсел", "karaganda", roster)
    assert finding.code == "not_a_member" and finding.decision == "reject"
    assert STRANGER in finding.kk and STRANGER in finding.ru and STRANGER in finding.en
    assert "реестре членов палаты «karaganda»" in finding.ru
    assert finding.field == "consultant.iin"


def test_a1_name_differing_from_the_roster_is_rejected_naming_both(roster: Roster) -> None:
    # The impostor of issue 13: a real consultant's IIN under another person's name.
    (finding,) = check_membership(ASEL, "Петрова Мария", "karaganda", roster)
    assert finding.code == "name_mismatch" and finding.decision == "reject"
    for text in (finding.kk, finding.ru, finding.en):
        assert "Сейітқали Әсел Нұрланқызы" in text and "Петрова Мария" in text
    assert finding.to_json()["severity"] == "error"


def test_r4_6_no_roster_means_membership_not_confirmed_for_review() -> None:
    (finding,) = check_membership(ASEL, "Сейітқали Әсел", "karaganda", None)
    assert finding.code == "membership_not_confirmed" and finding.decision == "review"
    assert "Членство не подтверждено" in finding.ru and "not confirmed" in finding.en
    assert finding.severity == "warning"


def test_certificate_name_must_agree_with_the_form(roster: Roster) -> None:
    found = check_membership(
        ASEL,
        "Сейітқали Әсел Нұрланқызы",
        "karaganda",
        roster,
        certificate_name="Ахметов Ерлан",
    )
    assert [f.code for f in found] == ["certificate_name_mismatch"]
    assert "Ахметов Ерлан" in found[0].ru
    agreeing = check_membership(
        ASEL, "Сейітқали Әсел Нұрланқызы", "karaganda", roster,
        certificate_name="СЕЙІТҚАЛИ ӘСЕЛ НҰРЛАНҚЫЗЫ",
    )  # fmt: skip
    assert agreeing == []


def test_the_roster_of_another_chamber_is_a_programming_error(roster: Roster) -> None:
    with pytest.raises(ValueError, match="karaganda"):
        check_membership(ASEL, "Сейітқали Әсел Нұрланқызы", "almaty", roster)

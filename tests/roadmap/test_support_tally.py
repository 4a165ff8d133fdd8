"""M-2.6q, M-2.7q as a pure count (docflow.roadmap.support.tally): two thirds of ALL the
collegia, only decisions signed by that collegium's chair, the latest per collegium, late ones
counted and flagged (docs/ROADMAP.md)."""

from __future__ import annotations

from datetime import date

import pytest

from docflow.roadmap.directions import support_needed
from docflow.roadmap.support import SupportDecision, tally

COLLEGIA = [f"bar-{i:02d}" for i in range(20)]


def decision(
    collegium: str,
    *,
    on: date = date(2026, 5, 1),
    position: str = "supports",
    signed_as: tuple[str, str | None] | None = None,
    order: int = 0,
) -> SupportDecision:
    return SupportDecision(
        record=f"R-{collegium}-{on}-{order}",
        collegium=collegium,
        position=position,
        decided_on=on,
        decision_no="1",
        signer_name="x",
        signed_as=signed_as if signed_as is not None else ("chair", collegium),
        order=order,
    )


@pytest.mark.parametrize(("total", "needed"), [(20, 14), (3, 2), (14, 10), (18, 12), (1, 1)])
def test_m26q_needed_is_two_thirds_of_all_rounded_up(total: int, needed: int) -> None:
    assert support_needed(total) == needed


def test_m26q_13_of_20_is_not_yet_the_14th_confirms() -> None:
    thirteen = [decision(c) for c in COLLEGIA[:13]]
    assert not tally("M-2.6", thirteen, COLLEGIA).confirmed
    state = tally("M-2.6", [*thirteen, decision(COLLEGIA[13])], COLLEGIA)
    assert (state.count, state.needed, state.confirmed) == (14, 14, True)
    assert state.text("ru") == "14 из 20 (нужно не менее 14)"


def test_m26q_two_thirds_of_all_not_of_those_that_answered() -> None:
    # 10 answered, all support: 10 of 10 answered, but 10 of 20 is not two thirds.
    state = tally("M-2.6", [decision(c) for c in COLLEGIA[:10]], COLLEGIA)
    assert (state.count, state.confirmed) == (10, False)


@pytest.mark.parametrize(
    "signed_as",
    [("consultant", None), ("chair", "bar-19"), ("officer", "bar-00"), ("chair", "rba")],
)
def test_m26q_a_decision_not_signed_by_that_collegiums_chair_counts_not_at_all(
    signed_as: tuple[str, str | None],
) -> None:
    state = tally("M-2.6", [decision("bar-00", signed_as=signed_as)], COLLEGIA)
    assert state.count == 0
    assert [(d.collegium, why) for d, why in state.ignored] == [("bar-00", "not_chair")]


def test_m26q_a_forged_decision_does_not_replace_the_chairs_earlier_one() -> None:
    real = decision("bar-00", on=date(2026, 5, 1))
    forged = decision("bar-00", on=date(2026, 5, 9), position="does_not_support",
                      signed_as=("consultant", None))  # fmt: skip
    state = tally("M-2.6", [real, forged], COLLEGIA)
    assert [d.record for d in state.supporting] == [real.record]


def test_m26q_the_latest_decision_of_a_collegium_replaces_the_earlier_even_a_withdrawal() -> None:
    first = decision("bar-00", on=date(2026, 5, 1))
    withdrawn = decision("bar-00", on=date(2026, 5, 9), position="does_not_support")
    state = tally("M-2.6", [withdrawn, first], COLLEGIA)  # order of filing does not matter
    assert state.count == 0 and [d.record for d in state.against] == [withdrawn.record]
    assert [(d.record, why) for d, why in state.ignored] == [(first.record, "replaced")]
    # Same day: the later filed counts.
    again = decision("bar-00", on=date(2026, 5, 9), order=5)
    assert [d.record for d in tally("M-2.6", [withdrawn, again], COLLEGIA).supporting] == [
        again.record
    ]


def test_m26q_a_decision_after_the_letters_answer_date_counts_flagged_late() -> None:
    late = decision("bar-03", on=date(2026, 5, 20))
    state = tally("M-2.6", [late], COLLEGIA, answer_by={"bar-03": date(2026, 5, 15)})
    assert state.count == 1 and state.supporting[0].late


def test_m26q_a_collegium_not_in_the_list_is_ignored() -> None:
    state = tally("M-2.6", [decision("bar-atlantis")], COLLEGIA)
    assert state.count == 0 and state.ignored[0][1] == "unknown_collegium"

"""``docflow roadmap status``, ``letters`` and ``reminders`` through the command line, and the
reminders before a quarter's end (M-qr)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from docflow.cli import main
from docflow.config import Home
from docflow.roadmap.directions import load_roadmap
from docflow.roadmap.status import DirectionStatus, QuarterPoint, due_reminders


def _status(direction: str, stage: str, quarters: tuple[QuarterPoint, ...] = ()) -> DirectionStatus:
    d = load_roadmap().direction(direction)
    assert d is not None
    return DirectionStatus(d, stage, "quarterly_report", date(2026, 9, 30), False, None, quarters)


def _q(quarter: int) -> QuarterPoint:
    return QuarterPoint(2026, quarter, "drafting", 1, 3, 2, 20.0, 3, False, "R")


def test_mqr_reminders_before_the_quarters_end_name_approved_directions_without_a_report() -> None:
    statuses = [
        _status("M-2.1", "approved", (_q(2),)),  # Q3 not filed: reminded
        _status("M-2.2", "approved", (_q(3),)),  # Q3 filed: not reminded
        _status("M-2.3", "before_presidium"),  # not approved: no report due
    ]
    assert due_reminders(statuses, today=date(2026, 9, 10)) == []  # 20 days before the end
    [reminder] = due_reminders(statuses, today=date(2026, 9, 25))
    assert (reminder.direction, reminder.quarter, reminder.due) == ("M-2.1", 3, date(2026, 9, 30))
    assert "3-тоқсанның есебі" in reminder.text("kk") and "3 квартал" in reminder.text("ru")


def test_roadmap_status_json_on_a_new_home_lists_seven_directions_m21_overdue(
    home: Home,
) -> None:
    result = CliRunner().invoke(
        main, ["--home", str(home.root), "roadmap", "status", "--json", "--today", "2026-02-10"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output[result.output.index("{") :])
    rows = {d["direction"]: d for d in doc["directions"]}
    assert list(rows) == [f"M-2.{i}" for i in range(1, 8)]
    assert rows["M-2.1"]["next_deadline"] == {
        "what": "first_decision",
        "date": "2025-12-31",
        "overdue": True,
    }
    assert rows["M-2.2"]["next_deadline"]["overdue"] is False
    assert rows["M-2.6"]["support"]["text"]["en"] == "0 of 20 (need 14)"
    assert rows["M-2.1"]["support"] is None and rows["M-2.1"]["extensible"] is False


def test_roadmap_status_text_is_in_the_readers_language_only(home: Home) -> None:
    """The Kazakh reader reads Kazakh, the Russian reader Russian (not both on every line)."""
    shown = {}
    for lang in ("kk", "ru"):
        result = CliRunner().invoke(
            main,
            [
                "--home",
                str(home.root),
                "--lang",
                lang,
                "roadmap",
                "status",
                "--today",
                "2026-02-10",
            ],
        )
        assert result.exit_code == 0, result.output
        shown[lang] = result.output
    assert shown["kk"].startswith("Жол картасы — 2026-02-10") and "МЕРЗІМІ ӨТТІ" in shown["kk"]
    assert "Дорожная карта" not in shown["kk"] and "ПРОСРОЧЕНО" not in shown["kk"]
    assert shown["ru"].startswith("Дорожная карта — 2026-02-10") and "ПРОСРОЧЕНО" in shown["ru"]
    assert "Жол картасы" not in shown["ru"] and "МЕРЗІМІ ӨТТІ" not in shown["ru"]
    assert "0 из 20 (нужно не менее 14)" in shown["ru"]  # M-2.6q, in Russian only


def test_roadmap_letters_writes_one_letter_per_collegium_into_the_inbox(home: Home) -> None:
    result = CliRunner().invoke(
        main,
        ["--home", str(home.root), "roadmap", "letters", "M-2.6", "--decision", "П-14",
         "--answer-by", "2026-05-15", "--today", "2026-04-15"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    letters = sorted(Path(home.inbox).glob("letter-*.json"))
    assert len(letters) == len(load_roadmap().collegia) == 20
    first = json.loads(letters[0].read_text(encoding="utf-8"))
    assert first["kind"] == "roadmap-support-letter" and first["sent_on"] == "2026-04-15"


def test_m26q_collegia_are_bodies_their_chairs_enrolled_with_pki_enroll_role_chair(
    home: Home,
) -> None:
    from docflow.bodies import OfficeRegistry
    from docflow.pki.testing import make_test_pki

    make_test_pki(home)
    runner = CliRunner()
    bodies = runner.invoke(main, ["--home", str(home.root), "roadmap", "bodies"])
    assert bodies.exit_code == 0, bodies.output
    assert "bar-almaty" in bodies.output and "rba" in bodies.output
    enrolled = runner.invoke(
        main,
        ["--home", str(home.root), "pki", "enroll", "--iin", "750714400152", "--name",
         "Алматы төрағасы", "--role", "chair", "--chamber", "bar-almaty"],
    )  # fmt: skip
    assert enrolled.exit_code == 0, enrolled.output
    [office] = OfficeRegistry(home).offices(role="chair", body="bar-almaty")
    assert office.iin == "750714400152"
    member = runner.invoke(
        main,
        ["--home", str(home.root), "pki", "enroll", "--iin", "710314400110", "--name",
         "Серік Жанұлы Оспанов", "--role", "presidium_member", "--chamber", "rba"],
    )  # fmt: skip
    assert member.exit_code == 0, member.output


class _Archive:
    """Archived records by kind, as ``Archive.search(kind=...)`` returns them."""

    def __init__(self, records: list[dict[str, object]]):
        self.records = records

    def search(self, *, kind: str | None = None, **_: object) -> list[dict[str, object]]:
        return [r for r in self.records if r["kind"] == kind]


def _decision(record_id: str, signed_as: list[str]) -> dict[str, object]:
    return {
        "id": record_id,
        "kind": "roadmap-decision",
        "data": {"direction": "M-2.2", "outcome": "approve", "decided_on": "2026-03-02"},
        "roadmap": {"signed_as": {"chair": signed_as}, "verdict": {"facts": {}}},
    }


def test_mdec_a_decision_not_signed_by_the_rbas_chair_does_not_move_the_direction(
    home: Home,
) -> None:
    from docflow.roadmap.status import roadmap_status

    forged = _Archive([_decision("D1", ["chair", "bar-almaty"])])
    [m22] = [s for s in roadmap_status(forged, home, today=date(2026, 3, 10))
             if s.direction.id == "M-2.2"]  # fmt: skip
    assert m22.stage == "awaiting_package" and m22.records["decisions"] == []
    real = _Archive([_decision("D2", ["chair", "rba"])])
    [m22] = [s for s in roadmap_status(real, home, today=date(2026, 3, 10))
             if s.direction.id == "M-2.2"]  # fmt: skip
    assert m22.stage == "approved" and m22.records["decisions"] == ["D2"]
    assert (m22.deadline_kind, m22.deadline) == ("quarterly_report", date(2026, 3, 31))

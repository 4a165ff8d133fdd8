"""The rules' words on signed documents: remarks (R-3.2e), exemptions on the form (R-7.4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from docflow.i18n import Msg
from docflow.model import CpdReport
from docflow.rules import comment_section, defect_remarks, evaluate_cpd, exemption_statement


def report(**fields: Any) -> CpdReport:
    data: dict[str, Any] = {
        "kind": "cpd-report",
        "year": 2025,
        "locale": "ru",
        "consultant": {
            "full_name": "Иванова Мария",
            "iin": "900415400127",
            "chamber": "ПЮК",
            "member_since": "2019-03-01",
        },
        "activities": [
            {"form": 2, "title": "Семинар", "organizer": "ПЮК", "date": "2025-03-14",
             "evidence": ["e/cert.pdf"]},
            {"form": 2, "title": "Вебинар", "organizer": "ПЮК", "date": "2025-04-14",
             "evidence": ["e/missing.pdf"]},
        ],
    }  # fmt: skip
    data.update(fields)
    return CpdReport.model_validate(data)


def test_R_3_2e_remarks_give_the_real_reason() -> None:
    r = report()
    other = Msg("evidence.issued_to_other", {"iin": "9004••••0127", "name": "Иванова Мария"})
    verdict = evaluate_cpd(
        r,
        filed_on=date(2026, 2, 1),
        evidence_names={"e/cert.pdf"},
        evidence_problems={"e/cert.pdf": [other]},
    )
    first, second = defect_remarks(r, verdict)
    assert first.startswith("Мероприятие 1 («Семинар»): документ e/cert.pdf")
    assert "выдан другому лицу" in first and "не приложен" not in first
    assert second.startswith("Мероприятие 2 («Вебинар»): не приложен подтверждающий документ")
    assert "e/missing.pdf" in second
    kk_first = defect_remarks(r, verdict, "kk")[0]
    assert "басқа адамға" in kk_first and kk_first.startswith("1-іс-шара")


def test_R_3_2e_a_disagreement_puts_the_comment_section_in_play() -> None:
    r = report(disagreement="Сертификат выдан мне, ИИН в нём указан с опечаткой.")
    assert r.disagreement is not None
    section = comment_section(r.disagreement, "Проверено по реестру.", "ru")
    assert section == (
        "Консультант не согласен с замечаниями: Сертификат выдан мне, ИИН в нём указан с "
        "опечаткой.\nПроверено по реестру."
    )
    assert comment_section(None, None, "ru") is None


def test_R_7_4_the_form_states_the_exemptions_ground_and_period() -> None:
    exemption = {"reason": "childcare_leave", "from": "2024-03-01", "to": None}
    assert exemption_statement(exemption, 2025, "ru") == (
        "Освобождён от обязанности повышения квалификации за 2025 год (пункт 7.4 Правил): "
        "отпуск по уходу за ребёнком, с 01.03.2024."
    )
    kk = exemption_statement({**exemption, "to": "2025-12-31"}, 2025, "kk")
    assert (
        kk is not None and "бала күтімі бойынша демалыс, 01.03.2024 бастап 31.12.2025 дейін" in kk
    )
    assert exemption_statement({"reason": "not_a_member"}, 2025, "kk") is None

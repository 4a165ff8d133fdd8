"""NAME.error.txt in the submission's language; "enroll first" is not the consultant's mistake."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from docflow.errors import SubmissionInvalid
from docflow.intake.messages import locale_of, not_enrolled_text, rejection_text
from docflow.intake.parse import load_submission_bytes

BAD = b"""kind: cpd-report
year: 2025
locale: ru
consultant: {full_name: X, iin: "900415400127", chamber: C, member_since: 2019-03-01}
activities:
  - {form: 2, title: T, organizer: O, date: 2025-02-30, evidence: [a.pdf]}
"""


def problems() -> list:
    with pytest.raises(SubmissionInvalid) as exc:
        load_submission_bytes("bad.yaml", BAD, base_dir=None, today=date(2026, 2, 10))
    return exc.value.problems


def test_the_rejection_is_in_the_submissions_language() -> None:
    ru = rejection_text("bad.yaml", problems(), "ru")
    assert ru.startswith("docflow не может принять bad.yaml.")
    assert "мероприятие 1, дата: '2025-02-30' не является существующей датой" in ru
    assert "(ожидается: дата ГГГГ-ММ-ДД)" in ru
    assert "Исправьте файл" in ru
    kk = rejection_text("bad.yaml", problems(), "kk")
    assert "1-іс-шара, күні: '2025-02-30' нақты күн емес" in kk and "Файлды түзетіп" in kk


def test_an_unreadable_file_is_explained_in_kazakh_and_russian() -> None:
    with pytest.raises(SubmissionInvalid) as exc:
        load_submission_bytes("x.yaml", b"\xff\xfe", base_dir=None, today=date(2026, 2, 10))
    text = rejection_text("x.yaml", exc.value.problems, locale_of(None))
    assert "UTF-8 мәтіні емес" in text and "не является текстом в UTF-8" in text
    assert locale_of({"locale": "ru"}) == "ru"


def test_enroll_first_does_not_ask_the_consultant_to_correct_the_file() -> None:
    for lang, fine in (("kk", "Файл дұрыс толтырылған"), ("ru", "Файл составлен верно")):
        text = not_enrolled_text("r.zip", full_name="Ким В.", iin="900415400127", locale=lang)
        assert fine in text and "Ким В." in text
        assert "Исправьте" not in text and "түзетіп" not in text


def test_intake_messages_keep_their_english_for_logs(tmp_path: Path) -> None:
    (problem,) = problems()
    assert problem.message == "'2025-02-30' is not a real date"
    assert problem.key == "intake.not_real_date" and problem.hint == "hint.field.date"


def test_iin_problems_are_worded_in_the_readers_language() -> None:
    from docflow.intake.messages import problem_text

    bad = BAD.replace(b'"900415400127"', b'"900415400128"')
    with pytest.raises(SubmissionInvalid) as exc:
        load_submission_bytes("bad.yaml", bad, base_dir=None, today=date(2026, 2, 10))
    (iin,) = [p for p in exc.value.problems if p.field == "consultant.iin"]
    assert problem_text(iin, "ru")[0].startswith("последняя (контрольная) цифра ИИН должна быть 7")
    assert "бақылау" in problem_text(iin, "kk")[0]
    assert iin.message.startswith("the last digit of the IIN (check digit) should be 7, not 8")

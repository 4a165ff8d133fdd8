"""The officer is named as the A1 form names him (issue 14, "the forms' own words"): the
Chamber's "жауапты адамы" / "ответственное лицо" (R-4.6's responsible person), on the form's
officer block and on his signature stamp alike."""

from __future__ import annotations

from datetime import UTC, datetime

from docx import Document

from docflow.config import DEFAULT_TEMPLATES
from docflow.sign import stamp_lines

#: The officer's line of the A1 form, verbatim from the Rules' Appendix 1 (seed 000) and the
#: Russian translation of the packaged template.
A1_OFFICER_LINE = {
    "kk": "Заң консультанттары палатасының жауапты адамы (Аты-жөні, қолы)",
    "ru": "Ответственное лицо палаты юридических консультантов (Ф.И.О., подпись)",
}


def _docx_text(locale: str) -> str:
    doc = Document(str(DEFAULT_TEMPLATES / f"appendix1_{locale}.docx"))
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)
    return "\n".join(texts)


def test_A1_officer_block_wording() -> None:
    for locale, line in A1_OFFICER_LINE.items():
        text = _docx_text(locale)
        assert line in text, locale
        assert "уәкілетті" not in text and "уполномоченн" not in text.lower()


def test_A1_officer_stamp_wording() -> None:
    when = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)
    kk = stamp_lines(name="Оспанов Ерлан", role="officer", when=when, locale="kk")
    ru = stamp_lines(name="Оспанов Ерлан", role="officer", when=when, locale="ru")
    assert kk["role"] == "Рөлі: палатаның жауапты адамы"
    assert ru["role"] == "Роль: ответственное лицо палаты"

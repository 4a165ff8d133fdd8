"""The A1 form's own words (issue 14): the Russian membership line reads "Член Палаты … с «…» … г.",
and the attachments are named by the activity each proves, in the activities' order."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from docflow.render.docx import attachment_names, render_docx, report_context

REPO = Path(__file__).resolve().parents[2]


def _submission(chamber: str) -> dict[str, Any]:
    return {
        "year": 2025,
        "submitted_on": date(2026, 2, 10),
        "consultant": {"full_name": "Иванова Елена", "chamber": chamber,
                       "member_since": date(2016, 9, 15)},
        "activities": [
            {"title": f"Семинар {n}", "evidence": [f"evidence/doc{n}.pdf"]} for n in (1, 10, 2)
        ],
    }  # fmt: skip


def _text(docx: bytes) -> str:
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode("utf-8")
    return "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))


def test_the_russian_membership_line_reads_naturally() -> None:
    chamber = "Палата юридических консультантов города Астаны"
    context = report_context(_submission(chamber), {"activities": [], "total_points": 0},
                             locale="ru", attachments=[])  # fmt: skip
    text = _text(render_docx(REPO / "templates/appendix1_ru.docx", context))
    assert "Член Палаты юридических консультантов города Астаны с «15» сентября 2016 г." in text
    # A name that does not start with "Палата" is quoted after the word.
    other = report_context(_submission("Алматы қаласының ЗКП"), {"activities": [],
                           "total_points": 0}, locale="ru", attachments=[])  # fmt: skip
    assert other["member_of"] == "палаты «Алматы қаласының ЗКП»"


def test_R_7_6_attachments_are_named_by_activity_in_order() -> None:
    files = ("evidence/doc1.pdf", "evidence/doc10.pdf", "evidence/doc2.pdf", "submission.json")
    attached = [{"name": n} for n in files]
    names = attachment_names(_submission("Палата"), attached, "ru")
    assert names == [
        "Документ, подтверждающий участие в мероприятии 1 («Семинар 1»): doc1.pdf",
        "Документ, подтверждающий участие в мероприятии 2 («Семинар 10»): doc10.pdf",
        "Документ, подтверждающий участие в мероприятии 3 («Семинар 2»): doc2.pdf",
        "Машиночитаемые данные отчёта и результат проверки правил (submission.json)",
    ]

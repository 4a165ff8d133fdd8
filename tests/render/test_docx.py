"""DOCX rendering: data stays data, missing variables are errors, the A1 form's conditional
parts (officer comment) and the date wording."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from docflow.config import DEFAULT_TEMPLATES
from docflow.errors import TemplateError
from docflow.render import certificate_context, format_date, render_docx, report_context
from tests.render.conftest import INJECTION, make_submission


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def render_report(locale: str, **kwargs: object) -> bytes:
    submission, verdict = make_submission(locale)
    context = report_context(
        submission,
        verdict,
        locale=locale,
        attachments=[{"name": "evidence/e1.pdf"}, {"name": "submission.json"}],
        **kwargs,  # type: ignore[arg-type]
    )
    return render_docx(DEFAULT_TEMPLATES / f"appendix1_{locale}.docx", context)


@pytest.mark.parametrize("evil", INJECTION)
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_template_injection_renders_literally(evil: str, locale: str) -> None:
    submission, verdict = make_submission(locale, full_name=f"Әсел {evil}", title=f"T {evil}")
    context = report_context(
        submission, verdict, locale=locale, attachments=[], officer_comment=f"C {evil}"
    )
    text = docx_text(render_docx(DEFAULT_TEMPLATES / f"appendix1_{locale}.docx", context))
    assert f"Әсел {evil}" in text
    assert f"T {evil}" in text
    assert f"C {evil}" in text
    assert "49" not in text  # {{ 7*7 }} was not evaluated


def test_missing_variable_is_an_error_naming_it() -> None:
    submission, verdict = make_submission("kk")
    context = report_context(submission, verdict, locale="kk", attachments=[])
    del context["total_points"]
    with pytest.raises(TemplateError, match="total_points"):
        render_docx(DEFAULT_TEMPLATES / "appendix1_kk.docx", context)


def test_missing_template_is_a_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError):
        render_docx(tmp_path / "nope.docx", {})


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_officer_comment_section_only_when_commented(locale: str) -> None:
    title = "комментарий" if locale == "ru" else "комментарий."
    without = docx_text(render_report(locale))
    assert title not in without.lower()
    with_comment = docx_text(render_report(locale, officer_comment="Келіспеймін"))
    assert title in with_comment.lower()
    assert "Келіспеймін" in with_comment


def test_attachments_are_numbered_in_order() -> None:
    # Named by the activity each proves (issue 14), the machine-readable data last.
    lines = docx_text(render_report("kk")).splitlines()
    first = next(line for line in lines if line.startswith("1. "))
    second = next(line for line in lines if line.startswith("2. "))
    assert "іс-шараға" in first and first.endswith(": e1.pdf"), first
    assert second.endswith("(submission.json)"), second


def test_date_wording() -> None:
    assert format_date(date(2019, 3, 1), "kk", since=True) == "2019 жылғы «01» наурыздан"
    assert format_date("2026-02-10", "kk") == "2026 жылғы «10» ақпан"
    assert format_date(date(2026, 2, 10), "ru") == "«10» февраля 2026 г."
    with pytest.raises(TemplateError):
        format_date(date(2026, 2, 10), "en")


def test_certificate_context_and_qr() -> None:
    ctx = certificate_context(
        {
            "locale": "ru",
            "event": {
                "title": "Семинар",
                "form": 2,
                "organizer": "Палата",
                "date": date(2025, 3, 14),
                "hours": 8.0,
                "place": "online",
            },
            "issuer": {"full_name": "Иванов", "position": "Председатель", "chamber": "Палата"},
        },
        {"full_name": "Ким <b>&"},
        serial="S-1",
        verify_url="http://x/v/S-1",
        form_name={"kk": "К", "ru": "Р"},
        points=2,
        issued_on=date(2025, 3, 15),
    )
    assert ctx["hours"] == "8"
    assert ctx["form_name"] == "Р"
    assert ctx["qr"].png.startswith(b"\x89PNG")
    text = docx_text(render_docx(DEFAULT_TEMPLATES / "certificate_ru.docx", ctx))
    assert "Ким <b>&" in text and "http://x/v/S-1" in text


def test_an_edited_template_takes_effect_at_once(tmp_path: Path) -> None:
    """render_docx caches compiled templates by their text, never by file: a chamber's edit
    (same path, same size even) is what the next document gets."""
    template = tmp_path / "appendix1_kk.docx"
    template.write_bytes((DEFAULT_TEMPLATES / "appendix1_kk.docx").read_bytes())
    submission, verdict = make_submission("kk")
    context = report_context(submission, verdict, locale="kk", attachments=[])
    assert "ЕСЕП" in docx_text(render_docx(template, context))

    with zipfile.ZipFile(io.BytesIO(template.read_bytes())) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    parts["word/document.xml"] = parts["word/document.xml"].replace(
        "ЕСЕП".encode(), "ЕСЕБ".encode()
    )
    with zipfile.ZipFile(template, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    text = docx_text(render_docx(template, context))
    assert "ЕСЕБ" in text and "ЕСЕП" not in text
    assert submission["consultant"]["full_name"] in text

"""Rendering: DOCX templates -> DOCX bytes (docxtpl, autoescape, strict undefined); the warm
LibreOffice converter -> PDF/A-3b; embedded associated files and empty signature fields."""

from docflow.render.convert import Converter, ConverterStats, cold_convert, find_soffice
from docflow.render.docx import (
    Image,
    certificate_context,
    format_date,
    qr_png,
    render_docx,
    report_context,
)
from docflow.render.pdf import (
    Attachment,
    FieldSpec,
    certificate_fields,
    finalize_pdf,
    report_fields,
)

__all__ = [
    "Attachment",
    "Converter",
    "ConverterStats",
    "FieldSpec",
    "Image",
    "certificate_context",
    "certificate_fields",
    "cold_convert",
    "finalize_pdf",
    "find_soffice",
    "format_date",
    "qr_png",
    "render_docx",
    "report_context",
    "report_fields",
]

"""The render service behind ``docflow render``: one submission file -> its DOCX and unsigned
PDF/A-3b (reports with evidence and the submission JSON embedded, R-7.6; certificates as
drafts with a ``DRAFT-n`` serial, since real serials are issued by ``docflow.certificates``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from docflow.config import Settings
from docflow.intake.parse import LoadedSubmission, load_submission
from docflow.model import CpdReport, EventCertificates
from docflow.render.convert import Converter
from docflow.render.docx import certificate_context, render_docx, report_context
from docflow.render.pdf import (
    Attachment,
    certificate_fields,
    finalize_pdf,
    report_fields,
)
from docflow.rules import evaluate_cpd, table_for_year

__all__ = ["RenderedDocument", "render_submission", "report_attachments"]


@dataclass(frozen=True)
class RenderedDocument:
    docx: Path
    pdf: Path


def report_attachments(
    loaded: LoadedSubmission, check: dict[str, Any], *, modified: datetime
) -> list[Attachment]:
    """The report's associated files: every evidence file (``Supplement``) and the
    machine-readable submission with its rule check (``Data``), listed in this order (R-7.6)."""
    files = [
        Attachment.evidence(name, loaded.evidence[name], modified=modified)
        for name in _cited_order(loaded)
    ]
    document = {
        "submission": loaded.model.model_dump(mode="json"),
        "check": check,
        "input_sha256": loaded.sha256,
    }
    payload = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    files.append(Attachment.submission(payload, modified=modified))
    return files


def _cited_order(loaded: LoadedSubmission) -> list[str]:
    """The evidence files in the order the report cites them (activity 1's first, then the
    exemption's), then any other file by name: the order the A1 form lists them in."""
    from docflow.model import evidence_key

    order: list[str] = []
    model = loaded.model
    cited = [p for a in getattr(model, "activities", None) or [] for p in a.evidence]
    exemption = getattr(model, "exemption", None)
    cited += list(getattr(exemption, "evidence", None) or [])
    for path in cited:
        key = evidence_key(path)
        if key in loaded.evidence and key not in order:
            order.append(key)
    return order + sorted(k for k in loaded.evidence if k not in order)


def render_submission(
    path: Path,
    out_dir: Path,
    *,
    today: date,
    settings: Settings,
    locale: str | None = None,
    converter: Converter | None = None,
) -> list[RenderedDocument]:
    """Render ``path`` into ``out_dir``: ``<stem>.docx`` + ``<stem>.pdf`` for a report,
    ``<stem>-<n>.docx|pdf`` per participant for event certificates. Raises
    ``SubmissionInvalid``, ``TemplateError`` or ``ConversionError``."""
    loaded = load_submission(path, today=today)
    model = loaded.model
    out_dir.mkdir(parents=True, exist_ok=True)
    moment = datetime.combine(today, time(0, 0), tzinfo=UTC)
    jobs: list[tuple[str, Path, dict[str, Any], list[Attachment], list[Any]]] = []
    if isinstance(model, CpdReport):
        lang = locale or model.locale
        verdict = evaluate_cpd(model, filed_on=today, evidence_names=loaded.evidence_names)
        check = verdict.to_json()
        attachments = report_attachments(loaded, check, modified=moment)
        data = model.model_dump(mode="python")
        data["submitted_on"] = model.submitted_on or today
        context = report_context(data, check, locale=lang, attachments=attachments)
        template = settings.templates / f"appendix1_{lang}.docx"
        jobs.append((path.stem, template, context, attachments, report_fields()))
    elif isinstance(model, EventCertificates):
        lang = locale or model.locale
        table = table_for_year(model.event.date.year)
        form = model.event.form
        points = table.row(form).points if isinstance(form, int) else 0
        certificates = model.model_dump(mode="python")
        template = settings.templates / f"certificate_{lang}.docx"
        for number, participant in enumerate(model.participants, start=1):
            serial = f"DRAFT-{number:03d}"
            context = certificate_context(
                certificates,
                participant.model_dump(mode="python"),
                serial=serial,
                verify_url=f"{settings.base_url}/v/{serial}",
                form_name=table.form_name(form),
                points=points,
                issued_on=today,
                locale=lang,
            )
            jobs.append((f"{path.stem}-{number}", template, context, [], certificate_fields()))
    else:
        raise ValueError(f"nothing to render for a {model.kind} submission")

    results: list[RenderedDocument] = []
    own = converter is None
    conv = converter or Converter(instances=1)
    try:
        for stem, template, context, attachments, fields in jobs:
            docx = render_docx(template, context)
            pdf = finalize_pdf(conv.convert(docx), attachments=attachments, signature_fields=fields)
            docx_path, pdf_path = out_dir / f"{stem}.docx", out_dir / f"{stem}.pdf"
            docx_path.write_bytes(docx)
            pdf_path.write_bytes(pdf)
            results.append(RenderedDocument(docx_path, pdf_path))
    finally:
        if own:
            conv.close()
    return results

"""Adding a kind is data: a TOML file, a pydantic model and a template, and no change to the
flow, the inbox or the CLI (docs/ARCHITECTURE.md, "How to add a kind").

The example kind, an attendance letter signed by the consultant and then by the chamber's
officer, is defined entirely here: its model is the class below, its TOML and its DOCX
template are written into the chamber's home (``kinds = "kinds"`` in docflow.toml), and a
file of that kind dropped into the inbox comes out signed twice, locked, archived and valid.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Literal

import docx
from pydantic import BaseModel, ConfigDict

from docflow.archive import Archive
from docflow.config import Clock, Home
from docflow.inbox.runner import Runner
from docflow.pki import Pki
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, make_test_pki
from docflow.verify import verify_pdf
from docflow.workflow.build import build_flow
from docflow.workflow.services import build_services


class AttendanceLetter(BaseModel):
    """The example kind's input model."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["attendance-letter"]
    locale: Literal["kk", "ru"]
    year: int
    full_name: str
    iin: str
    event: str


KIND_TOML = f"""
name = "attendance-letter"
record_kind = "attendance-letter"
title = {{ kk = "Қатысу туралы хат", ru = "Письмо об участии" }}
model = "{__name__}:AttendanceLetter"
series = ["iin", "year"]
numbering = "ATT-{{year}}-{{sha12}}"

[templates]
document = {{ kk = "attendance_kk.docx", ru = "attendance_ru.docx" }}

[signing]
mode = "sequence"

[[signing.signers]]
role = "consultant"
field = "consultant"
who = "iin"

[[signing.signers]]
role = "officer"
field = "officer"
who = "role:officer"
lock = true
"""


def _template() -> bytes:
    document = docx.Document()
    document.add_heading("{{ title }}", level=1)
    document.add_paragraph("{{ full_name }} ({{ iin }}): {{ event }}, {{ year }}.")
    document.add_paragraph("{{ issued_on }}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_kind_added_as_data_goes_through_the_inbox_to_a_signed_archived_pdf(
    home: Home,
) -> None:
    make_test_pki(home)
    (home.root / "docflow.toml").write_text(
        'kinds = "kinds"\ntemplates = "templates"\n', encoding="utf-8"
    )
    (home.root / "kinds").mkdir()
    (home.root / "kinds" / "attendance-letter.toml").write_text(KIND_TOML, encoding="utf-8")
    templates = home.root / "templates"
    templates.mkdir()
    for locale in ("kk", "ru"):
        (templates / f"attendance_{locale}.docx").write_bytes(_template())
    (home.inbox / "letter.json").write_text(
        '{"kind": "attendance-letter", "locale": "ru", "year": 2025, '
        f'"full_name": "{CONSULTANT_NAME}", "iin": "{CONSULTANT_IIN}", '
        '"event": "Семинар по гражданскому процессу"}',
        encoding="utf-8",
    )

    services = build_services(home, clock=Clock(date(2026, 2, 10)))
    runner = Runner(home, build_flow(services), workers=1, settle=0)
    try:
        runner.run_once()
        [entry] = runner.journal.entries()
    finally:
        runner.close()
        services.close()

    assert entry.state == "archived", entry.reason
    assert entry.record is not None and entry.record.startswith("ATT-2025-")
    with Archive(home) as archive:
        stored = archive.get(entry.record)
        pdf = archive.pdf_bytes(entry.record)
    record = stored.record
    assert record["kind"] == "attendance-letter"
    assert record["series"] == f"attendance-letter/{CONSULTANT_IIN}/2025"
    assert [s["role"] for s in record["signers"]] == ["consultant", "officer"]
    assert [e["type"] for e in record["events"]] == [
        "received", "checked", "rendered", "signed", "signed", "archived",
    ]  # fmt: skip
    result = verify_pdf(pdf, trust_roots=Pki(home).trust_roots()).to_json()
    assert result["verdict"] == "valid", result
    assert [s["role"] for s in result["signatures"]][:2] == ["consultant", "officer"]

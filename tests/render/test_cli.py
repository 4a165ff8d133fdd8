"""``docflow render FILE --out DIR``: the DOCX and the unsigned PDF of a sample submission."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from docflow.cli import main
from docflow.config import PACKAGE_DIR

pytestmark = pytest.mark.slow

SAMPLES = PACKAGE_DIR.parent / "samples" / "inbox"


@pytest.mark.parametrize("locale", [None, "kk"])
def test_render_report_writes_docx_and_pdf(tmp_path: Path, locale: str | None) -> None:
    args = ["--home", str(tmp_path), "render", str(SAMPLES / "05-kim-2025.yaml")]
    args += ["--out", str(tmp_path / "out"), "--today", "2026-02-10"]
    if locale:
        args += ["--locale", locale]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    docx, pdf = tmp_path / "out" / "05-kim-2025.docx", tmp_path / "out" / "05-kim-2025.pdf"
    assert docx.read_bytes().startswith(b"PK")
    reader = PdfReader(pdf)
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Ким Виктор Александрович" in text
    assert ("ЕСЕП" in text) == (locale == "kk")
    assert "submission.json" in reader.attachments
    fields = {a.get_object()["/T"] for p in reader.pages for a in p.get("/Annots") or []}
    assert fields == {"consultant", "officer"}


def test_render_invalid_submission_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: cpd-report\nyear: 1999\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--home", str(tmp_path), "render", str(bad), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "o" / "bad.pdf").exists()

"""Issue 14: `docflow verify` speaks its reader's language (kk, ru; English third)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.cli import main
from docflow.pki.testing import minimal_pdf


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("kk", ("қолтаңба жоқ", "қорытынды: ЖАРАМСЫЗ")),
        ("ru", ("подписей нет", "итог: НЕДЕЙСТВИТЕЛЕН")),
        ("en", ("no signatures", "verdict: INVALID")),
    ],
)
def test_verify_speaks_the_readers_language(
    tmp_path: Path, lang: str, words: tuple[str, str]
) -> None:
    pdf = tmp_path / "unsigned.pdf"
    pdf.write_bytes(minimal_pdf("not signed by anyone"))
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "--lang", lang, "verify", str(pdf)])
    assert result.exit_code == 1, result.output
    for word in words:
        assert word in result.output, result.output

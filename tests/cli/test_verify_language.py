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


CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("kk", ("кері қайтару", "кейін өзгерді")),
        ("ru", ("отзыв", "изменено после")),
    ],
)
def test_a_signatures_values_are_in_the_readers_language_too(
    tmp_path: Path, lang: str, labels: tuple[str, str]
) -> None:
    """Not only the labels: the revocation status and what changed after signing are words of
    the reader's language, not docflow's internal values ("unknown", "none", "other")."""
    pdf = CORPUS / "dss" / "modified_after_signature.pdf"
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "--lang", lang, "verify", str(pdf)])
    rows = {
        label: line.strip()[len(label) :].strip()
        for line in result.output.splitlines()
        for label in labels
        if line.strip().startswith(label)
    }
    assert set(rows) == set(labels), result.output
    for value in rows.values():
        assert value not in ("good", "revoked", "unknown", "none", "other"), result.output
        assert any("а" <= ch <= "я" or ch in "әіңғүұқөһ" for ch in value.lower()), result.output

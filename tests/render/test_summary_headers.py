"""The Collegium summary's column headers never break inside a word (issue 14): in the shipped
templates every header word, at its size in the bold face, fits its column with the cell's
padding. The rendered PDF was checked by eye (pdftoppm) when the widths were fitted."""

from __future__ import annotations

import importlib.util
import re
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("build_templates", REPO / "tools/build_templates.py")
assert _spec and _spec.loader
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

TWIPS_PER_MM = 56.6929


def _tables(docx: Path) -> list[tuple[list[float], list[str]]]:
    """Each table's grid widths (mm) and its first row's texts."""
    xml = zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")
    found = []
    for table in re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S):
        grid = [int(w) / TWIPS_PER_MM for w in re.findall(r'<w:gridCol w:w="(\d+)"', table)]
        first = re.search(r"<w:tr[ >].*?</w:tr>", table, re.S)
        assert first
        cells = re.findall(r"<w:tc>.*?</w:tc>", first.group(0), re.S)
        texts = ["".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", c)) for c in cells]
        found.append((grid, texts))
    return found


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_collegium_summary_headers_never_break_inside_a_word(locale: str) -> None:
    docx = REPO / "templates" / f"collegium_summary_{locale}.docx"
    tables = [(g, t) for g, t in _tables(docx) if len(g) == len(t) and len(g) >= 7]
    assert len(tables) == 2  # by chamber, by form
    for grid, headers in tables:
        for width, text in zip(grid, headers, strict=True):
            for word in text.split():
                if "{" in word:
                    continue  # data, not a header word
                need = build._word_mm(word, 8) + build._CELL_PADDING_MM
                assert need <= width + 0.5, (locale, word, round(need, 1), round(width, 1))

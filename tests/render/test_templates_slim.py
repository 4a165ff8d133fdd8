"""The packaged templates are slim (only the styles they use; no latent styles, no
stylesWithEffects part), and the slimming keeps every style a document refers to, wherever the
reference is: body, footer, numbering, tables, and what those styles are based on."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml

from docflow.config import DEFAULT_TEMPLATES
from docflow.render._slim import STYLE_REFERENCES, defined_styles, slim_docx, styles_to_keep

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TEMPLATES = sorted(DEFAULT_TEMPLATES.glob("*.docx"))


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def referenced(parts: dict[str, bytes]) -> set[str]:
    """Style ids named outside the style parts (an independent, plain scan)."""
    names = set()
    for name, data in parts.items():
        if name.endswith(".xml") and not name.startswith("word/styles"):
            for tag in STYLE_REFERENCES:
                for element in parse_xml(data).iter(f"{{{W}}}{tag}"):
                    names.add(element.get(f"{{{W}}}val"))
    return names


def test_every_template_is_listed() -> None:
    # 16 of the reports, certificates, summaries and letters; 14 of the roadmap (7 kinds, kk/ru).
    assert len(TEMPLATES) == 16 + 14


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_is_slim(path: Path) -> None:
    """A rebuild that forgets docflow/render/_slim.py fails here (templates/README.md)."""
    parts = parts_of(path.read_bytes())
    assert "word/stylesWithEffects.xml" not in parts
    assert b"stylesWithEffects" not in parts["word/_rels/document.xml.rels"]
    assert b"stylesWithEffects" not in parts["[Content_Types].xml"]
    assert b"latentStyles" not in parts["word/styles.xml"]
    defined = set(defined_styles(parts["word/styles.xml"]))
    assert defined - styles_to_keep(parts) == set(), "styles defined but not used"
    # …and nothing the document needs went missing.
    assert referenced(parts) <= defined
    assert {"Normal", "DefaultParagraphFont", "TableNormal", "NoList"} <= defined


def sample_docx() -> bytes:
    """A document using: a table style in the body, a style only in its footer, a style only in
    numbering.xml (based on another style used nowhere else); and an unused custom style."""
    doc = Document()
    styles = doc.styles
    base = styles.add_style("Base Of Numbered", WD_STYLE_TYPE.PARAGRAPH)
    numbered = styles.add_style("Numbered Only", WD_STYLE_TYPE.PARAGRAPH)
    numbered.base_style = base
    footer_style = styles.add_style("Footer Only", WD_STYLE_TYPE.PARAGRAPH)
    styles.add_style("Never Used", WD_STYLE_TYPE.PARAGRAPH)
    doc.add_paragraph("body")
    doc.add_table(rows=1, cols=1).style = styles["Table Grid"]
    doc.sections[0].footer.paragraphs[0].style = footer_style
    numbering = doc.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="90"><w:lvl w:ilvl="0">'
            f'<w:pStyle w:val="{numbered.style_id}"/></w:lvl></w:abstractNum>'
        ),
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_slimming_keeps_what_is_referenced_anywhere_and_drops_the_rest() -> None:
    before = parts_of(sample_docx())
    after = parts_of(slim_docx(sample_docx()))
    kept = set(defined_styles(after["word/styles.xml"]))

    assert {"FooterOnly", "NumberedOnly", "BaseOfNumbered", "TableGrid"} <= kept
    assert {"Normal", "DefaultParagraphFont", "TableNormal", "NoList"} <= kept  # defaults
    assert "NeverUsed" not in kept
    assert "Heading1" not in kept and "Title" not in kept  # python-docx's unused built-ins
    assert len(kept) < len(defined_styles(before["word/styles.xml"])) / 5

    assert b"latentStyles" in before["word/styles.xml"]
    assert b"latentStyles" not in after["word/styles.xml"]
    assert "word/stylesWithEffects.xml" in before
    assert "word/stylesWithEffects.xml" not in after
    assert b"stylesWithEffects" not in after["word/_rels/document.xml.rels"]
    assert b"stylesWithEffects" not in after["[Content_Types].xml"]

    # Everything else byte for byte, in the same order.
    unchanged = [n for n in before if n not in after or before[n] == after[n]]
    assert set(before) - set(unchanged) == {
        "word/styles.xml",
        "word/_rels/document.xml.rels",
        "[Content_Types].xml",
    }
    assert list(after) == [n for n in before if n != "word/stylesWithEffects.xml"]


def test_slimming_is_idempotent_and_the_result_opens() -> None:
    once = slim_docx(sample_docx())
    assert slim_docx(once) == once
    doc = Document(io.BytesIO(once))
    assert doc.sections[0].footer.paragraphs[0].style.name == "Footer Only"
    assert doc.tables[0].style.name == "Table Grid"


def test_a_field_naming_styles_is_refused() -> None:
    """STYLEREF/TOC fields name styles in their field code, which the slimming does not read."""
    doc = Document()
    paragraph = doc.sections[0].header.paragraphs[0]
    paragraph._p.append(
        parse_xml(f'<w:fldSimple xmlns:w="{W}" w:instr=" STYLEREF &quot;Heading 1&quot; "/>')
    )
    out = io.BytesIO()
    doc.save(out)
    with pytest.raises(ValueError, match="STYLEREF"):
        slim_docx(out.getvalue())

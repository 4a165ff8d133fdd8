"""Slimming of the packaged DOCX templates: keep only the style definitions a document uses.

python-docx's default template, which the template builders start from, carries 164 style
definitions (350 KB), Word's latent-style table and a second copy of all of it
(``stylesWithEffects.xml``, 438 KB, Word 2010's). LibreOffice imports every definition of every
document it converts and docxtpl parses them for every document it renders: slimming the
templates once, at build time, saves ~90 ms of soffice CPU per document (a one-page A1 report:
~200 -> ~120 ms) and ~20 ms of ``render_docx``, and the PDFs come out pixel for pixel the same.
The other parts of python-docx's template (theme, font table, web settings, numbering) cost
LibreOffice no measurable time and are kept.

Run as ``python -m docflow.render._slim FILE.docx...`` to slim templates in place, e.g. after
editing one in Word (which puts the latent styles back).
"""

from __future__ import annotations

import io
import posixpath
import re
import sys
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lxml import etree

__all__ = ["STYLE_REFERENCES", "defined_styles", "save_slim", "slim_docx", "styles_to_keep"]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_STYLES_PART = "word/styles.xml"

#: Elements whose ``w:val`` names a style, wherever they appear: paragraphs, runs and tables in
#: the body, headers, footers, notes and comments; list levels and list styles in numbering.xml;
#: the defaults of settings.xml.
STYLE_REFERENCES = (
    "pStyle",
    "rStyle",
    "tblStyle",
    "numStyleLink",
    "styleLink",
    "defaultTableStyle",
    "clickAndTypeStyle",
)
#: A style's links to other styles: what it inherits from, the style of the paragraph that
#: follows it, and its paired paragraph/character style.
_STYLE_LINKS = ("basedOn", "next", "link")
#: Fields that name styles by their *name* in the field code (a running header, a table of
#: contents built from custom styles): such a document is refused rather than slimmed blindly.
_FIELDS_NAMING_STYLES = re.compile(r"\b(STYLEREF|TOC)\b")


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _parse(data: bytes) -> etree._Element:
    # The parts come from our own builders; still, a parser of package parts fetches nothing.
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _referenced_styles(parts: Mapping[str, bytes]) -> set[str]:
    """Style ids named by any XML part other than the style parts themselves."""
    tags = {_w(tag) for tag in STYLE_REFERENCES}
    found: set[str] = set()
    for name, data in parts.items():
        if not name.endswith(".xml") or name.startswith("word/styles"):
            continue
        if _W.encode() not in data:
            continue  # not WordprocessingML (docProps, customXml, theme)
        root = _parse(data)
        for element in root.iter(*tags):
            value = element.get(_w("val"))
            if value:
                found.add(value)
        codes = [str(e.text or "") for e in root.iter(_w("instrText"))]
        codes += [str(e.get(_w("instr"), "")) for e in root.iter(_w("fldSimple"))]
        if any(_FIELDS_NAMING_STYLES.search(code) for code in codes):
            raise ValueError(f"{name} has a STYLEREF or TOC field naming styles: not slimmed")
    return found


def defined_styles(styles_xml: bytes) -> dict[str, etree._Element]:
    """The ``w:style`` elements of a styles part, by style id."""
    root = _parse(styles_xml)
    return {str(s.get(_w("styleId"))): s for s in root.iterfind(_w("style"))}


def styles_to_keep(parts: Mapping[str, bytes]) -> set[str]:
    """The ids of the styles a package needs: every style referenced from any of its XML parts,
    every default style (``w:default="1"``), and what those are based on, followed by or linked
    to, transitively. Ids referenced but not defined are included (they cost nothing)."""
    styles = defined_styles(parts[_STYLES_PART])
    keep = _referenced_styles(parts)
    keep |= {sid for sid, s in styles.items() if s.get(_w("default")) in ("1", "true", "on")}
    todo = list(keep)
    while todo:
        style = styles.get(todo.pop())
        if style is None:
            continue
        for tag in _STYLE_LINKS:
            link = style.find(_w(tag))
            target = None if link is None else link.get(_w("val"))
            if target and target not in keep:
                keep.add(target)
                todo.append(target)
    return keep


def _slim_styles(parts: dict[str, bytes]) -> None:
    keep = styles_to_keep(parts)
    root = _parse(parts[_STYLES_PART])
    for style in list(root.iterfind(_w("style"))):
        if style.get(_w("styleId")) not in keep:
            root.remove(style)
    for latent in list(root.iterfind(_w("latentStyles"))):
        # Word's UI hints (which built-in styles its gallery shows); no effect on layout.
        root.remove(latent)
    parts[_STYLES_PART] = _serialise(root)


def _rels_of(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _drop_related(parts: dict[str, bytes], rels_name: str, rel_type: str) -> None:
    """Remove every part that ``rels_name`` relates to with ``rel_type``: the relationship,
    the part itself, its own relationships and its content-type override."""
    if rels_name not in parts:
        return
    rels = _parse(parts[rels_name])
    folder = rels_name.partition("_rels/")[0]  # targets are relative to the source's folder
    removed: list[str] = []
    for rel in list(rels.iterfind(f"{{{_RELS}}}Relationship")):
        if rel.get("Type") != rel_type or rel.get("TargetMode") == "External":
            continue
        target = str(rel.get("Target"))
        absolute = target.startswith("/")
        removed.append(posixpath.normpath(target[1:] if absolute else folder + target))
        rels.remove(rel)
    if not removed:
        return
    parts[rels_name] = _serialise(rels)
    types = _parse(parts["[Content_Types].xml"])
    for name in removed:
        parts.pop(name, None)
        parts.pop(_rels_of(name), None)
        for override in list(types.iterfind(f"{{{_TYPES}}}Override")):
            if override.get("PartName") == f"/{name}":
                types.remove(override)
    parts["[Content_Types].xml"] = _serialise(types)


def slim_docx(data: bytes) -> bytes:
    """``data`` (a DOCX) without the styles it does not use, without the latent-style table and
    without ``word/stylesWithEffects.xml``. Every other part is kept byte for byte, in order;
    the ZIP entries are dated 1980-01-01 so that the output depends on the content only.

    Raises ``ValueError`` for a document whose fields name styles (STYLEREF, TOC).
    """
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        infos = zin.infolist()
        parts = {info.filename: zin.read(info) for info in infos}
    if _STYLES_PART in parts:
        _slim_styles(parts)
    _drop_related(parts, "word/_rels/document.xml.rels", _STYLES_WITH_EFFECTS)
    return _zip(parts, infos)


def save_slim(document: Any, path: Path) -> None:
    """Save a python-docx ``Document`` to ``path``, slimmed (what the template builders do)."""
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(slim_docx(buffer.getvalue()))


def _zip(parts: Mapping[str, bytes], infos: Iterable[zipfile.ZipInfo]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in infos:
            if info.filename in parts:
                # A fixed date (as Word writes): the same template gives the same bytes, so a
                # rebuild changes no template hash recorded in the archive unless it changed.
                entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(entry, parts[info.filename])
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> None:
    """Slim the DOCX files named on the command line, in place."""
    for name in sys.argv[1:] if argv is None else argv:
        path = Path(name)
        before = path.read_bytes()
        after = slim_docx(before)
        if after != before:
            path.write_bytes(after)
        print(f"{path}: {len(before)} -> {len(after)} bytes")


if __name__ == "__main__":
    main()

"""PDFs made by hand for tests, independent of docflow's renderer (pypdf and pyHanko only)."""

from __future__ import annotations

import io
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject


def blank_pdf(text: str = "CPD report 2025") -> bytes:
    """A one-page A4 PDF with a line of text, made by pypdf (not by pyHanko or LibreOffice)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_fields(pdf: bytes, names: tuple[str, ...], *, locking: str | None = None) -> bytes:
    """Empty signature fields for every signer, made before the first signature; ``locking``
    names the final one, which carries its /Lock from the start (as docflow's renderer makes
    it), so that its signature locks the document."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for i, name in enumerate(names):
        lock: dict[str, Any] = {}
        if name == locking:
            lock = {
                "field_mdp_spec": fields.FieldMDPSpec(fields.FieldMDPAction.ALL),
                "doc_mdp_update_value": fields.MDPPerm.NO_CHANGES,
            }
        fields.append_signature_field(
            w, fields.SigFieldSpec(name, box=(72 + 220 * i, 72, 272 + 220 * i, 132), **lock)
        )
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def tamper(pdf: bytes, old: bytes, new: bytes) -> bytes:
    """The same file with one run of bytes changed (same length, so offsets stay valid)."""
    assert len(old) == len(new) and pdf.count(old) >= 1
    return pdf.replace(old, new, 1)

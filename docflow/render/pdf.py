"""Finishing the converted PDF/A-3b before anyone signs it: embedded associated files (the
evidence and the machine-readable submission, R-7.6) and the empty signature fields.

Both must happen here, before the first signature: pyHanko cannot add fields after a
certification signature, and anything added later would be an incremental change the
signature's modification analysis has to judge. The file is rewritten once with pypdf (one
classic xref table, no hybrid sections), the PDF/A XMP stream is carried over untouched and the
Info dictionary keeps LibreOffice's values so that it still agrees with the XMP.

Signature fields are placed on the form's signature lines: each template holds a Writer bookmark
(``SigConsultant``, ``SigOfficer``, ``SigIssuer``) at the top of a signature box whose bottom
border is the line; LibreOffice exports bookmarks as named destinations, which give the page and
the box's top-left corner.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from docflow.errors import ConversionError

__all__ = [
    "Attachment",
    "FieldSpec",
    "certificate_fields",
    "finalize_pdf",
    "report_fields",
    "signature_anchors",
]

#: PDF/A-3 associated-file relationships (ISO 19005-3, 6.8).
RELATIONSHIPS = ("Source", "Data", "Alternative", "Supplement", "Unspecified")


@dataclass(frozen=True)
class Attachment:
    """A file to embed as a PDF/A-3 associated file of the whole document.

    ``name``: the name shown and extracted (``/UF``), e.g. ``evidence/seminar-2025-03.pdf``;
    ``relationship``: ``Data`` for the machine-readable submission, ``Supplement`` or ``Source``
    for evidence; ``modified``: recorded as ``/Params /ModDate`` (passed in, the clock is not
    read here; default: the PDF's own creation date).
    """

    name: str
    data: bytes
    mime_type: str
    relationship: str
    description: str | None = None
    modified: datetime | None = None

    def __post_init__(self) -> None:
        if self.relationship not in RELATIONSHIPS:
            raise ValueError(f"AFRelationship must be one of {RELATIONSHIPS}")
        if not self.name or "\x00" in self.name:
            raise ValueError("attachment name must be a non-empty string")

    @classmethod
    def submission(
        cls, data: bytes, *, modified: datetime, name: str = "submission.json"
    ) -> Attachment:
        """The machine-readable submission (``/AFRelationship /Data``)."""
        return cls(name, data, "application/json", "Data", "Submission data (JSON)", modified)

    @classmethod
    def evidence(cls, name: str, data: bytes, *, modified: datetime) -> Attachment:
        """A supporting document of an activity (R-7.5, R-7.6): ``/AFRelationship /Supplement``."""
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return cls(name, data, mime, "Supplement", "Supporting document (R-7.5)", modified)


@dataclass(frozen=True)
class FieldSpec:
    """An empty signature field: at the template bookmark ``anchor`` (the top-left corner of
    the signature box; default ``"Sig" + Name``, e.g. ``SigConsultant`` for ``consultant``) or,
    when ``page`` and ``box`` are given, exactly there (PDF points). A template without the
    bookmark gets the field at the bottom of its last page rather than no field at all."""

    name: str
    anchor: str | None = None
    width: float = 200.0
    height: float = 52.0
    page: int | None = None
    box: tuple[float, float, float, float] | None = None


def report_fields() -> list[FieldSpec]:
    """The A1 report's fields: the consultant signs first, then the officer (R-3.3, R-4.6)."""
    return [FieldSpec("consultant", "SigConsultant"), FieldSpec("officer", "SigOfficer")]


def certificate_fields() -> list[FieldSpec]:
    return [FieldSpec("issuer", "SigIssuer")]


def _norm(name: str) -> str:
    # LibreOffice escapes some characters of bookmark names; compare letters and digits only.
    return re.sub(r"[^0-9a-z]", "", name.lower())


def signature_anchors(pdf: bytes) -> dict[str, tuple[int, float, float]]:
    """Named destinations of a PDF as ``{normalised name: (page index, left, top)}``."""
    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, tuple[int, float, float]] = {}
    for name, dest in reader.named_destinations.items():
        try:
            page = reader.get_destination_page_number(dest)
            if page is None:
                continue
            left, top = float(dest.left or 0), float(dest.top or 0)
        except (PdfReadError, TypeError, ValueError):
            continue
        found[_norm(str(name))] = (page, left, top)
    return found


def _pdf_date(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    offset = moment.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return moment.strftime("D:%Y%m%d%H%M%S") + f"{sign}{hours:02d}'{mins:02d}'"


def _ascii_name(name: str) -> str:
    # /F should be PDFDocEncoding-safe for old readers; /UF carries the real Unicode name.
    safe = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return safe


def _embed(
    writer: PdfWriter, attachment: Attachment, default_date: str
) -> tuple[str, IndirectObject]:
    raw = DecodedStreamObject()
    raw.set_data(attachment.data)
    stream = raw.flate_encode()
    stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
    stream[NameObject("/Subtype")] = NameObject("/" + attachment.mime_type)
    stream[NameObject("/Params")] = DictionaryObject(
        {
            NameObject("/ModDate"): TextStringObject(
                _pdf_date(attachment.modified) if attachment.modified else default_date
            ),
            NameObject("/Size"): NumberObject(len(attachment.data)),
            NameObject("/CheckSum"): ByteStringObject(hashlib.md5(attachment.data).digest()),
        }
    )
    stream_ref = writer._add_object(stream)
    spec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject(_ascii_name(attachment.name)),
            NameObject("/UF"): TextStringObject(attachment.name),
            NameObject("/EF"): DictionaryObject(
                {NameObject("/F"): stream_ref, NameObject("/UF"): stream_ref}
            ),
            NameObject("/AFRelationship"): NameObject("/" + attachment.relationship),
        }
    )
    if attachment.description:
        spec[NameObject("/Desc")] = TextStringObject(attachment.description)
    return attachment.name, writer._add_object(spec)


def _empty_appearance(writer: PdfWriter, width: float, height: float) -> IndirectObject:
    # PDF/A: every visible annotation needs a normal appearance; an empty form XObject will do
    # until pyHanko draws the stamp.
    xobj = DecodedStreamObject()
    xobj.set_data(b"")
    xobj.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(
                [FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)]
            ),
            NameObject("/Resources"): DictionaryObject(),
        }
    )
    return writer._add_object(xobj)


def finalize_pdf(
    pdf: bytes,
    *,
    attachments: Sequence[Attachment],
    signature_fields: Sequence[FieldSpec],
) -> bytes:
    """Embed ``attachments`` as associated files (catalog ``/AF`` + ``/EmbeddedFiles``) and add
    the empty ``signature_fields``; returns the new PDF (still PDF/A-3b, unsigned).

    Raises ``ConversionError`` if the input is not a readable PDF, a field's bookmark is not in
    it, or two attachments share a name.
    """
    try:
        reader = PdfReader(io.BytesIO(pdf))
        anchors = signature_anchors(pdf) if signature_fields else {}
        writer = PdfWriter(clone_from=reader)
    except (PdfReadError, ValueError) as exc:
        raise ConversionError(f"not a readable PDF: {exc}") from exc
    if "/Encrypt" in reader.trailer:
        raise ConversionError("encrypted PDFs are not finalised")
    root = writer._root_object
    info_ref = reader.trailer.get("/Info")
    original_info: DictionaryObject = (
        info_ref.get_object() if info_ref is not None else DictionaryObject()
    )

    names = [a.name for a in attachments]
    if len(set(names)) != len(names):
        raise ConversionError("two attachments have the same name")
    if attachments:
        created = str(original_info.get("/CreationDate", "")) or "D:19700101000000Z"
        embedded = sorted((_embed(writer, a, created) for a in attachments), key=lambda p: p[0])
        tree = ArrayObject()
        for name, ref in embedded:
            tree.extend([TextStringObject(name), ref])
        names_dict = root.get("/Names")
        names_dict = names_dict.get_object() if names_dict is not None else DictionaryObject()
        names_dict[NameObject("/EmbeddedFiles")] = DictionaryObject({NameObject("/Names"): tree})
        root[NameObject("/Names")] = names_dict
        # via PDF/A-3 associated files, in the order given (submission data first).
        by_name = dict(embedded)
        root[NameObject("/AF")] = ArrayObject([by_name[a.name] for a in attachments])

    if signature_fields:
        fields = ArrayObject()
        for spec in signature_fields:
            fields.append(_add_field(writer, spec, anchors))
        acroform = DictionaryObject({NameObject("/Fields"): fields})
        root[NameObject("/AcroForm")] = writer._add_object(acroform)

    # Keep LibreOffice's Info values: PDF/A wants Info and XMP to agree, and pypdf would
    # otherwise call itself the producer.
    if info_ref is not None:
        info = DictionaryObject()
        for key, value in original_info.items():
            info[NameObject(key)] = value
        writer._info = writer._add_object(info)
    # PDF/A-3 is based on ISO 32000-1 (PDF 1.7); pypdf would write its default 1.3 header, and
    # a 1.7 header also spares pyHanko bumping the version in the first signature's update.
    writer.pdf_header = "%PDF-1.7"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _fallback_slot(writer: PdfWriter, page_index: int) -> int:
    annots = writer.pages[page_index].get("/Annots")
    if annots is None:
        return 0
    return sum(1 for a in annots.get_object() if a.get_object().get("/FT") == "/Sig")


def _add_field(
    writer: PdfWriter, spec: FieldSpec, anchors: dict[str, tuple[int, float, float]]
) -> IndirectObject:
    anchor = _norm(spec.anchor or f"Sig{spec.name}")
    if spec.page is not None and spec.box is not None:
        page_index, box = spec.page, spec.box
    elif anchor in anchors:
        page_index, left, top = anchors[anchor]
        box = (left, top - spec.height, left + spec.width, top)
    else:
        # No bookmark (a chamber's own template): bottom right of the last page, stacked by
        # field order, so the document can still be signed.
        page_index = len(writer.pages) - 1
        media = writer.pages[page_index].mediabox
        right = float(media.right) - 42.5
        bottom = 57.0 + spec.height * 1.2 * _fallback_slot(writer, page_index)
        box = (right - spec.width, bottom, right, bottom + spec.height)
    page = writer.pages[page_index]
    x1, y1, x2, y2 = box
    widget = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Sig"),
            NameObject("/T"): TextStringObject(spec.name),
            NameObject("/F"): NumberObject(4),  # Print (PDF/A requires it)
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (x1, y1, x2, y2)]),
            NameObject("/P"): page.indirect_reference,
            NameObject("/AP"): DictionaryObject(
                {NameObject("/N"): _empty_appearance(writer, x2 - x1, y2 - y1)}
            ),
        }
    )
    ref = writer._add_object(widget)
    annots = page.get("/Annots")
    if annots is None:
        page[NameObject("/Annots")] = ArrayObject([ref])
    else:
        annots.get_object().append(ref)
    return ref

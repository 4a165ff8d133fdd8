"""Finishing the converted PDF/A-3b before anyone signs it: embedded associated files (the
evidence and the machine-readable submission, R-7.6) and the empty signature fields.

Both must happen here, before the first signature: pyHanko cannot add fields after a
certification signature, and anything added later would be an incremental change the
signature's modification analysis has to judge.

They are appended to LibreOffice's file as one incremental update (pyHanko's
``IncrementalPdfFileWriter``, the writer signing uses next): the new objects, the catalog and
the pages that get a field, one classic xref section like the original's (no hybrid sections)
and a trailer with /Prev. pyHanko's reader is lazy: it reads the xref table and parses only the
objects asked for (catalog, page tree, named destinations). That costs ~4 ms of CPU for a
~85 KB, ~200-object report, where rewriting the file with pypdf cost ~30-40 ms (~70% of it
cloning every object) and pypdf's incremental mode ~33 ms (it still parses every object).
LibreOffice's bytes stay a prefix of the result, so its output can be recovered by cutting
after the first ``%%EOF``. The update before the first signature is harmless to it: that
signature covers the whole file, and modification analysis judges only the revisions after a
signature.

The header stays LibreOffice's ``%PDF-1.6``; the catalog gets ``/Version /1.7`` (PDF/A-3 is
based on ISO 32000-1, and a later catalog version wins over the header), which also spares
pyHanko bumping the version in the first signature's update. The Info dictionary and the PDF/A
XMP stream are not touched, so they still agree: only the update section is written, without
pyHanko's object-graph finalisation, which would add itself to /Producer and a new /ModDate to
both.

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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import PdfHandler

from docflow.errors import ConversionError
from docflow.render._pyhanko_compat import set_document_id, write_update

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
    """Named destinations of a PDF as ``{normalised name: (page index, left, top)}``.

    Raises ``ConversionError`` if ``pdf`` is not a readable PDF.
    """
    try:
        return _anchors(PdfFileReader(io.BytesIO(pdf), strict=False))
    except _READ_ERRORS as exc:
        raise ConversionError(f"not a readable PDF: {exc}") from exc


#: What pyHanko's lazy reader raises on a damaged or foreign file, when the trailer is read or
#: later, when an object is first asked for (it asserts on some structural violations).
_READ_ERRORS = (PdfError, ValueError, KeyError, IndexError, TypeError, AssertionError)

#: A page's /Parent chain longer than this is a loop, not a page tree.
_MAX_DEPTH = 64

#: Where a destination array holds (left, top), by kind (ISO 32000-1, 12.3.2.2).
_DEST_COORDS: dict[str, tuple[int | None, int | None]] = {
    "/XYZ": (2, 3),
    "/FitH": (None, 2),
    "/FitBH": (None, 2),
    "/FitV": (2, None),
    "/FitBV": (2, None),
    "/FitR": (2, 5),
}


def _page_refs(handler: PdfHandler) -> list[generic.Reference]:
    """The references of the pages, in order (the page tree's leaves, depth first)."""
    refs: list[generic.Reference] = []
    seen: set[generic.Reference] = set()

    def walk(node: generic.DictionaryObject) -> None:
        for kid in node.raw_get("/Kids"):
            if not isinstance(kid, generic.IndirectObject) or kid.reference in seen:
                continue  # broken: page tree nodes are indirect, and a tree has no loops
            seen.add(kid.reference)
            kid_obj = kid.get_object()
            if "/Kids" in kid_obj:
                walk(kid_obj)
            else:
                refs.append(kid.reference)

    walk(handler.root["/Pages"])
    return refs


def _named_destinations(
    root: generic.DictionaryObject,
) -> Iterator[tuple[str, generic.PdfObject]]:
    """``(name, destination)`` from the catalog's /Dests dictionary (what LibreOffice writes)
    and from a /Names /Dests name tree."""
    if "/Dests" in root:
        for name, dest in root["/Dests"].items():
            yield str(name), dest.get_object()
    names = root["/Names"] if "/Names" in root else None
    if names is None or "/Dests" not in names:
        return
    stack, seen = [names.raw_get("/Dests")], set()
    while stack:
        ref = stack.pop()
        if isinstance(ref, generic.IndirectObject):
            if ref.reference in seen:
                continue
            seen.add(ref.reference)
        node = ref.get_object()
        if "/Names" in node:
            pairs = node["/Names"]
            for i in range(0, len(pairs) - 1, 2):
                yield str(pairs[i]), pairs[i + 1]
        if "/Kids" in node:
            stack.extend(reversed(node["/Kids"]))


def _anchors(handler: PdfHandler) -> dict[str, tuple[int, float, float]]:
    dests = list(_named_destinations(handler.root))
    if not dests:
        return {}
    index = {ref: i for i, ref in enumerate(_page_refs(handler))}
    found: dict[str, tuple[int, float, float]] = {}
    for name, dest in dests:
        if isinstance(dest, generic.DictionaryObject) and "/D" in dest:
            dest = dest["/D"]
        if not isinstance(dest, generic.ArrayObject) or len(dest) < 2:
            continue
        page = dest.raw_get(0)
        if not isinstance(page, generic.IndirectObject) or page.reference not in index:
            continue
        left, top = (
            float(value) if isinstance(value, (int, Decimal)) else 0.0
            for value in (
                dest[i] if i is not None and i < len(dest) else None
                for i in _DEST_COORDS.get(str(dest[1]), (None, None))
            )
        )
        found[_norm(name)] = (index[page.reference], left, top)
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
    writer: IncrementalPdfFileWriter, attachment: Attachment, checksum: bytes, default_date: str
) -> tuple[str, generic.IndirectObject]:
    stream = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/EmbeddedFile"),
            pdf_name("/Subtype"): pdf_name("/" + attachment.mime_type),
            pdf_name("/Params"): generic.DictionaryObject(
                {
                    pdf_name("/ModDate"): generic.TextStringObject(
                        _pdf_date(attachment.modified) if attachment.modified else default_date
                    ),
                    pdf_name("/Size"): generic.NumberObject(len(attachment.data)),
                    pdf_name("/CheckSum"): generic.ByteStringObject(checksum),
                }
            ),
        },
        stream_data=attachment.data,
    )
    stream.compress()
    stream_ref = writer.add_object(stream)
    spec = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Filespec"),
            pdf_name("/F"): generic.TextStringObject(_ascii_name(attachment.name)),
            pdf_name("/UF"): generic.TextStringObject(attachment.name),
            pdf_name("/EF"): generic.DictionaryObject(
                {pdf_name("/F"): stream_ref, pdf_name("/UF"): stream_ref}
            ),
            pdf_name("/AFRelationship"): pdf_name("/" + attachment.relationship),
        }
    )
    if attachment.description:
        spec[pdf_name("/Desc")] = generic.TextStringObject(attachment.description)
    return attachment.name, writer.add_object(spec)


def _empty_appearance(
    writer: IncrementalPdfFileWriter, width: float, height: float
) -> generic.IndirectObject:
    # PDF/A: every visible annotation needs a normal appearance; an empty form XObject will do
    # until pyHanko draws the stamp.
    xobj = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (0, 0, width, height)]
            ),
            pdf_name("/Resources"): generic.DictionaryObject(),
        },
        stream_data=b"",
    )
    return writer.add_object(xobj)


def _open(pdf: bytes) -> IncrementalPdfFileWriter:
    """An incremental writer over ``pdf``; reads its xref table and trailer, nothing more."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except _READ_ERRORS as exc:
        raise ConversionError(f"not a readable PDF: {exc}") from exc
    if "/Encrypt" in reader.trailer:
        raise ConversionError("encrypted PDFs are not finalised")
    try:
        # Opening a 1.6 file (LibreOffice's header) sets /Version /1.7 in the catalog:
        # PDF/A-3 is based on ISO 32000-1 (PDF 1.7), and the first signature's update then
        # need not bump the version itself.
        return IncrementalPdfFileWriter.from_reader(reader)
    except _READ_ERRORS as exc:
        raise ConversionError(f"not a readable PDF: {exc}") from exc


def finalize_pdf(
    pdf: bytes,
    *,
    attachments: Sequence[Attachment],
    signature_fields: Sequence[FieldSpec],
) -> bytes:
    """Embed ``attachments`` as associated files (catalog ``/AF`` + ``/EmbeddedFiles``) and add
    the empty ``signature_fields``; returns the new PDF (still PDF/A-3b, unsigned): ``pdf``
    itself, byte for byte, followed by one incremental update.

    Raises ``ConversionError`` if the input is not a readable PDF or is encrypted, or two
    attachments share a name.
    """
    checksums = {a.name: hashlib.md5(a.data).digest() for a in attachments}
    if len(checksums) != len(attachments):
        raise ConversionError("two attachments have the same name")
    writer = _open(pdf)
    try:
        root = writer.root
        anchors = _anchors(writer) if signature_fields else {}
        info = writer.trailer["/Info"] if "/Info" in writer.trailer else None
        created = str(info["/CreationDate"]) if info and "/CreationDate" in info else ""
    except _READ_ERRORS as exc:
        raise ConversionError(f"not a readable PDF: {exc}") from exc

    if attachments:
        embedded = sorted(
            (
                _embed(writer, a, checksums[a.name], created or "D:19700101000000Z")
                for a in attachments
            ),
            key=lambda pair: pair[0],
        )
        tree = generic.ArrayObject()
        for name, ref in embedded:
            tree.extend([generic.TextStringObject(name), ref])
        names_ref = root.raw_get("/Names") if "/Names" in root else None
        if isinstance(names_ref, generic.IndirectObject):
            names_dict = names_ref.get_object()
            writer.mark_update(names_ref)
        else:
            names_dict = names_ref or generic.DictionaryObject()
            root[pdf_name("/Names")] = names_dict
        names_dict[pdf_name("/EmbeddedFiles")] = generic.DictionaryObject(
            {pdf_name("/Names"): tree}
        )
        # via PDF/A-3 associated files, in the order given (submission data first).
        by_name = dict(embedded)
        root[pdf_name("/AF")] = generic.ArrayObject([by_name[a.name] for a in attachments])

    if signature_fields:
        try:
            pages = _page_refs(writer)
            fields = generic.ArrayObject(
                _add_field(writer, pages, spec, anchors) for spec in signature_fields
            )
        except _READ_ERRORS as exc:
            raise ConversionError(f"not a readable PDF: {exc}") from exc
        acroform = generic.DictionaryObject({pdf_name("/Fields"): fields})
        root[pdf_name("/AcroForm")] = writer.add_object(acroform)

    writer.update_root()
    # The trailer's second /ID changes with the file, deterministically (pyHanko would draw it
    # at random): a re-run after a crash gives the same bytes. The first stays as it was.
    set_document_id(writer, _revision_id(pdf, checksums, signature_fields))
    out = io.BytesIO()
    out.write(pdf)
    if not pdf.endswith((b"\n", b"\r")):
        out.write(b"\n")
    # Only the new and changed objects, a classic xref table and a trailer with /Prev, at
    # their true offsets after the original bytes. Not writer.write(): its object-graph
    # finalisation would stamp pyHanko into /Producer and a new /ModDate into both the Info
    # dictionary and the PDF/A XMP, where LibreOffice's values must stay as they are.
    write_update(writer, out)
    return out.getvalue()


def _revision_id(pdf: bytes, checksums: dict[str, bytes], fields: Sequence[FieldSpec]) -> bytes:
    digest = hashlib.md5(pdf)
    for name, checksum in sorted(checksums.items()):
        digest.update(name.encode() + b"\0" + checksum)
    for spec in fields:
        digest.update(b"\0" + spec.name.encode())
    return digest.digest()


def _fallback_corner(page: generic.PdfObject, height: float) -> tuple[float, float]:
    """(right, bottom) of a field without a bookmark: the bottom right of ``page`` inside the
    margins, stacked above the signature fields already on it."""
    assert isinstance(page, generic.DictionaryObject)
    node: generic.PdfObject | None = page
    media: generic.PdfObject = generic.ArrayObject([0, 0, 612, 792])
    for _ in range(_MAX_DEPTH):  # /MediaBox is inheritable (ISO 32000-1, 7.7.3.3)
        if not isinstance(node, generic.DictionaryObject):
            break
        if "/MediaBox" in node:
            media = node["/MediaBox"]
            break
        node = node["/Parent"] if "/Parent" in node else None
    assert isinstance(media, generic.ArrayObject)
    annots = page["/Annots"] if "/Annots" in page else generic.ArrayObject()
    taken = sum(1 for annot in annots if annot.get_object().get("/FT") == "/Sig")
    return float(max(media[0], media[2])) - 42.5, 57.0 + height * 1.2 * taken


def _add_field(
    writer: IncrementalPdfFileWriter,
    pages: list[generic.Reference],
    spec: FieldSpec,
    anchors: dict[str, tuple[int, float, float]],
) -> generic.IndirectObject:
    anchor = _norm(spec.anchor or f"Sig{spec.name}")
    if spec.page is not None and spec.box is not None:
        page_index, box = spec.page, spec.box
    elif anchor in anchors:
        page_index, left, top = anchors[anchor]
        box = (left, top - spec.height, left + spec.width, top)
    else:
        # No bookmark (a chamber's own template): bottom right of the last page, stacked by
        # field order, so the document can still be signed.
        page_index = len(pages) - 1
        right, bottom = _fallback_corner(pages[page_index].get_object(), spec.height)
        box = (right - spec.width, bottom, right, bottom + spec.height)
    page = pages[page_index]
    page_ref = generic.IndirectObject(page.idnum, page.generation, writer)
    x1, y1, x2, y2 = box
    widget = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name("/Sig"),
            pdf_name("/T"): generic.TextStringObject(spec.name),
            pdf_name("/F"): generic.NumberObject(4),  # Print (PDF/A requires it)
            pdf_name("/Rect"): generic.ArrayObject(
                [generic.FloatObject(round(v, 4)) for v in (x1, y1, x2, y2)]
            ),
            pdf_name("/P"): page_ref,
            pdf_name("/AP"): generic.DictionaryObject(
                {pdf_name("/N"): _empty_appearance(writer, x2 - x1, y2 - y1)}
            ),
        }
    )
    ref = writer.add_object(widget)
    writer.register_annotation(page_ref, ref)
    return ref

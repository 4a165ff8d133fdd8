"""Report and certificate through real LibreOffice, kk and ru: every label and value in the
text, fonts embedded, PDF/A-3b claimed, associated files byte-identical (R-7.6), signature
fields on the signature lines and fillable by pyHanko, injection strings literal, long text
wrapped, 40 activities breaking pages with the header repeated."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from docflow.config import DEFAULT_TEMPLATES
from docflow.errors import ConversionError
from docflow.render import (
    Attachment,
    Converter,
    certificate_context,
    finalize_pdf,
    render_docx,
    report_context,
    report_fields,
)
from docflow.render.pdf import FieldSpec, certificate_fields
from tests.render.conftest import FORM_NAMES, INJECTION, MOMENT, flat, load_build, make_submission
from tests.render.conftest import pdftotext as _pdftotext

pytestmark = pytest.mark.slow

WORDING = load_build()
A4_WIDTH = 595.3
RIGHT_MARGIN = 42.5  # 15 mm


def evidence_files(n: int) -> list[Attachment]:
    files = [
        Attachment.evidence(
            f"evidence/e{i + 1}.pdf", f"%PDF-1.4 evidence {i}".encode(), modified=MOMENT
        )
        for i in range(n)
    ]
    files.append(Attachment.submission(b'{"kind": "cpd-report", "x": "\xc3\xa6"}', modified=MOMENT))
    return files


def build_report(
    converter: Converter,
    tmp_path: Path,
    locale: str,
    *,
    n: int = 3,
    comment: str | None = None,
    **kwargs: Any,
) -> tuple[Path, dict[str, Any], list[Attachment]]:
    submission, verdict = make_submission(locale, n=n, **kwargs)
    attachments = evidence_files(n)
    context = report_context(
        submission, verdict, locale=locale, attachments=attachments, officer_comment=comment
    )
    docx = render_docx(DEFAULT_TEMPLATES / f"appendix1_{locale}.docx", context)
    pdf = finalize_pdf(
        converter.convert(docx), attachments=attachments, signature_fields=report_fields()
    )
    path = tmp_path / f"report_{locale}.pdf"
    path.write_bytes(pdf)
    return path, context, attachments


def certificate(
    converter: Converter, tmp_path: Path, locale: str, name: str
) -> tuple[Path, dict[str, Any]]:
    context = certificate_context(
        {
            "locale": locale,
            "event": {
                "title": "Азаматтық процестегі соңғы өзгерістер",
                "form": 2,
                "organizer": "Алматы қаласының заң консультанттары палатасы",
                "date": date(2025, 3, 14),
                "hours": 8,
                "place": "online",
            },
            "issuer": {
                "full_name": "Жақсылықов Ерлан Болатұлы",
                "position": "Төраға" if locale == "kk" else "Председатель",
                "chamber": "Алматы қаласының заң консультанттары палатасы",
            },
        },
        {"full_name": name},
        serial="ALM-2025-000042",
        verify_url="https://docflow.example.kz/v/ALM-2025-000042",
        form_name=FORM_NAMES[2],
        points=2,
        issued_on=date(2025, 3, 15),
    )
    docx = render_docx(DEFAULT_TEMPLATES / f"certificate_{locale}.docx", context)
    pdf = finalize_pdf(
        converter.convert(docx), attachments=[], signature_fields=certificate_fields()
    )
    path = tmp_path / f"certificate_{locale}.pdf"
    path.write_bytes(pdf)
    return path, context


def assert_archival(path: Path) -> None:
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        # columns: name type encoding emb sub uni object ID
        assert re.search(r"\s+yes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", row), row
    reader = PdfReader(path)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part(>|=\")3", xmp), xmp
    assert re.search(r"pdfaid:conformance(>|=\")B", xmp), xmp
    # PDF/A-3 is PDF 1.7: LibreOffice's header says 1.6, the catalog's /Version (which wins
    # when later, ISO 32000-1 7.7.2) says 1.7, so pyHanko need not bump it when signing.
    assert reader.pdf_header == "%PDF-1.6"
    assert reader.trailer["/Root"]["/Version"] == "/1.7"
    info = reader.metadata
    assert info is not None and info.get("/Producer", "").startswith("LibreOffice")


def field_rects(path: Path) -> dict[str, tuple[int, list[float]]]:
    reader = PdfReader(path)
    found = {}
    for number, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/FT") == "/Sig":
                found[str(annot["/T"])] = (number, [float(v) for v in annot["/Rect"]])
    return found


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_report_labels_values_fonts_pdfa(converter: Converter, tmp_path: Path, locale: str) -> None:
    path, context, _ = build_report(
        converter, tmp_path, locale, comment="Ескертулермен келіспеймін"
    )
    text = flat(_pdftotext(path))
    w = WORDING.REPORT[locale]
    static = [
        w["appendix"],
        w["table_intro"],
        *w["cols"],
        w["total"],
        w["consultant_sig"],
        w["officer"],
        w["officer_note"],
        w["comment_title"],
        w["comment_note"],
        w["attachments"],
        w["attachments_note"],
    ]
    for label in static:
        assert flat(label) in text, label
    title = (w["title1"] + " " + w["title2"]).replace("{{ year }}", "2025")
    assert flat(title) in text
    from docflow.render.docx import _member_of

    member = w["member"].replace("{{ member_since }}", context["member_since"])
    member = member.replace("{{ member_of }}", _member_of(context["chamber"], locale))
    assert flat(member.replace("{{ chamber }}", context["chamber"])) in text
    assert context["full_name"] in text
    assert f"{w['filled']} {context['filled_on']}" in text
    for act in context["activities"]:
        for value in (act["form_name"], act["title"], act["organizer"]):
            assert flat(value) in text, value
    assert re.search(rf"{re.escape(w['total'])} {context['total_points']}\b", text)
    for att in context["attachments"]:
        assert f"{att['no']}. {att['name']}" in text
    assert "Ескертулермен келіспеймін" in text
    assert_archival(path)


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_certificate_labels_values_fonts_pdfa(
    converter: Converter, tmp_path: Path, locale: str
) -> None:
    path, context = certificate(converter, tmp_path, locale, "Сейітқали Әсел Нұрланқызы")
    text = flat(_pdftotext(path))
    w = WORDING.CERTIFICATE[locale]
    for label in (w["title1"], w["title2"], w["intro"], w["issuer"], w["signature"], w["verify"]):
        assert flat(label) in text, label
    for label, template in w["rows"]:
        value = re.sub(r"\{\{ (\w+) \}\}", lambda m: str(context[m.group(1)]), template)
        assert f"{label}: {flat(value)}" in text, label
    for key in ("participant", "issuer_name", "issuer_position", "issuer_chamber", "verify_url"):
        assert flat(context[key]) in text, key
    assert f"№ {context['serial']}" in text
    assert f"{w['issued']}: {context['issued_on']}" in text
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True)
    assert len(images.stdout.splitlines()) >= 3, "QR code image missing"
    assert_archival(path)
    page, rect = field_rects(path)["issuer"]
    assert page == 0 and rect[2] - rect[0] == pytest.approx(200) and rect[3] - rect[1] >= 50


def test_embedded_files_byte_identical_and_associated(converter: Converter, tmp_path: Path) -> None:
    path, _, attachments = build_report(converter, tmp_path, "kk")
    reader = PdfReader(path)
    extracted = {name: contents[0] for name, contents in reader.attachments.items()}
    assert extracted == {a.name: a.data for a in attachments}
    root = reader.trailer["/Root"]
    af = [ref.get_object() for ref in root["/AF"]]
    assert [spec["/UF"] for spec in af] == [a.name for a in attachments]
    relationships = {spec["/UF"]: spec["/AFRelationship"] for spec in af}
    assert relationships["submission.json"] == "/Data"
    assert relationships["evidence/e1.pdf"] == "/Supplement"
    for spec, attachment in zip(af, attachments, strict=True):
        stream = spec["/EF"]["/F"].get_object()
        assert stream["/Type"] == "/EmbeddedFile"
        assert stream["/Subtype"] == "/" + attachment.mime_type
        assert stream["/Params"]["/Size"] == len(attachment.data)
        assert str(stream["/Params"]["/ModDate"]).startswith("D:20260210093000")
    assert_archival(path)  # embedding kept the PDF/A identification


def test_finalize_appends_one_update_and_leaves_info_and_xmp_alone(
    converter: Converter, tmp_path: Path
) -> None:
    submission, verdict = make_submission("kk", n=2)
    attachments = evidence_files(2)
    context = report_context(submission, verdict, locale="kk", attachments=attachments)
    original = converter.convert(render_docx(DEFAULT_TEMPLATES / "appendix1_kk.docx", context))
    pdf = finalize_pdf(original, attachments=attachments, signature_fields=report_fields())
    # LibreOffice's output stays recoverable byte for byte: the file up to its first %%EOF.
    assert pdf.startswith(original)
    assert pdf == finalize_pdf(original, attachments=attachments, signature_fields=report_fields())
    update = pdf[len(original) :]
    assert len(re.findall(rb"(?m)^xref\r?$", update)) == 1  # one classic xref section
    assert len(re.findall(rb"(?m)^trailer\r?$", update)) == 1
    start = int(re.findall(rb"startxref\s+(\d+)", original)[-1])
    assert re.search(rb"/Prev %d\b" % start, update)

    before, after = PdfReader(io.BytesIO(original)), PdfReader(io.BytesIO(pdf))
    info, xmp = before.trailer.raw_get("/Info"), before.trailer["/Root"].raw_get("/Metadata")
    assert after.trailer.raw_get("/Info").idnum == info.idnum
    assert after.trailer["/Root"].raw_get("/Metadata").idnum == xmp.idnum
    for ref in (info, xmp):  # neither object is rewritten by the update
        assert not re.search(rb"(?m)^%d 0 obj" % ref.idnum, update)
    assert after.metadata == before.metadata

    path = tmp_path / "finalized.pdf"
    path.write_bytes(pdf)
    assert_archival(path)
    listing = subprocess.run(
        ["pdfdetach", "-list", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[1:]
    names = [line.split(": ", 1)[1] for line in listing]
    assert names == sorted(a.name for a in attachments)  # the name tree is sorted
    by_name = {a.name: a.data for a in attachments}
    for number, name in enumerate(names, start=1):
        out = tmp_path / f"detached-{number}"
        subprocess.run(["pdfdetach", "-save", str(number), "-o", str(out), str(path)], check=True)
        assert out.read_bytes() == by_name[name]

    widgets = [
        annot.get_object()
        for page in after.pages
        for annot in page.get("/Annots") or []
        if annot.get_object().get("/FT") == "/Sig"
    ]
    assert sorted(str(w["/T"]) for w in widgets) == ["consultant", "officer"]
    for widget in widgets:
        assert widget["/F"] == 4
        appearance = widget["/AP"]["/N"].get_object()
        assert appearance["/Subtype"] == "/Form"
        rect = [float(v) for v in widget["/Rect"]]
        assert [float(v) for v in appearance["/BBox"]] == pytest.approx(
            [0, 0, rect[2] - rect[0], rect[3] - rect[1]]
        )


def _blank_pdf(
    pages: int = 2, *, destination: tuple[str, int, float, float] | None = None
) -> bytes:
    """A pypdf-made PDF (header 1.3, named destinations in a /Names name tree)."""
    from pypdf import PdfWriter
    from pypdf.generic import Fit

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if destination is not None:
        name, page, left, top = destination
        writer.add_named_destination(name, page, Fit.xyz(left=left, top=top))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_fields_at_a_name_tree_destination_or_bottom_right_of_the_last_page(
    tmp_path: Path,
) -> None:
    pdf = _blank_pdf(destination=("SigConsultant", 0, 300.0, 400.0))
    fields = [FieldSpec("consultant"), FieldSpec("officer"), FieldSpec("chair")]
    path = tmp_path / "fields.pdf"
    path.write_bytes(finalize_pdf(pdf, attachments=[], signature_fields=fields))
    rects = field_rects(path)
    assert rects["consultant"] == (0, pytest.approx([300, 348, 500, 400]))
    # No bookmark: bottom right of the last page, inside the margins, stacked.
    assert rects["officer"] == (1, pytest.approx([595 - 42.5 - 200, 57, 595 - 42.5, 109]))
    assert rects["chair"][0] == 1 and rects["chair"][1][1] == pytest.approx(57 + 52 * 1.2)
    assert PdfReader(path).trailer["/Root"]["/Version"] == "/1.7"


def test_finalize_refuses_what_it_cannot_finish() -> None:
    from pypdf import PdfWriter

    fields = report_fields()
    for garbage in (b"", b"not a pdf at all", b"%PDF-1.7\ntruncated"):
        with pytest.raises(ConversionError, match="not a readable PDF"):
            finalize_pdf(garbage, attachments=[], signature_fields=fields)
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    with pytest.raises(ConversionError, match="encrypted"):
        finalize_pdf(encrypted.getvalue(), attachments=[], signature_fields=fields)
    twice = [Attachment.submission(b"{}", modified=MOMENT)] * 2
    with pytest.raises(ConversionError, match="same name"):
        finalize_pdf(_blank_pdf(), attachments=twice, signature_fields=fields)


def test_signature_fields_on_lines_and_signable(converter: Converter, tmp_path: Path) -> None:
    path, _, _ = build_report(converter, tmp_path, "ru")
    rects = field_rects(path)
    assert set(rects) == {"consultant", "officer"}
    for _page, rect in rects.values():
        assert rect[2] - rect[0] == pytest.approx(200) and rect[3] - rect[1] >= 50
    # The consultant's box sits above the officer's when both share a page.
    if rects["consultant"][0] == rects["officer"][0]:
        assert rects["consultant"][1][1] > rects["officer"][1][3]
    # The consultant's box ends on its signature line, level with the label beside it (the
    # label cell is bottom-aligned): compare the box's bottom with the label's baseline.
    page, rect = rects["consultant"]
    height = float(PdfReader(path).pages[page].mediabox.height)
    bbox = _pdftotext(path, "-bbox", "-f", str(page + 1), "-l", str(page + 1))
    label = re.search(r'yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">Подпись<', bbox)
    assert label, "signature label not found"
    assert abs(rect[1] - (height - float(label.group(1)))) < 20
    assert rect[0] > 200  # to the right of the label

    signed = _sign_both(path.read_bytes())
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(signed))
    names = [s.field_name for s in reader.embedded_signatures]
    assert names == ["consultant", "officer"]
    assert reader.input_version == (1, 7)


def _sign_both(pdf: bytes) -> bytes:
    """pyHanko fills both pre-made fields incrementally (RSA keeps PDF 1.7)."""
    from datetime import UTC, datetime, timedelta

    from asn1crypto import keys as akeys
    from asn1crypto import x509 as ax509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Render test")])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    signer = signers.SimpleSigner(
        signing_cert=ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=akeys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=None,  # type: ignore[arg-type]
    )
    for field in ("consultant", "officer"):
        out = io.BytesIO()
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            signers.PdfSignatureMetadata(field_name=field),
            signer=signer,
            output=out,
        )
        pdf = out.getvalue()
    return pdf


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_injection_strings_render_literally(
    converter: Converter, tmp_path: Path, locale: str
) -> None:
    evil = " ".join(INJECTION)
    path, _, _ = build_report(
        converter,
        tmp_path,
        locale,
        n=1,
        full_name=f"Әсел {evil}",
        title=f"Тақырып {evil}",
        comment=f"Пікір {evil}",
    )
    text = flat(_pdftotext(path))
    assert f"Әсел {evil}" in text
    assert f"Тақырып {evil}" in text
    assert f"Пікір {evil}" in text
    assert "49" not in text


def test_long_name_and_title_wrap_inside_the_page(converter: Converter, tmp_path: Path) -> None:
    long_name = "Мұхаммедқалиұлы-Жақсыбекова " * 6 + "Әсел"
    long_title = " ".join(["Халықаралық коммерциялық төрелік және медиация"] * 8)
    path, _, _ = build_report(
        converter, tmp_path, "kk", n=2, full_name=long_name.strip(), title=long_title
    )
    text = flat(_pdftotext(path))
    assert flat(long_name) in text
    assert flat(long_title) in text
    bbox = _pdftotext(path, "-bbox")
    right_edges = [float(m) for m in re.findall(r'xMax="([\d.]+)"', bbox)]
    assert right_edges and max(right_edges) <= A4_WIDTH - RIGHT_MARGIN + 3
    # The long title really wrapped: its cell spans several lines.
    layout = _pdftotext(path, "-layout")
    assert sum("Халықаралық" in line for line in layout.splitlines()) >= 4


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_forty_activities_break_pages_with_header_repeated(
    converter: Converter, tmp_path: Path, locale: str
) -> None:
    path, context, _ = build_report(converter, tmp_path, locale, n=40)
    reader = PdfReader(path)
    assert len(reader.pages) >= 3
    header = WORDING.REPORT[locale]["cols"][2]  # "event name" column
    # Page 2 continues the table: rows from the middle of the list and the header again.
    page2 = flat(_pdftotext(path, "-f", "2", "-l", "2"))
    assert header in page2, "table header not repeated on page 2"
    assert "Іс-шара 10:" in page2
    assert WORDING.REPORT[locale]["title2"].replace("{{ year }}", "2025") not in page2
    text = flat(_pdftotext(path))
    for act in context["activities"]:
        assert act["organizer"] in text
    assert f"{context['total_points']}" in text
    fields = field_rects(path)
    assert fields["consultant"][0] >= 1  # the signature block followed the table

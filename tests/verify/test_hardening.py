"""Issue 19, the verify half: every attack really carried out on PDFs signed with the demo PKI
(or with a CA made here), each expected not to be judged VALID, and each saying why.

The document policy (docs/VERIFY-POLICY.md): a docflow kind needs each required field signed
by a holder of that role; a role comes from the certificate, never from a field's name; only
document timestamps is "no person signed"; an empty required field is a reason. Coverage:
form filling on a docflow kind and bytes after the last revision are changes. Revocation data
about the signer must be issued after the signature's timestamp.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.validation import DocumentSecurityStore

from docflow.pki.testing import CONSULTANT_IIN, OFFICER_IIN
from docflow.verify import verify_pdf

from .conftest import SigningKit, blank_pdf, outside_ca, with_fields

pytestmark = pytest.mark.slow

SECOND_CONSULTANT_IIN = "850101300005"


def keys_of(report) -> set[str]:  # type: ignore[no-untyped-def]
    found = {f.key for f in report.findings}
    for s in report.signatures:
        found |= {f.key for f in s.findings}
    return found


# --------------------------------------------------------------------------- who signed


def test_policy_only_a_document_timestamp_is_no_person_signed(kit: SigningKit) -> None:
    """The unsigned rendering of a report plus one RFC 3161 document timestamp."""
    unsigned = with_fields(blank_pdf("INVENTED REPORT"), ("consultant", "officer"))
    stamper = signers.PdfTimeStamper(timestamps.HTTPTimeStamper(kit.services.tsa_url))
    stamped = stamper.timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(unsigned)), "sha256", validation_context=kit.vc()
    ).getvalue()

    report = verify_pdf(stamped, trust_roots=kit.pki.trust_roots())

    (ts,) = report.signatures
    assert ts.role == "timestamp" and ts.intact and ts.trusted  # the TSA's token is genuine
    assert report.verdict == "invalid", report.to_json()
    assert {"policy.no_person_signed", "policy.field_empty"} <= keys_of(report)
    assert any("no person signed" in r for r in report.reasons)


def test_policy_plain_pdf_with_only_a_timestamp_is_no_person_signed(kit: SigningKit) -> None:
    stamper = signers.PdfTimeStamper(timestamps.HTTPTimeStamper(kit.services.tsa_url))
    stamped = stamper.timestamp_pdf(
        IncrementalPdfFileWriter(io.BytesIO(blank_pdf())), "sha256", validation_context=kit.vc()
    ).getvalue()
    report = verify_pdf(stamped, trust_roots=kit.pki.trust_roots())
    assert report.verdict == "invalid"
    assert keys_of(report) == {"policy.no_person_signed"}


def test_policy_officer_field_signed_with_the_consultants_key_is_invalid(kit: SigningKit) -> None:
    base = with_fields(blank_pdf(), ("consultant", "officer"))
    consultant = kit.handle(CONSULTANT_IIN).signer
    first = kit.sign(base, "consultant", consultant)
    both = kit.sign(first, "officer", consultant, lta=True)

    report = verify_pdf(both, trust_roots=kit.pki.trust_roots())

    officer = next(s for s in report.signatures if s.field == "officer")
    assert officer.role == "consultant"  # from the certificate, not from the field
    assert officer.verdict == "invalid" and report.verdict == "invalid"
    assert "policy.wrong_role" in {f.key for f in officer.findings}
    assert any("must be signed by the officer" in r for r in officer.reasons)


def test_policy_officer_field_signed_by_another_consultant_is_invalid(kit: SigningKit) -> None:
    kit.pki.enroll(SECOND_CONSULTANT_IIN, "Екінші Консультант", "consultant")
    base = with_fields(blank_pdf(), ("consultant", "officer"))
    first = kit.sign(base, "consultant", kit.handle(CONSULTANT_IIN).signer)
    both = kit.sign(first, "officer", kit.handle(SECOND_CONSULTANT_IIN).signer, lta=True)

    report = verify_pdf(both, trust_roots=kit.pki.trust_roots())

    assert report.verdict == "invalid"
    officer = next(s for s in report.signatures if s.field == "officer")
    assert officer.verdict == "invalid" and "policy.wrong_role" in {f.key for f in officer.findings}


def test_policy_certificate_issuer_field_signed_by_a_consultant_is_invalid(
    kit: SigningKit,
) -> None:
    base = with_fields(blank_pdf("CERTIFICATE No. 1"), ("issuer",))
    signed = kit.sign(base, "issuer", kit.handle(CONSULTANT_IIN).signer, lta=True)

    report = verify_pdf(signed, trust_roots=kit.pki.trust_roots())

    assert report.kind == "certificate"
    assert report.verdict == "invalid"
    issuer = report.signatures[0]
    assert (issuer.role, issuer.verdict) == ("consultant", "invalid")
    assert any("must be signed by the issuer" in r for r in issuer.reasons)


def _roleless_ca() -> tuple[signers.SimpleSigner, asn1_x509.Certificate]:
    """A trusted CA (like a national one) whose signer certificate names no docflow role."""
    ca = outside_ca(
        "National Root CA (test)",
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Citizen Without Role"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN" + OFFICER_IIN),
        ],
    )
    return ca.signer, ca.root


def test_policy_role_is_never_taken_from_the_field_name(kit: SigningKit) -> None:
    signer, root = _roleless_ca()
    signed = kit.sign(
        with_fields(blank_pdf(), ("officer",)), "officer", signer, embed_revinfo=False
    )

    report = verify_pdf(signed, trust_roots=[root])

    (sig,) = report.signatures
    assert sig.role == "unknown"  # not "officer", whatever the field is called
    assert sig.verdict == "invalid" and report.verdict == "invalid"
    assert "policy.no_role" in {f.key for f in sig.findings}


def test_policy_role_of_hook_decides_the_role(kit: SigningKit) -> None:
    """A deployment's office records may name the role; the hook is given to verify_pdf."""
    signer, root = _roleless_ca()
    signed = kit.sign(
        with_fields(blank_pdf(), ("officer",)), "officer", signer, embed_revinfo=False
    )
    report = verify_pdf(signed, trust_roots=[root], role_of=lambda cert: "officer")
    assert report.signatures[0].role == "officer"
    assert "policy.no_role" not in keys_of(report)


def test_policy_consultant_only_report_names_the_empty_officer_field(kit: SigningKit) -> None:
    base = with_fields(blank_pdf(), ("consultant", "officer"))
    first = kit.sign(base, "consultant", kit.handle(CONSULTANT_IIN).signer, lta=True)

    report = verify_pdf(first, trust_roots=kit.pki.trust_roots())

    assert report.signatures[0].verdict == "valid"  # the consultant's own signature is fine
    assert report.verdict == "invalid"
    assert report.kind == "cpd-report"
    empty = [f for f in report.findings if f.key == "policy.field_empty"]
    assert [f.params["field"] for f in empty] == ["officer"]
    assert "officer" in empty[0].text("kk") and "officer" in empty[0].text("ru")


def test_policy_report_signed_by_both_stays_valid(kit: SigningKit, signed_twice: bytes) -> None:
    report = verify_pdf(signed_twice, trust_roots=kit.pki.trust_roots())
    assert report.verdict == "valid", report.to_json()
    assert report.kind == "cpd-report" and report.findings == ()


# --------------------------------------------------------------------------- coverage


def _report_with_invisible_text_field() -> bytes:
    """A page with an empty full-page text field: what a forger plants before the signatures
    (made with pypdf, like ``blank_pdf``)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank_pdf())))
    page = writer.pages[0]
    field = DictionaryObject(
        {
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject("note"),
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 595, 842)]),
            NameObject("/F"): NumberObject(4),
            NameObject("/P"): page.indirect_reference,
        }
    )
    ref = writer._add_object(field)
    page[NameObject("/Annots")] = ArrayObject([ref])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([ref])}
    )
    out = io.BytesIO()
    writer.write(out)
    return with_fields(out.getvalue(), ("consultant", "officer"))


def test_coverage_text_field_filled_with_a_forged_page_after_signing(kit: SigningKit) -> None:
    base = _report_with_invisible_text_field()
    first = kit.sign(base, "consultant", kit.handle(CONSULTANT_IIN).signer)
    signed = kit.sign(first, "officer", kit.handle(OFFICER_IIN).signer, lta=True)
    assert verify_pdf(signed, trust_roots=kit.pki.trust_roots()).verdict == "valid"

    w = IncrementalPdfFileWriter(io.BytesIO(signed))
    field = next(
        f.get_object() for f in w.root["/AcroForm"]["/Fields"] if f.get_object()["/T"] == "note"
    )
    page_box = generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)])
    forged = generic.StreamObject(
        {pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
         pdf_name("/BBox"): page_box},
        stream_data=b"1 1 1 rg 0 0 595 842 re f 0 0 0 rg BT /Helv 18 Tf 72 760 Td (FORGED) Tj ET",
    )  # fmt: skip
    field[pdf_name("/V")] = pdf_string("FORGED")
    field[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): w.add_object(forged)})
    w.update_container(field)
    out = io.BytesIO()
    w.write(out)

    report = verify_pdf(out.getvalue(), trust_roots=kit.pki.trust_roots())

    assert report.verdict == "invalid", report.to_json()
    assert "coverage.form_filled" in keys_of(report)
    assert any("note" in r for r in report.reasons)


def _stale_startxref(signed: bytes) -> bytes:
    """New objects and a trailer whose startxref still points to the signed revision's xref:
    readers that follow startxref never see the new objects, others may show them."""
    last = signed.rindex(b"startxref")
    offset = signed[last:].split()[1]
    return b"9 0 obj\n<< /Type /Page >>\nendobj\nstartxref\n" + offset + b"\n%%EOF\n"


@pytest.mark.parametrize(
    "tail",
    [lambda _: b"1 0 obj\n(PAID IN FULL)\nendobj\n", _stale_startxref],
    ids=["no-xref", "stale-startxref"],
)
def test_coverage_bytes_after_the_last_eof_are_named(
    kit: SigningKit, signed_twice: bytes, tail
) -> None:  # type: ignore[no-untyped-def]
    report = verify_pdf(signed_twice + tail(signed_twice), trust_roots=kit.pki.trust_roots())

    assert report.verdict == "invalid", report.to_json()
    assert "coverage.tail_bytes" in keys_of(report)
    assert all(s.modified_after == "other" for s in report.signatures)


def test_coverage_trailing_newline_after_eof_is_not_a_change(
    kit: SigningKit, signed_twice: bytes
) -> None:
    report = verify_pdf(signed_twice + b"\r\n", trust_roots=kit.pki.trust_roots())
    assert "coverage.tail_bytes" not in keys_of(report)


# --------------------------------------------------------------------------- fresh revocation


def test_revocation_crl_from_before_the_revocation_is_not_fresh(kit: SigningKit) -> None:
    """A key revoked before signing, with a CRL fetched before the revocation in the DSS."""
    iin = "880808300004"
    kit.pki.enroll(iin, "Stale Consultant", "consultant")
    handle = kit.handle(iin)
    day_ago = datetime.now(UTC) - timedelta(days=1)
    old_crl = asn1_crl.CertificateList.load(kit.pki.build_crl("issuing-ca", now=day_ago))
    root_crl = asn1_crl.CertificateList.load(kit.pki.build_crl("root-ca"))
    kit.pki.revoke(iin, "key_compromise", at=datetime.now(UTC) - timedelta(hours=1))
    signed = kit.sign(
        with_fields(blank_pdf(), ("consultant",)), "consultant", handle.signer, embed_revinfo=False
    )
    out = io.BytesIO(signed)
    DocumentSecurityStore.add_dss(
        out, None, certs=kit.pki.chain(), crls=[old_crl, root_crl], embed_roots=False
    )

    report = verify_pdf(out.getvalue(), trust_roots=kit.pki.trust_roots())

    (sig,) = report.signatures
    assert sig.verdict != "valid", sig
    assert sig.revocation != "good"
    assert "revocation.stale" in {f.key for f in sig.findings}


# --------------------------------------------------------------------------- limits


def _damaged_with_signature_objects(signed: bytes, count: int, distinct: bool) -> bytes:
    """``signed`` with its xref pointer broken (pyHanko cannot read it: the raw scan judges
    it), followed by ``count`` signature objects that each carry the consultant's real CMS."""
    import re

    first = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", signed)
    assert first is not None
    b, c = int(first.group(1)), int(first.group(2))
    cms_hex = signed[b:c]
    last = signed.rindex(b"startxref")
    out = bytearray(signed[:last] + b"startxref\n999999999\n%%EOF\n")
    for n in range(count):
        head = b"%d 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /Contents " % (900000 + n)
        gap_start = len(out) + len(head)
        gap_end = gap_start + len(cms_hex)
        tail_len = 10 + (n if distinct else 0)
        rng = b" /ByteRange [0 %d %d %d] >>\nendobj\n" % (gap_start, gap_end, tail_len)
        out += head + cms_hex + rng
    out += b"%%EOF\n"
    return bytes(out)


def test_limit_thousands_of_byteranges_are_refused_before_any_is_hashed(
    kit: SigningKit, signed_twice: bytes
) -> None:
    import time

    from docflow.verify import VerifyLimitExceeded

    data = _damaged_with_signature_objects(signed_twice, 300, distinct=True)
    started = time.monotonic()
    with pytest.raises(VerifyLimitExceeded) as raised:
        verify_pdf(data, trust_roots=kit.pki.trust_roots(), file_name="many.pdf")
    assert time.monotonic() - started < 5
    assert raised.value.finding.key == "limit.signatures"
    assert "қолтаңба" in raised.value.finding.text("kk")
    assert "подпис" in raised.value.finding.text("ru")


def test_limit_byterange_outside_signature_dictionaries_is_not_a_signature(
    kit: SigningKit, signed_twice: bytes
) -> None:
    """3,000 copies of one /ByteRange in a comment-like stream: judged as what they are."""
    damaged = _damaged_with_signature_objects(signed_twice, 0, distinct=False)
    noise = b"".join(b"%% /ByteRange [0 10 20 30]\n" for _ in range(3000))
    report = verify_pdf(damaged[:-6] + noise + b"%%EOF\n", trust_roots=kit.pki.trust_roots())
    assert len(report.signatures) == 3  # the file's own three, each once
    assert report.verdict != "valid"


def test_limit_pdf_size_is_checked_by_stat_before_reading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from docflow.verify import MAX_PDF_BYTES, VerifyLimitExceeded, read_pdf

    sparse = tmp_path / "huge.pdf"
    with sparse.open("wb") as handle:
        handle.truncate(768 * 1024 * 1024)  # 768 MB, no block written
    assert sparse.stat().st_size > MAX_PDF_BYTES
    with pytest.raises(VerifyLimitExceeded) as raised:
        read_pdf(sparse)
    assert raised.value.finding.key == "limit.file_size"


def test_limit_cli_refuses_a_huge_sparse_file_unread(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    sparse = tmp_path / "huge.pdf"
    with sparse.open("wb") as handle:
        handle.truncate(768 * 1024 * 1024)
    done = subprocess.run(
        [sys.executable, "-m", "docflow", "--home", str(tmp_path), "verify", str(sparse)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "too large" in done.stderr


def _backdated(response: ocsp.OCSPResponse, when: datetime, key: Any) -> ocsp.OCSPResponse:
    """The same OCSP answer as if the responder had given it at ``when`` (signed again with the
    responder's own key: a genuine answer, only older)."""
    from cryptography.hazmat.primitives.asymmetric import padding

    basic = response["response_bytes"]["response"].parsed
    tbs = basic["tbs_response_data"]
    tbs["produced_at"] = when
    single = tbs["responses"][0]
    single["this_update"] = when
    single["next_update"] = when + timedelta(days=7)
    basic["tbs_response_data"] = tbs
    basic["signature"] = key.sign(tbs.dump(force=True), padding.PKCS1v15(), hashes.SHA256())
    return ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
        }
    )


def test_revocation_ocsp_good_from_before_the_revocation_is_not_fresh(kit: SigningKit) -> None:
    """A key revoked before signing, with an OCSP "good" given a day earlier in the DSS."""
    iin = "870707400011"
    kit.pki.enroll(iin, "Stale Ocsp Consultant", "consultant")
    handle = kit.handle(iin)
    serial = handle.signer.signing_cert.serial_number
    while_good = kit.sign(with_fields(blank_pdf(), ("consultant",)), "consultant", handle.signer)
    reader = PdfFileReader(io.BytesIO(while_good))
    good = next(
        r
        for r in (
            ocsp.OCSPResponse.load(ref.get_object().data)
            for ref in DocumentSecurityStore.read_dss(reader).ocsps
        )
        if r["response_bytes"]["response"]
        .parsed["tbs_response_data"]["responses"][0]["cert_id"]["serial_number"]
        .native
        == serial
    )
    _, responder_key = kit.pki.load_service_key("ocsp")
    day_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    old_good = _backdated(good, day_ago, responder_key)
    kit.pki.revoke(iin, "key_compromise", at=datetime.now(UTC) - timedelta(hours=1))
    signed = kit.sign(
        with_fields(blank_pdf(), ("consultant",)), "consultant", handle.signer, embed_revinfo=False
    )
    root_crl = asn1_crl.CertificateList.load(kit.pki.build_crl("root-ca"))
    out = io.BytesIO(signed)
    DocumentSecurityStore.add_dss(
        out, None, certs=kit.pki.chain(), ocsps=[old_good], crls=[root_crl], embed_roots=False
    )

    report = verify_pdf(out.getvalue(), trust_roots=kit.pki.trust_roots())

    (sig,) = report.signatures
    assert sig.verdict != "valid", sig
    assert "revocation.stale" in {f.key for f in sig.findings}


def test_policy_officer_field_pointing_at_the_consultants_signature_is_invalid(
    kit: SigningKit,
) -> None:
    """One signature dictionary shown in two fields: judged once, and under each field."""
    base = with_fields(blank_pdf(), ("consultant", "officer"))
    first = kit.sign(base, "consultant", kit.handle(CONSULTANT_IIN).signer, lta=True)
    w = IncrementalPdfFileWriter(io.BytesIO(first))
    fields_by_name = {f.get_object()["/T"]: f.get_object() for f in w.root["/AcroForm"]["/Fields"]}
    officer = fields_by_name["officer"]
    officer[pdf_name("/V")] = fields_by_name["consultant"].raw_get("/V")
    w.update_container(officer)
    out = io.BytesIO()
    w.write(out)

    report = verify_pdf(out.getvalue(), trust_roots=kit.pki.trust_roots())

    assert report.verdict == "invalid", report.to_json()
    shown = {s.field: s for s in report.signatures}
    assert shown["officer"].role == "consultant" and shown["officer"].verdict == "invalid"

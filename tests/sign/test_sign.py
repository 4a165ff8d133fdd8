"""PAdES signing: two approval signatures, timestamps, DSS, lock, B-LTA; validated by pyHanko,
its CLI and poppler's pdfsig, online and offline; tampering and revocation are caught."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import FieldMDPAction, MDPPerm
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore

from docflow.config import Home
from docflow.errors import SigningError
from docflow.pki import TrustServices
from docflow.pki.testing import (
    CONSULTANT_IIN,
    OTHER_IIN,
    make_test_pki,
    pdf_with_fields,
)
from docflow.sign import SignSpec, finish_lta, sign_pdf

from .conftest import SignedReport

PYHANKO = str(Path(sys.executable).with_name("pyhanko"))

pytestmark = pytest.mark.slow


def test_two_signatures_valid_offline(report: SignedReport) -> None:
    """Services stopped, nothing fetched: the DSS alone proves both signatures."""
    reader = report.reader()
    sigs = reader.embedded_regular_signatures
    assert [s.field_name for s in sigs] == ["consultant", "officer"]
    vc = report.offline_context()
    statuses = [validate_pdf_signature(s, vc) for s in sigs]
    for st in statuses:
        assert st.intact and st.valid and st.trusted and st.bottom_line, st.pretty_print_details()
        assert st.timestamp_validity is not None and st.timestamp_validity.valid
        assert not st.revoked
    assert statuses[0].modification_level == ModificationLevel.FORM_FILLING
    assert statuses[1].modification_level == ModificationLevel.LTA_UPDATES
    assert statuses[0].signing_cert.subject.native["serial_number"] == f"IIN{CONSULTANT_IIN}"
    assert statuses[1].signing_cert.subject.native["title"] == "officer"


def test_first_signature_stays_valid_after_second(report: SignedReport) -> None:
    reader = report.reader(report.after_consultant)
    [sig] = reader.embedded_regular_signatures
    st = validate_pdf_signature(sig, report.offline_context(report.after_consultant))
    assert st.bottom_line
    # its DSS is part of its own revision (B-LT in one update): nothing follows it yet
    assert st.modification_level == ModificationLevel.NONE
    # and no certification signature was used (it would forbid the officer's field)
    assert sig.docmdp_level is None


def test_without_revocation_info_offline_validation_fails(report: SignedReport) -> None:
    """The offline pass above is meaningful: without the DSS the same check fails."""
    from pyhanko_certvalidator import ValidationContext

    sig = report.reader().embedded_regular_signatures[0]
    bare = ValidationContext(
        trust_roots=report.pki.trust_roots(),
        allow_fetching=False,
        revocation_mode="hard-fail",
        crls=[],
        ocsps=[],
    )
    st = validate_pdf_signature(sig, bare)
    assert not st.bottom_line


def test_b_lta_structure(report: SignedReport) -> None:
    reader = report.reader()
    dss = DocumentSecurityStore.read_dss(reader)
    assert len(dss.certs) >= 4 and len(dss.ocsps) >= 2 and len(dss.crls) >= 1
    last = reader.embedded_signatures[-1]
    assert last.sig_object_type == "/DocTimeStamp"
    assert last.field_name not in ("consultant", "officer")
    st = validate_pdf_timestamp(last, validation_context=report.offline_context())
    assert st.intact and st.valid and st.trusted
    # PAdES: ETSI.CAdES.detached signatures, SHA-256, RSA
    for sig in reader.embedded_regular_signatures:
        assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
        assert sig.md_algorithm == "sha256"


def test_officer_signature_locks_the_document(report: SignedReport) -> None:
    officer = report.reader().embedded_regular_signatures[1]
    assert officer.fieldmdp is not None and officer.fieldmdp.action == FieldMDPAction.ALL
    assert officer.docmdp_level == MDPPerm.NO_CHANGES


def test_changed_byte_breaks_integrity(report: SignedReport) -> None:
    data = bytearray(report.signed)
    at = data.index(b"docflow test document")
    data[at] = ord("D")
    sig = report.reader(bytes(data)).embedded_regular_signatures[0]
    st = validate_pdf_signature(sig, report.offline_context(bytes(data)))
    assert not st.intact and not st.bottom_line


def test_stamp_uses_embedded_subset_font(report: SignedReport) -> None:
    reader = report.reader()
    field = reader.embedded_regular_signatures[0].sig_field
    ap = field["/AP"]["/N"]
    fonts: list[object] = []

    def walk(xobj: object, depth: int = 0) -> None:
        res = xobj.get("/Resources", {})  # type: ignore[attr-defined]
        fonts.extend(res.get("/Font", {}).values())
        for sub in res.get("/XObject", {}).values():
            if depth < 4:
                walk(sub, depth + 1)

    walk(ap)
    assert fonts, "the stamp has no font"
    font = fonts[0].get_object()  # type: ignore[attr-defined]
    descendant = font["/DescendantFonts"][0].get_object()
    assert "+" in str(descendant["/BaseFont"])  # subset tag, e.g. ABCDEF+NotoSans
    font_file = descendant["/FontDescriptor"]["/FontFile2"].get_object()
    assert len(font_file.data) < 40_000  # a subset, not the 513 KB font


def test_stamp_text_in_kazakh(report: SignedReport, tmp_path: Path) -> None:
    from docflow.sign import stamp_lines

    lines = stamp_lines(
        name="Сейітқали Әсел Нұрланқызы",
        role="consultant",
        when=datetime(2026, 2, 10, 9, 30, tzinfo=UTC),
        locale="kk",
    )
    assert lines["role"] == "Рөлі: заң консультанты"
    assert lines["when"] == "Уақыты: 2026-02-10 14:30 (UTC+5)"
    ru = stamp_lines(
        name="Иванов", role="officer", when=datetime(2026, 2, 10, tzinfo=UTC), locale="ru"
    )
    assert ru["signer"] == "Подписал: Иванов"
    # the rendered page shows a stamp (pixels inside the field box are not all white)
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(report.signed)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    assert any(tmp_path.glob("page*.png"))


def test_pyhanko_cli_agrees(report: SignedReport, services: TrustServices) -> None:
    out = subprocess.run(
        [
            PYHANKO,
            "sign",
            "validate",
            "--pretty-print",
            "--trust",
            str(report.pki.root_cert_path),
            "--trust-replace",
            str(report.home / "signed.pdf"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count("The signature is judged VALID.") == 2


def test_pdfsig_agrees(report: SignedReport, tmp_path: Path) -> None:
    """poppler/NSS: valid and trusted online (it asks our OCSP) and offline (-no-ocsp; it
    does not read the DSS)."""
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(
        [
            "certutil",
            "-A",
            "-n",
            "docflow-demo-root",
            "-t",
            "CT,C,C",
            "-i",
            str(report.pki.root_cert_path),
            "-d",
            f"sql:{nss}",
        ],
        check=True,
    )
    command = ["pdfsig", "-nssdir", f"sql:{nss}", str(report.home / "signed.pdf")]
    with TrustServices(report.home):
        online = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    offline = subprocess.run(
        [*command[:1], "-no-ocsp", *command[1:]], capture_output=True, text=True, timeout=120
    ).stdout
    for text in (online, offline):
        assert text.count("Signature Validation: Signature is Valid.") == 2, text
        assert text.count("Certificate Validation: Certificate is Trusted.") == 2, text


def test_revoked_signer_is_caught(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    pki = make_test_pki(home)
    pki.enroll(OTHER_IIN, "Revoked Person", "consultant")
    signer = pki.signer_for(iin=OTHER_IIN)
    pdf = pdf_with_fields()
    with TrustServices(home) as services:
        signed = sign_pdf(pdf, SignSpec("consultant"), signer=signer, services=services.endpoints)
        # the key turns out to have been compromised an hour before it signed
        pki.revoke(OTHER_IIN, "key_compromise", datetime.now(UTC) - timedelta(hours=1))
        from io import BytesIO

        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko_certvalidator import ValidationContext

        sig = PdfFileReader(BytesIO(signed)).embedded_regular_signatures[0]
        vc = ValidationContext(
            trust_roots=pki.trust_roots(), allow_fetching=True, revocation_mode="hard-fail"
        )
        st = validate_pdf_signature(sig, vc)
        assert st.revoked and not st.bottom_line
        # and a revoked consultant cannot sign at all
        with pytest.raises(SigningError):
            sign_pdf(pdf, SignSpec("consultant"), signer=signer, services=services.endpoints)


def test_lock_later_for_fields_made_without_lock(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    pki = make_test_pki(home)
    pdf = pdf_with_fields(lock_last=False)
    consultant = pki.signer_for(iin=CONSULTANT_IIN)
    officer = pki.signer_for(role="officer")
    with TrustServices(home) as services:
        ep = services.endpoints
        first = sign_pdf(
            pdf, SignSpec("consultant", lock_later="officer"), signer=consultant, services=ep
        )
        signed = finish_lta(
            sign_pdf(first, SignSpec("officer", lock=True), signer=officer, services=ep),
            services=ep,
        )
        # a lock requested only after someone signed would break that signature: refused
        unlocked = sign_pdf(
            pdf, SignSpec("consultant", locale="ru"), signer=consultant, services=ep
        )
        with pytest.raises(SigningError, match="/Lock"):
            sign_pdf(unlocked, SignSpec("officer", lock=True), signer=officer, services=ep)
    report = SignedReport(home.root, pki, pdf, first, signed)
    vc = report.offline_context()
    sigs = report.reader().embedded_regular_signatures
    assert all(validate_pdf_signature(s, vc).bottom_line for s in sigs)
    assert sigs[1].docmdp_level == MDPPerm.NO_CHANGES


def test_bad_fields_are_refused(report: SignedReport, services: TrustServices) -> None:
    signer = report.pki.signer_for(role="officer")
    with pytest.raises(SigningError, match="no signature field 'chair'"):
        sign_pdf(report.unsigned, SignSpec("chair"), signer=signer, services=services.endpoints)
    with pytest.raises(SigningError, match="already signed"):
        sign_pdf(
            report.after_consultant,
            SignSpec("consultant"),
            signer=signer,
            services=services.endpoints,
        )
    with pytest.raises(SigningError, match="not a readable PDF"):
        sign_pdf(
            b"%PDF-1.7 garbage", SignSpec("consultant"), signer=signer, services=services.endpoints
        )


def test_pyhanko_ades_validation_offline(report: SignedReport) -> None:
    """pyHanko's AdES (B-LTA) validator, services stopped, accepts both signatures.

    The validation time is set a minute ahead: pyHanko gives DSS data it has no other proof
    of existence for a POE of "the wall clock when looked up", which falls just after a
    validation time of "now" taken earlier, and then ignores that data.
    """
    at = (datetime.now(UTC) + timedelta(minutes=1)).isoformat(timespec="seconds")
    out = subprocess.run(
        [
            PYHANKO,
            "sign",
            "adesverify",
            "--executive-summary",
            "--validation-time",
            at,
            "--trust",
            str(report.pki.root_cert_path),
            "--trust-replace",
            str(report.home / "signed.pdf"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    verdicts = [line.rsplit(":", 1)[-1] for line in out.stdout.splitlines() if line.strip()]
    assert verdicts == ["VALID", "VALID"], out.stdout


def test_each_signature_is_an_incremental_update(report: SignedReport) -> None:
    assert report.after_consultant.startswith(report.unsigned)
    assert report.signed.startswith(report.after_consultant)

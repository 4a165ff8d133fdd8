"""What signing keeps between signatures of one process, and that keeping it is safe.

- Revocation answers (OCSP, CRL) are reused for ``revocation_max_age`` seconds, never across
  two PKIs that happen to share an address, and forgotten the moment this process revokes.
- The stamp font subset is computed once per glyph set, and still holds every glyph a stamp
  shows, including letters outside the stamp alphabet.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from fontTools import ttLib
from pypdf import PdfReader

from docflow.config import Home
from docflow.errors import SigningError
from docflow.pki import Pki, ServiceEndpoints, TrustServices
from docflow.pki._revcache import REVOCATION_CACHE, RevocationCache
from docflow.pki.testing import CONSULTANT_IIN, OTHER_IIN, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec, finish_lta, sign_pdf
from docflow.sign._stamp import STAMP_ALPHABET, _subset_program
from docflow.verify import verify_pdf

pytestmark = pytest.mark.slow


def _cached(endpoints: ServiceEndpoints, seconds: float = 60.0) -> ServiceEndpoints:
    return dataclasses.replace(endpoints, revocation_max_age=seconds)


def test_cache_expires_by_age_and_by_next_update() -> None:
    cache = RevocationCache()
    cache.put("a", b"der-a", next_update=None)
    cache.put("b", b"der-b", next_update=datetime.now(UTC) - timedelta(seconds=1))
    assert cache.get("a", max_age=60) == b"der-a"
    assert cache.get("a", max_age=0) is None  # too old for a caller allowing no age at all
    assert cache.get("a", max_age=60) is None  # and an expired entry is dropped
    assert cache.get("b", max_age=60) is None  # past its own nextUpdate
    cache.put("c", b"der-c", next_update=None)
    time.sleep(0.05)
    assert cache.get("c", max_age=0.01) is None


def test_answers_are_reused_and_the_documents_still_verify_offline(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    pki = make_test_pki(home)
    consultant, officer = pki.signer_for(iin=CONSULTANT_IIN), pki.signer_for(role="officer")
    REVOCATION_CACHE.clear()
    signed = []
    with TrustServices(home) as services:
        endpoints = _cached(services.endpoints)
        for _ in range(2):
            misses = REVOCATION_CACHE.misses
            first = sign_pdf(
                pdf_with_fields(), SignSpec("consultant"), signer=consultant, services=endpoints
            )
            both = sign_pdf(
                first, SignSpec("officer", lock=True), signer=officer, services=endpoints
            )
            signing_misses = REVOCATION_CACHE.misses - misses
            done = finish_lta(both, services=endpoints)
            lta_misses = REVOCATION_CACHE.misses - misses - signing_misses
            signed.append((done, signing_misses, lta_misses))
    (first_doc, first_misses, _), (second_doc, second_misses, second_lta) = signed
    assert first_misses > 0
    assert second_misses == 0, "the second document's signatures fetched revocation info again"
    # issue 19: the B-LTA step never takes a cached answer older than the signatures
    assert second_lta > 0, "the B-LTA step reused answers issued before the signatures"
    # services stopped: both documents carry what they need to validate offline
    for doc in (first_doc, second_doc):
        report = verify_pdf(doc, trust_roots=pki.trust_roots())
        assert report.verdict == "valid", report
        assert len(report.signatures) == 3


def test_revoking_forgets_the_cache_so_a_revoked_signer_is_refused_at_once(
    tmp_path: Path,
) -> None:
    home = Home(tmp_path / "home").ensure()
    pki = make_test_pki(home)
    pki.enroll(OTHER_IIN, "Revoked Person", "consultant")
    signer = pki.signer_for(iin=OTHER_IIN)
    with TrustServices(home) as services:
        endpoints = _cached(services.endpoints, seconds=3600)
        sign_pdf(pdf_with_fields(), SignSpec("consultant"), signer=signer, services=endpoints)
        pki.revoke(OTHER_IIN, "key_compromise")
        with pytest.raises(SigningError):
            sign_pdf(pdf_with_fields(), SignSpec("consultant"), signer=signer, services=endpoints)


def test_two_pkis_at_one_address_never_share_answers(tmp_path: Path) -> None:
    home_a = Home(tmp_path / "a").ensure()
    pki_a = make_test_pki(home_a)
    home_b = Home(tmp_path / "b").ensure()
    pki_b = Pki(home_b.root, key_size=2048)
    # B on A's port: the same OCSP and CRL addresses, other keys
    pki_b.init(port=int(pki_a.base_url.rsplit(":", 1)[1]))
    pki_b.enroll(CONSULTANT_IIN, "Other PKI Person", "consultant")
    assert pki_a.base_url == pki_b.base_url
    for home, pki in ((home_a, pki_a), (home_b, pki_b)):
        with TrustServices(home) as services:
            signed = sign_pdf(
                pdf_with_fields(),
                SignSpec("consultant"),
                signer=pki.signer_for(iin=CONSULTANT_IIN),
                services=_cached(services.endpoints, seconds=3600),
            )
            # the consultant's own signature; the report as a whole still awaits the officer
            report = verify_pdf(signed, trust_roots=pki.trust_roots())
            assert report.signatures[0].verdict == "valid"


def _fonts_under(obj: object, found: list[ttLib.TTFont], seen: set[int]) -> None:
    """Every embedded TrueType program reachable from a form XObject's resources."""
    xobj = obj.get_object()  # type: ignore[attr-defined]
    if id(xobj) in seen:
        return
    seen.add(id(xobj))
    resources = xobj.get("/Resources", {})
    for font in resources.get("/Font", {}).values():
        for descendant in font.get_object().get("/DescendantFonts", []):
            program = descendant.get_object()["/FontDescriptor"].get("/FontFile2")
            if program is not None:
                found.append(ttLib.TTFont(BytesIO(program.get_object().get_data())))
    for inner in resources.get("/XObject", {}).values():
        _fonts_under(inner, found, seen)


def _stamp_fonts(pdf: bytes) -> list[ttLib.TTFont]:
    found: list[ttLib.TTFont] = []
    for page in PdfReader(BytesIO(pdf)).pages:
        for annot in page.get("/Annots") or []:
            _fonts_under(annot.get_object()["/AP"]["/N"], found, set())
    return found


def test_stamp_subset_is_reused_and_holds_every_glyph_shown(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    pki = make_test_pki(home)
    unusual = "Ї"  # Ukrainian, in the stamp font but not in the stamp alphabet
    assert unusual not in STAMP_ALPHABET
    pki.enroll(OTHER_IIN, f"{unusual}лья Әбенова", "consultant")
    with TrustServices(home) as services:
        plain = sign_pdf(
            pdf_with_fields(),
            SignSpec("consultant"),
            signer=pki.signer_for(iin=CONSULTANT_IIN),
            services=services.endpoints,
        )
        before = _subset_program.cache_info()
        again = sign_pdf(
            pdf_with_fields(),
            SignSpec("consultant"),
            signer=pki.signer_for(iin=CONSULTANT_IIN),
            services=services.endpoints,
        )
        assert _subset_program.cache_info().hits == before.hits + 1
        odd = sign_pdf(
            pdf_with_fields(),
            SignSpec("consultant", locale="ru"),
            signer=pki.signer_for(iin=OTHER_IIN),
            services=services.endpoints,
        )
    del plain
    for pdf, must_have in ((again, "ӘҚҢӨҰҮІ"), (odd, unusual + "Ә")):
        (font,) = _stamp_fonts(pdf)
        cmap, glyf = font.getBestCmap(), font["glyf"]
        for ch in must_have:
            name = cmap[ord(ch)]
            assert glyf[name].numberOfContours != 0, f"glyph for {ch!r} is empty in the subset"


def test_the_reuse_window_comes_from_docflow_toml(tmp_path: Path) -> None:
    from docflow.config import Settings
    from docflow.errors import ConfigError

    assert Settings.load(tmp_path).revocation_cache_seconds == 60.0
    (tmp_path / "docflow.toml").write_text("[services]\nrevocation_cache_seconds = 0\n")
    assert Settings.load(tmp_path).revocation_cache_seconds == 0.0
    (tmp_path / "docflow.toml").write_text("[services]\nrevocation_cache_seconds = -5\n")
    with pytest.raises(ConfigError, match="revocation_cache_seconds"):
        Settings.load(tmp_path)


def test_signing_certificate_attribute_is_kept_per_signer_and_names_its_certificate(
    tmp_path: Path,
) -> None:
    """RFC 5035: signing-certificate-v2 binds the signature to the signer's certificate. docflow
    builds it once per signer; every signature must still carry the right one."""
    import hashlib

    from pyhanko.pdf_utils.reader import PdfFileReader

    home = Home(tmp_path / "home").ensure()
    pki = make_test_pki(home)
    people = [pki.signer_for(iin=CONSULTANT_IIN), pki.signer_for(role="officer")]
    attrs = []
    with TrustServices(home) as services:
        for signer in (*people, people[0]):
            pdf = sign_pdf(
                pdf_with_fields(),
                SignSpec("consultant"),
                signer=signer,
                services=services.endpoints,
            )
            sig = PdfFileReader(BytesIO(pdf)).embedded_regular_signatures[0]
            (attr,) = [
                a
                for a in sig.signer_info["signed_attrs"]
                if a["type"].native == "signing_certificate_v2"
            ]
            attrs.append(attr.dump())
            cert = signer.certificate
            (ess,) = attr["values"][0]["certs"]
            assert ess["cert_hash"].native == hashlib.sha256(cert.dump()).digest()
            assert ess["issuer_serial"]["serial_number"].native == cert.serial_number
            assert ess["issuer_serial"]["issuer"][0].chosen == cert.issuer
    consultant_1, officer, consultant_2 = attrs
    assert consultant_1 == consultant_2 and consultant_1 != officer

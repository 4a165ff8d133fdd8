"""Issue 19: docflow's own B-LTA step embeds, for every signer, revocation data issued after
the signature timestamps, even when the process cache holds older answers (EU DSS judges data
issued before the signing time stale, and so does docflow verify)."""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import ocsp
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore

from docflow.config import Home
from docflow.pki import TrustServices
from docflow.pki._revcache import REVOCATION_CACHE
from docflow.pki.testing import CONSULTANT_IIN, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec, sign_pdf
from docflow.verify import verify_pdf


def _newest_ocsp_per_serial(pdf: bytes) -> dict[int, datetime]:
    dss = DocumentSecurityStore.read_dss(PdfFileReader(BytesIO(pdf)))
    newest: dict[int, datetime] = {}
    for ref in dss.ocsps:
        data = ocsp.OCSPResponse.load(ref.get_object().data)
        tbs = data["response_bytes"]["response"].parsed["tbs_response_data"]
        for single in tbs["responses"]:
            serial = single["cert_id"]["serial_number"].native
            produced = tbs["produced_at"].native
            newest[serial] = max(produced, newest.get(serial, produced))
    return newest


def _signature_times(pdf: bytes) -> list[tuple[int, datetime]]:
    reader = PdfFileReader(BytesIO(pdf))
    out = []
    for emb in reader.embedded_signatures:
        if emb.sig_object_type != "/Sig":
            continue
        for attr in emb.signer_info["unsigned_attrs"]:
            if attr["type"].native == "signature_time_stamp_token":
                tst = attr["values"][0]["content"]["encap_content_info"]["content"].parsed
                out.append((emb.signer_cert.serial_number, tst["gen_time"].native))
    return out


def test_fresh_revocation_b_lta_step_fetches_after_the_signatures(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    pki = make_test_pki(home)
    consultant, officer = pki.signer_for(iin=CONSULTANT_IIN), pki.signer_for(role="officer")
    REVOCATION_CACHE.clear()
    with TrustServices(home) as services:
        # answers kept for ten minutes: the cache is warm with answers about both signers...
        endpoints = dataclasses.replace(services.endpoints, revocation_max_age=600)
        warm = sign_pdf(
            pdf_with_fields(), SignSpec("consultant"), signer=consultant, services=endpoints
        )
        sign_pdf(warm, SignSpec("officer"), signer=officer, services=endpoints)
        time.sleep(2.2)  # ...issued seconds before the next document's signatures
        first = sign_pdf(
            pdf_with_fields(), SignSpec("consultant"), signer=consultant, services=endpoints
        )
        done = sign_pdf(
            first, SignSpec("officer", lock=True, lta=True), signer=officer, services=endpoints
        )

    newest = _newest_ocsp_per_serial(done)
    times = _signature_times(done)
    assert len(times) == 2
    for serial, signed_at in times:
        assert serial in newest
        assert newest[serial] >= signed_at, (serial, newest[serial], signed_at)
    assert verify_pdf(done, trust_roots=pki.trust_roots()).verdict == "valid"

"""``archive audit`` re-verifies real signatures through docflow.verify (slow: a real PKI).

The PDFs are signed with pyHanko directly (consultant, then officer with B-LTA), so this test
depends on the verify subsystem only, not on docflow's own signing choices.
"""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator import ValidationContext

from docflow.archive import Archive
from docflow.cli import main
from docflow.cli.archive import signature_verifier
from docflow.config import Home
from docflow.pki import TrustServices
from docflow.pki.testing import CONSULTANT_IIN, OFFICER_IIN, make_test_pki, pdf_with_fields

pytestmark = pytest.mark.slow


def _sign(pdf: bytes, field: str, signer: signers.Signer, vc: ValidationContext, tsa: str,
          *, lta: bool) -> bytes:  # fmt: skip
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=True,
        validation_context=vc,
        use_pades_lta=lta,
    )
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        meta,
        signer=signer,
        timestamper=timestamps.HTTPTimeStamper(tsa),
    )
    return out.getvalue()


def test_audit_passes_signed_reports_and_names_the_unsigned_one(home: Home) -> None:
    pki = make_test_pki(home)
    with TrustServices(home) as services:
        vc = ValidationContext(
            trust_roots=pki.trust_roots(), other_certs=pki.chain(), allow_fetching=True
        )
        first = _sign(pdf_with_fields(), "consultant", pki.signer_for(iin=CONSULTANT_IIN).signer,
                      vc, services.tsa_url, lta=False)  # fmt: skip
        signed = _sign(first, "officer", pki.signer_for(iin=OFFICER_IIN).signer, vc,
                       services.tsa_url, lta=True)  # fmt: skip

    # The services are down again: the archive's audit must work from what the PDFs embed.
    with Archive(home) as archive:
        archive.store({"kind": "cpd-report", "year": 2025}, signed, record_id="R-signed")
        archive.store({"kind": "cpd-report", "year": 2025}, pdf_with_fields(), record_id="R-bare")
        verifier = signature_verifier(home)
        assert verifier is not None
        report = archive.audit(verifier)
    assert [p.record for p in report.problems] == ["R-bare"], [str(p) for p in report.problems]
    assert "signatures do not verify: invalid" in report.problems[0].message

    result = CliRunner().invoke(main, ["--home", str(home.root), "archive", "audit", "--json"])
    assert result.exit_code == 1
    assert [p["record"] for p in json.loads(result.output)["problems"]] == ["R-bare"]

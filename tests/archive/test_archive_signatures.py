"""``archive audit`` re-verifies real signatures through docflow.verify (slow: a real PKI).

The PDFs are signed with pyHanko directly (consultant, then officer with B-LTA), so this test
depends on the verify subsystem only, not on docflow's own signing choices.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from docflow.archive import Archive
from docflow.cli import main
from docflow.cli.archive import signature_verifier
from docflow.config import Home
from docflow.pki import TrustServices
from docflow.pki.testing import CONSULTANT_IIN, OFFICER_IIN, pdf_with_fields
from tests.support.pki import DemoPki
from tests.support.signing import PyHankoSigning

pytestmark = pytest.mark.slow


def test_audit_passes_signed_reports_and_names_the_unsigned_one(
    home: Home, demo_pki: DemoPki
) -> None:
    home, pki = demo_pki.copy_to(home.root)
    with TrustServices(home) as services:
        pyhanko = PyHankoSigning(pki, services)
        first = pyhanko.sign(pdf_with_fields(), "consultant", CONSULTANT_IIN)
        signed = pyhanko.sign(first, "officer", OFFICER_IIN, lta=True)

    # The services are down again: the archive's audit must work from what the PDFs embed.
    with Archive(home) as archive:
        archive.store({"kind": "cpd-report", "year": 2025}, signed, record_id="R-signed")
        archive.store({"kind": "cpd-report", "year": 2025}, pdf_with_fields(), record_id="R-bare")
        verifier = signature_verifier(home)
        report = archive.audit(verifier)
    assert [p.record for p in report.problems] == ["R-bare"], [str(p) for p in report.problems]
    assert "signatures do not verify: invalid" in report.problems[0].message

    result = CliRunner().invoke(main, ["--home", str(home.root), "archive", "audit", "--json"])
    assert result.exit_code == 1
    assert [p["record"] for p in json.loads(result.output)["problems"]] == ["R-bare"]

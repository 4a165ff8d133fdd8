"""Fixtures of the signing tests: a demo PKI with running services, and one report signed by
the consultant and the officer (B-LTA), made once per module because signing is slow."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from docflow.pki import Pki, TrustServices
from docflow.pki.testing import pdf_with_fields
from tests.support.pki import DemoPki
from tests.support.signing import sign_report


@dataclass(frozen=True)
class SignedReport:
    home: Path
    pki: Pki
    unsigned: bytes
    after_consultant: bytes
    signed: bytes

    def reader(self, data: bytes | None = None) -> PdfFileReader:
        return PdfFileReader(BytesIO(self.signed if data is None else data))

    def offline_context(self, data: bytes | None = None) -> ValidationContext:
        """Trust the demo root, fetch nothing, use only what the file's DSS holds."""
        dss = DocumentSecurityStore.read_dss(self.reader(data))
        return dss.as_validation_context(
            {
                "trust_roots": self.pki.trust_roots(),
                "allow_fetching": False,
                "revocation_mode": "hard-fail",
            }
        )

    def online_context(self) -> ValidationContext:
        return ValidationContext(
            trust_roots=self.pki.trust_roots(), allow_fetching=True, revocation_mode="hard-fail"
        )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, demo_pki: DemoPki) -> Iterator[SignedReport]:
    home, pki = demo_pki.copy_to(tmp_path_factory.mktemp("sign") / "home")
    unsigned = pdf_with_fields()
    with TrustServices(home) as services:
        first, second = sign_report(pki, services, unsigned)
    # the services are stopped from here on: everything below validates offline
    (home.root / "signed.pdf").write_bytes(second)
    yield SignedReport(home.root, pki, unsigned, first, second)


@pytest.fixture
def services(report: SignedReport) -> Iterator[TrustServices]:
    with TrustServices(report.home) as running:
        yield running

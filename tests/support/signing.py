"""Signing in tests: with pyHanko directly, as a third party would (``PyHankoSigning``), or
through docflow's own ``sign_pdf`` as a report is signed (``sign_report``)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator import ValidationContext

from docflow.pki import Pki, TrustServices
from docflow.pki.testing import CONSULTANT_IIN
from docflow.sign import SignSpec, sign_pdf


@dataclass
class PyHankoSigning:
    """PAdES signatures made by pyHanko itself with the demo PKI's keys and running services,
    so a test of what reads signatures does not depend on docflow's signing module."""

    pki: Pki
    services: TrustServices

    def validation_context(self) -> ValidationContext:
        return ValidationContext(
            trust_roots=self.pki.trust_roots(), other_certs=self.pki.chain(), allow_fetching=True
        )

    def sign(
        self,
        pdf: bytes,
        field: str,
        iin: str,
        *,
        lta: bool = False,
        embed_revinfo: bool = True,
        timestamp: bool = True,
    ) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name=field,
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=embed_revinfo,
            validation_context=self.validation_context() if embed_revinfo else None,
            use_pades_lta=lta,
        )
        tsa = timestamps.HTTPTimeStamper(self.services.tsa_url) if timestamp else None
        out = signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            meta,
            signer=self.pki.signer_for(iin=iin).signer,
            timestamper=tsa,
        )
        return out.getvalue()


def sign_report(
    pki: Pki, services: TrustServices, unsigned: bytes, *, locale: str = "kk"
) -> tuple[bytes, bytes]:
    """(after the consultant, after the officer): a report signed as docflow signs it, the
    consultant first, then the officer locking it with B-LTA."""
    first = sign_pdf(
        unsigned,
        SignSpec("consultant", locale=locale),
        signer=pki.signer_for(iin=CONSULTANT_IIN),
        services=services.endpoints,
    )
    second = sign_pdf(
        first,
        SignSpec("officer", locale=locale, lock=True, lta=True),
        signer=pki.signer_for(role="officer"),
        services=services.endpoints,
    )
    return first, second

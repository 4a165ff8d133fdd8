"""Helpers for tests in any subsystem: a demo PKI in a temporary home, quickly.

::

    from docflow.pki.testing import make_test_pki, CONSULTANT_IIN

    def test_something(tmp_path):
        pki = make_test_pki(tmp_path / "home")          # officer + a consultant enrolled
        with TrustServices(tmp_path / "home") as services:
            signer = pki.signer_for(iin=CONSULTANT_IIN)
            ...

Each PKI gets a free loopback port (recorded in its certificates), so tests may run their own
services side by side. Keys are RSA 2048 to keep it fast (~0.5 s per PKI).
"""

from __future__ import annotations

import socket
from datetime import datetime
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import (
    FieldMDPAction,
    FieldMDPSpec,
    MDPPerm,
    SigFieldSpec,
    append_signature_field,
)

from docflow.config import Home
from docflow.pki._pki import DEMO_OFFICER_IIN, Pki

#: A valid demo IIN for the consultant enrolled by ``make_test_pki`` (the contract's sample).
CONSULTANT_IIN = "900415400127"
CONSULTANT_NAME = "Сейітқали Әсел Нұрланқызы"
OFFICER_IIN = DEMO_OFFICER_IIN
#: A second valid IIN for tests that need another person (e.g. one to revoke).
OTHER_IIN = "750505400007"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_test_pki(
    home: Home | Path | str,
    *,
    consultant: bool = True,
    issuer: bool = False,
    now: datetime | None = None,
) -> Pki:
    """A fresh demo PKI under ``home/certs`` on a free port, with the officer enrolled and,
    by default, the consultant ``CONSULTANT_IIN``; ``issuer=True`` also enrols an issuer."""
    root = home.root if isinstance(home, Home) else Path(home)
    pki = Pki(root, key_size=2048)
    pki.init(port=free_port(), now=now)
    if consultant:
        pki.enroll(CONSULTANT_IIN, CONSULTANT_NAME, "consultant", now=now)
    if issuer:
        pki.enroll(OTHER_IIN, "Issuer DEMO", "issuer", now=now)
    return pki


def minimal_pdf(text: str = "docflow test document") -> bytes:
    """A one-page A4 PDF 1.7 with a line of text, written by hand (no renderer needed)."""
    stream = f"BT /F1 14 Tf 72 770 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_with_fields(
    names: tuple[str, ...] = ("consultant", "officer"),
    text: str = "docflow test document",
    *,
    lock_last: bool = True,
) -> bytes:
    """``minimal_pdf`` plus empty visible signature fields, side by side near the bottom.

    With ``lock_last`` the last field carries a /Lock (FieldMDP all, DocMDP no changes), as a
    renderer should make it: its signature then locks the document.
    """
    writer = IncrementalPdfFileWriter(BytesIO(minimal_pdf(text)))
    for i, name in enumerate(names):
        x = 40 + i * 265
        locks = lock_last and i == len(names) - 1
        append_signature_field(
            writer,
            SigFieldSpec(
                name,
                box=(x, 60, x + 250, 130),
                field_mdp_spec=FieldMDPSpec(FieldMDPAction.ALL) if locks else None,
                doc_mdp_update_value=MDPPerm.NO_CHANGES if locks else None,
            ),
        )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


__all__ = [
    "CONSULTANT_IIN",
    "CONSULTANT_NAME",
    "OFFICER_IIN",
    "OTHER_IIN",
    "free_port",
    "make_test_pki",
    "minimal_pdf",
    "pdf_with_fields",
]

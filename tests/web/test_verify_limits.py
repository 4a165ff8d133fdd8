"""Issue 19 on the public /verify page: each upload is judged in a worker process that is
killed when its time budget runs out, and verify's bounds answer in the page's language."""

from __future__ import annotations

import multiprocessing

import pytest
from fastapi.testclient import TestClient

from docflow.web import verify_worker
from tests.verify.conftest import blank_pdf
from tests.web.test_security import client, clock, csrf, store  # noqa: F401 (fixtures)


def _many_signature_objects(count: int) -> bytes:
    """A complete PDF whose xref pointer is broken (so the raw scan reads it) holding ``count``
    distinct signature dictionaries."""
    pdf = blank_pdf()
    last = pdf.rindex(b"startxref")
    out = bytearray(pdf[:last] + b"startxref\n999999999\n%%EOF\n")
    for n in range(count):
        head = b"%d 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /Contents " % (900 + n)
        contents = b"<" + b"00" * 64 + b">"
        start = len(out) + len(head)
        end = start + len(contents)
        out += head + contents + b" /ByteRange [0 %d %d %d] >>\nendobj\n" % (start, end, n + 1)
    return bytes(out + b"%%EOF\n")


def test_limit_upload_over_its_time_budget_is_killed_with_a_plain_message(
    client: TestClient,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(verify_worker, "TIME_BUDGET_SECONDS", 0.001)
    token = csrf(client, "/verify")
    r = client.post("/verify", data={"csrf": token}, files={"file": ("u.pdf", blank_pdf("x"))})

    assert r.status_code == 422
    assert "секундтан асып кетті" in r.text  # Kazakh, the page's default language
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]


def test_limit_upload_within_its_budget_is_judged_in_the_worker(
    client: TestClient,  # noqa: F811
) -> None:
    token = csrf(client, "/verify")
    r = client.post("/verify", data={"csrf": token}, files={"file": ("u.pdf", blank_pdf("x"))})
    assert r.status_code == 200
    assert 'data-verdict="invalid"' in r.text


def test_limit_too_many_signatures_are_refused_in_russian(
    client: TestClient,  # noqa: F811
) -> None:
    client.get("/lang/ru?next=/verify")
    token = csrf(client, "/verify")
    data = _many_signature_objects(300)
    r = client.post("/verify", data={"csrf": token}, files={"file": ("many.pdf", data)})
    assert r.status_code == 422
    assert "слишком много подписей" in r.text


def test_policy_findings_are_shown_in_the_page_language(
    client: TestClient,  # noqa: F811
) -> None:
    """A report whose consultant field a roleless certificate signed and whose officer field is
    empty: both findings of the document policy, in Kazakh."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from tests.verify.conftest import with_fields
    from tests.verify.test_hardening import _roleless_ca

    signer, _ = _roleless_ca()
    unsigned = with_fields(blank_pdf("CPD report"), ("consultant", "officer"))
    signed = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(unsigned)),
        signers.PdfSignatureMetadata(field_name="consultant"),
        signer=signer,
    ).getvalue()
    token = csrf(client, "/verify")
    r = client.post("/verify", data={"csrf": token}, files={"file": ("r.pdf", signed)})
    assert r.status_code == 200
    assert 'data-verdict="invalid"' in r.text
    assert "қолтаңба өрісі бос" in r.text  # policy.field_empty, in Kazakh
    assert "docflow рөлі жоқ" in r.text  # policy.no_role, in Kazakh

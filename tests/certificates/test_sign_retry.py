"""The issuer's signature is tried once more only when pyHanko could not parse the document's
XMP packet (a rare lxml failure under threads); any other signing failure stops the batch."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from pyhanko.pdf_utils.metadata.xmp_xml import XmpXmlProcessingError

from docflow.certificates._issue import Batch
from docflow.errors import SigningError


def _failing_with(*errors: BaseException) -> tuple[Any, list[int]]:
    calls: list[int] = []

    def sign(pdf: bytes, **kwargs: Any) -> bytes:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return pdf + b"signed"

    fake = SimpleNamespace(
        parts=SimpleNamespace(signer=SimpleNamespace(sign=sign)),
        issuer=SimpleNamespace(iin="750505400007"),
        model=SimpleNamespace(locale="kk"),
    )
    return fake, calls


def _xmp_error() -> SigningError:
    try:
        try:
            raise XmpXmlProcessingError("Failed to parse XMP XML")
        except XmpXmlProcessingError as inner:
            raise SigningError("cannot sign field 'issuer'") from inner
    except SigningError as exc:
        return exc


def test_an_xmp_parse_failure_is_tried_once_more() -> None:
    fake, calls = _failing_with(_xmp_error())
    assert Batch.sign(fake, b"%PDF", "KZC-X") == b"%PDFsigned"
    assert len(calls) == 2


def test_twice_is_a_real_failure_and_other_errors_are_not_retried() -> None:
    fake, calls = _failing_with(_xmp_error(), _xmp_error())
    with pytest.raises(SigningError):
        Batch.sign(fake, b"%PDF", "KZC-X")
    assert len(calls) == 2
    fake, calls = _failing_with(SigningError("TSA unreachable"))
    with pytest.raises(SigningError, match="TSA"):
        Batch.sign(fake, b"%PDF", "KZC-X")
    assert len(calls) == 1

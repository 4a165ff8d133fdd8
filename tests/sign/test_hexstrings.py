"""The fast reader of PDF hex strings (docflow/sign/_hexstrings.py) gives pyHanko's answers:
the same string, the stream at the same place, the same error; and pyHanko's object reader
really uses it (a pyHanko upgrade that reads hex strings elsewhere fails here by name)."""

from __future__ import annotations

import inspect
import random
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfReadError

import docflow.sign  # noqa: F401  (installs the reader)
from docflow.sign._hexstrings import PYHANKO_READER, read_hex_string
from tests.sign.conftest import SignedReport


def _both(data: bytes) -> tuple[object, object]:
    """(result, position) or (exception type, message) of each reader on ``data``."""
    answers: list[tuple[object, ...]] = []
    for reader in (PYHANKO_READER, read_hex_string):
        stream = BytesIO(data)
        try:
            value = reader(stream)
            answers.append((type(value), value, stream.tell()))
        except Exception as exc:  # the same error is what is compared
            answers.append((type(exc), str(exc)))
    return answers[0], answers[1]


@pytest.mark.parametrize(
    "data",
    [
        b"<>",
        b"<48656c6c6f> trailing",
        b"<48656C6C6F>",
        b"<4 8\n65\r6c\t6c\x0c6f\x00>/Next",
        b"<486>",  # odd: a final 0 is implied
        b"<FEFF0041>",  # a UTF-16 text string
        b"<48 % a comment > inside\n65>",
        b"<48zz>",
        b"<4865",  # never closed
        b"<",
    ],
)
def test_same_answer_as_pyhanko(data: bytes) -> None:
    ours, theirs = _both(data)
    assert ours == theirs


def test_same_answer_on_random_strings() -> None:
    rng = random.Random(12)
    alphabet = b"0123456789abcdefABCDEF \n\r\t"
    for _ in range(300):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 200)))
        tail = rng.choice([b">", b"> 0 R", b">>", b"", b"%>", b"g>"])
        ours, theirs = _both(b"<" + body + tail + b" rest")
        assert ours == theirs, body + tail


def test_long_contents_across_blocks() -> None:
    digits = bytes(random.Random(1).choice(b"0123456789abcdef") for _ in range(200_001))
    ours, theirs = _both(b"<" + digits + b">/ByteRange")
    assert ours == theirs


def test_pyhanko_object_reader_uses_it() -> None:
    assert generic.read_hex_string_from_stream is read_hex_string
    assert "read_hex_string_from_stream(stream)" in inspect.getsource(generic.read_object)
    value = generic.read_object(BytesIO(b"<48656c6c6f>"), None)  # type: ignore[arg-type]
    assert value == "Hello"


def test_a_broken_string_still_fails_as_pyhanko_says() -> None:
    with pytest.raises(PdfReadError, match="Unexpected token in hex string"):
        generic.read_object(BytesIO(b"<48zz>"), None)  # type: ignore[arg-type]


def test_signed_report_reads_the_same(report: SignedReport) -> None:
    """Every signature of a signed report: the same CMS bytes with either reader."""

    def contents() -> list[bytes]:
        return [bytes(e.pkcs7_content) for e in report.reader().embedded_signatures]

    fast = contents()
    generic.read_hex_string_from_stream = PYHANKO_READER
    try:
        slow = contents()
    finally:
        generic.read_hex_string_from_stream = read_hex_string
    assert len(fast) == 3 and fast == slow  # two signatures and the document timestamp

"""pyHanko's reader of PDF hex strings, at C speed for the common case.

pyHanko reads a hex string ``<...>`` one byte at a time in Python. A signature's /Contents is
one: 32,768 hex digits per signature (``DEFAULT_BYTES_RESERVED`` bytes of CMS, doubled), so
``finish_lta`` spent ~60-80 ms of CPU per report only reading the two signatures back
(``reader.embedded_signatures``), and every verification of a signed file pays the same.

``read_hex_string`` reads up to the closing ``>`` in blocks, drops PDF whitespace with
``bytes.translate`` and decodes with ``binascii``: the same result as pyHanko's. Anything it
does not handle exactly as pyHanko does (a comment, a byte that is not a hex digit, a string
that never ends) is handed to pyHanko's own reader from the same position, so errors are
pyHanko's word for word. ``install()`` puts it where pyHanko's object reader looks it up
(``pyhanko.pdf_utils.generic``), once per process; ``tests/sign/test_hexstrings.py`` checks
that it gives pyHanko's answers and that pyHanko still looks it up there.
"""

from __future__ import annotations

import binascii
import threading
from typing import Any, BinaryIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

__all__ = ["PYHANKO_READER", "install", "read_hex_string"]

#: pyHanko's own reader (kept before ``install`` replaces the module attribute).
PYHANKO_READER = generic.read_hex_string_from_stream

_HEX_DIGITS = b"0123456789abcdefABCDEF"
_BLOCK = 65536
_lock = threading.Lock()


def read_hex_string(stream: BinaryIO) -> Any:
    """The hex string at ``stream``'s position (its ``<``), as pyHanko's reader returns it,
    with ``stream`` left just after the closing ``>``."""
    start = stream.tell()
    stream.read(1)  # "<" (pyHanko does not check it either)
    blocks = []
    while True:
        block = stream.read(_BLOCK)
        if not block:  # no closing ">": pyHanko raises its own error
            return _pyhanko(stream, start)
        end = block.find(b">")
        if end >= 0:
            blocks.append(block[:end])
            break
        blocks.append(block)
    body = b"".join(blocks)
    if b"%" in body:  # a comment inside the string: pyHanko skips it
        return _pyhanko(stream, start)
    digits = body.translate(None, PDF_WHITESPACE)
    if digits.translate(None, _HEX_DIGITS):  # not a hex digit: pyHanko's error
        return _pyhanko(stream, start)
    stream.seek(start + len(body) + 2)
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def _pyhanko(stream: BinaryIO, start: int) -> Any:
    stream.seek(start)
    return PYHANKO_READER(stream)


def install() -> None:
    """Make pyHanko's object reader use ``read_hex_string`` (idempotent)."""
    with _lock:
        generic.read_hex_string_from_stream = read_hex_string

"""The one place docflow reaches into pyHanko's private API, and the list of every private
pyHanko hook docflow overrides elsewhere.

pyHanko has no public way to write only an incremental update without its object-graph
finalisation (which stamps /Producer and a new /ModDate into LibreOffice's Info dictionary and
PDF/A XMP), nor to choose the trailer's /ID (it draws the second at random, and a re-run after
a crash must give the same bytes). ``finalize_pdf`` needs both; they are here, as functions.

The speed-ups in ``sign`` and ``pki`` must subclass pyHanko and override private hooks (there
is no public seam for a cached font subset, a shared SSL context, cached OCSP/CRL answers or a
cached signing-certificate attribute). Those overrides stay beside the code they speed up, but
each is listed in ``PRIVATE_HOOKS`` with the signature it was written against;
``tests/render/test_pyhanko_compat.py`` checks every entry against the installed pyHanko, so an
upgrade that renames or reshapes one fails that test by name instead of silently changing a
signature.
"""

from __future__ import annotations

from typing import BinaryIO, NamedTuple

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

__all__ = ["PRIVATE_ATTRIBUTES", "PRIVATE_HOOKS", "PrivateHook", "set_document_id", "write_update"]


def set_document_id(writer: IncrementalPdfFileWriter, revision: bytes) -> None:
    """Give the trailer the /ID pair (the file's first ID as it was, ``revision``); a file
    without /ID gets ``revision`` for both."""
    new = generic.ByteStringObject(revision)
    first = writer._document_id[0] if "/ID" in writer.trailer else new
    writer._document_id = generic.ArrayObject([first, new])


def write_update(writer: IncrementalPdfFileWriter, out: BinaryIO) -> None:
    """Write only the new and changed objects, a classic xref table and a trailer with /Prev
    to ``out``, which must already hold the original file (the offsets count from its start).
    No object-graph finalisation: /Producer, /ModDate and the XMP stay as they were."""
    writer._write_updated_section(out)


class PrivateHook(NamedTuple):
    """A private pyHanko method that docflow calls or overrides."""

    module: str  # where pyHanko defines the class
    cls: str
    method: str
    parameters: tuple[str, ...]  # its parameter names, ``self`` included, when written
    used_by: str  # the docflow module that relies on it


PRIVATE_HOOKS: tuple[PrivateHook, ...] = (
    PrivateHook(
        "pyhanko.pdf_utils.incremental_writer", "IncrementalPdfFileWriter",
        "_write_updated_section", ("self", "stream"), "docflow.render._pyhanko_compat",
    ),
    PrivateHook(
        "pyhanko.pdf_utils.font.opentype", "GlyphAccumulator",
        "_extract_subset", ("self", "options"), "docflow.sign._stamp",
    ),
    PrivateHook(
        "pyhanko.sign.timestamps", "HTTPTimeStamper",
        "_acquire_session", ("self",), "docflow.sign._signing",
    ),
    PrivateHook(
        "pyhanko_certvalidator.fetchers.aiohttp_fetchers.util", "AIOHttpMixin",
        "_post_fetch_task", ("self", "tag", "async_fun"), "docflow.sign._signing",
    ),
    PrivateHook(
        "pyhanko.sign.signers", "Signer", "_signed_attr_providers",
        ("self", "data_digest", "digest_algorithm", "attr_settings", "timestamper",
         "use_cades", "is_pdf_sig"),
        "docflow.pki._keys",
    ),
)  # fmt: skip

#: Private attributes read or written: (module, class, attribute set in its ``__init__``, user).
PRIVATE_ATTRIBUTES: tuple[tuple[str, str, str, str], ...] = (
    ("pyhanko.pdf_utils.writer", "BasePdfFileWriter", "_document_id",
     "docflow.render._pyhanko_compat"),
    ("pyhanko.pdf_utils.font.opentype", "GlyphAccumulator", "_glyphs", "docflow.sign._stamp"),
    ("pyhanko.pdf_utils.font.opentype", "CIDFont", "_font_descriptor",
     "docflow.sign._stamp"),
    ("pyhanko_certvalidator.fetchers.aiohttp_fetchers.util", "LazySession", "_session",
     "docflow.sign._signing"),
)  # fmt: skip

"""The private pyHanko API docflow relies on is still there, shaped as when it was written.

If one of these fails after a pyHanko upgrade, read ``docflow/render/_pyhanko_compat.py``: the
entry names the docflow module whose override or call must be adapted to the new pyHanko.
"""

from __future__ import annotations

import importlib
import inspect
import io
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from docflow.pki.testing import minimal_pdf
from docflow.render._pyhanko_compat import (
    PRIVATE_ATTRIBUTES,
    PRIVATE_HOOKS,
    PrivateHook,
    set_document_id,
    write_update,
)
from docflow.render.pdf import finalize_pdf


@pytest.mark.parametrize("hook", PRIVATE_HOOKS, ids=lambda h: f"{h.cls}.{h.method}")
def test_every_private_hook_keeps_its_signature(hook: PrivateHook) -> None:
    cls = getattr(importlib.import_module(hook.module), hook.cls)
    method = getattr(cls, hook.method, None)
    assert method is not None, f"pyHanko dropped {hook.cls}.{hook.method}; see {hook.used_by}"
    names = tuple(inspect.signature(method).parameters)
    assert names == hook.parameters, (
        f"pyHanko changed {hook.cls}.{hook.method}{names}; {hook.used_by} was written for "
        f"{hook.parameters}"
    )


@pytest.mark.parametrize("entry", PRIVATE_ATTRIBUTES, ids=lambda e: f"{e[1]}.{e[2]}")
def test_every_private_attribute_is_still_set_by_pyhanko(
    entry: tuple[str, str, str, str],
) -> None:
    module, cls_name, attribute, used_by = entry
    cls = getattr(importlib.import_module(module), cls_name)
    source = inspect.getsource(cls)
    assert re.search(rf"self\.{attribute}\b\s*(:[^=]+)?=", source), (
        f"pyHanko's {cls_name} no longer sets {attribute}; see {used_by}"
    )


def test_every_override_in_docflow_is_listed() -> None:
    """A docflow subclass overriding a private pyHanko method not in the list would escape the
    checks above."""
    listed = {(h.used_by, h.method) for h in PRIVATE_HOOKS}
    for module_name in ("docflow.sign._stamp", "docflow.sign._signing", "docflow.pki._keys"):
        module = importlib.import_module(module_name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module_name:
                continue
            for base in cls.__mro__[1:]:
                if not base.__module__.startswith(("pyhanko", "pyhanko_certvalidator")):
                    continue
                for name, value in vars(cls).items():
                    private = name.startswith("_") and not name.startswith("__")
                    if private and callable(value) and name in vars(base):
                        assert (module_name, name) in listed, f"{cls.__name__}.{name} unlisted"


def test_write_update_appends_one_update_without_finalisation() -> None:
    original = minimal_pdf()
    writer = IncrementalPdfFileWriter(io.BytesIO(original))
    writer.root[generic.pdf_name("/Lang")] = generic.TextStringObject("kk-KZ")
    writer.update_root()
    set_document_id(writer, b"R" * 16)
    out = io.BytesIO()
    out.write(original)
    write_update(writer, out)
    result = out.getvalue()

    assert result.startswith(original)
    update = result[len(original) :]
    assert b"/Prev" in update and b"xref" in update
    assert b"/Producer" not in update and b"/ModDate" not in update  # no finalisation
    reader = PdfFileReader(io.BytesIO(result))
    assert str(reader.root["/Lang"]) == "kk-KZ"
    assert reader.document_id[1] == b"R" * 16
    assert reader.xrefs.total_revisions == 2


def test_finalize_is_deterministic_and_keeps_the_first_id() -> None:
    without_id = minimal_pdf()
    assert "/ID" not in PdfFileReader(io.BytesIO(without_id)).trailer
    a = finalize_pdf(without_id, attachments=(), signature_fields=())
    assert finalize_pdf(without_id, attachments=(), signature_fields=()) == a
    first, second = PdfFileReader(io.BytesIO(a)).document_id
    assert first == second  # a file without /ID gets the revision for both
    # Finalising again (a file with an /ID now) keeps the first and draws a new second.
    again = PdfFileReader(io.BytesIO(finalize_pdf(a, attachments=(), signature_fields=())))
    assert again.document_id[0] == first and again.document_id[1] != second

"""The small typed interfaces ("ports") between docflow's document stages and the parts that do
I/O: converting, rendering, signing, who may sign, the stage timings. The flow's composition
root (``docflow.workflow.services.build_services``) builds one implementation of each; the
certificates core and the summaries receive them, so none of them imports the flow.

Layer: beside render/sign/pki (it names their value types), below certificates, summaries and
the flow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from docflow.archive import Archive
from docflow.config import Clock, Home, Settings
from docflow.pki import Enrolment, Pki, ServiceEndpoints, SignerHandle
from docflow.render import Attachment, FieldSpec

__all__ = [
    "Converter",
    "Directory",
    "DocumentServices",
    "Renderer",
    "Signer",
    "TimingsSink",
    "TrustEndpoints",
]


class Converter(Protocol):
    """DOCX bytes to PDF/A-3b bytes (the warm LibreOffice, or a worker's channel to it)."""

    def convert(self, docx: bytes) -> bytes: ...


class TimingsSink(Protocol):
    """Where stages report the seconds they took (for ``watch -v`` and ``bench/``)."""

    def timed(self, stage: str) -> AbstractContextManager[None]: ...


class Renderer(Protocol):
    """Template + context to a PDF ready to sign (DOCX, PDF/A-3b, attachments, empty fields)."""

    def render_docx(self, template: Path, context: Mapping[str, Any]) -> bytes: ...

    def convert(self, docx: bytes) -> bytes: ...

    def finalize(
        self,
        pdf: bytes,
        *,
        attachments: Sequence[Attachment] = (),
        signature_fields: Sequence[FieldSpec] = (),
    ) -> bytes: ...

    def render_pdf(
        self,
        template: Path,
        context: Mapping[str, Any],
        *,
        attachments: Sequence[Attachment] = (),
        signature_fields: Sequence[FieldSpec] = (),
    ) -> bytes: ...


class Signer(Protocol):
    """One PAdES signature in an existing empty field of ``pdf``."""

    def sign(
        self,
        pdf: bytes,
        *,
        field: str,
        role: str,
        iin: str,
        locale: str,
        lock: bool,
        lta: bool,
        lock_later: str | None = None,
        document: str | None = None,
    ) -> bytes: ...


class Directory(Protocol):
    """Who may sign in this chamber's docflow, and their loaded keys."""

    @property
    def pki(self) -> Pki: ...

    def is_enrolled(self, iin: str) -> bool: ...

    def holder_of(self, role: str) -> Enrolment: ...

    def officer_iin(self) -> str: ...

    def officer_name(self) -> str: ...

    def name_of(self, iin: str) -> str: ...

    def signer(self, iin: str) -> SignerHandle: ...


class TrustEndpoints(Protocol):
    """The TSA/OCSP/CRL endpoints a signature uses."""

    @property
    def endpoints(self) -> ServiceEndpoints: ...

    def close(self) -> None: ...


class DocumentServices(Protocol):
    """What a document stage may use: one object built by the composition root."""

    @property
    def home(self) -> Home: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def archive(self) -> Archive: ...

    @property
    def directory(self) -> Directory: ...

    @property
    def renderer(self) -> Renderer: ...

    @property
    def signer(self) -> Signer: ...

    @property
    def timings(self) -> TimingsSink: ...

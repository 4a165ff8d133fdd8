"""The I/O parts a stage receives: clock, journal, archive, PKI and trust services, the warm
converter, the signer. Each is created on first use and closed once, so a ``check`` never
starts LibreOffice and a ``watch`` starts it once for all submissions.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docflow.config import Home, Settings
from docflow.workflow.journal import Journal

if TYPE_CHECKING:
    from docflow.archive import Archive
    from docflow.model import CpdReport
    from docflow.render import Attachment, FieldSpec


@dataclass(frozen=True)
class Clock:
    """The only clock the workflow reads. ``fixed_today`` replays a past day (``--today``)."""

    fixed_today: date | None = None

    @classmethod
    def from_env(cls) -> Clock:
        value = os.environ.get("DOCFLOW_TODAY")
        return cls(date.fromisoformat(value) if value else None)

    def today(self) -> date:
        return self.fixed_today or datetime.now(UTC).date()

    def now(self) -> datetime:
        return datetime.now(UTC)


_warming = threading.Lock()
_warmed = threading.Event()
#: Validation contexts kept per process: one per document being signed, a few at once.
_DOCUMENT_CONTEXTS = 8


class Parts:
    def __init__(self, home: Home, *, clock: Clock | None = None, converter: Any = None):
        """``converter``: one to use instead of starting LibreOffice here (a worker process of
        ``docflow.workflow.pool`` converts through its parent's); anything with
        ``convert(docx: bytes) -> bytes`` raising ``ConversionError``."""
        self.home = home.ensure()
        self.settings: Settings = home.settings()
        self.clock = clock or Clock.from_env()
        self.journal = Journal(home.state / "journal.sqlite")
        self._lock = threading.Lock()
        self._contexts: dict[str, tuple[Any, float]] = {}
        self._closers: list[Any] = []
        #: Seconds spent per stage across all submissions (for `bench/` and `watch -v`).
        self.stage_seconds: dict[str, float] = {}
        self.stage_counts: dict[str, int] = {}
        self._given_converter = converter

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add_timings({stage: time.perf_counter() - start}, {stage: 1})

    def timings(self) -> tuple[dict[str, float], dict[str, int]]:
        """A copy of the stage timings so far: (seconds per stage, runs per stage)."""
        with self._lock:
            return dict(self.stage_seconds), dict(self.stage_counts)

    def add_timings(self, seconds: Mapping[str, float], counts: Mapping[str, int]) -> None:
        """Add stage timings measured elsewhere (a worker process) to these."""
        with self._lock:
            for stage, elapsed in seconds.items():
                self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + elapsed
            for stage, count in counts.items():
                self.stage_counts[stage] = self.stage_counts.get(stage, 0) + count

    # --------------------------------------------------------------- lazily built parts

    @cached_property
    def archive(self) -> Archive:
        from docflow.archive import Archive

        archive = Archive(self.home, clock=self.clock.now)
        self._closers.append(archive)
        return archive

    @cached_property
    def pki(self) -> Any:
        from docflow.workflow.adapters import PkiAdapter

        return PkiAdapter(self.home)

    @cached_property
    def converter(self) -> Any:
        if self._given_converter is not None:
            return self._given_converter
        from docflow.render import Converter

        conv = Converter(instances=self.settings.converters)
        self._closers.append(conv)
        return conv

    @cached_property
    def services(self) -> Any:
        from docflow.workflow.adapters import start_services

        services = start_services(self.home, self.settings)
        self._closers.append(services)
        return services

    # --------------------------------------------------------------- operations

    def render_pdf(
        self,
        template: Path,
        context: Mapping[str, Any],
        *,
        attachments: Sequence[Attachment] = (),
        signature_fields: Sequence[FieldSpec] = (),
    ) -> bytes:
        """A document ready to sign: DOCX from ``template`` (docxtpl), PDF/A-3b from the warm
        converter, then its associated files and empty signature fields; each stage timed."""
        from docflow.render import finalize_pdf, render_docx

        with self.timed("render"):
            docx = render_docx(template, context)
        with self.timed("convert"):
            pdf = self.converter.convert(docx)
        with self.timed("finalize"):
            return bytes(
                finalize_pdf(pdf, attachments=attachments, signature_fields=signature_fields)
            )

    def judge_evidence(self, report: CpdReport, evidence: dict[str, bytes]) -> dict[str, str]:
        """Evidence files that are docflow certificates but fail their checks (R-7.5)."""
        try:
            from docflow.certificates import check_evidence
        except ImportError:  # certificates not built into this installation
            return {}
        if not any(data.startswith(b"%PDF") for data in evidence.values()):
            return {}
        with self.timed("evidence"):
            return dict(
                check_evidence(
                    self.archive, report, evidence, trust_roots=self.pki.pki.trust_roots()
                )
            )

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
    ) -> bytes:
        """One PAdES signature in ``field``. ``lock_later`` (with the first signature) names
        the field whose signature will lock the document: its /Lock must exist before anyone
        signs. ``document`` names the document (e.g. the submission's token): signatures of
        one document made within the revocation-reuse window share one validation context,
        so the chains and revocation answers checked for the first are not checked again."""
        from docflow.sign import SignSpec, sign_pdf

        signer = self.pki.signer(iin)
        spec = SignSpec(
            field=field, role=role, locale=locale, lock=lock, lta=lta, lock_later=lock_later
        )
        endpoints = self.services.endpoints
        context = self._document_context(document, endpoints)
        with self.timed(f"sign:{role}"):
            if not _warmed.is_set():
                # A process's first signature runs alone: asn1crypto parses the shared trust
                # roots lazily (not thread-safe) and pyHanko imports parts of itself on first
                # use.
                with _warming:
                    out = sign_pdf(pdf, spec, signer=signer, services=endpoints, context=context)
                    _warmed.set()
                    return out
            return sign_pdf(pdf, spec, signer=signer, services=endpoints, context=context)

    def _document_context(self, document: str | None, endpoints: Any) -> Any:
        """The validation context of ``document``'s signatures: made for its first one, kept
        while younger than the revocation-reuse window, for at most a few documents."""
        max_age = float(endpoints.revocation_max_age)
        if document is None or max_age <= 0:
            return None
        from docflow.sign import new_validation_context

        now = time.monotonic()
        with self._lock:
            for key, (_, made) in list(self._contexts.items()):
                if now - made >= max_age:
                    del self._contexts[key]
            kept = self._contexts.get(document)
            if kept is None:
                kept = self._contexts[document] = (new_validation_context(endpoints), now)
                while len(self._contexts) > _DOCUMENT_CONTEXTS:
                    self._contexts.pop(next(iter(self._contexts)))
            return kept[0]

    def close(self) -> None:
        for part in reversed(self._closers):
            part.close()
        self._closers.clear()
        self.journal.close()

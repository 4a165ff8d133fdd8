"""The composition root of the flow: ``build_services(home, ...)`` builds, once, the typed
services every stage receives (``docflow.ports``): clock, settings, journal, archive, the
directory of signers, trust services, converter, renderer, signer, evidence judge, timings.

Each service that costs something to start (LibreOffice, the loopback TSA/OCSP, the archive)
is built on first use and closed once, so ``docflow check`` never starts LibreOffice and
``docflow watch`` starts it once for all submissions.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from docflow.archive import Archive
from docflow.bodies import certificate_issuer, holders_of, report_countersigner, same_name
from docflow.certificates import check_evidence_issues
from docflow.config import Clock, Home, Settings
from docflow.errors import DocflowError, NotEnrolled
from docflow.i18n import Msg
from docflow.inbox.journal import open_journal
from docflow.model import CpdReport
from docflow.pki import (
    SHARED_IDLE_SECONDS,
    Enrolment,
    Pki,
    ServiceEndpoints,
    SignerHandle,
    TrustServices,
    shared_services,
)
from docflow.ports import Converter, Directory, Renderer, Signer, TrustEndpoints
from docflow.render import Attachment, FieldSpec, finalize_pdf, render_docx
from docflow.render import Converter as LibreOfficeConverter
from docflow.rules import RosterExemption
from docflow.sign import SignSpec, new_validation_context, sign_pdf
from docflow.signreq import SigningModes, SignRequests, signing_modes

if TYPE_CHECKING:
    from docflow.summaries.roster import Roster

__all__ = [
    "EvidenceJudge",
    "HomeRosters",
    "PadesSigner",
    "PkiDirectory",
    "RunningTrustServices",
    "Services",
    "StageTimings",
    "TemplateRenderer",
    "build_services",
    "signing_warmed",
]

log = logging.getLogger("docflow.workflow")

#: Validation contexts kept per process: one per document being signed, a few at once.
_DOCUMENT_CONTEXTS = 8
_warming = threading.Lock()
_warmed = threading.Event()


class _Closable(Protocol):
    def close(self) -> None: ...


# ------------------------------------------------------------------ timings


class StageTimings:
    """Seconds spent per stage across all submissions (workers' timings added by the pool)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add({stage: time.perf_counter() - start}, {stage: 1})

    def snapshot(self) -> tuple[dict[str, float], dict[str, int]]:
        with self._lock:
            return dict(self.seconds), dict(self.counts)

    def add(self, seconds: Mapping[str, float], counts: Mapping[str, int]) -> None:
        with self._lock:
            for stage, elapsed in seconds.items():
                self.seconds[stage] = self.seconds.get(stage, 0.0) + elapsed
            for stage, count in counts.items():
                self.counts[stage] = self.counts.get(stage, 0) + count

    def clear(self) -> None:
        with self._lock:
            self.seconds.clear()
            self.counts.clear()


# ------------------------------------------------------------------ signers and trust


class PkiDirectory:
    """Who may sign, in which capacity and for which body (issue 13), and their loaded keys
    (loading an RSA key costs ~45 ms: once a process per key)."""

    def __init__(self, home: Home):
        self._pki = Pki(home)
        self._signers: dict[tuple[str, str | None, str | None], SignerHandle] = {}
        self._lock = threading.Lock()

    @property
    def pki(self) -> Pki:
        return self._pki

    def is_enrolled(self, iin: str, role: str | None = None) -> bool:
        try:
            self._pki.find(iin=iin, role=role)
        except NotEnrolled:
            return False
        return True

    def enrolment(self, iin: str, role: str | None = None, chamber: str | None = None) -> Enrolment:
        """The newest live key of ``iin`` in that capacity (``NotEnrolled`` if none)."""
        return self._pki.find(iin=iin, role=role, chamber=chamber)

    def holder_of(self, role: str, chamber: str | None = None) -> Enrolment:
        """The newest live holder of ``role`` (in ``chamber``, when given)."""
        return self._pki.find(role=role, chamber=chamber)

    def countersigner(
        self, chamber_id: str, *, author_iin: str | None = None, preferred_name: str | None = None
    ) -> Enrolment:
        """The officer of ``chamber_id`` who countersigns a report (R-4.6): the one named
        ``preferred_name`` (the officer who decided a review) when that is an officer of the
        chamber, else the newest; never the report's author (``AuthorityRefused``)."""
        live = self._pki.live_enrolments()
        preferred = None
        if preferred_name:
            named = [
                e
                for e in holders_of(live, "officer", chamber_id)
                if same_name(e.name, preferred_name) and e.iin != author_iin
            ]
            preferred = named[-1].iin if named else None
        return report_countersigner(
            chamber_id, live, author_iin=author_iin, preferred_iin=preferred
        )

    def issuer(self, iin: str, chamber_id: str) -> Enrolment:
        """The issuer a certificate batch names by IIN, if enrolled for ``chamber_id``."""
        return certificate_issuer(iin, chamber_id, self._pki.live_enrolments())

    def name_of(self, iin: str, role: str | None = None, chamber: str | None = None) -> str:
        return self._pki.find(iin=iin, role=role, chamber=chamber).name

    def signer(self, iin: str, role: str | None = None, chamber: str | None = None) -> SignerHandle:
        """The loaded key of ``iin`` in ``role`` (for ``chamber``): never another key of the
        same person (a consultant's report is not signed with his chair's key)."""
        key = (iin, role, chamber)
        with self._lock:
            handle = self._signers.get(key)
            if handle is None:
                handle = self._signers[key] = self._pki.signer_for(iin, role, chamber=chamber)
            return handle


#: The longest a signing process trusts its last answered ping of the shared trust services.
PING_EVERY = 5.0


class RunningTrustServices:
    """The trust services a signing process uses: the demo TSA/OCSP/CRL on loopback (started
    here, or already served by another docflow process), or production ones from docflow.toml."""

    def __init__(self, home: Home, settings: Settings):
        self._shared: TrustServices | None = None
        self._ping_due = 0.0  # time.monotonic() of the next liveness check
        pki = Pki(home)
        reuse = settings.revocation_cache_seconds
        if settings.tsa_url:
            self._endpoints = replace(pki.endpoints(settings.tsa_url), revocation_max_age=reuse)
            return
        # One services process per home, shared by every command (issue 19): none races
        # another for the port or loses the services when another ends; a listener there that
        # is not this home's PKI is named (shared_services).
        self._home = home
        self._shared = shared_services(home)
        self._endpoints = replace(self._shared.endpoints, revocation_max_age=reuse)

    @property
    def endpoints(self) -> ServiceEndpoints:
        if self._shared is not None and time.monotonic() >= self._ping_due:
            if not self._shared.ping():
                # The shared process ended (idle for long): start it again before signing.
                self._shared = shared_services(self._home)
            # A ping is a request: the process serves at least SHARED_IDLE_SECONDS from now,
            # so the signatures of the next few seconds need no ping of their own (one per
            # signature cost ~2 ms of CPU here and a request there).
            self._ping_due = time.monotonic() + min(SHARED_IDLE_SECONDS / 4, PING_EVERY)
        return self._endpoints

    def close(self) -> None:
        """Nothing to stop: the shared services process ends by itself when idle."""


# ------------------------------------------------------------------ rendering and signing


class TemplateRenderer:
    """DOCX from a template (docxtpl), PDF/A-3b from the converter, then attachments and empty
    signature fields; each step timed under its stage name."""

    def __init__(self, converter: Converter, timings: StageTimings):
        self._converter = converter
        self._timings = timings

    def render_docx(self, template: Path, context: Mapping[str, Any]) -> bytes:
        with self._timings.timed("render"):
            return render_docx(template, context)

    def convert(self, docx: bytes) -> bytes:
        with self._timings.timed("convert"):
            return self._converter.convert(docx)

    def finalize(
        self,
        pdf: bytes,
        *,
        attachments: Sequence[Attachment] = (),
        signature_fields: Sequence[FieldSpec] = (),
    ) -> bytes:
        with self._timings.timed("finalize"):
            return bytes(
                finalize_pdf(pdf, attachments=attachments, signature_fields=signature_fields)
            )

    def render_pdf(
        self,
        template: Path,
        context: Mapping[str, Any],
        *,
        attachments: Sequence[Attachment] = (),
        signature_fields: Sequence[FieldSpec] = (),
    ) -> bytes:
        docx = self.render_docx(template, context)
        return self.finalize(
            self.convert(docx), attachments=attachments, signature_fields=signature_fields
        )


class PadesSigner:
    """PAdES signatures with the directory's keys and the trust services' endpoints.

    Signatures of one ``document`` made within the revocation-reuse window share one
    validation context, so the chains and revocation answers checked for the first are not
    checked again."""

    def __init__(self, directory: Directory, trust: TrustEndpoints, timings: StageTimings):
        self._directory = directory
        self._trust = trust
        self._timings = timings
        self._lock = threading.Lock()
        self._contexts: dict[str, tuple[Any, float]] = {}

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
        chamber: str | None = None,
    ) -> bytes:
        signer = self._directory.signer(iin, role, chamber)
        spec = SignSpec(
            field=field, role=role, locale=locale, lock=lock, lta=lta, lock_later=lock_later
        )
        endpoints = self._trust.endpoints
        context = self.document_context(document, endpoints)
        with self._timings.timed(f"sign:{role}"):
            if not _warmed.is_set():
                # A process's first signature runs alone: asn1crypto parses the shared trust
                # roots lazily (not thread-safe) and pyHanko imports parts of itself on first
                # use.
                with _warming:
                    out = sign_pdf(pdf, spec, signer=signer, services=endpoints, context=context)
                    _warmed.set()
                    return out
            return sign_pdf(pdf, spec, signer=signer, services=endpoints, context=context)

    def document_context(self, document: str | None, endpoints: ServiceEndpoints) -> Any:
        """The validation context of ``document``'s signatures: made for its first one, kept
        while younger than the revocation-reuse window, for at most a few documents."""
        max_age = float(endpoints.revocation_max_age)
        if document is None or max_age <= 0:
            return None
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


class EvidenceJudge:
    """R-7.5: evidence files that are docflow certificates but fail their checks."""

    def __init__(self, archive: Archive, directory: Directory, timings: StageTimings):
        self._archive = archive
        self._directory = directory
        self._timings = timings

    def problems(
        self, report: CpdReport, evidence: Mapping[str, bytes]
    ) -> dict[str, tuple[Msg, ...]]:
        """Evidence name -> why it proves nothing, as messages (the remarks say the real
        reason in the report's language, R-3.2e)."""
        if not any(data.startswith(b"%PDF") for data in evidence.values()):
            return {}
        with self._timings.timed("evidence"):
            return check_evidence_issues(
                self._archive,
                report,
                evidence,
                trust_roots=self._directory.pki.trust_roots(),
            )


class HomeRosters:
    """The chambers' rosters imported into this home (``docflow summary import-roster`` or a
    roster dropped into the inbox), read afresh for every report: an import between two
    reports counts for the second."""

    def __init__(self, home: Home):
        self._home = home

    def roster(self, chamber: str) -> Roster | None:
        """The roster of the chamber a report names: by the registered chamber (id or any of
        its names, ``docflow.bodies``), else stored under the name as written."""
        home = self._home
        from docflow.summaries.store import has_summaries

        if not has_summaries(home):
            return None
        from docflow.bodies import ChamberRegistry
        from docflow.chambers import roster_of
        from docflow.summaries.store import SummaryStore

        try:
            body = ChamberRegistry(home).resolve_chamber(chamber)
        except DocflowError:
            body = None
        if body is not None:
            found = roster_of(home, body)
            if found is not None:
                return found
        with SummaryStore(home) as store:
            return store.roster(chamber)

    def r74_exemption(self, chamber: str, iin: str) -> RosterExemption | None:
        """What the chamber's roster records for ``iin`` as an R-7.4 ground (None: no roster,
        not on it, or no R-7.4 ground)."""
        roster = self.roster(chamber)
        return roster.r74_exemption(iin) if roster is not None else None


# ------------------------------------------------------------------ the container


class Services:
    """Every service of one process, each built on first use (see ``build_services``)."""

    def __init__(self, home: Home, *, clock: Clock, converter: Converter | None = None):
        self.home = home.ensure()
        self.settings: Settings = home.settings()
        self.clock = clock
        # The shared journal in the database under ``[queue] backend = "postgres"``.
        self.journal = open_journal(home.root)
        self.timings = StageTimings()
        self._given_converter = converter
        self._closers: list[_Closable] = []
        self._converter_lock = threading.Lock()

    @cached_property
    def archive(self) -> Archive:
        archive = Archive(self.home, clock=self.clock.now)
        self._closers.append(archive)
        return archive

    @cached_property
    def directory(self) -> PkiDirectory:
        return PkiDirectory(self.home)

    @cached_property
    def trust(self) -> RunningTrustServices:
        trust = RunningTrustServices(self.home, self.settings)
        self._closers.append(trust)
        return trust

    @property
    def converter(self) -> Converter:
        with self._converter_lock:  # one LibreOffice pool, however many first requests
            return self._converter

    @cached_property
    def _converter(self) -> Converter:
        if self._given_converter is not None:
            return self._given_converter
        conv = LibreOfficeConverter(instances=self.settings.converters)
        self._closers.append(conv)
        return conv

    def soffice_pids(self) -> list[int]:
        """The LibreOffice processes of this process's converter (for ``bench/``)."""
        conv = self.converter
        return list(conv.soffice_pids()) if isinstance(conv, LibreOfficeConverter) else []

    @cached_property
    def renderer(self) -> Renderer:
        return TemplateRenderer(_LazyConverter(self), self.timings)

    @cached_property
    def signer(self) -> Signer:
        return PadesSigner(self.directory, _LazyTrust(self), self.timings)

    @cached_property
    def signing_modes(self) -> SigningModes:
        """``[signing]``: which roles sign with their own key (issue 15)."""
        return signing_modes(self.home)

    @cached_property
    def sign_requests(self) -> SignRequests:
        """The signing requests of the home (one store per process)."""
        store = SignRequests(self.home)
        self._closers.append(store)
        return store

    @cached_property
    def evidence(self) -> EvidenceJudge:
        return EvidenceJudge(self.archive, self.directory, self.timings)

    @cached_property
    def rosters(self) -> HomeRosters:
        return HomeRosters(self.home)

    def close(self) -> None:
        for part in reversed(self._closers):
            part.close()
        self._closers.clear()
        self.journal.close()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _LazyConverter:
    """The converter of ``services``, started when the first document is converted."""

    def __init__(self, services: Services):
        self._services = services

    def convert(self, docx: bytes) -> bytes:
        return self._services.converter.convert(docx)


def signing_warmed() -> bool:
    """Whether this process has made its first signature (see ``PadesSigner.sign``)."""
    return _warmed.is_set()


class _LazyTrust:
    """The trust services of ``services``, started for the first signature."""

    def __init__(self, services: Services):
        self._services = services

    @property
    def endpoints(self) -> ServiceEndpoints:
        return self._services.trust.endpoints

    def close(self) -> None:
        """Closed with ``services``."""


def build_services(
    home: Home, *, clock: Clock | None = None, converter: Converter | None = None
) -> Services:
    """The one place the flow's services are built. ``clock`` defaults to ``DOCFLOW_TODAY`` or
    the real date; ``converter`` replaces LibreOffice here (a worker process converts through
    its parent's, ``docflow.workflow.pool.RemoteConverter``)."""
    return Services(home, clock=clock or Clock.from_env(), converter=converter)

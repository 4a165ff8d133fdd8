"""Glue between the workflow and the parts that do I/O: the PKI and trust services, rendering
and conversion, signing, and the archive record of a report.

Kept in one module so the stages in ``cpd.py`` read as the story of a submission and the
knowledge of each part's API lives in one place.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from docflow.config import Home, Settings
from docflow.errors import NotEnrolled
from docflow.kinds import load_kind

if TYPE_CHECKING:
    from docflow.intake.parse import LoadedSubmission
    from docflow.model import CpdReport
    from docflow.pki import ServiceEndpoints, SignerHandle
    from docflow.rules import CpdVerdict
    from docflow.workflow.parts import Parts

log = logging.getLogger("docflow.workflow")

CPD = load_kind("cpd-report")


# ------------------------------------------------------------------ PKI and trust services


class PkiAdapter:
    """Who may sign, and their loaded keys (loading an RSA key costs ~45 ms: once a process)."""

    def __init__(self, home: Home):
        from docflow.pki import Pki

        self.pki = Pki(home)
        self._signers: dict[str, SignerHandle] = {}
        self._lock = threading.Lock()

    def is_enrolled(self, iin: str) -> bool:
        try:
            self.pki.find(iin=iin)
        except NotEnrolled:
            return False
        return True

    def officer_iin(self) -> str:
        return self.pki.find(role="officer").iin

    def officer_name(self) -> str:
        return self.pki.find(role="officer").name

    def name_of(self, iin: str) -> str:
        return self.pki.find(iin=iin).name

    def signer(self, iin: str) -> SignerHandle:
        with self._lock:
            handle = self._signers.get(iin)
            if handle is None:
                handle = self._signers[iin] = self.pki.signer_for(iin=iin)
            return handle


class RunningServices:
    """The trust services a signing process uses: the demo TSA/OCSP/CRL on loopback (started
    here, or already served by another docflow process), or production ones from docflow.toml."""

    def __init__(self, home: Home, settings: Settings):
        from docflow.pki import Pki, TrustServices

        self._server: TrustServices | None = None
        pki = Pki(home)
        reuse = settings.revocation_cache_seconds
        if settings.tsa_url:
            self.endpoints: ServiceEndpoints = replace(
                pki.endpoints(settings.tsa_url), revocation_max_age=reuse
            )
            return
        server = TrustServices(home)
        if _listening(server.host, server.port):
            # Another docflow process of this home (a watcher, `pki serve`) already serves
            # the same PKI at the address its certificates name; use it.
            log.info("trust services already running at %s", server.base_url)
        else:
            server.start()
            self._server = server
        self.endpoints = replace(server.endpoints, revocation_max_age=reuse)

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def _listening(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def start_services(home: Home, settings: Settings) -> RunningServices:
    return RunningServices(home, settings)


# ------------------------------------------------------------------ rendering


def render_report_pdf(
    parts: Parts,
    loaded: LoadedSubmission,
    report: CpdReport,
    verdict: CpdVerdict,
    *,
    officer: dict[str, Any] | None = None,
    officer_comment: str | None = None,
) -> bytes:
    """The unsigned A1 report: DOCX from the template, PDF/A-3b from the warm converter, the
    evidence and the machine-readable submission embedded (R-7.6), empty signature fields."""
    from docflow.render import report_context, report_fields
    from docflow.render.service import report_attachments

    check = verdict.to_json()
    attachments = report_attachments(loaded, check, modified=parts.clock.now())
    data = report.model_dump(mode="python")
    data["submitted_on"] = report.submitted_on or parts.clock.today()
    context = report_context(
        data, check, locale=report.locale, attachments=attachments,
        officer=officer, officer_comment=officer_comment,
    )  # fmt: skip
    template = parts.settings.templates / CPD.template("document", report.locale)
    return parts.render_pdf(
        template, context, attachments=attachments, signature_fields=report_fields()
    )


def render_remarks_pdf(
    parts: Parts,
    report: CpdReport,
    *,
    report_id: str,
    version: int,
    remarks: Sequence[str],
) -> bytes:
    """The remarks document of a returned report (R-3.2e): what to correct, for the officer
    to sign."""
    from docflow.render import FieldSpec, format_date

    locale = report.locale
    context = {
        "chamber": report.consultant.chamber,
        "full_name": report.consultant.full_name,
        "iin": report.consultant.iin,
        "iin_label": "ЖСН" if locale == "kk" else "ИИН",
        "year": report.year,
        "report_id": report_id,
        "version": version,
        "remarks": list(remarks),
        "issued_on": format_date(parts.clock.today(), locale),
        "officer_name": parts.pki.officer_name(),
        "footer": f"{report.consultant.chamber}, {report.year}",
    }
    template = parts.settings.templates / f"remarks_{locale}.docx"
    return parts.render_pdf(
        template, context, signature_fields=[FieldSpec("officer", "SigOfficer")]
    )


# ------------------------------------------------------------------ the archive record


def template_info(parts: Parts, name: str) -> dict[str, str]:
    path = parts.settings.templates / name
    return {"name": name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def archive_report(
    parts: Parts,
    *,
    record_id: str,
    pdf: bytes,
    loaded: LoadedSubmission,
    report: CpdReport,
    verdict: CpdVerdict,
    outcome: str,
    events: Sequence[tuple[str, str | None, str, str]],
    remarks: Sequence[str] = (),
) -> str:
    """Store the signed report with its record (shape in docs/ARCHITECTURE.md); idempotent."""
    archive = parts.archive
    existing = archive.find_by_input_sha256(loaded.sha256)
    if existing is not None:
        return str(existing)
    series = CPD.series_key(loaded.model.model_dump(mode="json"))
    earlier = [r for r in archive.versions(series) if r.get("id") != record_id]
    previous = earlier[-1] if earlier else None
    now = parts.clock.now().isoformat(timespec="seconds")
    points_by_form: Counter[str] = Counter()
    for activity in verdict.activities:
        if activity.counted:
            points_by_form[str(activity.form)] += activity.points
    signers = [{"role": "consultant", "name": report.consultant.full_name,
                "iin": report.consultant.iin}]  # fmt: skip
    if outcome != "returned":
        signers.append(
            {"role": "officer", "name": parts.pki.officer_name(), "iin": parts.pki.officer_iin()}
        )
    submitted_on = report.submitted_on or parts.clock.today()
    record = {
        "kind": CPD.record_kind,
        "outcome": outcome,
        "full_name": report.consultant.full_name,
        "iin": report.consultant.iin,
        "year": report.year,
        "chamber": report.consultant.chamber,
        "member_since": report.consultant.member_since.isoformat(),
        "locale": report.locale,
        "series": series,
        "version": len(earlier) + 1,
        "previous": previous.get("id") if previous else None,
        "source": loaded.source_name,
        "input_sha256": loaded.sha256,
        "submitted_on": submitted_on.isoformat(),
        "deadline": verdict.deadline.isoformat(),
        "late": verdict.late,
        "total_points": verdict.total_points,
        "required_points": verdict.required_points,
        "points_by_form": dict(points_by_form),
        "exemption": report.exemption.model_dump(mode="json", by_alias=True)
        if report.exemption
        else None,
        "verdict": verdict.to_json(),
        "rule_version": verdict.rule_version,
        "template": template_info(parts, CPD.template("document", report.locale)),
        "signers": signers,
        "remarks": list(remarks),
        "events": [
            {"type": kind, "at": at or now, "actor": actor, "detail": detail}
            for kind, at, actor, detail in events
        ]
        + [{"type": "archived", "at": now, "actor": "docflow", "detail": record_id}],
    }
    with parts.timed("archive"):
        archive.store(record, pdf, record_id=record_id)
    return record_id


def archive_remarks(
    parts: Parts,
    *,
    report_id: str,
    pdf: bytes,
    report: CpdReport,
    remarks: Sequence[str],
    actor: str,
) -> str:
    """Store the signed remarks document beside the returned report it answers (R-3.2e)."""
    record_id = f"REM-{report_id}"
    now = parts.clock.now().isoformat(timespec="seconds")
    record = {
        "kind": "remarks",
        "outcome": "returned",
        "full_name": report.consultant.full_name,
        "iin": report.consultant.iin,
        "year": report.year,
        "chamber": report.consultant.chamber,
        "locale": report.locale,
        "series": f"remarks/{report_id}",
        "version": 1,
        "report": report_id,
        "remarks": list(remarks),
        "signers": [
            {"role": "officer", "name": parts.pki.officer_name(), "iin": parts.pki.officer_iin()}
        ],
        "events": [
            {"type": "returned", "at": now, "actor": actor, "detail": report_id},
            {"type": "signed", "at": now, "actor": parts.pki.officer_name(), "detail": "officer"},
            {"type": "archived", "at": now, "actor": "docflow", "detail": record_id},
        ],
    }
    with parts.timed("archive"):
        parts.archive.store(record, pdf, record_id=record_id)
    return record_id

"""The summaries' kinds in the generic flow (issue 12): the chamber's summary (R-4.7), the
Collegium's (R-5.5, R-5.6) and the R-9.1 warning and suspension notices.

Their input is a job ``docflow summary`` / ``docflow sanctions`` decided
(``docflow.summaries.jobs``); their stages (``docflow/kinds/chamber-summary.toml`` …) are the
generic ones plus ``judge`` below, which names who signs by the bodies' rules of authority
(issue 13: the chamber's chair, the Collegium's chair, a chair of the member's chamber who is
not the member himself). The signature is then the flow's ``sign:ROLE``: a held key, or with
``[signing] chair = "own"`` a signing request the chair completes with her own key
(``workflow/own.py``). The records are those ``SummaryService`` wrote before, with the input's
SHA-256 (the archive's idempotency key).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from docflow.archive import slugify
from docflow.audit import AuditEvent
from docflow.bodies import (
    COLLEGIUM_ID,
    chamber_summary_signer,
    collegium_summary_signer,
    notice_signer,
)
from docflow.config import Home
from docflow.errors import AuthorityRefused, Problem
from docflow.intake.messages import rejection_text
from docflow.kinds import DocumentKind
from docflow.render import Attachment
from docflow.summaries.chamber import summary_csv
from docflow.summaries.documents import (
    COLLEGIUM_NAME,
    chamber_context,
    collegium_context,
    suspension_context,
    warning_context,
)
from docflow.summaries.jobs import ChamberSummaryJob, CollegiumSummaryJob, NoticeJob
from docflow.workflow.flow import KindHooks, StageResult, WorkItem, rejected
from docflow.workflow.services import Services
from docflow.workflow.stages import Archive, template_info

__all__ = ["HOOKS", "ArchiveVersion", "JudgeJob", "archive", "judge"]

Job = ChamberSummaryJob | CollegiumSummaryJob | NoticeJob


def _job(item: WorkItem) -> Job:
    model = item.model
    if not isinstance(model, ChamberSummaryJob | CollegiumSummaryJob | NoticeJob):
        raise TypeError(f"{item.kind.name}: not a summaries job: {type(model).__name__}")
    return model


def _series(job: Job) -> str:
    if isinstance(job, ChamberSummaryJob):
        slug = slugify(job.decoded().chamber, fallback="chamber")[:48].strip("-")
        return f"chamber-summary/{slug}/{job.year}"
    if isinstance(job, CollegiumSummaryJob):
        return f"collegium-summary/{job.year}"
    return f"{job.record_kind}/{job.iin}/{job.year}"


@dataclass(frozen=True)
class JudgeJob:
    """Who signs (the bodies' rules, as of now) and which version this is. Refused authority
    (nobody may sign) rejects the job saying whom to enrol. Notes in the journal which
    process runs it (``details``: the worker's pid)."""

    name: str = "judge"
    product: str | None = None
    replay: bool = True

    def run(self, item: WorkItem, services: Services) -> StageResult:
        job = _job(item)
        live = services.directory.pki.live_enrolments()
        try:
            if isinstance(job, ChamberSummaryJob):
                chamber = job.chamber_id
                holder = chamber_summary_signer(chamber, live)
            elif isinstance(job, CollegiumSummaryJob):
                chamber = COLLEGIUM_ID
                holder = collegium_summary_signer(live)
            else:
                chamber = job.chamber_id
                holder = notice_signer(job.iin, chamber, live)
        except AuthorityRefused as exc:
            source = item.entry.source
            return rejected(
                source,
                f"nobody may sign: {exc}",
                rejection_text(source, [Problem("signer", str(exc))], item.locale),
            )
        series = _series(job)
        item.facts.update(
            chamber_id=chamber,
            signer_iin=holder.iin,
            signer_name=holder.name,
            series=series,
            slug=series.split("/")[1],
        )
        journal: dict[str, Any] = {"kind": item.kind.name, "chamber": chamber, "year": job.year}
        if isinstance(job, NoticeJob):
            journal.update(iin=job.iin, full_name=job.decoded().full_name)
        services.journal.update(item.token, details=json.dumps({"process": os.getpid()}), **journal)
        return None


def judge(kind: DocumentKind, table: object) -> JudgeJob:
    """The stage ``docflow.workflow.summaries:judge`` of the summaries' kinds."""
    return JudgeJob()


@dataclass(frozen=True)
class ArchiveVersion:
    """The generic ``archive`` with the version decided as it is stored: the next of the
    document's series (a summary made again supersedes the last, as ``previous`` says). Two
    documents of one series stored at once (the kk and ru summaries, in two workers) take
    turns under a lock, so no version is given twice."""

    name: str = "archive"
    product: str | None = None
    replay: bool = False

    def run(self, item: WorkItem, services: Services) -> StageResult:
        with _version_lock(services.home):
            earlier = services.archive.versions(str(item.facts["series"]))
            item.facts.update(
                version=len(earlier) + 1, previous=earlier[-1]["id"] if earlier else None
            )
            return Archive(HOOKS).run(item, services)


def archive(kind: DocumentKind, table: object) -> ArchiveVersion:
    """The stage ``docflow.workflow.summaries:archive`` of the summaries' kinds."""
    return ArchiveVersion()


@contextmanager
def _version_lock(home: Home) -> Iterator[None]:
    path = home.state / "summaries-version.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------------- hooks


def _context(item: WorkItem, services: Services) -> dict[str, Any]:
    job = _job(item)
    head = str(item.facts["signer_name"])
    if isinstance(job, ChamberSummaryJob):
        summary = job.decoded()
        return chamber_context(
            summary, locale=job.locale, head_name=head, produced_on=summary.today
        )
    if isinstance(job, CollegiumSummaryJob):
        return collegium_context(
            job.decoded(), job.chart_images(), locale=job.locale, head_name=head,
            produced_on=job.produced_on,
        )  # fmt: skip
    case = job.decoded()
    if job.kind == "warning-notice":
        return warning_context(
            case, job.points, locale=job.locale, head_name=head,
            required_points=job.required_points,
        )  # fmt: skip
    return suspension_context(case, locale=job.locale, head_name=head, issued_on=job.issued_on)


def _attachments(item: WorkItem, services: Services) -> Sequence[Attachment]:
    job = _job(item)
    now = services.clock.now()

    def data(name: str, content: bytes, mime: str, description: str) -> Attachment:
        return Attachment(
            name=name, data=content, mime_type=mime, relationship="Data", modified=now,
            description=description,
        )  # fmt: skip

    if isinstance(job, ChamberSummaryJob):
        summary = job.decoded()
        numbers = json.dumps(summary.to_json(), ensure_ascii=False, indent=2).encode()
        return [
            data("summary.json", numbers, "application/json",
                 "The summary's numbers (machine-readable)"),
            data("summary.csv", summary_csv(summary).encode("utf-8"), "text/csv",
                 "One row per roster member"),
        ]  # fmt: skip
    if isinstance(job, CollegiumSummaryJob):
        numbers = json.dumps(job.decoded().to_json(), ensure_ascii=False, indent=2).encode()
        return [
            data("collegium.json", numbers, "application/json",
                 "The summary's numbers (machine-readable)")
        ]  # fmt: skip
    return ()


def _record(item: WorkItem, services: Services, record_id: str) -> dict[str, Any]:
    """The record ``kind: chamber-summary | collegium-summary | warning | suspension``."""
    assert item.loaded is not None
    job = _job(item)
    facts = item.facts
    common = {
        "locale": job.locale,
        "year": job.year,
        "series": facts["series"],
        "version": facts["version"],
        "previous": facts["previous"],
        "source": item.entry.source,
        "input_sha256": item.loaded.sha256,
        "template": template_info(services, item.kind.template("document", job.locale)),
    }
    record: dict[str, Any]
    if isinstance(job, ChamberSummaryJob):
        summary = job.decoded()
        record = {
            "kind": "chamber-summary", "outcome": "issued", "full_name": None, "iin": None,
            "chamber": summary.chamber, "chamber_id": job.chamber_id, **common,
            "deadline": summary.collegium_due.isoformat(),
            "late": summary.today > summary.collegium_due,
            "counts": summary.counts(),
            "points_by_form": dict(summary.points_by_form),
            "participants_by_form": dict(summary.participants_by_form),
            "deficient": [
                {"iin": m.iin, "full_name": m.full_name, "state": m.state}
                for m in summary.deficient
            ],
            "warnings": [n.to_json() for n in summary.notes],
            "produced_on": summary.today.isoformat(),
        }  # fmt: skip
    elif isinstance(job, CollegiumSummaryJob):
        collegium = job.decoded()
        record = {
            "kind": "collegium-summary", "outcome": "issued", "full_name": None, "iin": None,
            "chamber": COLLEGIUM_NAME["kk"], "chamber_id": COLLEGIUM_ID, **common,
            "years": list(collegium.years),
            "chambers": list(collegium.chambers),
            "totals": collegium.totals(collegium.year).to_json(),
            "forms": [
                collegium.forms[(f, y)].to_json()
                for f, y in collegium.forms
                if y == collegium.year
            ],
            "produced_on": job.produced_on.isoformat(),
        }  # fmt: skip
    else:
        case = job.decoded()
        record = {
            "kind": job.record_kind, "outcome": "issued", "full_name": case.full_name,
            "iin": case.iin, "chamber": case.chamber, "chamber_id": job.chamber_id, **common,
            "reason": case.reason,
            "warned_on": case.warned_on.isoformat(),
            "due_on": case.due_on.isoformat(),
            "suspended_from": case.suspended_from.isoformat() if case.suspended_from else None,
            "suspended_to": case.suspended_to.isoformat() if case.suspended_to else None,
            "clause": "R-9.1a" if job.kind == "warning-notice" else "R-9.1b",
            "produced_on": job.issued_on.isoformat(),
        }  # fmt: skip
    spec = item.kind.signing.signers[0]
    record["signers"] = [
        {"role": spec.role, "name": facts["signer_name"], "iin": facts["signer_iin"]}
    ]
    # Received from the command that decided it (a local door, never the inbox).
    events = [
        AuditEvent.received(item.entry.source, item.entry.received_at, actor="docflow"),
        AuditEvent.rendered(item.kind.template("document", job.locale)),
        AuditEvent.signed(str(facts["signer_name"]), spec.role),
        AuditEvent.archived(record_id),
    ]
    record["events"] = [e.to_json(services.clock.now()) for e in events]
    return record


def _facts(model: BaseModel) -> dict[str, Any]:
    return {}


HOOKS = KindHooks(context=_context, attachments=_attachments, record=_record, facts=_facts)

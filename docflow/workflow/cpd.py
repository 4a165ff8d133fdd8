"""What the CPD report (``cpd-report``) and its remarks letter (``remarks``) add to the generic
stages: the A1 form's context and attachments (R-7.6), the ``decide`` stage (return a
defective report with remarks, R-3.2e, or wait for the officer's review, R-3.1b/R-4.6), the
archive records, and the remarks wording in the report's language.

The stages themselves are the generic ones (``docflow.workflow.stages``); waiting for the
officer is a state (``review``), not a blocked thread.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from docflow.audit import AuditEvent, EventType
from docflow.i18n import finding_text
from docflow.inbox.runner import Outcome
from docflow.kinds import DocumentKind, Verdict
from docflow.model import CpdReport
from docflow.render import Attachment, format_date, report_context
from docflow.render.service import report_attachments
from docflow.rules import CpdVerdict, comment_section, defect_remarks, exemption_statement
from docflow.workflow.flow import (
    KindHooks,
    Signatory,
    Stage,
    StageResult,
    Waiting,
    WorkItem,
    run_stages,
    signatory,
    write_json,
)
from docflow.workflow.services import Services
from docflow.workflow.stages import events_of, filed_on, template_info

__all__ = ["CPD_HOOKS", "OUTCOME_OF_VERDICT", "REMARKS_HOOKS", "Decide"]

#: The clauses whose findings send a report to the officer (R-3.1b "other" activities, R-7.4
#: a claimed exemption the roster does not confirm).
_REVIEW_CLAUSES = ("R-3.1b", "R-7.4")

#: Report outcomes recorded in the archive (CONTRACT.md: compliant | exempt | below_norm).
OUTCOME_OF_VERDICT = {"compliant": "compliant", "exempt": "exempt", "non_compliant": "below_norm"}


def _report(item: WorkItem) -> CpdReport:
    model = item.model
    assert isinstance(model, CpdReport)
    return model


def _verdict(item: WorkItem) -> CpdVerdict:
    assert isinstance(item.verdict, CpdVerdict)
    return item.verdict


def _officer(item: WorkItem, services: Services) -> Signatory:
    """The officer of the report's own chamber who countersigns it (issue 13, R-4.6)."""
    spec = next(s for s in item.kind.signing.signers if s.role == "officer")
    return signatory(spec, item, services)


# ---------------------------------------------------------------------- the A1 form


def _context(item: WorkItem, services: Services) -> dict[str, Any]:
    report = _report(item)
    verdict = _verdict(item)
    data = report.model_dump(mode="python")
    # R-3.2d: the form's date of filling is the filing day, never a typed ``submitted_on``.
    data["submitted_on"] = _filed_on(item, services)
    comment = item.decision.comment if item.decision else None
    # The officer's block names the chamber's responsible person; its date is known now only
    # when the officer countersigns at once (no human decision needed), or signs with a comment.
    immediate = (
        verdict.verdict != "needs_review"
        and not verdict.returnable
        and services.settings.auto_countersign
    )
    signed_on = services.clock.today() if immediate or comment else None
    officer = {"full_name": _officer(item, services).name, "date": signed_on}
    locale = report.locale
    return report_context(
        data, verdict.to_json(locale), locale=locale,
        attachments=_attachments(item, services), officer=officer,
        officer_comment=comment_section(report.disagreement, comment, locale),
        exemption=exemption_statement(verdict.exemption, report.year, locale),
    )  # fmt: skip


def _filed_on(item: WorkItem, services: Services) -> date:
    verdict = _verdict(item)
    return verdict.filed_on or filed_on(item, services)


def _attachments(item: WorkItem, services: Services) -> Sequence[Attachment]:
    assert item.loaded is not None
    return report_attachments(item.loaded, _verdict(item).to_json(), modified=services.clock.now())


def _facts(model: BaseModel) -> dict[str, Any]:
    assert isinstance(model, CpdReport)
    return {
        "full_name": model.consultant.full_name,
        "iin": model.consultant.iin,
        "year": model.year,
    }


def _summary(verdict: Verdict | None) -> str:
    assert isinstance(verdict, CpdVerdict)
    return f"verdict {verdict.verdict}, {verdict.total_points} pts"


def _outcome(item: WorkItem) -> str:
    verdict = _verdict(item)
    return OUTCOME_OF_VERDICT.get(verdict.verdict, verdict.verdict)


def report_record(
    item: WorkItem,
    services: Services,
    record_id: str,
    *,
    outcome: str | None = None,
    events: list[AuditEvent] | None = None,
    remarks: Sequence[str] = (),
) -> dict[str, Any]:
    """The archive record of a report (shape in docs/ARCHITECTURE.md)."""
    assert item.loaded is not None
    report, verdict, kind = _report(item), _verdict(item), item.kind
    outcome = outcome or _outcome(item)
    series = kind.series_key(item.loaded.model.model_dump(mode="json"))
    earlier = [r for r in services.archive.versions(series) if r.get("id") != record_id]
    previous = earlier[-1] if earlier else None
    points_by_form: Counter[str] = Counter()
    for activity in verdict.activities:
        if activity.counted:
            points_by_form[str(activity.form)] += activity.points
    signers = [{"role": "consultant", "name": report.consultant.full_name,
                "iin": report.consultant.iin}]  # fmt: skip
    if outcome != "returned":
        officer = _officer(item, services)
        signers.append({"role": "officer", "name": officer.name, "iin": officer.iin})
    if events is None:
        events = events_of(item, services, _summary(verdict))
    events = [*events, AuditEvent.archived(record_id)]
    now = services.clock.now()
    return {
        "kind": kind.record_kind,
        "outcome": outcome,
        "full_name": report.consultant.full_name,
        "iin": report.consultant.iin,
        "year": report.year,
        "chamber": report.consultant.chamber,
        "chamber_id": item.facts.get("chamber_id"),
        "member_since": report.consultant.member_since.isoformat(),
        "locale": report.locale,
        "series": series,
        "version": len(earlier) + 1,
        "previous": previous.get("id") if previous else None,
        "source": item.loaded.source_name,
        "input_sha256": item.loaded.sha256,
        # R-3.2d: the filing day (a date typed into the report stays in its embedded copy).
        "submitted_on": _filed_on(item, services).isoformat(),
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
        "template": template_info(services, kind.template("document", report.locale)),
        "signers": signers,
        "remarks": list(remarks),
        "events": [e.to_json(now) for e in events],
    }


CPD_HOOKS = KindHooks(
    context=_context,
    attachments=_attachments,
    record=report_record,
    facts=_facts,
)


# ---------------------------------------------------------------------- the remarks letter


def _remarks_context(item: WorkItem, services: Services) -> dict[str, Any]:
    report = _report(item)
    locale = report.locale
    return {
        "chamber": report.consultant.chamber,
        "full_name": report.consultant.full_name,
        "iin": report.consultant.iin,
        "iin_label": "ЖСН" if locale == "kk" else "ИИН",
        "year": report.year,
        "report_id": item.facts["report_id"],
        "version": item.facts["version"],
        "remarks": list(item.facts["remarks"]),
        "issued_on": format_date(services.clock.today(), locale),
        "officer_name": _officer(item, services).name,
        "footer": f"{report.consultant.chamber}, {report.year}",
    }


def _remarks_record(item: WorkItem, services: Services, record_id: str) -> dict[str, Any]:
    report = _report(item)
    officer = _officer(item, services)
    report_id = item.facts["report_id"]
    events = [
        AuditEvent(EventType.RETURNED, item.facts["actor"], report_id),
        AuditEvent.signed(officer.name, "officer"),
        AuditEvent.archived(record_id),
    ]
    now = services.clock.now()
    return {
        "kind": item.kind.record_kind,
        "outcome": "returned",
        "full_name": report.consultant.full_name,
        "iin": report.consultant.iin,
        "year": report.year,
        "chamber": report.consultant.chamber,
        "chamber_id": item.facts.get("chamber_id"),
        "locale": report.locale,
        "series": f"remarks/{report_id}",
        "version": 1,
        "report": report_id,
        "remarks": list(item.facts["remarks"]),
        "signers": [{"role": "officer", "name": officer.name, "iin": officer.iin}],
        "events": [e.to_json(now) for e in events],
    }


REMARKS_HOOKS = KindHooks(
    context=_remarks_context,
    attachments=lambda item, services: (),
    record=_remarks_record,
    facts=_facts,
)


# ---------------------------------------------------------------------- deciding


@dataclass(frozen=True)
class Decide:
    """After the consultant's signature: a defective report goes back with remarks (R-3.2e);
    one that needs a human (R-3.1b) or a chamber that reviews every report waits (R-4.6);
    the officer's decision (approve, return) ends the wait. Otherwise on to the officer."""

    remarks_kind: DocumentKind
    stages_of: Callable[[DocumentKind], list[Stage]]
    name: str = "decide"
    product: str | None = None
    # Runs again when a document resumes after a later signature (own keys, issue 15): its
    # events and the decision's effects belong to the record; with the same decision and
    # verdict it decides the same.
    replay: bool = True

    def run(self, item: WorkItem, services: Services) -> StageResult:
        verdict = _verdict(item)
        decision = item.decision
        if decision is not None and decision.action == "return":
            actor = decision.officer or _officer(item, services).name
            return self.return_report(item, services, list(decision.remarks), actor)
        if decision is None and verdict.returnable:
            remarks = defect_remarks(_report(item), verdict)
            return self.return_report(item, services, remarks, "docflow (rule check)")
        if decision is not None:
            officer = decision.officer or _officer(item, services).name
            item.extra_events.append(
                AuditEvent(EventType.APPROVED, officer, json.dumps(dict(decision.decided_points)))
            )
            if decision.comment:
                # A1: the officer's comment is part of the form both parties sign; the form
                # was rendered anew with it and the consultant's signature applied again.
                consultant = _report(item).consultant.full_name
                item.extra_events.append(AuditEvent(EventType.COMMENTED, officer, decision.comment))
                item.extra_events.append(AuditEvent.signed(consultant, "consultant (with comment)"))
            return None
        membership = item.facts.get("membership") or []
        by_hand = not services.settings.auto_countersign
        if membership or verdict.verdict == "needs_review" or by_hand:
            # Why a person must look (R-3.1b, R-7.4), stored as findings (key and parameters)
            # so the review page and `review list` show them in their reader's language.
            why = [
                f for f in verdict.findings if f.clause in _REVIEW_CLAUSES and f.severity != "info"
            ]
            reasons = [f.to_json() for f in why]
            # Issue 13: a chamber without a roster cannot confirm membership; the officer does
            # (these findings carry their message in kk, ru and en).
            reasons += list(membership)
            if not reasons:
                reasons = [
                    {"clause": "R-4.6", "key": "review.every_report", "params": {},
                     "message": "the chamber reviews every report by hand"}
                ]  # fmt: skip
            reason = "; ".join(f"{r['clause']}: {finding_text(r, 'en')}" for r in reasons)
            write_json(item.workdir / "review.json", {"reasons": reasons})
            return Waiting(reason)
        return None

    def return_report(
        self, item: WorkItem, services: Services, remarks: list[str], actor: str
    ) -> Outcome | Waiting:
        """R-3.2e: the consultant-signed version is kept as this version of the series, the
        correction becomes the next; the remarks letter is signed by the officer and archived
        beside it (``REM-<report id>``)."""
        assert item.loaded is not None
        report, verdict = _report(item), _verdict(item)
        record_id = item.kind.record_id(item.model.model_dump(mode="json"), item.loaded.sha256)
        archive = services.archive
        if archive.find_by_input_sha256(item.loaded.sha256) is None:
            events = [
                AuditEvent.received(item.entry.source, item.entry.received_at),
                AuditEvent.checked(f"verdict {verdict.verdict}"),
                AuditEvent.signed(report.consultant.full_name, "consultant"),
                AuditEvent(EventType.RETURNED, actor, "; ".join(remarks)),
            ]
            record = report_record(
                item, services, record_id, outcome="returned", events=events, remarks=remarks
            )
            with services.timings.timed("archive"):
                archive.store(record, item.product_of("sign:consultant").read_bytes(),
                              record_id=record_id)  # fmt: skip
        version = int(archive.get(record_id).record.get("version", 1))
        letter = WorkItem(
            entry=item.entry, workdir=item.workdir, kind=self.remarks_kind, loaded=item.loaded,
            verdict=verdict, prefix="remarks-",
            facts={"report_id": record_id, "version": version, "remarks": remarks,
                   "actor": actor, "chamber_id": item.facts.get("chamber_id"),
                   "author_iin": item.facts.get("author_iin")},
        )  # fmt: skip
        result = run_stages(self.stages_of(self.remarks_kind), letter, services)
        if isinstance(result, Waiting):
            return result  # the officer signs the letter with their own key (issue 15)
        if not isinstance(result, Outcome):
            raise RuntimeError("the remarks letter's stages ended without an outcome")
        return Outcome("returned", record=record_id, reason="; ".join(remarks))

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
from typing import Any

from pydantic import BaseModel

from docflow.audit import AuditEvent, EventType
from docflow.inbox.runner import Outcome
from docflow.kinds import DocumentKind, Verdict
from docflow.model import CpdReport
from docflow.render import Attachment, format_date, report_context
from docflow.render.service import report_attachments
from docflow.rules import CpdVerdict
from docflow.workflow.flow import (
    KindHooks,
    Stage,
    StageResult,
    Waiting,
    WorkItem,
    run_stages,
    write_json,
)
from docflow.workflow.services import Services
from docflow.workflow.stages import events_of, template_info

__all__ = ["CPD_HOOKS", "OUTCOME_OF_VERDICT", "REMARKS_HOOKS", "Decide", "defect_remarks"]

#: Report outcomes recorded in the archive (CONTRACT.md: compliant | exempt | below_norm).
OUTCOME_OF_VERDICT = {"compliant": "compliant", "exempt": "exempt", "non_compliant": "below_norm"}


def _report(item: WorkItem) -> CpdReport:
    model = item.model
    assert isinstance(model, CpdReport)
    return model


def _verdict(item: WorkItem) -> CpdVerdict:
    assert isinstance(item.verdict, CpdVerdict)
    return item.verdict


# ---------------------------------------------------------------------- the A1 form


def _context(item: WorkItem, services: Services) -> dict[str, Any]:
    report = _report(item)
    verdict = _verdict(item)
    data = report.model_dump(mode="python")
    data["submitted_on"] = report.submitted_on or services.clock.today()
    comment = item.decision.comment if item.decision else None
    # The officer's block names the chamber's responsible person; its date is known now only
    # when the officer countersigns at once (no human decision needed), or signs with a comment.
    immediate = (
        verdict.verdict != "needs_review"
        and not verdict.returnable
        and services.settings.auto_countersign
    )
    signed_on = services.clock.today() if immediate or comment else None
    officer = {"full_name": services.directory.officer_name(), "date": signed_on}
    return report_context(
        data, verdict.to_json(), locale=report.locale,
        attachments=_attachments(item, services), officer=officer, officer_comment=comment,
    )  # fmt: skip


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
        directory = services.directory
        signers.append(
            {"role": "officer", "name": directory.officer_name(), "iin": directory.officer_iin()}
        )
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
        "member_since": report.consultant.member_since.isoformat(),
        "locale": report.locale,
        "series": series,
        "version": len(earlier) + 1,
        "previous": previous.get("id") if previous else None,
        "source": item.loaded.source_name,
        "input_sha256": item.loaded.sha256,
        "submitted_on": (report.submitted_on or services.clock.today()).isoformat(),
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
        "officer_name": services.directory.officer_name(),
        "footer": f"{report.consultant.chamber}, {report.year}",
    }


def _remarks_record(item: WorkItem, services: Services, record_id: str) -> dict[str, Any]:
    report = _report(item)
    directory = services.directory
    report_id = item.facts["report_id"]
    events = [
        AuditEvent(EventType.RETURNED, item.facts["actor"], report_id),
        AuditEvent.signed(directory.officer_name(), "officer"),
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
        "locale": report.locale,
        "series": f"remarks/{report_id}",
        "version": 1,
        "report": report_id,
        "remarks": list(item.facts["remarks"]),
        "signers": [
            {"role": "officer", "name": directory.officer_name(), "iin": directory.officer_iin()}
        ],
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
    replay: bool = False

    def run(self, item: WorkItem, services: Services) -> StageResult:
        verdict = _verdict(item)
        decision = item.decision
        if decision is not None and decision.action == "return":
            return self.return_report(item, services, list(decision.remarks), decision.officer)
        if decision is None and verdict.returnable:
            remarks = defect_remarks(_report(item), verdict)
            return self.return_report(item, services, remarks, "docflow (rule check)")
        if decision is not None:
            officer = decision.officer or services.directory.officer_name()
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
        if verdict.verdict == "needs_review" or not services.settings.auto_countersign:
            reasons = [f"{f.clause}: {f.message}" for f in verdict.findings if f.clause == "R-3.1b"]
            reason = "; ".join(reasons) or "the chamber reviews every report by hand"
            write_json(item.workdir / "review.json", {"reasons": reasons or [reason]})
            return Waiting(reason)
        return None

    def return_report(
        self, item: WorkItem, services: Services, remarks: list[str], actor: str
    ) -> Outcome:
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
                   "actor": actor},
        )  # fmt: skip
        result = run_stages(self.stages_of(self.remarks_kind), letter, services)
        if not isinstance(result, Outcome):
            raise RuntimeError("the remarks letter's stages ended without an outcome")
        return Outcome("returned", record=record_id, reason="; ".join(remarks))


#: R-7.5 in the document's language: the remarks document is an official letter.
_NO_EVIDENCE = {
    "kk": "{n}-іс-шара («{title}»): растайтын құжат қоса берілмеген{names}. Қағидалардың "
    "7.5-тармағы бойынша іс-шараға қатысу қағаз немесе электрондық құжатпен расталуы тиіс.",
    "ru": "Мероприятие {n} («{title}»): не приложен подтверждающий документ{names}. По пункту "
    "7.5 Правил участие должно быть подтверждено документом на бумаге или в электронном виде.",
}
_NAMED = {"kk": " (аталған: {0})", "ru": " (указан: {0})"}


def defect_remarks(report: CpdReport, verdict: CpdVerdict) -> list[str]:
    """The remarks of a returnable report (R-3.2e), one per defect, in the report's language,
    from the finding's structured fields (activity number, evidence names); a defect without
    them keeps its clause and message."""
    remarks = []
    for defect in verdict.defects:
        if defect.clause == "R-7.5" and defect.activity is not None:
            activity = report.activities[defect.activity - 1]
            names = ", ".join(defect.evidence)
            named = _NAMED[report.locale].format(names) if names else ""
            remarks.append(
                _NO_EVIDENCE[report.locale].format(
                    n=defect.activity, title=activity.title, names=named
                )
            )
        else:
            remarks.append(f"{defect.clause}: {defect.message}")
    return remarks

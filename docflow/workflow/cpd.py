"""The CPD report's way through docflow: parse → rules → render → consultant signs →
(officer decides) → officer signs → archive.

Each stage writes its product into the submission's work folder atomically; ``run`` looks at
what is there and continues from the last completed stage, so a crash costs at most the stage
that was running. Waiting for the officer is a state (``review``), not a blocked thread.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from docflow.atomic import write_bytes_atomic
from docflow.errors import SubmissionInvalid
from docflow.intake.parse import LoadedSubmission, load_submission_bytes
from docflow.kinds import load_kind
from docflow.model import ChamberRoster, CpdReport, EventCertificates
from docflow.rules import CpdVerdict, evaluate_cpd
from docflow.workflow.adapters import archive_report, render_report_pdf
from docflow.workflow.journal import Entry
from docflow.workflow.parts import Parts
from docflow.workflow.runner import Outcome

log = logging.getLogger("docflow.workflow")

KIND = load_kind("cpd-report")

#: Report outcomes recorded in the archive (CONTRACT.md: compliant | exempt | below_norm).
OUTCOME_OF_VERDICT = {"compliant": "compliant", "exempt": "exempt", "non_compliant": "below_norm"}


def rejection_text(source: str, problems: list[str]) -> str:
    lines = [
        f"docflow could not accept {source}.",
        "",
        "Every problem found (field: what is wrong, and what would be right):",
        *[f"  - {p}" for p in problems],
        "",
        "Correct the file and drop it into the inbox again.",
        "",
    ]
    return "\n".join(lines)


def record_id_for(year: int, sha256: str) -> str:
    """Record ids follow from the input's bytes, so a retried submission finds its record."""
    return f"CPD-{year}-{sha256[:12].upper()}"


class Pipeline:
    """Processes one claimed submission of any kind this module knows (dispatch on ``kind``)."""

    def __init__(self, parts: Parts):
        self.parts = parts

    # --------------------------------------------------------------- entry point

    def __call__(self, entry: Entry, workdir: Path) -> Outcome:
        inputs = sorted(workdir.glob("input*"))
        if not inputs:
            raise FileNotFoundError(f"work folder {workdir} has no input")
        raw = inputs[0].read_bytes()
        today = self.parts.clock.today()
        try:
            with self.parts.timed("parse"):
                loaded = load_submission_bytes(
                    entry.source, raw, base_dir=self.parts.home.inbox, today=today
                )
        except SubmissionInvalid as exc:
            return Outcome(
                "rejected",
                reason=f"invalid input: {len(exc.problems)} problem(s)",
                error_text=rejection_text(entry.source, [str(p) for p in exc.problems]),
            )
        model = loaded.model
        if isinstance(model, CpdReport):
            return self.run_report(entry, workdir, loaded, model)
        if isinstance(model, EventCertificates):
            from docflow.workflow.certificates import run_certificates

            return run_certificates(self.parts, entry, workdir, loaded, model)
        if isinstance(model, ChamberRoster):
            return self.import_roster(entry, inputs[0], model)
        return Outcome(
            "rejected",
            reason=f"kind {loaded.data.get('kind')!r} is not processed from the inbox",
            error_text=rejection_text(
                entry.source,
                [f"kind: {loaded.data.get('kind')!r} cannot be filed through the inbox"],
            ),
        )

    # --------------------------------------------------------------- the report

    def run_report(
        self, entry: Entry, workdir: Path, loaded: LoadedSubmission, report: CpdReport
    ) -> Outcome:
        parts = self.parts
        today = self.submitted_on(report, entry)
        with parts.timed("rules"):
            verdict = evaluate_cpd(
                report,
                today=today,
                evidence_names=loaded.evidence_names,
                evidence_problems=parts.judge_evidence(report, loaded.evidence),
            )
        parts.journal.update(
            entry.token,
            stage="checked",
            kind=KIND.name,
            full_name=report.consultant.full_name,
            iin=report.consultant.iin,
            year=report.year,
        )
        write_json(workdir / "verdict.json", verdict.to_json())

        iin = report.consultant.iin
        if not parts.pki.is_enrolled(iin):
            raise_text = (
                f"The consultant {report.consultant.full_name} (IIN {iin}) has no signing key "
                "in this chamber's docflow yet: enroll first "
                f"(docflow pki enroll --iin {iin} --name '...'), then drop the file again."
            )
            return Outcome(
                "rejected",
                reason="consultant not enrolled: enroll first",
                error_text=rejection_text(entry.source, [f"consultant.iin: {raise_text}"]),
            )

        # The officer's block names the chamber's responsible person; its date is known now
        # only when the officer countersigns at once (no human decision needed).
        immediate = (
            verdict.verdict != "needs_review"
            and not verdict.returnable
            and parts.settings.auto_countersign
        )
        self.sign_as_consultant(
            entry, workdir, loaded, report, verdict,
            officer_date=parts.clock.today() if immediate else None,
        )  # fmt: skip

        if verdict.returnable:
            return self.return_report(entry, workdir, loaded, report, verdict,
                                      defect_remarks(report, verdict),
                                      actor="docflow (rule check)")  # fmt: skip
        if verdict.verdict == "needs_review" or not parts.settings.auto_countersign:
            reasons = [f"{f.clause}: {f.message}" for f in verdict.findings if f.clause == "R-3.1b"]
            reason = "; ".join(reasons) or "the chamber reviews every report by hand"
            write_json(workdir / "review.json", {"reasons": reasons or [reason]})
            return Outcome("review", reason=reason)
        return self.countersign_and_archive(entry, workdir, loaded, report, verdict)

    def sign_as_consultant(
        self,
        entry: Entry,
        workdir: Path,
        loaded: LoadedSubmission,
        report: CpdReport,
        verdict: CpdVerdict,
        *,
        officer_date: date | None,
        comment: str | None = None,
    ) -> Path:
        """Render the A1 form and apply the consultant's signature (R-3.3), each step once.

        With the officer's ``comment`` (A1: remarks the consultant disagreed with) the form is
        rendered anew with its comment section, in files of their own, and signed again.
        """
        parts = self.parts
        variant = "-commented" if comment else ""
        unsigned = workdir / f"unsigned{variant}.pdf"
        if not unsigned.exists():
            officer = {"full_name": parts.pki.officer_name(), "date": officer_date}
            pdf = render_report_pdf(
                parts, loaded, report, verdict, officer=officer, officer_comment=comment
            )
            write_bytes_atomic(unsigned, pdf)
        parts.journal.update(entry.token, stage="rendered")
        signed = workdir / f"signed-consultant{variant}.pdf"
        if not signed.exists():
            signer, last = KIND.signing.signers[0], KIND.signing.signers[-1]
            pdf = parts.sign(
                unsigned.read_bytes(), field=signer.field, role=signer.role,
                iin=report.consultant.iin, locale=report.locale, lock=False, lta=False,
                lock_later=last.field if last.lock else None, document=entry.token,
            )  # fmt: skip
            write_bytes_atomic(signed, pdf)
        parts.journal.update(entry.token, stage="signed:consultant")
        return signed

    def send_remarks(
        self, workdir: Path, report: CpdReport, report_id: str, remarks: list[str], *, actor: str
    ) -> str:
        """R-3.2e: the remarks document, signed by the officer and archived beside the
        returned report (``REM-<report id>``); each step once, so a retry resumes."""
        from docflow.workflow.adapters import archive_remarks, render_remarks_pdf

        parts = self.parts
        version = int(parts.archive.get(report_id).record.get("version", 1))
        unsigned = workdir / "remarks.pdf"
        if not unsigned.exists():
            pdf = render_remarks_pdf(
                parts, report, report_id=report_id, version=version, remarks=remarks
            )
            write_bytes_atomic(unsigned, pdf)
        signed = workdir / "remarks-signed.pdf"
        if not signed.exists():
            pdf = parts.sign(
                unsigned.read_bytes(), field="officer", role="officer",
                iin=parts.pki.officer_iin(), locale=report.locale, lock=True, lta=True,
            )  # fmt: skip
            write_bytes_atomic(signed, pdf)
        return archive_remarks(
            parts, report_id=report_id, pdf=signed.read_bytes(), report=report,
            remarks=remarks, actor=actor,
        )  # fmt: skip

    def import_roster(self, entry: Entry, path: Path, roster: ChamberRoster) -> Outcome:
        """A chamber's member roster (issue 8): kept for the summaries and sanctions."""
        from docflow.summaries.service import SummaryService

        service = SummaryService(self.parts)
        try:
            imported = service.import_roster(path, today=self.parts.clock.today())
        finally:
            service.close()
        self.parts.journal.update(entry.token, kind="chamber-roster")
        return Outcome(
            "archived",
            reason=f"roster of {roster.chamber}: {len(imported.members)} member(s) imported",
        )

    def submitted_on(self, report: CpdReport, entry: Entry) -> date:
        return report.submitted_on or date.fromisoformat(entry.received_at[:10])

    def countersign_and_archive(
        self,
        entry: Entry,
        workdir: Path,
        loaded: LoadedSubmission,
        report: CpdReport,
        verdict: CpdVerdict,
        *,
        approved_by: str | None = None,
        decided_points: Mapping[int, int] | None = None,
        comment: str | None = None,
    ) -> Outcome:
        parts = self.parts
        final = workdir / "signed-officer.pdf"
        if not final.exists():
            consultant_signed = workdir / "signed-consultant.pdf"
            if comment:
                consultant_signed = self.sign_as_consultant(
                    entry, workdir, loaded, report, verdict,
                    officer_date=parts.clock.today(), comment=comment,
                )  # fmt: skip
            signer = KIND.signing.signers[1]
            officer = parts.pki.officer_iin()
            pdf = parts.sign(
                consultant_signed.read_bytes(), field=signer.field,
                role=signer.role, iin=officer, locale=report.locale, lock=True, lta=True,
                document=entry.token,
            )  # fmt: skip
            write_bytes_atomic(final, pdf)
        parts.journal.update(entry.token, stage="signed:officer")
        outcome = OUTCOME_OF_VERDICT.get(verdict.verdict, verdict.verdict)
        events = [
            ("received", entry.received_at, "inbox", entry.source),
            ("checked", None, "docflow", f"verdict {verdict.verdict}, {verdict.total_points} pts"),
            ("rendered", None, "docflow", KIND.template("document", report.locale)),
            ("signed", None, report.consultant.full_name, "consultant"),
        ]
        if approved_by:
            events.append(("approved", None, approved_by, json.dumps(dict(decided_points or {}))))
        if comment:
            # A1: the officer's comment is part of the form both parties sign; the form was
            # rendered anew with it and the consultant's signature applied to that version.
            events.append(("commented", None, approved_by or parts.pki.officer_name(), comment))
            events.append(
                ("signed", None, report.consultant.full_name, "consultant (with comment)")
            )
        events.append(("signed", None, parts.pki.officer_name(), "officer"))
        record_id = record_id_for(report.year, entry.sha256)
        archive_report(
            parts,
            record_id=record_id,
            pdf=final.read_bytes(),
            loaded=loaded,
            report=report,
            verdict=verdict,
            outcome=outcome,
            events=events,
        )
        return Outcome("archived", record=record_id)

    def return_report(
        self,
        entry: Entry,
        workdir: Path,
        loaded: LoadedSubmission,
        report: CpdReport,
        verdict: CpdVerdict,
        remarks: list[str],
        *,
        actor: str,
    ) -> Outcome:
        """R-3.2e: the report goes back with remarks; the consultant-signed version is kept as
        this version of the series, and the correction becomes the next version."""
        record_id = record_id_for(report.year, entry.sha256)
        events = [
            ("received", entry.received_at, "inbox", entry.source),
            ("checked", None, "docflow", f"verdict {verdict.verdict}"),
            ("signed", None, report.consultant.full_name, "consultant"),
            ("returned", None, actor, "; ".join(remarks)),
        ]
        archive_report(
            self.parts,
            record_id=record_id,
            pdf=(workdir / "signed-consultant.pdf").read_bytes(),
            loaded=loaded,
            report=report,
            verdict=verdict,
            outcome="returned",
            events=events,
            remarks=remarks,
        )
        self.send_remarks(workdir, report, record_id, remarks, actor=actor)
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
    """The remarks of a returnable report (R-3.2e), one per defect, in the report's language;
    a defect the engine words in a way not known here keeps its clause and message."""
    remarks = []
    for defect in verdict.defects:
        match = re.match(r"activity (\d+)", defect.message)
        if defect.clause == "R-7.5" and match:
            number = int(match.group(1))
            activity = report.activities[number - 1]
            names = ", ".join(activity.evidence)
            named = _NAMED[report.locale].format(names) if names else ""
            remarks.append(
                _NO_EVIDENCE[report.locale].format(n=number, title=activity.title, names=named)
            )
        else:
            remarks.append(f"{defect.clause}: {defect.message}")
    return remarks


def write_json(path: Path, data: Any) -> None:
    write_bytes_atomic(path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))

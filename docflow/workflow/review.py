"""The officer's review queue (R-4.6): reports that need a human wait here as a state.

Approving runs the rest of the report's stages with the officer's decision: the rules again
with the decided points of "other" activities (R-3.1b), the officer's signature, the archive;
returning sends the report back with remarks (R-3.2e). Both go through the same flow.

Scaled out (``[queue] backend = "postgres"``, issue 18) the reports waiting for review are the
shared journal's, and each one's work folder is parked in the database by the worker that
judged it (``docflow.queue``): any node lists them and shows one after restoring the parked
folder into its own work root. A decision there does NOT run the flow on that node: it is
saved into the folder (``decision.json``, as for a report that then waits for a signature),
the folder is parked again with the row back in ``processing`` in one transaction (only if
the row is still in ``review``: two officers on two nodes never both decide), and the job is
deferred; a worker host runs the rest of the stages with the decision. Why: the stages after
the decision render the form again (LibreOffice), sign with the chamber's keys and archive,
which is what worker hosts are set up for; a watch or web node then needs neither
LibreOffice nor the signing keys, and a decision costs the officer a database write instead
of a render. The decision's outcome (archived, returned, awaiting a signature) shows in
``status`` and the review page once the worker is done.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docflow.errors import DocflowError
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Outcome
from docflow.intake.parse import LoadedSubmission, load_submission_bytes
from docflow.model import CpdReport
from docflow.rules import decided_points_problems
from docflow.workflow.flow import WHOLE, Decision, Flow, save_decision

if TYPE_CHECKING:
    from docflow.queue import ParkedWork


class NotInReview(DocflowError):
    """No report with that id is waiting for the officer."""


@dataclass(frozen=True)
class ReviewItem:
    id: str
    full_name: str | None
    iin: str | None
    year: int | None
    #: Why a person must look, as findings (``clause``, ``key``, ``params``, English
    #: ``message``): shown in each reader's language with ``docflow.i18n.finding_text``.
    reasons: list[dict[str, Any]]
    source: str
    received_at: str
    verdict: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "full_name": self.full_name,
            "iin": self.iin,
            "year": self.year,
            "reasons": self.reasons,
            "source": self.source,
            "received_at": self.received_at,
            "total_points": self.verdict.get("total_points"),
            "activities": self.verdict.get("activities", []),
            "findings": self.verdict.get("findings", []),
        }


class ReviewQueue:
    def __init__(self, flow: Flow):
        self.flow = flow
        self.services = flow.services
        self.work_root = flow.services.home.state / "work"
        #: The parked work folders when scaled out (the journal is the shared one).
        self.parked = _parked_work(flow.services.journal, self.work_root)

    def items(self) -> list[ReviewItem]:
        entries = self.services.journal.entries("review")
        if self.parked is not None:
            self.parked.ensure_many([e.token for e in entries])
        return [self._item(e) for e in entries]

    def get(self, item_id: str) -> ReviewItem:
        return self._item(self._entry(item_id))

    def evidence(self, item_id: str) -> dict[str, bytes]:
        entry = self._entry(item_id)
        return self._load(entry).evidence

    def _item(self, e: Entry) -> ReviewItem:
        workdir = self.work_root / e.token
        verdict = _read_json(workdir / "verdict.json")
        review = _read_json(workdir / "review.json")
        return ReviewItem(
            id=e.token,
            full_name=e.full_name,
            iin=e.iin,
            year=e.year,
            reasons=_reasons(review.get("reasons"), e.reason),
            source=e.source,
            received_at=e.received_at,
            verdict=verdict,
        )

    def _entry(self, item_id: str) -> Entry:
        entry = self.services.journal.find(item_id)
        if entry is None or entry.state != "review":
            raise NotInReview(f"no report {item_id!r} is waiting for review")
        if self.parked is not None:
            self.parked.ensure(entry.token)
        return entry

    def _load(self, entry: Entry) -> LoadedSubmission:
        workdir = self.work_root / entry.token
        raw = next(iter(sorted(workdir.glob("input*")))).read_bytes()
        return load_submission_bytes(
            entry.source, raw, base_dir=self.services.home.inbox, today=self.services.clock.today()
        )

    def approve(
        self,
        item_id: str,
        *,
        decided_points: Mapping[int, int] | None = None,
        officer: str = "",
        comment: str | None = None,
        exemption_accepted: bool | None = None,
    ) -> Outcome:
        """Countersign and archive. ``decided_points`` maps the activity's number as the
        officer sees it (from 1) → points granted to an "other" activity (R-3.1b); an "other"
        activity without a decision gets 0, never the claim. Unknown numbers are refused.
        ``comment``: the officer's comment for the A1 comment section (when the consultant
        disagreed with remarks); it goes into the form before the officer signs.
        ``exemption_accepted``: the officer's decision on a claimed R-7.4 exemption the roster
        does not confirm (True: exempt, stated on the form; False: the duty stands; None: not
        decided, and the report cannot be approved while its exemption waits)."""
        entry = self._entry(item_id)
        report = self._load(entry).model
        assert isinstance(report, CpdReport)
        decided = dict(decided_points or {})
        problems = decided_points_problems(report, decided)
        if problems:
            raise DocflowError("; ".join(p.message for p in problems))
        for number, activity in enumerate(report.activities, start=1):
            if activity.form == "other":
                decided.setdefault(number, 0)  # R-3.1b: no decision, no points
        if exemption_accepted is None and exemption_waits(self._item(entry).verdict):
            raise DocflowError(
                "R-7.4: the claimed exemption waits for the officer's decision: "
                "approve with --exemption accept or --exemption refuse"
            )
        decision = Decision(
            "approve",
            officer.strip(),  # empty: the chamber's officer who countersigns (cpd.Decide)
            decided_points=decided,
            comment=(comment or "").strip() or None,
            exemption_accepted=exemption_accepted,
        )
        return self._decide(entry, decision)

    def return_(self, item_id: str, *, remarks: str, officer: str = "") -> Outcome:
        """R-3.2e: back to the consultant with remarks; the correction becomes version 2."""
        if not remarks.strip():
            raise DocflowError("remarks are required when returning a report (R-3.2e)")
        entry = self._entry(item_id)
        decision = Decision(
            "return",
            officer.strip(),  # empty: the chamber's officer who countersigns (cpd.Decide)
            remarks=(remarks.strip(),),
        )
        return self._decide(entry, decision)

    def _decide(self, entry: Entry, decision: Decision) -> Outcome:
        workdir = self.work_root / entry.token
        if self.parked is not None:
            return self._hand_to_workers(entry, workdir, decision)
        outcome = self.flow.run(entry, workdir, WHOLE, decision=decision)
        if outcome.state == "review":
            raise DocflowError(f"{entry.token}: the decision did not end the review")
        self.services.journal.update(
            entry.token, state=outcome.state, record=outcome.record, reason=outcome.reason
        )
        if outcome.state != "awaiting_signature":
            # Waiting for a signature (the officer's own, or the consultant's on the form
            # with the officer's comment, issue 15) keeps the folder and the saved decision.
            shutil.rmtree(workdir, ignore_errors=True)
        return outcome

    def _hand_to_workers(self, entry: Entry, workdir: Path, decision: Decision) -> Outcome:
        """Scaled out: the decision saved in the parked folder, the row back to
        ``processing`` (one transaction, only from ``review``) and the job deferred; a worker
        host runs the rest (see the module's docstring)."""
        from docflow.queue import JobQueue
        from docflow.storage import QueueSettings

        assert self.parked is not None
        try:
            save_decision(workdir, decision)
            version = self.parked.park(
                entry.token,
                workdir,
                state="processing",
                reason=f"{decision.action}: decided by the officer, waiting for a worker",
                expect="review",
            )
        finally:
            # The worker parks the outcome; this copy would only be restored over.
            shutil.rmtree(workdir, ignore_errors=True)
        if version is None:
            raise NotInReview(f"report {entry.token!r} was decided meanwhile")
        # A node that dies here leaves a processing row without a job: the workers' sweep
        # defers it (docflow.queue.JobQueue.requeue_orphans).
        jobs = JobQueue(QueueSettings.from_home(self.services.home.root)).open()
        try:
            jobs.defer(entry.token)
        finally:
            jobs.close()
        return Outcome("processing", reason=f"{decision.action}: handed to the workers")


def _parked_work(journal: object, work_root: Path) -> ParkedWork | None:
    """The parked work folders of a shared journal (scaled out), else None (embedded)."""
    from docflow.inbox.journal import SqlJournal

    if not isinstance(journal, SqlJournal):
        return None
    from docflow.queue import ParkedWork

    return ParkedWork(journal, work_root)


def exemption_waits(verdict: Mapping[str, Any]) -> bool:
    """Whether the judged report claims an exemption nobody has confirmed yet (R-7.4)."""
    exemption = verdict.get("exemption")
    return (
        verdict.get("verdict") == "needs_review"
        and isinstance(exemption, Mapping)
        and exemption.get("confirmed_by") is None
    )


def _reasons(stored: object, reason: str | None) -> list[dict[str, Any]]:
    """The stored reasons as findings; a plain text (a queue written before they were
    findings) becomes a finding with only its English ``message``."""
    if not isinstance(stored, list):
        return [{"message": reason}] if reason else []
    return [r if isinstance(r, dict) else {"message": str(r)} for r in stored]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}

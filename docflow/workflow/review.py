"""The officer's review queue (R-4.6): reports that need a human wait here as a state.

Approving runs the rest of the report's stages with the officer's decision: the rules again
with the decided points of "other" activities (R-3.1b), the officer's signature, the archive;
returning sends the report back with remarks (R-3.2e). Both go through the same flow.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docflow.errors import DocflowError
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Outcome
from docflow.intake.parse import LoadedSubmission, load_submission_bytes
from docflow.model import CpdReport
from docflow.rules import decided_points_problems
from docflow.workflow.flow import WHOLE, Decision, Flow


class NotInReview(DocflowError):
    """No report with that id is waiting for the officer."""


@dataclass(frozen=True)
class ReviewItem:
    id: str
    full_name: str | None
    iin: str | None
    year: int | None
    reasons: list[str]
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

    def items(self) -> list[ReviewItem]:
        return [self._item(e) for e in self.services.journal.entries("review")]

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
            reasons=list(review.get("reasons", [e.reason] if e.reason else [])),
            source=e.source,
            received_at=e.received_at,
            verdict=verdict,
        )

    def _entry(self, item_id: str) -> Entry:
        entry = self.services.journal.find(item_id)
        if entry is None or entry.state != "review":
            raise NotInReview(f"no report {item_id!r} is waiting for review")
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
    ) -> Outcome:
        """Countersign and archive. ``decided_points`` maps the activity's number as the
        officer sees it (from 1) → points granted to an "other" activity (R-3.1b); an "other"
        activity without a decision gets 0, never the claim. Unknown numbers are refused.
        ``comment``: the officer's comment for the A1 comment section (when the consultant
        disagreed with remarks); it goes into the form before the officer signs."""
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
        decision = Decision(
            "approve",
            officer or self.services.directory.officer_name(),
            decided_points=decided,
            comment=(comment or "").strip() or None,
        )
        return self._decide(entry, decision)

    def return_(self, item_id: str, *, remarks: str, officer: str = "") -> Outcome:
        """R-3.2e: back to the consultant with remarks; the correction becomes version 2."""
        if not remarks.strip():
            raise DocflowError("remarks are required when returning a report (R-3.2e)")
        entry = self._entry(item_id)
        decision = Decision(
            "return",
            officer or self.services.directory.officer_name(),
            remarks=(remarks.strip(),),
        )
        return self._decide(entry, decision)

    def _decide(self, entry: Entry, decision: Decision) -> Outcome:
        workdir = self.work_root / entry.token
        outcome = self.flow.run(entry, workdir, WHOLE, decision=decision)
        if outcome.state == "review":
            raise DocflowError(f"{entry.token}: the decision did not end the review")
        self.services.journal.update(
            entry.token, state=outcome.state, record=outcome.record, reason=outcome.reason
        )
        shutil.rmtree(workdir, ignore_errors=True)
        return outcome


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}

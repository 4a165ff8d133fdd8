"""The ``event-certificates`` kind through the inbox: issue every participant's certificate
(docflow.certificates.issue_batch) and archive it, resuming from the work folder after a crash.
"""

from __future__ import annotations

import json
from pathlib import Path

from docflow.errors import NotEnrolled, SubmissionInvalid
from docflow.intake.parse import LoadedSubmission
from docflow.model import EventCertificates
from docflow.workflow.journal import Entry
from docflow.workflow.parts import Parts
from docflow.workflow.runner import Outcome

__all__ = ["run_certificates"]


def run_certificates(
    parts: Parts,
    entry: Entry,
    workdir: Path,
    loaded: LoadedSubmission,
    model: EventCertificates,
) -> Outcome:
    """Issue, sign and archive one certificate per participant; ``archived`` with the serials.

    Checkpoints live in ``workdir/certificates/``; serials follow from the input's bytes, so a
    run after ``kill -9`` finishes the batch without issuing anything twice.
    """
    from docflow.certificates import issue_batch
    from docflow.workflow.cpd import rejection_text

    parts.journal.update(
        entry.token,
        stage="checked",
        kind="event-certificates",
        full_name=model.event.title,
        year=model.event.date.year,
    )
    try:
        result = issue_batch(
            parts,
            loaded,
            model,
            workdir=workdir / "certificates",
            received_at=entry.received_at,
        )
    except NotEnrolled as exc:
        return Outcome(
            "rejected",
            reason="issuer not enrolled: enroll first",
            error_text=rejection_text(entry.source, [f"issuer: {exc}"]),
        )
    except SubmissionInvalid as exc:
        return Outcome(
            "rejected",
            reason=f"invalid input: {len(exc.problems)} problem(s)",
            error_text=rejection_text(entry.source, [str(p) for p in exc.problems]),
        )
    serials = result.serials
    parts.journal.update(entry.token, stage="archived", details=json.dumps(serials))
    return Outcome(
        "archived",
        record=serials[0] if serials else None,
        reason=f"{len(serials)} certificates issued ({result.new_count} new in this run)",
    )

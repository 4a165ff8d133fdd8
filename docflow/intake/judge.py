"""The one way docflow judges a parsed input: its kind's rules hook (``docflow check``, the
inbox's judge stage and the officer's review all call ``judge``), kept light so that ``check``
never loads the flow's services."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from docflow.intake.parse import LoadedSubmission
from docflow.kinds import DocumentKind, Verdict

__all__ = ["judge"]


def judge(
    kind: DocumentKind,
    loaded: LoadedSubmission,
    *,
    today: date,
    evidence_problems: Mapping[str, object] | None = None,
    decided_points: Mapping[int, int] | None = None,
) -> Verdict | None:
    """The kind's rules hook applied to ``loaded`` (None for a kind without rules).

    ``today``: the filing day (R-3.2d); ``evidence_problems``: attached files that are not valid
    evidence (R-7.5), found by whoever can check them against the archive; ``decided_points``:
    the officer's points per activity number (R-3.1b)."""
    hook = kind.rules_hook()
    if hook is None:
        return None
    return hook(
        loaded.model,
        today=today,
        evidence_names=loaded.evidence_names,
        evidence_problems=dict(evidence_problems or {}),
        decided_points=decided_points,
    )

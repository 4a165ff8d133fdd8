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
    filed_on: date,
    evidence_problems: Mapping[str, object] | None = None,
    decided_points: Mapping[int, int] | None = None,
    roster_exemption: object | None = None,
    exemption_accepted: bool | None = None,
) -> Verdict | None:
    """The kind's rules hook applied to ``loaded`` (None for a kind without rules).

    ``filed_on``: the filing day (R-3.2d: the day docflow received the input, never a date
    typed into it); ``evidence_problems``: attached files that are not valid evidence (R-7.5),
    found by whoever can check them against the archive; ``decided_points``: the officer's
    points per activity number (R-3.1b); ``roster_exemption``: what the chamber's roster records
    for the filer (R-7.4, ``docflow.rules.RosterExemption``); ``exemption_accepted``: the
    officer's decision on a claimed exemption (R-7.4; None: not decided)."""
    hook = kind.rules_hook()
    if hook is None:
        return None
    # The facts go only to a hook that has them to judge (the CPD report's): every
    # other kind's hook takes the common arguments.
    extra: dict[str, object] = {}
    if roster_exemption is not None:
        extra["roster_exemption"] = roster_exemption
    if exemption_accepted is not None:
        extra["exemption_accepted"] = exemption_accepted
    return hook(
        loaded.model,
        filed_on=filed_on,
        evidence_names=loaded.evidence_names,
        evidence_problems=dict(evidence_problems or {}),
        decided_points=decided_points,
        **extra,
    )

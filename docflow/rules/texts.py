"""The rules' words on the documents a person signs or receives, in the report's language.

Pure: from a verdict (and the report) to text. ``defect_remarks`` is the remarks letter of a
returned report (R-3.2e), each remark giving the real reason; ``exemption_statement`` is what
the A1 form says of an exempt report (R-7.4), so it never looks like a failed 0-point report;
``comment_section`` is the A1 comment section once the consultant disagrees with remarks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from docflow.i18n import message
from docflow.model import CpdReport
from docflow.rules.cpd import CpdVerdict

__all__ = ["comment_section", "defect_remarks", "exemption_statement"]


def defect_remarks(report: CpdReport, verdict: CpdVerdict, locale: str | None = None) -> list[str]:
    """One remark per defect (R-3.2e), in ``locale`` (default: the report's). A certificate
    issued to another person is said to be that, not "not attached"."""
    lang = locale or report.locale
    remarks = []
    for defect in verdict.defects:
        number = defect.activity
        if defect.clause == "R-7.5" and number is not None:
            title = report.activities[number - 1].title
            if defect.key == "rules.r75_not_valid":
                remarks.append(
                    message(
                        "remarks.invalid_evidence",
                        lang,
                        number=number,
                        title=title,
                        name=defect.params.get("name", ""),
                        issue=defect.params.get("issue", ""),
                    )
                )
                continue
            names = ", ".join(defect.evidence)
            named = message("remarks.named", lang, names=names) if names else ""
            remarks.append(
                message("remarks.no_evidence", lang, number=number, title=title, names=named)
            )
        else:
            remarks.append(
                message("remarks.other", lang, clause=defect.clause, text=defect.text(lang))
            )
    return remarks


def exemption_statement(exemption: Mapping[str, Any] | None, year: int, locale: str) -> str | None:
    """The A1 form's statement of an R-7.4 exemption: its ground and period (None when the
    report is not exempt on an R-7.4 ground). ``exemption`` is ``CpdVerdict.exemption``."""
    if not exemption or exemption.get("reason") not in (
        "maternity_leave",
        "childcare_leave",
        "suspended",
    ):
        return None
    start = exemption.get("from")
    end = exemption.get("to")
    return message(
        "form.exemption",
        locale,
        year=year,
        ground=exemption["reason"],
        start=date.fromisoformat(start) if isinstance(start, str) else start,
        end=date.fromisoformat(end) if isinstance(end, str) else end,
    )


def comment_section(
    disagreement: str | None, officer_comment: str | None, locale: str
) -> str | None:
    """The A1 comment section: filled only when the consultant disagrees with the officer's
    remarks (A1); then it holds the disagreement and the officer's comment on it."""
    text = (disagreement or "").strip()
    if not text:
        return (officer_comment or "").strip() or None
    parts = [message("form.disagreement", locale, text=text)]
    if (officer_comment or "").strip():
        parts.append((officer_comment or "").strip())
    return "\n".join(parts)

"""One builder of CPD report submissions (the CONTRACT's input shape), in kk or ru."""

from __future__ import annotations

from typing import Any

from docflow.pki.testing import CONSULTANT_IIN

CHAMBERS = {
    "kk": "Алматы қаласының заң консультанттары палатасы",
    "ru": "Палата юридических консультантов города Алматы",
}
NAMES = {"kk": "Сейітқали Әсел Нұрланқызы", "ru": "Иванова Мария Петровна"}


def activity(
    form: int | str, title: str, date: str, *, organizer: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "form": form,
        "title": title,
        "organizer": organizer or CHAMBERS["kk"],
        "date": date,
        **extra,
    }


def report_submission(
    locale: str = "kk",
    *,
    activities: list[dict[str, Any]] | None = None,
    full_name: str | None = None,
    year: int = 2025,
    **changes: Any,
) -> dict[str, Any]:
    """A valid report for ``year`` by the demo consultant (``CONSULTANT_IIN``); ``changes``
    replace top-level keys."""
    report: dict[str, Any] = {
        "kind": "cpd-report",
        "year": year,
        "locale": locale,
        "submitted_on": f"{year + 1}-02-10",
        "consultant": {
            "full_name": full_name or NAMES[locale],
            "iin": CONSULTANT_IIN,
            "chamber": CHAMBERS[locale],
            "member_since": "2019-03-01",
        },
        "exemption": None,
        "activities": activities
        if activities is not None
        else [
            activity(
                2, "Азаматтық процестегі соңғы өзгерістер", f"{year}-03-14",
                evidence=["evidence/seminar.pdf"],
            )
        ],
    }  # fmt: skip
    report.update(changes)
    return report

"""The summaries' documents as inputs of the generic flow (issue 12): what ``docflow summary``
and ``docflow sanctions`` decided, written as a submission of the kinds ``chamber-summary``,
``collegium-summary``, ``warning-notice`` and ``suspension-notice`` (``docflow/kinds/``).

The decisions are made here, in the command's process, by the pure modules (``chamber``,
``collegium``, ``sanctions``); the flow's stages, in a worker process, only render, convert,
sign and archive what the job says. These kinds are never taken from the inbox
(``inbox = false``): a job enters the journal through a local door only
(``docflow.workflow.local``), so nobody can have a chair's signature put under numbers of their
own by dropping a file.

A job's bytes are canonical (``job_bytes``): the same decision made twice is the same input,
which the journal takes once (a duplicate), so a summary is never archived twice.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from docflow.summaries.chamber import ChamberSummary
from docflow.summaries.collegium import CollegiumSummary
from docflow.summaries.sanctions import SanctionCase

__all__ = [
    "NOTICE_KINDS",
    "ChamberSummaryJob",
    "CollegiumSummaryJob",
    "NoticeJob",
    "case_from_json",
    "chamber_job",
    "collegium_job",
    "job_bytes",
    "job_name",
    "notice_job",
]

#: R-9.1 action -> the kind of its notice (and the record kind it is archived as).
NOTICE_KINDS = {
    "warn": ("warning-notice", "warning"),
    "suspend": ("suspension-notice", "suspension"),
}

Locale = Literal["kk", "ru"]


class _Job(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChamberSummaryJob(_Job):
    """R-4.7: the chamber's summary (``ChamberSummary.to_json``), signed by its chair."""

    kind: Literal["chamber-summary"]
    locale: Locale
    year: int
    chamber_id: str
    summary: dict[str, Any]

    def decoded(self) -> ChamberSummary:
        return ChamberSummary.from_json(self.summary, chamber_id=self.chamber_id)

    @property
    def record_kind(self) -> str:
        return "chamber-summary"


class CollegiumSummaryJob(_Job):
    """R-5.5, R-5.6: the Collegium's summary with its charts (PNG, base64), signed by the
    Collegium's chair."""

    kind: Literal["collegium-summary"]
    locale: Locale
    year: int
    produced_on: date
    summary: dict[str, Any]
    charts: dict[str, str]

    def decoded(self) -> CollegiumSummary:
        return CollegiumSummary.from_json(self.summary)

    def chart_images(self) -> dict[str, bytes]:
        return {name: base64.b64decode(png) for name, png in self.charts.items()}

    @property
    def record_kind(self) -> str:
        return "collegium-summary"


class NoticeJob(_Job):
    """R-9.1a/b: a warning or suspension notice to one member, signed by a chair of his
    chamber who is not himself."""

    kind: Literal["warning-notice", "suspension-notice"]
    locale: Locale
    year: int
    iin: str
    chamber_id: str
    case: dict[str, Any]
    #: The member's points for the year (the warning states them), None when he filed none.
    points: int | None = None
    required_points: int
    issued_on: date

    def decoded(self) -> SanctionCase:
        return case_from_json(self.case)

    @property
    def record_kind(self) -> str:
        return "warning" if self.kind == "warning-notice" else "suspension"


def case_from_json(data: Mapping[str, Any]) -> SanctionCase:
    """The case ``SanctionCase.to_json`` wrote."""

    def day(key: str) -> date | None:
        value = data.get(key)
        return date.fromisoformat(value) if value else None

    warned_on, due_on = day("warned_on"), day("due_on")
    assert warned_on is not None and due_on is not None
    return SanctionCase(
        chamber=str(data["chamber"]),
        iin=str(data["iin"]),
        year=int(data["year"]),
        full_name=str(data["full_name"]),
        reason=str(data["reason"]),
        state=str(data["state"]),
        warned_on=warned_on,
        due_on=due_on,
        warning_record=data.get("warning_record"),
        cured_on=day("cured_on"),
        cure_record=data.get("cure_record"),
        suspended_from=day("suspended_from"),
        suspended_to=day("suspended_to"),
        suspension_record=data.get("suspension_record"),
        locale=str(data.get("locale") or "kk"),
    )


def chamber_job(summary: ChamberSummary, *, locale: str, chamber_id: str) -> ChamberSummaryJob:
    """The summary's document for the chamber ``chamber_id`` (its registered id)."""
    return ChamberSummaryJob(
        kind="chamber-summary",
        locale=locale,  # type: ignore[arg-type]
        year=summary.year,
        chamber_id=chamber_id,
        summary=summary.to_json(),
    )


def collegium_job(
    summary: CollegiumSummary, *, locale: str, produced_on: date, charts: Mapping[str, bytes]
) -> CollegiumSummaryJob:
    return CollegiumSummaryJob(
        kind="collegium-summary",
        locale=locale,  # type: ignore[arg-type]
        year=summary.year,
        produced_on=produced_on,
        summary=summary.to_json(),
        charts={name: base64.b64encode(png).decode("ascii") for name, png in charts.items()},
    )


def notice_job(
    action: str,
    case: SanctionCase,
    *,
    chamber_id: str,
    points: int | None,
    required_points: int,
    issued_on: date,
) -> NoticeJob:
    """The notice an R-9.1 ``action`` (``warn`` or ``suspend``) issues for ``case``."""
    kind = NOTICE_KINDS[action][0]
    return NoticeJob(
        kind=kind,  # type: ignore[arg-type]
        locale=case.locale,  # type: ignore[arg-type]
        year=case.year,
        iin=case.iin,
        chamber_id=chamber_id,
        case=case.to_json(),
        points=points,
        required_points=required_points,
        issued_on=issued_on,
    )


def job_bytes(job: BaseModel) -> bytes:
    """The job as the flow's input: canonical JSON (the same job, the same bytes)."""
    data = job.model_dump(mode="json")
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def job_name(job: ChamberSummaryJob | CollegiumSummaryJob | NoticeJob) -> str:
    """The input's name in the journal (``docflow status``): what it is, never a path."""
    if isinstance(job, ChamberSummaryJob):
        return f"chamber-summary-{job.year}-{job.chamber_id}-{job.locale}.json"
    if isinstance(job, CollegiumSummaryJob):
        return f"collegium-summary-{job.year}-{job.locale}.json"
    return f"{job.record_kind}-{job.year}-{job.iin}.json"

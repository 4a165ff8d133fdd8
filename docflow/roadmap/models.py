"""Input models of the roadmap's document kinds (RULES.md Part M; kinds in
``docflow/kinds/roadmap-*.toml``). Validation is structural; the rules hooks
(``docflow.roadmap.rules``) judge them against the roadmap's data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from docflow.model import EvidencePath, Iin, NonEmpty

__all__ = [
    "DirectionId",
    "Material",
    "Member",
    "Person",
    "PlanStep",
    "QuarterIndicators",
    "RoadmapConsolidated",
    "RoadmapDecision",
    "RoadmapPackage",
    "RoadmapQuarterly",
    "RoadmapSupport",
    "RoadmapSupportConfirmation",
    "RoadmapSupportLetter",
    "SupportEntry",
]

DirectionId = Literal["M-2.1", "M-2.2", "M-2.3", "M-2.4", "M-2.5", "M-2.6", "M-2.7"]
Locale = Literal["kk", "ru"]
Share = float  # percent, 0..100
_STRICT = ConfigDict(extra="forbid")


class Person(BaseModel):
    model_config = _STRICT
    full_name: NonEmpty
    iin: Iin


class Member(BaseModel):
    """A member of a working group (M-pkg, M-dec)."""

    model_config = _STRICT
    full_name: NonEmpty
    position: NonEmpty


class PlanStep(BaseModel):
    model_config = _STRICT
    due: date
    what: NonEmpty


class Material(BaseModel):
    """One material of the package: a title and its file inside the ZIP, embedded into the
    cover document as a PDF/A-3 associated file (as a report's evidence is)."""

    model_config = _STRICT
    title: NonEmpty
    file: EvidencePath


class RoadmapPackage(BaseModel):
    """M-pkg: the package a direction puts before the Presidium."""

    model_config = _STRICT
    kind: Literal["roadmap-package"]
    locale: Locale
    direction: DirectionId
    package_no: NonEmpty
    submitted_on: date
    legal_justification: NonEmpty
    draft_concepts: list[NonEmpty] = Field(min_length=1)
    working_group: list[Member] = Field(min_length=1)
    calendar_plan: list[PlanStep] = Field(min_length=1)
    materials: list[Material] = Field(min_length=1)
    consultations_format: NonEmpty
    responsible: Person

    def evidence_paths(self) -> Iterator[str]:
        """The files the intake reads from the ZIP (``docflow.intake.parse``)."""
        for material in self.materials:
            yield material.file


class RoadmapDecision(BaseModel):
    """M-dec: the Presidium's decision on a direction's package, signed by its chair."""

    model_config = _STRICT
    kind: Literal["roadmap-decision"]
    locale: Locale
    direction: DirectionId
    decision_no: NonEmpty
    decided_on: date
    outcome: Literal["approve", "rework"]
    package: NonEmpty | None = None  # the package's record id
    rework_reasons: list[NonEmpty] = []
    working_group: list[Member] = []
    calendar_plan: list[PlanStep] = []
    responsible: Person
    coordinator: Person
    chair: Person


class RoadmapSupportLetter(BaseModel):
    """M-2.6q: the chair's letter asking one territorial collegium to consider the initiative
    and give its position by ``answer_by``."""

    model_config = _STRICT
    kind: Literal["roadmap-support-letter"]
    locale: Locale
    direction: DirectionId
    letter_no: NonEmpty
    sent_on: date
    collegium: NonEmpty  # body id from roadmap_collegia.yaml
    answer_by: date
    decision: NonEmpty  # the Presidium decision's number
    chair: Person


class RoadmapSupport(BaseModel):
    """M-2.6q: a territorial collegium's official decision, signed by its chair."""

    model_config = _STRICT
    kind: Literal["roadmap-support"]
    locale: Locale
    direction: DirectionId
    collegium: NonEmpty
    decision_no: NonEmpty
    decided_on: date
    organ: Literal["conference", "presidium", "general_meeting"]
    position: Literal["supports", "does_not_support"]
    reasons: str = ""
    chair: Person


class SupportEntry(BaseModel):
    model_config = _STRICT
    collegium: NonEmpty
    name: NonEmpty
    decision_no: NonEmpty
    decided_on: date
    chair: NonEmpty
    record: NonEmpty
    late: bool = False


class RoadmapSupportConfirmation(BaseModel):
    """M-2.6q: "support confirmed" — made by docflow the moment ceil(2/3·N) collegia support;
    lists them; signed by the RBA's chair. Never dropped into the inbox."""

    model_config = _STRICT
    kind: Literal["roadmap-support-confirmation"]
    locale: Locale
    direction: DirectionId
    confirmed_on: date
    total: int
    needed: int
    supporting: list[SupportEntry]
    chair: Person


class QuarterIndicators(BaseModel):
    model_config = _STRICT
    readiness: Literal["not_started", "drafting", "under_consultation", "agreed", "submitted"]
    proposals_ready: int = Field(ge=0)
    proposals_total: int = Field(ge=0)
    consultations_held: int = Field(ge=0)
    agreed_share: Share = Field(ge=0, le=100)


class RoadmapQuarterly(BaseModel):
    """M-qr: a direction's quarterly report."""

    model_config = _STRICT
    kind: Literal["roadmap-quarterly"]
    locale: Locale
    direction: DirectionId
    year: int = Field(ge=2025, le=2030)
    quarter: int = Field(ge=1, le=4)
    submitted_on: date
    indicators: QuarterIndicators
    documents_prepared: int = Field(ge=0)
    notes: str = ""
    responsible: Person
    coordinator: Person


class ConsolidatedRow(BaseModel):
    model_config = _STRICT
    direction: DirectionId
    documents_prepared: int = Field(ge=0)
    consultations_held: int = Field(ge=0)
    positions_agreed: int = Field(ge=0)
    drafts_submitted: int = Field(ge=0)
    drafts_considered: int = Field(ge=0)


class RoadmapConsolidated(BaseModel):
    """M-qr: the consolidated report over every direction, at least quarterly."""

    model_config = _STRICT
    kind: Literal["roadmap-consolidated"]
    locale: Locale
    year: int = Field(ge=2025, le=2030)
    quarter: int = Field(ge=1, le=4)
    submitted_on: date
    rows: list[ConsolidatedRow] = Field(min_length=1)
    responsible: Person
    coordinator: Person

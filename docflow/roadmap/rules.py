"""The rules hooks of the roadmap's kinds: each judges one input against the roadmap's data
(``docflow/data/roadmap*.yaml``) and returns a ``RoadmapVerdict``. Pure: no I/O beyond the
packaged data, ``today`` passed in. Messages read in Kazakh, Russian and English.

Who actually signed (a collegium's chair, the Presidium's chair) is not judged here: it is
the signing certificate's office, read from the signed PDF (``docflow.roadmap.support``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from docflow.roadmap.directions import Direction, Roadmap, load_roadmap, quarter_end
from docflow.roadmap.models import (
    Person,
    RoadmapConsolidated,
    RoadmapDecision,
    RoadmapPackage,
    RoadmapQuarterly,
    RoadmapSupport,
    RoadmapSupportConfirmation,
    RoadmapSupportLetter,
)
from docflow.roadmap.workdays import add_working_days

__all__ = ["RoadmapFinding", "RoadmapVerdict", "accompanying_file_due", "judge_roadmap"]

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class RoadmapFinding:
    clause: str
    message: str  # "kk / ru / en"
    severity: Severity
    field: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "severity": self.severity,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True)
class RoadmapVerdict:
    """``valid`` (exit 0) or ``non_compliant`` (exit 1: an error finding), with ``late``."""

    kind: str
    direction: str | None
    findings: tuple[RoadmapFinding, ...]
    late: bool = False
    facts: dict[str, Any] = field(default_factory=dict)
    rule_version: str = ""

    @property
    def verdict(self) -> str:
        return "non_compliant" if any(f.severity == "error" for f in self.findings) else "valid"

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "kind": self.kind,
            "direction": self.direction,
            "late": self.late,
            "rule_version": self.rule_version,
            "facts": self.facts,
            "findings": [f.to_json() for f in self.findings],
        }


def _msg(kk: str, ru: str, en: str) -> str:
    return f"{kk} / {ru} / {en}"


def _owner_findings(
    direction: Direction, responsible: Person, coordinator: Person | None
) -> list[RoadmapFinding]:
    """M-org: one responsible Presidium member and one staff coordinator per direction."""
    out = []
    if responsible.iin != direction.responsible.iin:
        out.append(
            RoadmapFinding(
                "M-org",
                _msg(
                    f"{direction.id} бағыты бойынша жауапты Президиум мүшесі — "
                    f"{direction.responsible.full_name}, {responsible.full_name} емес",
                    f"ответственный член Президиума по направлению {direction.id} — "
                    f"{direction.responsible.full_name}, а не {responsible.full_name}",
                    f"the responsible Presidium member of {direction.id} is "
                    f"{direction.responsible.full_name}",
                ),
                "error",
                "responsible.iin",
            )
        )
    if coordinator is not None and coordinator.iin != direction.coordinator.iin:
        out.append(
            RoadmapFinding(
                "M-org",
                _msg(
                    f"{direction.id} бағыты бойынша үйлестіруші — "
                    f"{direction.coordinator.full_name}, {coordinator.full_name} емес",
                    f"координатор направления {direction.id} — "
                    f"{direction.coordinator.full_name}, а не {coordinator.full_name}",
                    f"the coordinator of {direction.id} is {direction.coordinator.full_name}",
                ),
                "error",
                "coordinator.iin",
            )
        )
    return out


def accompanying_file_due(decided_on: date, roadmap: Roadmap | None = None) -> tuple[date, date]:
    """M-10-15: the accompanying file opens within 10–15 working days of approval: the
    earliest and the latest due day."""
    low, high = (roadmap or load_roadmap()).working_days
    return add_working_days(decided_on, low), add_working_days(decided_on, high)


def _support_direction(direction: Direction, field_name: str) -> list[RoadmapFinding]:
    if direction.support:
        return []
    return [
        RoadmapFinding(
            "M-2.6q",
            _msg(
                f"{direction.id} бағыты аумақтық алқалардың қолдауын қажет етпейді "
                "(тек M-2.6 және M-2.7)",
                f"направлению {direction.id} поддержка территориальных коллегий не нужна "
                "(только M-2.6 и M-2.7)",
                f"{direction.id} needs no support of the territorial collegia (M-2.6, M-2.7 only)",
            ),
            "error",
            field_name,
        )
    ]


def _unknown_collegium(value: str, roadmap: Roadmap) -> list[RoadmapFinding]:
    if roadmap.collegium(value) is not None:
        return []
    known = ", ".join(c.id for c in roadmap.collegia)
    return [
        RoadmapFinding(
            "M-2.6q",
            _msg(
                f"«{value}» аумақтық алқасы белгісіз; белгілілері: {known}",
                f"территориальная коллегия «{value}» неизвестна; известны: {known}",
                f"unknown territorial collegium «{value}»",
            ),
            "error",
            "collegium",
        )
    ]


def judge_roadmap(
    model: BaseModel,
    *,
    today: date,
    evidence_names: set[str] | frozenset[str] = frozenset(),
    evidence_problems: Mapping[str, str] | None = None,
    decided_points: Any = None,
) -> RoadmapVerdict:
    """The rules hook of every roadmap kind (``rules = "docflow.roadmap.rules:judge_roadmap"``)."""
    roadmap = load_roadmap()
    kind = str(getattr(model, "kind", ""))
    direction_id = getattr(model, "direction", None)
    direction = roadmap.direction(direction_id) if direction_id else None
    findings: list[RoadmapFinding] = []
    facts: dict[str, Any] = {}
    late = False
    if isinstance(model, RoadmapPackage):
        assert direction is not None
        findings += _owner_findings(direction, model.responsible, None)
        for i, material in enumerate(model.materials):
            if material.file not in evidence_names:
                findings.append(
                    RoadmapFinding(
                        "M-pkg",
                        _msg(
                            f"«{material.title}» материалының файлы {material.file} жоқ",
                            f"нет файла {material.file} материала «{material.title}»",
                            f"the file {material.file} of material «{material.title}» is missing",
                        ),
                        "error",
                        f"materials[{i}].file",
                    )
                )
        if model.submitted_on > direction.first_decision_by:
            late = True
            findings.append(_late_first_decision(direction, "submitted_on"))
    elif isinstance(model, RoadmapDecision):
        assert direction is not None
        findings += _owner_findings(direction, model.responsible, model.coordinator)
        if model.chair.iin != roadmap.chair.iin:
            findings.append(
                RoadmapFinding(
                    "M-dec",
                    _msg(
                        f"Президиум шешіміне РАА Төрағасы {roadmap.chair.full_name} қол қояды",
                        f"решение Президиума подписывает Председатель РКА "
                        f"{roadmap.chair.full_name}",
                        f"the Presidium's decision is signed by the chair "
                        f"{roadmap.chair.full_name}",
                    ),
                    "error",
                    "chair.iin",
                )
            )
        if model.outcome == "approve":
            for name, value in (("working_group", model.working_group),
                                ("calendar_plan", model.calendar_plan)):  # fmt: skip
                if not value:
                    findings.append(
                        RoadmapFinding(
                            "M-dec",
                            _msg(
                                "мақұлдау жұмыс тобының құрамын және күнтізбелік жоспарды бекітеді",
                                "одобрение утверждает состав рабочей группы и календарный план",
                                "an approval approves the working group and the calendar plan",
                            ),
                            "error",
                            name,
                        )
                    )
            earliest, latest = accompanying_file_due(model.decided_on, roadmap)
            facts["accompanying_file_due"] = {
                "earliest": earliest.isoformat(),
                "latest": latest.isoformat(),
            }
        elif not model.rework_reasons:
            findings.append(
                RoadmapFinding(
                    "M-dec",
                    _msg(
                        "қайта пысықтауға жіберу себептерін көрсетіңіз",
                        "укажите причины направления на доработку",
                        "give the reasons for sending the package back for rework",
                    ),
                    "error",
                    "rework_reasons",
                )
            )
        if model.decided_on > direction.first_decision_by:
            late = True
            findings.append(_late_first_decision(direction, "decided_on"))
    elif isinstance(model, RoadmapSupportLetter):
        assert direction is not None
        findings += _support_direction(direction, "direction")
        findings += _unknown_collegium(model.collegium, roadmap)
        if model.answer_by <= model.sent_on:
            findings.append(
                RoadmapFinding(
                    "M-2.6q",
                    _msg(
                        "ұстанымды ұсыну мерзімі хат жолданған күннен кейін болуы тиіс",
                        "срок представления позиции должен быть позже даты письма",
                        "the answer date must follow the letter's date",
                    ),
                    "error",
                    "answer_by",
                )
            )
    elif isinstance(model, RoadmapSupport):
        assert direction is not None
        findings += _support_direction(direction, "direction")
        findings += _unknown_collegium(model.collegium, roadmap)
        if model.decided_on > today:
            findings.append(
                RoadmapFinding(
                    "M-2.6q",
                    _msg(
                        "шешім күні болашақта",
                        "дата решения в будущем",
                        "the decision's date is in the future",
                    ),
                    "error",
                    "decided_on",
                )
            )
    elif isinstance(model, RoadmapQuarterly):
        assert direction is not None
        findings += _owner_findings(direction, model.responsible, model.coordinator)
        ind = model.indicators
        if ind.proposals_ready > ind.proposals_total:
            findings.append(
                RoadmapFinding(
                    "M-qr",
                    _msg(
                        "дайын ұсыныстар саны барлық ұсыныстар санынан көп",
                        "готовых предложений больше, чем всех",
                        "more proposals ready than proposals in all",
                    ),
                    "error",
                    "indicators.proposals_ready",
                )
            )
        late = _late_report(model.year, model.quarter, model.submitted_on, findings)
        checkpoint = roadmap.checkpoint(model.quarter) if model.year == roadmap.plan_year else None
        if checkpoint is not None:
            below = (
                model.documents_prepared < checkpoint.documents
                or ind.consultations_held < checkpoint.consultations
                or ind.agreed_share < checkpoint.agreed_share
            )
            facts["checkpoint"] = {
                "documents": checkpoint.documents,
                "consultations": checkpoint.consultations,
                "agreed_share": checkpoint.agreed_share,
                "met": not below,
            }
            if below:
                findings.append(
                    RoadmapFinding(
                        "M-org",
                        _msg(
                            f"{model.quarter}-тоқсанның бақылау нүктесіне жетпеді",
                            f"контрольная точка {model.quarter} квартала не достигнута",
                            f"below the plan's checkpoint of quarter {model.quarter}",
                        ),
                        "warning",
                    )
                )
    elif isinstance(model, RoadmapConsolidated):
        seen: set[str] = set()
        for i, row in enumerate(model.rows):
            if row.direction in seen:
                findings.append(
                    RoadmapFinding(
                        "M-qr",
                        _msg(
                            f"{row.direction} бағыты екі рет",
                            f"направление {row.direction} указано дважды",
                            f"{row.direction} is listed twice",
                        ),
                        "error",
                        f"rows[{i}].direction",
                    )
                )
            seen.add(row.direction)
            if row.drafts_considered > row.drafts_submitted:
                findings.append(
                    RoadmapFinding(
                        "M-qr",
                        _msg(
                            "қаралған жобалар жолданғандардан көп",
                            "рассмотренных проектов больше, чем направленных",
                            "more drafts considered than submitted",
                        ),
                        "error",
                        f"rows[{i}].drafts_considered",
                    )
                )
        submitted = sum(r.drafts_submitted for r in model.rows)
        considered = sum(r.drafts_considered for r in model.rows)
        facts["considered_share"] = round(100 * considered / submitted, 1) if submitted else 0.0
        late = _late_report(model.year, model.quarter, model.submitted_on, findings)
    elif isinstance(model, RoadmapSupportConfirmation):
        pass
    return RoadmapVerdict(
        kind=kind,
        direction=direction_id,
        findings=tuple(findings),
        late=late,
        facts=facts,
        rule_version=roadmap.version,
    )


def _late_first_decision(direction: Direction, field_name: str) -> RoadmapFinding:
    text = direction.first_decision_text
    return RoadmapFinding(
        "M-dec",
        _msg(
            f"алғашқы шешім мерзімі өтті: {text['kk']}",
            f"срок первого решения пропущен: {text['ru']}",
            f"past the first decision's deadline {direction.first_decision_by.isoformat()}",
        ),
        "warning",
        field_name,
    )


def _late_report(year: int, quarter: int, submitted: date, findings: list[RoadmapFinding]) -> bool:
    """M-qr: a quarterly report filed after its quarter's end is late (flagged, not refused)."""
    end = quarter_end(year, quarter)
    if submitted <= end:
        return False
    findings.append(
        RoadmapFinding(
            "M-qr",
            _msg(
                f"есеп кешікті: {year} жылғы {quarter}-тоқсан {end.isoformat()} аяқталды",
                f"отчёт опоздал: {quarter} квартал {year} года закончился {end.isoformat()}",
                f"late: quarter {quarter} of {year} ended on {end.isoformat()}",
            ),
            "warning",
            "submitted_on",
        )
    )
    return True

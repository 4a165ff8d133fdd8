"""Where each direction of the roadmap stands (``docflow roadmap status``, the ``/roadmap``
page): its stage, its next deadline (overdue or not), the collegia's support
"k of N (need M)" and its quarterly indicators over time, read from the archive.
Also the reminders before each quarter's end (M-qr)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from docflow.config import Home
from docflow.roadmap.directions import Direction, Roadmap, load_roadmap, quarter_end
from docflow.roadmap.support import SupportTally, support_state

__all__ = [
    "STAGE_NAMES",
    "DirectionStatus",
    "QuarterPoint",
    "Reminder",
    "due_reminders",
    "roadmap_status",
]

#: The stages of a direction, in order, with their names (kk, ru, en).
STAGE_NAMES: dict[str, dict[str, str]] = {
    "awaiting_package": {
        "kk": "топтама күтілуде",
        "ru": "ожидается пакет",
        "en": "awaiting the package",
    },
    "before_presidium": {
        "kk": "Президиумның қарауында",
        "ru": "на рассмотрении Президиума",
        "en": "before the Presidium",
    },
    "rework": {
        "kk": "қайта пысықтауға жіберілді",
        "ru": "направлено на доработку",
        "en": "sent back for rework",
    },
    "approved": {"kk": "мақұлданды", "ru": "одобрено", "en": "approved"},
    "collecting_support": {
        "kk": "аумақтық алқалардың қолдауы жиналуда",
        "ru": "сбор поддержки территориальных коллегий",
        "en": "collecting the collegia's support",
    },
    "support_confirmed": {
        "kk": "қолдау расталды",
        "ru": "поддержка подтверждена",
        "en": "support confirmed",
    },
}

DEADLINE_NAMES: dict[str, dict[str, str]] = {
    "first_decision": {
        "kk": "Президиумның алғашқы шешімі",
        "ru": "первое решение Президиума",
        "en": "the Presidium's first decision",
    },
    "accompanying_file": {
        "kk": "ілеспе хаттаманы ашу (10–15 жұмыс күні)",
        "ru": "открытие сопроводительного дела (10–15 рабочих дней)",
        "en": "opening the accompanying file (10–15 working days)",
    },
    "collegia_answer": {
        "kk": "аумақтық алқалардың ұстанымдары",
        "ru": "позиции территориальных коллегий",
        "en": "the collegia's positions",
    },
    "quarterly_report": {
        "kk": "тоқсандық есеп",
        "ru": "ежеквартальный отчёт",
        "en": "the quarterly report",
    },
    "completion": {
        "kk": "бағытты аяқтау",
        "ru": "завершение направления",
        "en": "completing the direction",
    },
}


@dataclass(frozen=True)
class QuarterPoint:
    year: int
    quarter: int
    readiness: str
    proposals_ready: int
    proposals_total: int
    consultations: int
    agreed_share: float
    documents: int
    late: bool
    record: str

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "quarter": self.quarter,
            "readiness": self.readiness,
            "proposals_ready": self.proposals_ready,
            "proposals_total": self.proposals_total,
            "consultations": self.consultations,
            "agreed_share": self.agreed_share,
            "documents": self.documents,
            "late": self.late,
            "record": self.record,
        }


@dataclass(frozen=True)
class DirectionStatus:
    direction: Direction
    stage: str
    deadline_kind: str
    deadline: date
    overdue: bool
    support: SupportTally | None
    quarters: tuple[QuarterPoint, ...] = ()
    records: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = self.direction
        return {
            "direction": d.id,
            "title": d.title,
            "stage": self.stage,
            "next_deadline": {
                "what": self.deadline_kind,
                "date": self.deadline.isoformat(),
                "overdue": self.overdue,
            },
            "first_decision_by": d.first_decision_by.isoformat(),
            "completion_by": d.completion_by.isoformat(),
            "extensible": d.extensible,
            "extension_reason": d.extension_reason,
            "responsible": d.responsible.full_name,
            "coordinator": d.coordinator.full_name,
            "support": None
            if self.support is None
            else {
                "count": self.support.count,
                "total": self.support.total,
                "needed": self.support.needed,
                "confirmed": self.support.confirmed,
                "text": {loc: self.support.text(loc) for loc in ("kk", "ru", "en")},
                "ignored": [
                    {"record": dec.record, "collegium": dec.collegium, "reason": why}
                    for dec, why in self.support.ignored
                ],
                "late": [dec.collegium for dec in self.support.supporting if dec.late],
            },
            "quarters": [q.to_json() for q in self.quarters],
            "records": self.records,
        }


def _by_direction(
    archive: Any, kind: str, *, signed_as: tuple[str, str, str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Archived records of ``kind`` by direction; with ``signed_as`` (field, role, body) only
    those whose field was signed by a certificate of that office (M-dec: the RBA's chair)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for record in archive.search(kind=kind):
        if record.get("status") == "revoked":
            continue
        if signed_as is not None:
            field_name, role, body = signed_as
            office = (record.get("roadmap") or {}).get("signed_as", {}).get(field_name)
            if office != [role, body]:
                continue
        direction = (record.get("data") or {}).get("direction")
        if isinstance(direction, str):
            out.setdefault(direction, []).append(record)
    return out


def _next_quarter_end(today: date) -> date:
    quarter = (today.month - 1) // 3 + 1
    return quarter_end(today.year, quarter)


def roadmap_status(
    archive: Any, home: Home, *, today: date, roadmap: Roadmap | None = None
) -> list[DirectionStatus]:
    """Every direction's status on ``today``, from the archived roadmap records."""
    roadmap = roadmap or load_roadmap()
    packages = _by_direction(archive, "roadmap-package")
    by_chair = ("chair", "chair", roadmap.presidium.id)
    decisions = _by_direction(archive, "roadmap-decision", signed_as=by_chair)
    letters = _by_direction(archive, "roadmap-support-letter", signed_as=by_chair)
    confirmations = _by_direction(archive, "roadmap-support-confirmation", signed_as=by_chair)
    quarterlies = _by_direction(archive, "roadmap-quarterly")
    out = []
    for d in roadmap.directions:
        latest = decisions.get(d.id, [])[-1:] if decisions.get(d.id) else []
        decision = latest[0] if latest else None
        outcome = (decision or {}).get("data", {}).get("outcome")
        support = support_state(archive, home, d.id, roadmap=roadmap) if d.support else None
        if decision is None:
            stage = "before_presidium" if packages.get(d.id) else "awaiting_package"
        elif outcome == "rework":
            stage = "rework"
        elif d.support and confirmations.get(d.id):
            stage = "support_confirmed"
        elif d.support and letters.get(d.id):
            stage = "collecting_support"
        else:
            stage = "approved"
        kind, deadline = _deadline(d, stage, decision, letters.get(d.id, []), today)
        points = []
        for record in quarterlies.get(d.id, []):
            data = record["data"]
            ind = data["indicators"]
            points.append(
                QuarterPoint(
                    year=int(data["year"]),
                    quarter=int(data["quarter"]),
                    readiness=str(ind["readiness"]),
                    proposals_ready=int(ind["proposals_ready"]),
                    proposals_total=int(ind["proposals_total"]),
                    consultations=int(ind["consultations_held"]),
                    agreed_share=float(ind["agreed_share"]),
                    documents=int(data["documents_prepared"]),
                    late=bool(record.get("late")),
                    record=str(record["id"]),
                )
            )
        # One point per quarter: the latest report filed for it.
        latest_points = {(p.year, p.quarter): p for p in points}
        out.append(
            DirectionStatus(
                direction=d,
                stage=stage,
                deadline_kind=kind,
                deadline=deadline,
                overdue=deadline < today,
                support=support,
                quarters=tuple(latest_points[k] for k in sorted(latest_points)),
                records={
                    "packages": [str(r["id"]) for r in packages.get(d.id, [])],
                    "decisions": [str(r["id"]) for r in decisions.get(d.id, [])],
                    "confirmations": [str(r["id"]) for r in confirmations.get(d.id, [])],
                },
            )
        )
    return out


def _deadline(
    d: Direction,
    stage: str,
    decision: dict[str, Any] | None,
    letters: list[dict[str, Any]],
    today: date,
) -> tuple[str, date]:
    if stage in ("awaiting_package", "before_presidium", "rework"):
        return "first_decision", d.first_decision_by
    assert decision is not None
    facts = (decision.get("roadmap") or {}).get("verdict", {}).get("facts", {})
    due = facts.get("accompanying_file_due")
    if due and today <= date.fromisoformat(due["latest"]):
        return "accompanying_file", date.fromisoformat(due["latest"])
    if stage == "collecting_support" and letters:
        answer = max(date.fromisoformat(r["data"]["answer_by"]) for r in letters)
        return "collegia_answer", answer
    report = _next_quarter_end(today)
    if report <= d.completion_by:
        return "quarterly_report", report
    return "completion", d.completion_by


@dataclass(frozen=True)
class Reminder:
    direction: str
    year: int
    quarter: int
    due: date

    def text(self, locale: str) -> str:
        if locale == "kk":
            return (
                f"{self.direction}: {self.year} жылғы {self.quarter}-тоқсанның есебі "
                f"{self.due.isoformat()} дейін ұсынылуы тиіс"
            )
        if locale == "ru":
            return (
                f"{self.direction}: отчёт за {self.quarter} квартал {self.year} года нужно "
                f"представить до {self.due.isoformat()}"
            )
        return f"{self.direction}: the report of {self.year} Q{self.quarter} is due by {self.due}"


def due_reminders(
    statuses: list[DirectionStatus], *, today: date, roadmap: Roadmap | None = None
) -> list[Reminder]:
    """M-qr: within ``reminder_days_before_quarter_end`` of a quarter's end, every approved
    direction without a report for that quarter is reminded."""
    roadmap = roadmap or load_roadmap()
    end = _next_quarter_end(today)
    if end - today > timedelta(days=roadmap.reminder_days):
        return []
    quarter = (end.month - 1) // 3 + 1
    out = []
    for status in statuses:
        if status.stage in ("awaiting_package", "before_presidium", "rework"):
            continue
        if any((q.year, q.quarter) == (end.year, quarter) for q in status.quarters):
            continue
        out.append(Reminder(status.direction.id, end.year, quarter, end))
    return out

"""The roadmap's kinds in the generic flow: their ``KindHooks`` (template context, embedded
files, archive record) and their two own stages, named in their TOML files:

* ``docflow.roadmap.flow:gate`` (after ``judge``): an input with an error finding is rejected
  with every finding, as an invalid report is, before anything is signed;
* ``docflow.roadmap.flow:tally`` (a collegium decision's last stage, after its chair's
  signature): archives it, counts the support (``docflow.roadmap.support``) and, the moment
  ceil(2/3 · N) collegia support, makes the signed support-confirmation document (its own
  item of kind ``roadmap-support-confirmation``, as a returned report makes its remarks).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from docflow.bodies import ChamberRegistry, OfficeRegistry
from docflow.config import Home
from docflow.inbox.runner import Outcome
from docflow.intake.parse import LoadedSubmission
from docflow.kinds import DocumentKind
from docflow.render import Attachment, format_date
from docflow.render.service import report_attachments
from docflow.roadmap.directions import load_roadmap, quarter_end
from docflow.roadmap.models import (
    Person,
    RoadmapConsolidated,
    RoadmapDecision,
    RoadmapPackage,
    RoadmapQuarterly,
    RoadmapSupport,
    RoadmapSupportConfirmation,
    RoadmapSupportLetter,
    SupportEntry,
)
from docflow.roadmap.rules import RoadmapVerdict, judge_roadmap
from docflow.roadmap.support import SupportTally, signature_offices, support_state
from docflow.roadmap.workdays import calendar_source
from docflow.workflow.flow import KindHooks, StageResult, WorkItem, rejected, run_stages
from docflow.workflow.services import Services
from docflow.workflow.stages import DEFAULT_HOOKS, Archive

__all__ = ["HOOKS", "Gate", "Tally", "gate", "register_bodies", "tally"]

CONFIRMATION_KIND = "roadmap-support-confirmation"

#: Words of the documents in each language (Kazakh from the seed where it says them).
LABELS: dict[str, dict[str, str]] = {
    "kk": {
        "approve": "мақұлдау",
        "rework": "қайта пысықтауға жіберу",
        "supports": "бастаманы қолдайды",
        "does_not_support": "бастаманы қолдамайды",
        "conference": "конференция",
        "presidium": "президиум отырысы",
        "general_meeting": "адвокаттардың жалпы жиналысы",
        "not_started": "басталған жоқ",
        "drafting": "әзірленуде",
        "under_consultation": "кеңесулер жүріп жатыр",
        "agreed": "келісілді",
        "submitted": "уәкілетті органдарға жолданды",
        "late": "КЕШІКТІ",
        "yes": "иә",
        "no": "жоқ",
    },
    "ru": {
        "approve": "одобрить",
        "rework": "направить на доработку",
        "supports": "поддерживает инициативу",
        "does_not_support": "не поддерживает инициативу",
        "conference": "конференция",
        "presidium": "заседание президиума",
        "general_meeting": "общее собрание адвокатов",
        "not_started": "не начато",
        "drafting": "в разработке",
        "under_consultation": "идут консультации",
        "agreed": "согласовано",
        "submitted": "направлено в уполномоченные органы",
        "late": "С ОПОЗДАНИЕМ",
        "yes": "да",
        "no": "нет",
    },
}


def _verdict(item: WorkItem) -> RoadmapVerdict:
    verdict = item.verdict
    if isinstance(verdict, RoadmapVerdict):
        return verdict
    # An item made by a stage (the confirmation) is judged when made; this is a fallback.
    return judge_roadmap(item.model, today=date.fromisoformat(item.entry.received_at[:10]))


def _d(value: Any, locale: str) -> str:
    return format_date(value, locale) if value else ""


def _context(item: WorkItem, services: Services) -> dict[str, Any]:
    context = DEFAULT_HOOKS.context(item, services)
    locale = item.locale
    words = LABELS[locale]
    roadmap = load_roadmap()
    model = item.model
    context["words"] = words
    context["rule_version"] = roadmap.version
    direction = roadmap.direction(str(getattr(model, "direction", "")))
    if direction is not None:
        context["direction_title"] = direction.name(locale)
        context["direction_goal"] = direction.goal[locale]
        context["direction_results"] = direction.results[locale]
        context["first_decision_text"] = direction.first_decision_text[locale]
        context["completion_on"] = _d(direction.completion_by, locale)
    verdict = _verdict(item)
    context["late"] = verdict.late
    context["late_text"] = words["late"] if verdict.late else ""
    if isinstance(model, RoadmapPackage):
        context["submitted_text"] = _d(model.submitted_on, locale)
        context["plan_rows"] = [
            {"due": _d(s.due, locale), "what": s.what} for s in model.calendar_plan
        ]
    elif isinstance(model, RoadmapDecision):
        context["decided_text"] = _d(model.decided_on, locale)
        context["outcome_text"] = words[model.outcome]
        context["plan_rows"] = [
            {"due": _d(s.due, locale), "what": s.what} for s in model.calendar_plan
        ]
        due = verdict.facts.get("accompanying_file_due")
        context["file_due_from"] = _d(due["earliest"], locale) if due else ""
        context["file_due_to"] = _d(due["latest"], locale) if due else ""
    elif isinstance(model, RoadmapSupportLetter | RoadmapSupport):
        collegium = roadmap.collegium(model.collegium)
        context["collegium_name"] = collegium.name(locale) if collegium else model.collegium
        if isinstance(model, RoadmapSupportLetter):
            context["sent_text"] = _d(model.sent_on, locale)
            context["answer_text"] = _d(model.answer_by, locale)
        else:
            context["decided_text"] = _d(model.decided_on, locale)
            context["organ_text"] = words[model.organ]
            context["position_text"] = words[model.position]
    elif isinstance(model, RoadmapSupportConfirmation):
        context["confirmed_text"] = _d(model.confirmed_on, locale)
        rows = []
        for i, entry in enumerate(model.supporting, start=1):
            collegium = roadmap.collegium(entry.collegium)
            rows.append(
                {
                    "n": i,
                    "name": collegium.name(locale) if collegium else entry.name,
                    "decision": f"№ {entry.decision_no}, {_d(entry.decided_on, locale)}",
                    "chair": entry.chair,
                    "late": words["late"] if entry.late else "",
                }
            )
        context["rows"] = rows
    elif isinstance(model, RoadmapQuarterly):
        ind = model.indicators
        context["quarter_end"] = _d(quarter_end(model.year, model.quarter), locale)
        context["submitted_text"] = _d(model.submitted_on, locale)
        context["readiness_text"] = words[ind.readiness]
        context["agreed_text"] = f"{ind.agreed_share:g} %"
        checkpoint = roadmap.checkpoint(model.quarter) if model.year == roadmap.plan_year else None
        context["checkpoint_text"] = checkpoint.text(locale) if checkpoint else "—"
        met = verdict.facts.get("checkpoint", {}).get("met")
        context["checkpoint_met"] = "—" if met is None else words["yes" if met else "no"]
    elif isinstance(model, RoadmapConsolidated):
        context["quarter_end"] = _d(quarter_end(model.year, model.quarter), locale)
        context["submitted_text"] = _d(model.submitted_on, locale)
        rows = []
        for row in model.rows:
            d = roadmap.direction(row.direction)
            share = (
                100 * row.drafts_considered / row.drafts_submitted if row.drafts_submitted else 0
            )
            rows.append(
                {
                    "direction": row.direction,
                    "title": d.name(locale) if d else row.direction,
                    "documents": row.documents_prepared,
                    "consultations": row.consultations_held,
                    "agreed": row.positions_agreed,
                    "considered": f"{row.drafts_considered} / {row.drafts_submitted} "
                    f"({share:.0f} %)",
                }
            )
        context["rows"] = rows
        context["considered_share"] = f"{verdict.facts.get('considered_share', 0):g} %"
    return context


def _attachments(item: WorkItem, services: Services) -> Sequence[Attachment]:
    """The machine-readable input with its check (``Data``) and, for a package, its materials
    (``Supplement``): PDF/A-3 associated files, as a report embeds its evidence (M-pkg)."""
    assert item.loaded is not None
    return report_attachments(item.loaded, _verdict(item).to_json(), modified=services.clock.now())


def _record(item: WorkItem, services: Services, record_id: str) -> dict[str, Any]:
    record = DEFAULT_HOOKS.record(item, services, record_id)
    verdict = _verdict(item)
    offices = signature_offices(item.last_product().read_bytes(), OfficeRegistry(services.home))
    record["late"] = verdict.late
    record["roadmap"] = {
        "direction": getattr(item.model, "direction", None),
        "version": load_roadmap().version,
        "verdict": verdict.to_json(),
        "signed_as": {name: list(office) for name, office in offices.items()},
        "calendar": calendar_source(),
        **item.facts.get("roadmap", {}),
    }
    return record


def _no_facts(model: BaseModel) -> dict[str, Any]:
    return {}


HOOKS = KindHooks(
    context=_context,
    attachments=_attachments,
    record=_record,
    facts=_no_facts,
)


# ---------------------------------------------------------------------- stages


@dataclass(frozen=True)
class Gate:
    """An input with an error finding goes back with every finding, nothing signed."""

    name: str = "docflow.roadmap.flow:gate"
    product: str | None = None
    replay: bool = True

    def run(self, item: WorkItem, services: Services) -> StageResult:
        verdict = item.verdict
        if not isinstance(verdict, RoadmapVerdict) or verdict.verdict == "valid":
            return None
        problems = [
            f"{f.field or item.kind.name}: [{f.clause}] {f.message}"
            for f in verdict.findings
            if f.severity == "error"
        ]
        return rejected(item.entry.source, f"{len(problems)} roadmap problem(s)", problems)


def gate(kind: DocumentKind, table: Any) -> Gate:
    return Gate()


@dataclass(frozen=True)
class Tally:
    """A collegium decision's last stage: archive it, count the support from the archive and,
    the moment the quorum is reached, make the signed confirmation. Archiving and counting
    hold one lock across worker processes, so two decisions filed at once are counted one
    after the other: the quorum is seen exactly once, by the decision that completes it."""

    confirmation: DocumentKind
    table: Any
    name: str = "docflow.roadmap.flow:tally"
    product: str | None = None
    replay: bool = False

    def run(self, item: WorkItem, services: Services) -> StageResult:
        model = item.model
        assert isinstance(model, RoadmapSupport)
        with _tally_lock(services.home):
            outcome = Archive(HOOKS).run(item, services)
            state = support_state(services.archive, services.home, model.direction)
            if state.confirmed and not _confirmed_already(services, model.direction):
                self._confirm(item, services, state)
        return outcome

    def _confirm(self, item: WorkItem, services: Services, state: SupportTally) -> str:
        model = item.model
        assert isinstance(model, RoadmapSupport)
        roadmap = load_roadmap()
        chair = services.directory.pki.chair_of(roadmap.presidium.id)
        entries = []
        for decision in state.supporting:
            collegium = roadmap.collegium(decision.collegium)
            entries.append(
                SupportEntry(
                    collegium=decision.collegium,
                    name=collegium.name(model.locale) if collegium else decision.collegium,
                    decision_no=decision.decision_no,
                    decided_on=decision.decided_on,
                    chair=decision.signer_name,
                    record=decision.record,
                    late=decision.late,
                )
            )
        confirmation = RoadmapSupportConfirmation(
            kind="roadmap-support-confirmation",
            locale=model.locale,
            direction=model.direction,
            confirmed_on=services.clock.today(),
            total=state.total,
            needed=state.needed,
            supporting=entries,
            chair=Person(full_name=chair.name, iin=chair.iin),
        )
        data = confirmation.model_dump(mode="json")
        raw = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        loaded = LoadedSubmission(
            source_name=f"{CONFIRMATION_KIND}-{model.direction}.json",
            raw=raw,
            sha256=hashlib.sha256(raw).hexdigest(),
            data=data,
            model=confirmation,  # type: ignore[arg-type]
        )
        made = WorkItem(
            entry=item.entry, workdir=item.workdir, kind=self.confirmation, loaded=loaded,
            prefix="confirmation-",
        )  # fmt: skip
        made.verdict = judge_roadmap(confirmation, today=services.clock.today())
        result = run_stages(self.table.stages_of(self.confirmation), made, services)
        if not isinstance(result, Outcome) or result.record is None:
            raise RuntimeError("the support confirmation's stages ended without a record")
        return result.record


@contextmanager
def _tally_lock(home: Home) -> Iterator[None]:
    path = home.root / ".docflow" / "roadmap-tally.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _confirmed_already(services: Services, direction: str) -> bool:
    return any(
        (r.get("data") or {}).get("direction") == direction
        for r in services.archive.search(kind=CONFIRMATION_KIND)
    )


def tally(kind: DocumentKind, table: Any) -> Tally:
    return Tally(confirmation=table.kinds.get(CONFIRMATION_KIND), table=table)


# ---------------------------------------------------------------------- bodies


def register_bodies(home: Home) -> list[str]:
    """Register the Bar Association (``rba``) and every territorial collegium of
    ``roadmap_collegia.yaml`` as bodies (``docflow/bodies``), so that their chairs are
    enrolled with ``docflow pki enroll --role chair --chamber ID``. Idempotent."""
    roadmap = load_roadmap()
    registry = ChamberRegistry(home)
    added = []
    for body in (roadmap.presidium, *roadmap.collegia):
        registry.add(body.id, kk=body.kk, ru=body.ru)
        added.append(body.id)
    return added

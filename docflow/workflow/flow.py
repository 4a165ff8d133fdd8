"""One flow for every document kind: a kind declares its stages (``docflow/kinds/*.toml``), and
one ``WorkItem`` travels through them.

A stage has one contract (as paperless-ngx's consumer plugins): a ``name``, the ``product`` it
writes into the work folder (or None), and ``run(item, services)``. ``run`` returns the bytes
of its product (the flow writes them atomically), None (nothing to write, go on), a
``Waiting`` (the document waits for a person: a state, not a blocked thread) or an
``Outcome`` (the document's way ends here: rejected, returned, archived).

Resuming after a crash skips every stage up to the last one whose product exists; the stages
that rebuild the item's state from the input (``replay``: parse, judge) run again, they are
cheap and deterministic.

A kind with ``per`` (certificates: one per participant) runs its last stage once per element
of that list: ``Flow.run(..., step=Step.part(i))``, spread by the caller over worker processes
(``docflow.workflow.pool``) or, in-process, over threads; ``Step.COLLECT`` then ends it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from docflow.atomic import write_bytes_atomic
from docflow.audit import AuditEvent
from docflow.errors import Problem, SubmissionInvalid
from docflow.i18n import Msg
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Outcome
from docflow.intake import messages
from docflow.intake.judge import judge as judge_input
from docflow.intake.parse import LoadedSubmission, load_submission_bytes, readable_data
from docflow.kinds import DocumentKind, KindRegistry, SignerSpec, Verdict, dig
from docflow.model import CpdReport
from docflow.render import Attachment
from docflow.rules import RosterExemption
from docflow.workflow.services import Services

__all__ = [
    "LOCAL_MARK",
    "Decision",
    "Flow",
    "KindHooks",
    "Signatory",
    "Stage",
    "Step",
    "Waiting",
    "WorkItem",
    "invalid",
    "judge",
    "local_kind",
    "rejected",
    "signatory",
    "signer_iin",
]

log = logging.getLogger("docflow.workflow")


def rejected(source: str, reason: str, error_text: str) -> Outcome:
    """A rejection: ``reason`` for the journal (English, for the log), ``error_text`` for the
    person (``NAME.error.txt``, in the submission's language: ``docflow.intake.messages``)."""
    return Outcome("rejected", reason=reason, error_text=error_text)


def invalid(source: str, problems: Sequence[Problem], data: object) -> Outcome:
    """The rejection of an input with ``problems``, in the language ``data`` asks for (Kazakh
    and Russian when it could not be read that far)."""
    return rejected(
        source,
        f"invalid input: {len(problems)} problem(s)",
        messages.rejection_text(source, problems, messages.locale_of(data)),
    )


# ---------------------------------------------------------------------- the work item


@dataclass(frozen=True)
class Decision:
    """The officer's decision on a document waiting for review (R-4.6, R-3.1b, R-3.2e)."""

    action: str  # approve | return
    officer: str
    decided_points: Mapping[int, int] = field(default_factory=dict)
    comment: str | None = None
    remarks: tuple[str, ...] = ()
    #: R-7.4: the officer's decision on a claimed exemption (None: not decided).
    exemption_accepted: bool | None = None


@dataclass(frozen=True)
class Waiting:
    """The document waits for a person; the work folder stays until they act. ``state`` is
    the journal's: ``review`` (the officer decides) or ``awaiting_signature`` (a person signs
    with their own key, issue 15)."""

    reason: str
    state: str = "review"


@dataclass
class WorkItem:
    """What travels through the stages of one document."""

    entry: Entry
    workdir: Path
    kind: DocumentKind
    loaded: LoadedSubmission | None = None
    #: The rules hook's verdict (``CpdVerdict`` for the CPD report), None for kinds without.
    verdict: Verdict | None = None
    decision: Decision | None = None
    #: Products of this item are named ``<prefix><name><variant>.<ext>``.
    prefix: str = ""
    variant: str = ""
    #: The element of ``kind.per`` this item is (certificates: the participant's index).
    part: int | None = None
    #: The latest product of each stage run or found (stage name -> path).
    products: dict[str, Path] = field(default_factory=dict)
    #: Facts a kind's stages hand on to later ones (the remarks letter's report id, ...).
    facts: dict[str, Any] = field(default_factory=dict)
    #: Events beyond those the stages imply (approved, commented), in order.
    extra_events: list[AuditEvent] = field(default_factory=list)
    #: Kind-specific state prepared once per item (a certificate batch).
    state: object = None

    @property
    def model(self) -> BaseModel:
        if self.loaded is None:
            raise RuntimeError("the item has not been parsed")
        return self.loaded.model

    @property
    def locale(self) -> str:
        return str(getattr(self.model, "locale", "kk"))

    @property
    def token(self) -> str:
        return self.entry.token

    def path(self, product: str) -> Path:
        stem, dot, ext = product.rpartition(".")
        name = f"{stem}{self.variant}{dot}{ext}" if dot else f"{product}{self.variant}"
        return self.workdir / f"{self.prefix}{name}"

    def last_product(self) -> Path:
        if not self.products:
            raise RuntimeError(f"{self.token}: no product yet")
        return list(self.products.values())[-1]

    def product_of(self, stage: str) -> Path:
        return self.products[stage]


# ---------------------------------------------------------------------- stages


StageResult = bytes | Outcome | Waiting | None


class Stage(Protocol):
    """One step of a document's way (see the module docstring)."""

    @property
    def name(self) -> str: ...

    #: The product's file name in the work folder (before prefix and variant), or None.
    @property
    def product(self) -> str | None: ...

    #: Run again on resume even when a later product exists (rebuilds the item's state).
    @property
    def replay(self) -> bool: ...

    def run(self, item: WorkItem, services: Services) -> StageResult: ...


@dataclass(frozen=True)
class KindHooks:
    """What a kind's documents say beyond the generic: the template context, attachments, the
    archive record and the journal's facts. Kinds that give none get the defaults below (the
    model's fields, no attachments, a record of the signed document)."""

    context: Callable[[WorkItem, Services], dict[str, Any]]
    attachments: Callable[[WorkItem, Services], Sequence[Attachment]]
    record: Callable[[WorkItem, Services, str], dict[str, Any]]
    facts: Callable[[BaseModel], dict[str, Any]]


def judge(
    kind: DocumentKind,
    loaded: LoadedSubmission,
    *,
    filed_on: date,
    services: Services | None = None,
    decided_points: Mapping[int, int] | None = None,
    roster_exemption: RosterExemption | None = None,
    exemption_accepted: bool | None = None,
) -> Verdict | None:
    """``docflow.intake.judge`` with the R-7.5 check of attached docflow certificates, which
    needs the archive (``check`` has none to check them against)."""
    model = loaded.model
    problems: dict[str, tuple[Msg, ...]] = {}
    if services is not None and isinstance(model, CpdReport):
        problems = services.evidence.problems(model, loaded.evidence)
    return judge_input(
        kind,
        loaded,
        filed_on=filed_on,
        evidence_problems=problems,
        decided_points=decided_points,
        roster_exemption=roster_exemption,
        exemption_accepted=exemption_accepted,
    )


# ---------------------------------------------------------------------- running stages


@dataclass(frozen=True)
class Step:
    """What one call of ``Flow.run`` does: the whole item, one part of it, or the collection
    of its parts (kinds with ``per``)."""

    what: str  # whole | part | collect
    index: int | None = None

    @classmethod
    def part(cls, index: int) -> Step:
        return cls("part", index)


WHOLE = Step("whole")
COLLECT = Step("collect")

#: The journal's ``stage`` after these stages (what ``docflow status`` shows).
_JOURNAL_STAGE = {"judge": "checked", "finalize": "rendered"}

StageTable = Callable[[DocumentKind, str], Stage]


class Flow:
    """Runs documents of every registered kind through their stages (a ``ProcessFn``)."""

    def __init__(
        self,
        services: Services,
        *,
        kinds: KindRegistry,
        stage_for: StageTable,
        parts_of: Callable[[WorkItem], int],
        collect: Callable[[WorkItem, Services], Outcome],
        intake: Callable[[Entry, bytes, Services], Outcome | None] | None = None,
    ):
        self.services = services
        #: Looks at an input before it is parsed: a signed package for a waiting document is
        #: consumed here (``docflow.workflow.own.accept_dropped_signature``), not parsed.
        self._intake = intake
        self.kinds = kinds
        self.stage_for = stage_for
        self._parts_of = parts_of
        self._collect = collect
        self._prepared: OrderedDict[str, WorkItem] = OrderedDict()
        self._prepared_lock = threading.Lock()
        self._models = kinds.inbox_models()

    # ------------------------------------------------------------------ entry points

    def __call__(self, entry: Entry, workdir: Path) -> Outcome:
        """The whole item in this process (threads for the parts of a ``per`` kind)."""
        outcome = self.run(entry, workdir, WHOLE)
        if outcome.state != "split":
            return outcome
        indices = list(outcome.parts)
        if indices:
            # The first part alone: a process's first signature warms pyHanko's shared state.
            first = indices.pop(0)
            self.run(entry, workdir, Step.part(first))
            threads = 2 * max(1, self.services.settings.workers)
            with ThreadPoolExecutor(threads, thread_name_prefix="docflow-part") as pool:
                for future in [
                    pool.submit(self.run, entry, workdir, Step.part(i)) for i in indices
                ]:
                    future.result()
        return self.run(entry, workdir, COLLECT)

    def run(
        self, entry: Entry, workdir: Path, step: Step, *, decision: Decision | None = None
    ) -> Outcome:
        if step.what == "whole":
            return self._whole(entry, workdir, decision)
        item = self._prepared_item(entry, workdir)
        if isinstance(item, Outcome):
            return item
        if step.what == "part":
            assert step.index is not None
            part = WorkItem(
                entry=entry, workdir=workdir, kind=item.kind, loaded=item.loaded,
                verdict=item.verdict, part=step.index, state=item.state, facts=dict(item.facts),
            )  # fmt: skip
            last = self.stage_for(item.kind, item.kind.stages[-1])
            result = self._run_stages([last], part)
            return result if isinstance(result, Outcome) else Outcome("part")
        self._forget(entry.token)
        return self._collect(item, self.services)

    # ------------------------------------------------------------------ one whole item

    def _whole(self, entry: Entry, workdir: Path, decision: Decision | None) -> Outcome:
        item = self.new_item(entry, workdir, decision=decision)
        if isinstance(item, Outcome):
            return item
        kind = item.kind
        if kind.per is not None:
            # The once-per-batch stages ran in new_item; the last runs per element.
            result = self._run_stages(self._stages(kind)[:-1], item)
            if isinstance(result, Outcome):
                return result
            self._remember(item)
            return Outcome("split", parts=tuple(range(self._parts_of(item))))
        result = self._run_stages(self._stages(kind), item)
        if isinstance(result, Waiting):
            if result.state != "review" and item.decision is not None:
                # The officer's decision outlives the wait for a signature: the stages after
                # the signature (and the judge's decided points) run with it on resume.
                save_decision(workdir, item.decision)
            return Outcome(result.state, reason=result.reason)
        if isinstance(result, Outcome):
            return result
        raise RuntimeError(f"kind {kind.name}: its stages ended without an outcome")

    def new_item(
        self, entry: Entry, workdir: Path, *, decision: Decision | None = None
    ) -> WorkItem | Outcome:
        """Read the claimed input and find its kind (through the registry)."""
        services = self.services
        inputs = sorted(workdir.glob("input*"))
        if not inputs:
            raise FileNotFoundError(f"work folder {workdir} has no input")
        raw = inputs[0].read_bytes()
        local = local_kind(workdir)
        if self._intake is not None and local is None:
            taken = self._intake(entry, raw, services)
            if taken is not None:
                return taken
        models = self._models
        if local is not None:
            # A job a local door wrote (``docflow summary``): of the kind it names only.
            models = {local: self.kinds.get(local).model_class()}
        try:
            with services.timings.timed("parse"):
                loaded = load_submission_bytes(
                    entry.source,
                    raw,
                    base_dir=services.home.inbox,
                    today=services.clock.today(),
                    models=models,
                )
        except SubmissionInvalid as exc:
            return invalid(entry.source, exc.problems, readable_data(entry.source, raw))
        name = loaded.data.get("kind")
        kind = self.kinds.find(name)
        if kind is None or not (kind.inbox or kind.name == local):
            inbox_kinds = ", ".join(k for k in sorted(self._models))
            problem = Problem(
                "kind",
                f"kind {name!r} is not processed from the inbox",
                inbox_kinds,
                key="intake.unknown_kind",
                params={"kind": name, "kinds": inbox_kinds},
                hint="hint.kinds",
            )
            return invalid(entry.source, [problem], loaded.data)
        if decision is None:
            decision = load_decision(workdir)
        item = WorkItem(entry=entry, workdir=workdir, kind=kind, loaded=loaded, decision=decision)
        if decision is not None and decision.comment:
            # The form with the officer's comment is a new rendering, in files of its own.
            item.variant = "-commented"
        return item

    def run_item(self, item: WorkItem) -> Outcome | Waiting:
        """Every stage of ``item.kind`` on an item made by a stage (a remarks letter)."""
        result = self._run_stages(self._stages(item.kind), item)
        if result is None:
            raise RuntimeError(f"kind {item.kind.name}: its stages ended without an outcome")
        return result

    def _stages(self, kind: DocumentKind) -> list[Stage]:
        return [self.stage_for(kind, name) for name in kind.stages]

    def _run_stages(self, stages: list[Stage], item: WorkItem) -> Outcome | Waiting | None:
        return run_stages(stages, item, self.services)

    # ------------------------------------------------------------------ per-kind batches

    def _prepared_item(self, entry: Entry, workdir: Path) -> WorkItem | Outcome:
        """The batch item after its once-per-batch stages: kept per process, so the parts of
        a batch in one worker parse and judge the input once."""
        with self._prepared_lock:
            item = self._prepared.get(entry.token)
            if item is not None:
                self._prepared.move_to_end(entry.token)
                return item
        made = self.new_item(entry, workdir)
        if isinstance(made, Outcome):
            return made
        result = self._run_stages(self._stages(made.kind)[:-1], made)
        if isinstance(result, Outcome):
            return result
        self._remember(made)
        return made

    def _remember(self, item: WorkItem) -> None:
        with self._prepared_lock:
            self._prepared[item.token] = item
            while len(self._prepared) > 4:
                self._prepared.popitem(last=False)

    def _forget(self, token: str) -> None:
        with self._prepared_lock:
            self._prepared.pop(token, None)


# ---------------------------------------------------------------------- helpers


def run_stages(
    stages: Sequence[Stage], item: WorkItem, services: Services
) -> Outcome | Waiting | None:
    """Run ``stages`` on ``item``, resuming after the last one whose product exists."""
    resume = 0
    for index, stage in enumerate(stages):
        if stage.product is not None and item.path(stage.product).exists():
            resume = index + 1
    for index, stage in enumerate(stages):
        target = item.path(stage.product) if stage.product is not None else None
        if index < resume and not stage.replay:
            if target is not None and target.exists():
                item.products[stage.name] = target
            continue
        result = stage.run(item, services)
        if isinstance(result, bytes):
            assert target is not None, f"stage {stage.name} has no product to write"
            write_bytes_atomic(target, result)
            item.products[stage.name] = target
        elif isinstance(result, Outcome | Waiting):
            return result
        journal_stage = _JOURNAL_STAGE.get(stage.name) or (
            f"signed:{stage.name[5:]}" if stage.name.startswith("sign:") else None
        )
        if journal_stage is not None and not item.prefix and item.part is None:
            services.journal.update(item.token, stage=journal_stage)
    return None


@dataclass(frozen=True)
class Signatory:
    """Who signs one signer spec of an item, in which capacity and for which body (issue 13):
    the key is ``Pki.signer_for(iin, role, chamber=chamber)``, never another key of the same
    person."""

    iin: str
    name: str
    role: str
    chamber: str | None


def signatory(spec: SignerSpec, item: WorkItem, services: Services) -> Signatory:
    """Whom ``spec.who`` names: a path into the input (``consultant.iin``: that person's key
    in the spec's role) or ``role:NAME``, an office of the item's chamber
    (``item.facts["chamber_id"]``, set by the admission in the judge stage): a report's
    officer is an officer of ITS chamber, never its author (R-4.6); a certificate's issuer is
    the one the batch names by IIN (``item.facts["issuer_iin"]``). Raises ``NotEnrolled`` or
    ``AuthorityRefused`` when nobody may sign."""
    directory = services.directory
    chamber = item.facts.get("chamber_id")
    if not spec.who.startswith("role:"):
        iin = str(dig(item.model, spec.who))
        found = directory.enrolment(iin, spec.role)
        return Signatory(iin, found.name, spec.role, found.body)
    role = spec.who[5:]
    if chamber is None:
        # A kind without a chamber (none of the registered kinds since issue 13).
        holder = directory.holder_of(role)
    elif role == "officer":
        preferred = item.decision.officer if item.decision else None
        holder = directory.countersigner(
            chamber, author_iin=item.facts.get("author_iin"), preferred_name=preferred or None
        )
    elif role == "issuer" and item.facts.get("issuer_iin"):
        holder = directory.issuer(str(item.facts["issuer_iin"]), chamber)
    elif item.facts.get("signer_iin"):
        # The holder a kind's judge stage named by the bodies' rules (a summary's chair, a
        # notice's chair who is not its addressee: ``docflow.workflow.summaries``).
        holder = directory.enrolment(str(item.facts["signer_iin"]), role, chamber)
    else:
        holder = directory.holder_of(role, chamber)
    return Signatory(holder.iin, holder.name, role, holder.body)


def signer_iin(spec: SignerSpec, item: WorkItem, services: Services) -> str:
    """The IIN of whom ``spec`` names (``signatory``)."""
    return signatory(spec, item, services).iin


#: A work folder a local door made (``docflow.workflow.local``) rather than the inbox's claim
#: names its input's kind here; only such an input may be of a kind the inbox does not take
#: (``inbox = false``). Nothing dropped into the inbox can put a file into a work folder.
LOCAL_MARK = "local.json"


def local_kind(workdir: Path) -> str | None:
    """The kind a local door submitted into ``workdir``, or None (a file from the inbox)."""
    try:
        data = json.loads((workdir / LOCAL_MARK).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return str(data["kind"])


_DECISION = "decision.json"


def save_decision(workdir: Path, decision: Decision) -> None:
    write_json(
        workdir / _DECISION,
        {
            "action": decision.action,
            "officer": decision.officer,
            "decided_points": {str(k): v for k, v in decision.decided_points.items()},
            "comment": decision.comment,
            "remarks": list(decision.remarks),
            "exemption_accepted": decision.exemption_accepted,
        },
    )


def load_decision(workdir: Path) -> Decision | None:
    """The officer's decision saved while the document waits for a signature, if any."""
    try:
        data = json.loads((workdir / _DECISION).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Decision(
        str(data["action"]),
        str(data.get("officer") or ""),
        decided_points={int(k): int(v) for k, v in data.get("decided_points", {}).items()},
        comment=data.get("comment"),
        remarks=tuple(data.get("remarks", ())),
        exemption_accepted=data.get("exemption_accepted"),
    )


def write_json(path: Path, data: Any) -> None:
    write_bytes_atomic(path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))

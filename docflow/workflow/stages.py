"""The generic stages every kind is made of, and the defaults of a kind that needs nothing
beyond its TOML file, model and templates (docs/ARCHITECTURE.md, "How to add a kind")."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel

from docflow.audit import AuditEvent
from docflow.chambers import admit_filer
from docflow.errors import AuthorityRefused, NotEnrolled, Problem, UnknownChamber
from docflow.inbox.runner import Outcome
from docflow.intake.messages import not_enrolled_text, rejection_text
from docflow.kinds import SignerSpec, Verdict, dig
from docflow.model import CpdReport
from docflow.render import Attachment, FieldSpec, format_date
from docflow.rules import RosterExemption, filing_day
from docflow.workflow.flow import (
    KindHooks,
    StageResult,
    WorkItem,
    judge,
    rejected,
    signatory,
    write_json,
)
from docflow.workflow.own import sign_own
from docflow.workflow.services import Services

__all__ = [
    "DEFAULT_HOOKS",
    "Archive",
    "Convert",
    "Finalize",
    "Judge",
    "Parse",
    "Render",
    "Sign",
    "events_of",
    "filed_on",
    "template_info",
]


@dataclass(frozen=True)
class Parse:
    """The input was parsed when the item was made (``Flow.new_item``); nothing to write.

    A submission whose very bytes the archive already holds is that record, before anybody is
    asked to sign it again: the journal knows its earlier copy too, but a journal can be new
    while the archive is not (an archive migrated to the shared queue's database, issue 18).
    Not for a batch's parts or for documents made beside a submission (a prefix): they share
    the submission's bytes.
    """

    name: str = "parse"
    product: str | None = None
    replay: bool = True

    def run(self, item: WorkItem, services: Services) -> StageResult:
        if item.loaded is None or item.prefix or item.part is not None or item.kind.per:
            return None
        existing = services.archive.find_by_input_sha256(item.loaded.sha256)
        if existing is None:
            return None
        # Only a finished record of this kind is this submission: a returned report (R-3.2e)
        # is archived before its remarks letter is made and signed, which this item may still
        # be waiting for; the letter's own record carries the report's bytes too.
        record = services.archive.get(existing).record
        if record.get("kind") != item.kind.record_kind or record.get("outcome") == "returned":
            return None
        return Outcome("archived", record=str(existing))


@dataclass(frozen=True)
class Judge:
    """The kind's rules hook (``Flow``'s ``judge``) and who must sign: a signer named by the
    input must be enrolled. Writes ``verdict.json`` for the officer's review page."""

    hooks: KindHooks
    name: str = "judge"
    product: str | None = None
    replay: bool = True

    def run(self, item: WorkItem, services: Services) -> StageResult:
        from_flow = _judge(item, services)
        item.verdict = from_flow
        services.journal.update(item.token, kind=item.kind.name, **self.hooks.facts(item.model))
        if from_flow is not None:
            write_json(item.workdir / "verdict.json", from_flow.to_json())
        signers = item.kind.signing.signers
        for spec in signers:
            if spec.who.startswith("role:"):
                continue
            iin = str(dig(item.model, spec.who))
            if not services.directory.is_enrolled(iin, spec.role):
                return _not_enrolled(item, spec, iin)
        refused = admit(item, services)
        if refused is not None:
            return refused
        return _office_holders(item, services)


def admit(item: WorkItem, services: Services) -> Outcome | None:
    """Issue 13: the filer of a report against its chamber. The chamber the report names (by
    id or any of its names) must be registered, else the report is rejected listing the known
    ones; against the chamber's roster an IIN that is not a member, or a name on the form, the
    roster or the consultant's certificate that differ, reject it naming the mismatch; a
    chamber without a roster sends it to the officer's review ("membership not confirmed").

    Sets ``item.facts``: ``chamber_id`` (whose officer countersigns), ``author_iin`` (who never
    countersigns his own report) and ``membership`` (the review findings, for ``decide``)."""
    model = item.model
    if not isinstance(model, CpdReport):
        return None
    c = model.consultant
    try:
        certificate_name = services.directory.enrolment(c.iin, "consultant").name
    except NotEnrolled:
        certificate_name = None  # rejected below by the judge stage: "enroll first"
    try:
        body, findings = admit_filer(
            services.home, iin=c.iin, full_name=c.full_name, chamber=c.chamber,
            certificate_name=certificate_name,
        )  # fmt: skip
    except UnknownChamber as exc:
        return rejected(
            item.entry.source,
            "unknown chamber",
            rejection_text(item.entry.source, exc.problems, item.locale),
        )
    refusals = [f for f in findings if f.decision == "reject"]
    if refusals:
        # Membership findings carry their wording in kk, ru and en: the file gets the report's.
        problems = [Problem(f.field, getattr(f, item.locale, f.en)) for f in refusals]
        return rejected(
            item.entry.source,
            "; ".join(f"{f.code}: {f.en}" for f in refusals),
            rejection_text(item.entry.source, problems, item.locale),
        )
    services.journal.update(item.token, chamber=body.id)
    item.facts.update(
        chamber_id=body.id,
        author_iin=c.iin,
        membership=[f.to_json() for f in findings if f.decision == "review"],
    )
    return None


def _office_holders(item: WorkItem, services: Services) -> Outcome | None:
    """Every office the kind's signers name has a holder who may sign this item (an officer
    of the report's chamber other than its author, ...), else the input is rejected saying
    whom to enrol."""
    for spec in item.kind.signing.signers:
        if not spec.who.startswith("role:"):
            continue
        try:
            signatory(spec, item, services)
        except (NotEnrolled, AuthorityRefused) as exc:
            return rejected(
                item.entry.source,
                f"no {spec.role} may sign: {exc}",
                rejection_text(item.entry.source, [Problem(spec.who, str(exc))], item.locale),
            )
    return None


def _judge(item: WorkItem, services: Services) -> Verdict | None:
    decision = item.decision
    assert item.loaded is not None
    return judge(
        item.kind,
        item.loaded,
        filed_on=filed_on(item, services),
        services=services,
        decided_points=decision.decided_points if decision else None,
        roster_exemption=_roster_exemption(item, services),
        exemption_accepted=decision.exemption_accepted if decision else None,
    )


#: Kazakhstan's time (one zone, UTC+5, since 1 March 2024): the day a report arrives is the
#: chamber's calendar day, not UTC's.
KZ_TIME = timezone(timedelta(hours=5), "UTC+5")


def filed_on(item: WorkItem, services: Services) -> date:
    """R-3.2d: the filing day is the day docflow received the input (Kazakhstan's date of the
    journal's ``received_at``), or the replayed day of ``--today``/``DOCFLOW_TODAY``. A
    ``submitted_on`` typed into the input is never trusted (it is at most shown)."""
    replayed = services.clock.fixed_today
    if replayed is not None:
        return filing_day(replayed)
    received = datetime.fromisoformat(item.entry.received_at)
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    return filing_day(received.astimezone(KZ_TIME).date())


def _roster_exemption(item: WorkItem, services: Services) -> RosterExemption | None:
    """R-7.4: what the chamber's roster records for the consultant (None: no roster)."""
    model = item.model
    if not isinstance(model, CpdReport):
        return None
    return services.rosters.r74_exemption(model.consultant.chamber, model.consultant.iin)


def _not_enrolled(item: WorkItem, spec: SignerSpec, iin: str) -> Outcome:
    """ "Enroll first" is no mistake of the filer's: the text says the file is fine and asks
    nobody to correct it (issue 14)."""
    owner = spec.who.rpartition(".")[0]
    try:
        name = str(getattr(_dig_model(item.model, owner), "full_name", "")) if owner else ""
    except (AttributeError, KeyError):
        name = ""
    text = not_enrolled_text(item.entry.source, full_name=name, iin=iin, locale=item.locale)
    return rejected(item.entry.source, f"{spec.role} not enrolled: enroll first", text)


def _dig_model(model: BaseModel, path: str) -> Any:
    value: Any = model
    for part in path.split("."):
        value = getattr(value, part)
    return value


@dataclass(frozen=True)
class Render:
    """DOCX from the kind's ``document`` template in the input's locale."""

    hooks: KindHooks
    name: str = "render"
    product: str | None = "document.docx"
    replay: bool = False

    def run(self, item: WorkItem, services: Services) -> StageResult:
        template = services.settings.templates / item.kind.template("document", item.locale)
        return services.renderer.render_docx(template, self.hooks.context(item, services))


@dataclass(frozen=True)
class Convert:
    """PDF/A-3b from the warm LibreOffice (through the parent, in a worker process)."""

    name: str = "convert"
    product: str | None = "converted.pdf"
    replay: bool = False

    def run(self, item: WorkItem, services: Services) -> StageResult:
        return services.renderer.convert(item.product_of("render").read_bytes())


@dataclass(frozen=True)
class Finalize:
    """The kind's attachments and one empty signature field per signer."""

    hooks: KindHooks
    name: str = "finalize"
    product: str | None = "unsigned.pdf"
    replay: bool = False

    def run(self, item: WorkItem, services: Services) -> StageResult:
        fields = [FieldSpec(s.field) for s in item.kind.signing.signers]
        return services.renderer.finalize(
            item.product_of("convert").read_bytes(),
            attachments=self.hooks.attachments(item, services),
            signature_fields=fields,
        )


@dataclass(frozen=True)
class Sign:
    """One signer's PAdES signature. The first signer of a sequence whose last signer locks
    prepares the /Lock; the last signer locks (if its spec says) and makes it B-LTA."""

    spec: SignerSpec
    first: bool
    last: SignerSpec
    name: str = "sign"
    product: str | None = None
    replay: bool = False

    @classmethod
    def of(cls, signers: Sequence[SignerSpec], role: str) -> Sign:
        specs = [s for s in signers if s.role == role]
        if not specs:
            raise ValueError(f"no signer with role {role!r}")
        return cls(
            spec=specs[0],
            first=signers[0] is specs[0],
            last=signers[-1],
            name=f"sign:{role}",
            product=f"signed-{role}.pdf",
        )

    def run(self, item: WorkItem, services: Services) -> StageResult:
        is_last = self.spec is self.last
        lock_later = self.last.field if self.first and not is_last and self.last.lock else None
        if services.signing_modes.own(self.spec.role):
            assert self.product is not None
            return sign_own(
                item, services, spec=self.spec, product=self.product, lock_later=lock_later
            )
        before = item.last_product()
        who = signatory(self.spec, item, services)
        return services.signer.sign(
            before.read_bytes(),
            field=self.spec.field,
            role=self.spec.role,
            iin=who.iin,
            chamber=who.chamber,
            locale=item.locale,
            lock=self.spec.lock,
            lta=is_last,
            lock_later=lock_later,
            document=item.token,
        )


@dataclass(frozen=True)
class Archive:
    """Store the signed document with its record; the archive is idempotent per input."""

    hooks: KindHooks
    name: str = "archive"
    product: str | None = None
    replay: bool = False

    def run(self, item: WorkItem, services: Services) -> StageResult:
        assert item.loaded is not None
        existing = services.archive.find_by_input_sha256(item.loaded.sha256)
        if existing is not None and not item.prefix:
            return Outcome("archived", record=str(existing))
        data = item.model.model_dump(mode="json")
        record_id = item.kind.record_id({**data, **item.facts}, item.loaded.sha256)
        record = self.hooks.record(item, services, record_id)
        with services.timings.timed("archive"):
            services.archive.store(record, item.last_product().read_bytes(), record_id=record_id)
        return Outcome("archived", record=record_id)


# ---------------------------------------------------------------------- defaults


def template_info(services: Services, name: str) -> dict[str, str]:
    path = services.settings.templates / name
    return {"name": name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def events_of(item: WorkItem, services: Services, summary: str | None) -> list[AuditEvent]:
    """The events the kind's stages imply, in order, plus the decisions taken on the way."""
    events: list[AuditEvent] = []
    for name in item.kind.stages:
        if name == "parse":
            events.append(AuditEvent.received(item.entry.source, item.entry.received_at))
        elif name == "judge":
            events.append(AuditEvent.checked(summary or "checked"))
        elif name == "finalize":
            events.append(AuditEvent.rendered(item.kind.template("document", item.locale)))
        elif name == "decide":
            events.extend(item.extra_events)
        elif name.startswith("sign:"):
            spec = next(s for s in item.kind.signing.signers if s.role == name[5:])
            events.append(AuditEvent.signed(signatory(spec, item, services).name, spec.role))
    return events


def _default_context(item: WorkItem, services: Services) -> dict[str, Any]:
    context = item.model.model_dump(mode="python")
    today = services.clock.today()
    context.update(
        title=item.kind.title.get(item.locale, item.kind.name),
        issued_on=format_date(today, item.locale),
    )
    return context


def _no_attachments(item: WorkItem, services: Services) -> Sequence[Attachment]:
    return ()


def _default_record(item: WorkItem, services: Services, record_id: str) -> dict[str, Any]:
    assert item.loaded is not None
    kind = item.kind
    data = item.model.model_dump(mode="json")
    series = kind.series_key(data) if kind.series else f"{kind.name}/{record_id}"
    earlier = [r for r in services.archive.versions(series) if r.get("id") != record_id]
    signers = []
    for spec in kind.signing.signers:
        who = signatory(spec, item, services)
        signers.append({"role": spec.role, "name": who.name, "iin": who.iin})
    now = services.clock.now()
    events = events_of(item, services, None)
    events.append(AuditEvent.archived(record_id))
    return {
        "kind": kind.record_kind,
        "outcome": "signed",
        "locale": item.locale,
        "year": data.get("year", services.clock.today().year),
        "series": series,
        "version": len(earlier) + 1,
        "previous": earlier[-1].get("id") if earlier else None,
        "source": item.loaded.source_name,
        "input_sha256": item.loaded.sha256,
        "template": template_info(services, kind.template("document", item.locale)),
        "signers": signers,
        "data": data,
        "events": [e.to_json(now) for e in events],
    }


def _no_facts(model: BaseModel) -> dict[str, Any]:
    return {}


DEFAULT_HOOKS = KindHooks(
    context=_default_context,
    attachments=_no_attachments,
    record=_default_record,
    facts=_no_facts,
)

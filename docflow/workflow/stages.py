"""The generic stages every kind is made of, and the defaults of a kind that needs nothing
beyond its TOML file, model and templates (docs/ARCHITECTURE.md, "How to add a kind")."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from docflow.audit import AuditEvent
from docflow.inbox.runner import Outcome
from docflow.kinds import SignerSpec, Verdict
from docflow.render import Attachment, FieldSpec, format_date
from docflow.workflow.flow import (
    KindHooks,
    StageResult,
    WorkItem,
    judge,
    rejected,
    signer_iin,
    write_json,
)
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
    "template_info",
]


@dataclass(frozen=True)
class Parse:
    """The input was parsed when the item was made (``Flow.new_item``); nothing to write."""

    name: str = "parse"
    product: str | None = None
    replay: bool = True

    def run(self, item: WorkItem, services: Services) -> StageResult:
        return None


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
        for spec in item.kind.signing.signers:
            if spec.who.startswith("role:"):
                continue
            iin = signer_iin(spec, item, services)
            if not services.directory.is_enrolled(iin):
                return _not_enrolled(item, spec, iin)
        return None


def _judge(item: WorkItem, services: Services) -> Verdict | None:
    decided = item.decision.decided_points if item.decision else None
    assert item.loaded is not None
    return judge(
        item.kind,
        item.loaded,
        today=submitted_on(item),
        services=services,
        decided_points=decided,
    )


def submitted_on(item: WorkItem) -> date:
    """The day the input counts as submitted: its own ``submitted_on`` or the day it arrived."""
    given = getattr(item.model, "submitted_on", None)
    return given if isinstance(given, date) else date.fromisoformat(item.entry.received_at[:10])


def _not_enrolled(item: WorkItem, spec: SignerSpec, iin: str) -> Outcome:
    owner = spec.who.rpartition(".")[0]
    try:
        name = str(getattr(_dig_model(item.model, owner), "full_name", "")) if owner else ""
    except (AttributeError, KeyError):
        name = ""
    who = f"{spec.role} {name}".strip()
    text = (
        f"The {who} (IIN {iin}) has no signing key in this chamber's docflow yet: enroll first "
        f"(docflow pki enroll --iin {iin} --name '...'), then drop the file again."
    )
    return rejected(
        item.entry.source, f"{spec.role} not enrolled: enroll first", [f"{spec.who}: {text}"]
    )


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
        before = item.last_product()
        return services.signer.sign(
            before.read_bytes(),
            field=self.spec.field,
            role=self.spec.role,
            iin=signer_iin(self.spec, item, services),
            locale=item.locale,
            lock=self.spec.lock,
            lta=is_last,
            lock_later=self.last.field if self.first and not is_last and self.last.lock else None,
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
            iin = signer_iin(spec, item, services)
            events.append(AuditEvent.signed(services.directory.name_of(iin), spec.role))
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
        iin = signer_iin(spec, item, services)
        signers.append({"role": spec.role, "name": services.directory.name_of(iin), "iin": iin})
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

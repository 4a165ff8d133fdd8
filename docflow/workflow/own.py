"""Signatures that are the signers' own, inside the flow (issue 15).

A ``sign:ROLE`` stage whose role is ``own`` in ``[signing]`` (``docflow.signreq.signing_modes``)
never signs: it prepares the PDF and records a signing request for the person the kind names
(``signer_iin``, the one signer-resolution function), writes ``request-ROLE.json`` into the
work folder and returns ``Waiting(state="awaiting_signature")``. The document's state is then
the journal row plus that file plus the store's row: no thread waits.

The signature comes back by the web page, the JSON API, ``docflow sign-requests complete`` or
a signed package dropped into the inbox; each ends in ``SignRequests.submit``, which checks
and completes the PDF (B-LTA). The runner's ``resume_waiting`` asks ``SignatureArrivals``
whether a waiting document's request is no longer open and runs it again: the stage then
finds the request signed and hands on the completed PDF as its product (next signer's
request, or the archive).
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections import OrderedDict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from docflow.errors import DocflowError, Problem
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Outcome
from docflow.intake.messages import rejection_text
from docflow.kinds import SignerSpec
from docflow.sign import SignSpec
from docflow.signreq import (
    SignRequestRecord,
    SignRequests,
    UnknownSignRequest,
    due,
    home_trust,
    read_signed,
    read_signed_batch,
)
from docflow.workflow.flow import StageResult, Waiting, WorkItem, rejected, signer_iin, write_json
from docflow.workflow.services import Services

__all__ = [
    "AWAITING",
    "SignatureArrivals",
    "accept_dropped_signature",
    "awaiting_reason",
    "consultant_signed_on",
    "is_signed_answer",
    "sign_own",
]

AWAITING = "awaiting_signature"
log = logging.getLogger("docflow.watch")
_KZ_TIME = timezone(timedelta(hours=5), "UTC+5")


def _request_file(item: WorkItem, role: str) -> Path:
    return item.path(f"request-{role}.json")


def awaiting_reason(record: SignRequestRecord) -> str:
    """What ``docflow status`` shows for a document waiting on a person (kk / ru / en)."""
    who = f"{record.role or record.field}: {record.signer_name} (IIN {record.expected_iin})"
    return (
        f"қолды күтуде / ожидает подписи / awaiting signature — {who}, "
        f"request {record.id}, until {record.expires:%Y-%m-%d}"
    )


def sign_own(
    item: WorkItem,
    services: Services,
    *,
    spec: SignerSpec,
    product: str,
    lock_later: str | None,
) -> StageResult:
    """The own-key ``sign:ROLE``: the completed PDF if the person signed, else a request (made
    once) and ``Waiting``. docflow holds and uses no key of that person."""
    store = services.sign_requests
    path = _request_file(item, spec.role)
    record: SignRequestRecord | None = None
    if path.exists():
        record = store.get(json.loads(path.read_text(encoding="utf-8"))["id"])
        if record.state == "signed":
            return store.signed_pdf(record.id)
        if record.state != "open":  # cancelled: ask again
            record = None
    if record is None:
        iin = signer_iin(spec, item, services)
        # The remarks letter ("remarks-" prefix) and the form with the officer's comment
        # ("-commented") are documents of their own.
        document = f"{item.prefix}{item.token}{item.variant}"
        # A crash between the store's row and request-ROLE.json leaves an open request for
        # this document and field: take it rather than ask the person twice.
        same = [
            r
            for r in store.list(iin=iin)
            if r.document == document and r.field == spec.field and r.role == spec.role
        ]
        record = same[-1] if same else None
        if record is None:
            record = store.create(
                item.last_product().read_bytes(),
                SignSpec(
                    spec.field,
                    role=spec.role,
                    locale=item.locale,
                    lock=spec.lock,
                    lock_later=lock_later,
                ),
                document=document,
                expected_iin=iin,
                signer_name=_name_of(iin, item, services, spec),
                # Reminded after request_days, flagged to the officer after twice that;
                # signable until then (docflow.signreq.due).
                days=2 * services.signing_modes.request_days,
            )
        write_json(
            path,
            {
                "id": record.id,
                "role": spec.role,
                "field": spec.field,
                "iin": iin,
                "product": item.path(product).name,
            },
        )
    if not item.prefix and item.part is None:
        services.journal.update(item.token, stage=f"awaiting:{spec.role}")
    return Waiting(awaiting_reason(record), state=AWAITING)


def _name_of(iin: str, item: WorkItem, services: Services, spec: SignerSpec) -> str:
    """The expected signer's name: the directory's (their certificate), else the input's."""
    try:
        return services.directory.name_of(iin)
    except DocflowError:
        owner = spec.who.rpartition(".")[0]
        value: Any = item.model
        for part in owner.split(".") if owner else ():
            value = getattr(value, part, None)
        return str(getattr(value, "full_name", "") or iin)


def consultant_signed_on(item: WorkItem, services: Services) -> date | None:
    """R-3.2d: the day (Kazakhstan time, UTC+5) the consultant's own signature of this
    report arrived, once it has; None before, or when she does not sign with her own key.
    For the judge stage: ``filing_day(received_on, consultant_signed_on=…)``. The first
    signature counts (not the one on the form with the officer's comment)."""
    path = item.workdir / "request-consultant.json"
    if not path.exists():
        return None
    record = services.sign_requests.get(json.loads(path.read_text(encoding="utf-8"))["id"])
    if record.state != "signed" or record.completed is None:
        return None
    return record.completed.astimezone(_KZ_TIME).date()


class SignatureArrivals:
    """The runner's ``ready`` check: a document ``awaiting_signature`` goes on once one of its
    requests is no longer open (signed; or cancelled, to be asked again). On the way it logs,
    once per process and step, a request that became due (``docflow.signreq.due``: remind the
    person after ``request_days``, flag it to the officer after twice that)."""

    def __init__(self, store: SignRequests, *, request_days: float | None = None):
        self.store = store
        self.request_days = request_days
        self._noted: set[tuple[str, str]] = set()
        #: Request files read, per work folder: path -> (mtime_ns, data). A certificate batch
        #: waits on hundreds of requests for days; the watcher asks every second.
        self._files: OrderedDict[Path, dict[Path, tuple[int, dict[str, Any]]]] = OrderedDict()

    def __call__(self, entry: Entry, workdir: Path) -> bool:
        known = self._files.pop(workdir, {})
        current: dict[Path, tuple[int, dict[str, Any]]] = {}
        pending: list[str] = []
        for path in sorted(workdir.glob("*request-*.json")):
            mtime = path.stat().st_mtime_ns
            cached = known.get(path)
            data = cached[1] if cached and cached[0] == mtime else _read_json(path)
            current[path] = (mtime, data)
            if not (workdir / str(data["product"])).exists():
                pending.append(str(data["id"]))  # that signature is not in yet
        self._files[workdir] = current
        while len(self._files) > 256:
            self._files.popitem(last=False)
        records = self.store.get_many(pending)
        for request_id in pending:
            record = records.get(request_id)
            if record is None:
                raise UnknownSignRequest(f"no signing request {request_id!r}")
            if record.state != "open":
                return True
            self._note_due(entry, record)
        return False

    def _note_due(self, entry: Entry, record: SignRequestRecord) -> None:
        if self.request_days is None:
            return
        step = due(record, request_days=self.request_days, now=datetime.now(UTC))
        if step is None or (record.id, step) in self._noted:
            return
        self._noted.add((record.id, step))
        whom = "remind the signer" if step == "remind" else "flagged to the officer"
        log.warning(
            "%s (%s): request %s for %s (IIN %s) open since %s: %s",
            entry.token, entry.source, record.id, record.signer_name, record.expected_iin,
            f"{record.created:%Y-%m-%d}", whom,
        )  # fmt: skip


# ---------------------------------------------------------------------- the inbox


def _read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def is_signed_answer(raw: bytes) -> bool:
    """A signed package (ZIP with ``signature.p7s``), a signed batch (ZIP with ``batch.json``
    and ``requests/<id>/signature.p7s``) or a JSON ``docflow-signature/1``."""
    if raw[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return False
        if "batch.json" in names:
            return any(n.endswith("/signature.p7s") for n in names)
        return {"request.json", "signature.p7s"} <= names
    head = raw.lstrip()[:4096]
    return head[:1] == b"{" and b'"docflow-signature/1"' in head


def accept_dropped_signature(entry: Entry, raw: bytes, services: Services) -> Outcome:
    """A signed package dropped into the inbox: submitted to the request it names. Accepted,
    its row is ``signed`` (the waiting document goes on); refused, it is rejected with every
    reason beside it, and the request stays open. A signed batch completes each request it
    holds whose signature passes (``_accept_batch``)."""
    if _signed_batch(raw) is not None:
        return _accept_batch(entry, raw, services)
    try:
        request_id, _ = read_signed(raw)
        if request_id is None:
            raise DocflowError("the signed file names no signing request")
        endpoints = services.trust.endpoints
        trust = home_trust(services.home)
        endpoints = replace(endpoints, trust_roots=trust.roots, intermediates=trust.intermediates)
        result = services.sign_requests.submit(
            request_id, raw, trust=trust, services=endpoints, now=datetime.now(UTC)
        )
    except DocflowError as exc:
        text = rejection_text(entry.source, [Problem("signature", str(exc))], None)
        return rejected(entry.source, f"signature not accepted: {exc}", text)
    if not result.accepted:
        # A signed package says nothing of its reader's language: the reasons in kk and ru.
        text = "\n".join(
            rejection_text(
                entry.source,
                [Problem("signature", r.message(lang)) for r in result.check.refusals],
                lang,
            )
            for lang in ("kk", "ru")
        )
        return rejected(
            entry.source,
            f"signature for request {request_id} refused: "
            + ", ".join(r.code for r in result.check.refusals),
            text,
        )
    record = result.request
    return Outcome(
        "signed",
        reason=f"signature for request {record.id} ({record.role}, document {record.document})"
        " accepted",
    )


def _signed_batch(raw: bytes) -> list[tuple[str, bytes]] | None:
    try:
        return read_signed_batch(raw)
    except DocflowError:
        return None


def _accept_batch(entry: Entry, raw: bytes, services: Services) -> Outcome:
    """A signed batch dropped into the inbox: each signature submitted to its request and
    checked on its own (a batch is not atomic: docs/OWN-SIGNING.md). ``signed`` when at least
    one was accepted (the refused ones stay open, their reasons in the journal and on the
    requests); ``rejected`` with every reason when none was."""
    answers = read_signed_batch(raw) or []
    endpoints = services.trust.endpoints
    trust = home_trust(services.home)
    endpoints = replace(endpoints, trust_roots=trust.roots, intermediates=trust.intermediates)
    accepted: list[str] = []
    refused: list[tuple[str, list[Problem], str]] = []
    for request_id, cms_der in answers:
        try:
            result = services.sign_requests.submit(
                request_id, cms_der, trust=trust, services=endpoints, now=datetime.now(UTC)
            )
        except DocflowError as exc:
            refused.append((request_id, [Problem("signature", str(exc))], type(exc).__name__))
            continue
        if result.accepted:
            accepted.append(request_id)
        else:
            codes = ", ".join(r.code for r in result.check.refusals)
            problems = [
                Problem(f"signature {request_id}", f"{r.message('kk')} / {r.message('ru')}")
                for r in result.check.refusals
            ]
            refused.append((request_id, problems, codes))
    summary = "; ".join(f"{rid}: {codes}" for rid, _, codes in refused)
    if not accepted:
        text = rejection_text(entry.source, [p for _, ps, _ in refused for p in ps], None)
        return rejected(entry.source, f"signed batch refused: {summary}", text)
    reason = f"signed batch: {len(accepted)} of {len(answers)} signatures accepted"
    if refused:
        reason += f"; refused {summary}"
        log.warning("%s (%s): %s", entry.token, entry.source, reason)
    return Outcome("signed", reason=reason)

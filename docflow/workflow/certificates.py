"""The ``event-certificates`` kind in the flow: the batch is judged once (repeated
participants, the event's Appendix 2 form, the issuer's key; ``batch.json`` fixes the day of
issue), then ``issue`` runs once per participant (render, convert, finalize, the issuer's
B-LTA signature, archive under the serial: ``docflow.certificates.Batch.issue``), spread over
the worker processes, and ``collect`` ends the batch with its serials.

Checkpoints live in ``workdir/certificates/``; serials follow from the input's bytes, so a run
after ``kill -9`` finishes the batch without issuing anything twice.

``docflow certificates issue FILE`` goes the same way (issue 12): ``issue_submission`` gives
the file a journal row and a work folder as the inbox does and hands the batch to the worker
processes (``WorkerPool.dispatch``), part by part, so it can count them on a progress bar.

With ``[signing] issuer = "own"`` (issue 15) ``issue`` never signs: each certificate is
prepared and a signing request recorded for the issuer (``pNNNNN-request-issuer.json`` in the
work folder, which ``docflow.workflow.own.SignatureArrivals`` watches), and the batch waits,
``awaiting_signature``. The issuer signs them, one by one or as one package
(``docflow.signreq.export_batch``); the next run (the watcher's ``resume_waiting``, or
``certificates issue`` again) archives every signed one and waits on the rest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from docflow.certificates import SIGNER_SPEC, Batch, SignHook, points_here
from docflow.errors import DocflowError, NotEnrolled, Problem, SubmissionInvalid
from docflow.inbox.candidates import safe_display_name
from docflow.inbox.journal import LEASE_SECONDS, WAITING_STATES, Entry, SqlJournal, new_owner
from docflow.inbox.runner import Outcome, new_token
from docflow.intake.messages import rejection_text
from docflow.model import EventCertificates, Participant
from docflow.sign import SignSpec
from docflow.signreq import batch_document
from docflow.workflow.flow import (
    COLLECT,
    WHOLE,
    StageResult,
    Step,
    WorkItem,
    invalid,
    rejected,
    write_json,
)
from docflow.workflow.parking import park_if_shared
from docflow.workflow.services import Services, signing_warmed

__all__ = [
    "AWAITING",
    "IssueCertificate",
    "JudgeBatch",
    "collect_batch",
    "issue_submission",
    "participants",
]

AWAITING = "awaiting_signature"


def _model(item: WorkItem) -> EventCertificates:
    model = item.model
    assert isinstance(model, EventCertificates)
    return model


def _batch(item: WorkItem) -> Batch:
    assert isinstance(item.state, Batch)
    return item.state


@dataclass(frozen=True)
class JudgeBatch:
    """Everything about the batch that can refuse it, before any certificate is made."""

    name: str = "judge"
    product: str | None = None
    replay: bool = True

    def run(self, item: WorkItem, services: Services) -> StageResult:
        model = _model(item)
        assert item.loaded is not None
        services.journal.update(
            item.token, stage="checked", kind=item.kind.name, full_name=model.event.title,
            year=model.event.date.year,
        )  # fmt: skip
        try:
            item.state = Batch(
                services, item.loaded, model, item.workdir / "certificates", item.entry.received_at
            )
        except NotEnrolled as exc:
            problem = Problem("issuer", f"{exc}", None)
            return rejected(
                item.entry.source,
                "issuer not enrolled: enroll first",
                rejection_text(item.entry.source, [problem], item.locale),
            )
        except SubmissionInvalid as exc:
            return invalid(item.entry.source, exc.problems, item.loaded.data)
        item.facts["archived"] = item.state.archived_serials()
        if points_here(services.settings.base_url):
            log.warning(
                "%s: base_url is %s: the QR codes of these certificates point at this machine",
                item.entry.source,
                services.settings.base_url,
            )
        return None


log = logging.getLogger("docflow.workflow")

#: Participants per part: a worker issues them on two threads, so one certificate's
#: conversion (in the parent's LibreOffice) overlaps another's rendering and signing.
PART_SIZE = 4
_THREADS = 2


@dataclass(frozen=True)
class IssueCertificate:
    """The certificates of one part of the batch (``item.part``: participants
    ``PART_SIZE * part`` onwards); idempotent per serial."""

    name: str = "issue"
    product: str | None = None
    replay: bool = False

    def run(self, item: WorkItem, services: Services) -> StageResult:
        assert item.part is not None
        people = _members(item)
        batch, archived = _batch(item), item.facts["archived"]
        sign = _own_signature(item, services, batch) if _issuer_own(services) else None
        indices = list(range(PART_SIZE * item.part, min(PART_SIZE * (item.part + 1), len(people))))
        if indices and sign is None and not signing_warmed():
            # Alone until this process has signed once: pyHanko's first signature parses the
            # shared trust roots and imports its XMP module (neither is thread-safe).
            first = indices.pop(0)
            batch.issue(first, people[first], archived)
        with ThreadPoolExecutor(_THREADS, thread_name_prefix="docflow-certificate") as pool:
            for future in [pool.submit(batch.issue, i, people[i], archived, sign) for i in indices]:
                future.result()
        return None


def _issuer_own(services: Services) -> bool:
    return services.signing_modes.own(SIGNER_SPEC.role)


def _request_path(item: WorkItem, index: int) -> Path:
    # Matched by SignatureArrivals' ``*request-*.json``: the batch goes on when one is answered.
    return item.workdir / f"p{index:05d}-request-{SIGNER_SPEC.role}.json"


def _own_signature(item: WorkItem, services: Services, batch: Batch) -> SignHook:
    """The issuer's own signature (issue 15): the completed PDF once the issuer's CMS was
    accepted, else a signing request (made once per certificate) and None. docflow holds and
    uses no key of the issuer's."""
    store = services.sign_requests
    issuer = batch.issuer

    def sign(index: int, serial: str, pdf: bytes) -> bytes | None:
        path = _request_path(item, index)
        document = batch_document(item.token, serial)
        if path.exists():
            known = store.get(json.loads(path.read_text(encoding="utf-8"))["id"])
            if known.state == "signed":
                return store.signed_pdf(known.id)
            if known.state == "open":
                return None
        # A crash between the store's row and the request file leaves an open request for
        # this certificate: take it rather than ask twice.
        same = [r for r in store.list(iin=issuer.iin) if r.document == document]
        record = same[-1] if same else None
        if record is None:
            record = store.create(
                pdf,
                SignSpec(SIGNER_SPEC.field, role=SIGNER_SPEC.role, locale=item.locale,
                         lock=SIGNER_SPEC.lock),
                document=document,
                expected_iin=issuer.iin,
                signer_name=issuer.name,
                days=2 * services.signing_modes.request_days,
            )  # fmt: skip
        signed = batch.checkpoints(index, serial)[1]
        write_json(
            path,
            {
                "id": record.id,
                "role": SIGNER_SPEC.role,
                "field": SIGNER_SPEC.field,
                "iin": issuer.iin,
                "serial": serial,
                "product": signed.relative_to(item.workdir).as_posix(),
            },
        )
        return None

    return sign


def _members(item: WorkItem) -> list[Participant]:
    """The list the kind's ``per`` names (``participants``)."""
    assert item.kind.per is not None
    members = getattr(_model(item), item.kind.per)
    assert isinstance(members, list)
    return members


def participants(item: WorkItem) -> int:
    """How many parts the batch has."""
    return -(-len(_members(item)) // PART_SIZE)


def collect_batch(item: WorkItem, services: Services) -> Outcome:
    """Every certificate is archived: the batch's outcome, with its serials. In own mode,
    while some still wait for the issuer's signature: ``awaiting_signature``."""
    batch = _batch(item)
    archived = batch.archived_serials()
    serials: list[str] = []
    new = waiting = 0
    for index, participant in enumerate(_model(item).participants):
        serial = batch.serial(index, participant)
        if serial not in archived:
            earlier = batch.certified_before(participant)
            waiting += earlier is None
            serial = earlier or serial
        else:
            new += int(serial not in item.facts["archived"])
        serials.append(serial)
    if waiting:
        if not _issuer_own(services):  # pragma: no cover - a held signature raises instead
            raise DocflowError(f"{waiting} certificates of {item.entry.source} were not issued")
        services.journal.update(item.token, stage=f"awaiting:{SIGNER_SPEC.role}",
                                details=json.dumps(serials))  # fmt: skip
        issuer = batch.issuer
        return Outcome(
            AWAITING,
            reason=(
                f"қолды күтуде / ожидает подписи / awaiting signature — "
                f"{SIGNER_SPEC.role}: {issuer.name} (IIN {issuer.iin}), {waiting} of "
                f"{len(serials)} certificates, batch {item.token}"
            ),
        )
    services.journal.update(item.token, stage="archived", details=json.dumps(serials))
    return Outcome(
        "archived",
        record=serials[0] if serials else None,
        reason=f"{len(serials)} certificates issued ({new} new in this run)",
    )


# ---------------------------------------------------------------------- docflow certificates issue

RunStep = Callable[[Entry, Path, Step], Outcome]


def _resumable(services: Services, sha256: str, owner: str) -> Entry | None:
    """An earlier run of these bytes that did not finish (killed, or waiting for the issuer's
    own signatures), now leased to ``owner``; None when there is none."""
    journal = services.journal
    work = services.home.state / "work"
    candidates = journal.entries("processing") + journal.entries("awaiting_signature")
    if isinstance(journal, SqlJournal):  # scaled out: a waiting batch is parked, not here
        from docflow.queue import ParkedWork

        ParkedWork(journal, work).ensure_many([e.token for e in candidates if e.sha256 == sha256])
    for entry in candidates:
        if entry.sha256 != sha256 or not any((work / entry.token).glob("input*")):
            continue
        if entry.state == AWAITING:
            if journal.resume(entry.token, owner):
                return journal.get(entry.token)
        elif journal.take_over(entry.token, owner):
            return entry
    return None


def issue_submission(
    services: Services,
    source: Path,
    *,
    run: RunStep,
    parallel: int,
    total: int,
    progress: Callable[[int], None] | None = None,
    first_alone: bool = False,
) -> tuple[Entry, Outcome]:
    """Run the batch in ``source`` through the flow as the inbox would, without moving the
    file: a journal row and a work folder (``.docflow/work/<token>/input.EXT``, a copy), then
    ``run`` (``WorkerPool.dispatch``: the worker processes) for the whole, each part
    (``parallel`` at once) and the collection. ``progress(n)`` is called with the number of
    participants of each finished part. ``first_alone``: the first part runs before the others
    (``run`` is an in-process ``Flow.run``: a process's first signature must be alone, as in
    ``Flow.__call__``; each worker process sees to it itself).

    An earlier run of the same bytes that was interrupted, or waits for the issuer's own
    signatures, is resumed (its work folder and row), so nothing is issued twice. The row ends
    as the outcome says (``archived``, ``rejected``, ``awaiting_signature``); an exception
    leaves it ``processing`` for the next run (or the watcher) to finish."""
    raw = source.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    journal = services.journal
    owner = new_owner()
    entry = _resumable(services, sha, owner)
    workdir_root = services.home.state / "work"
    if entry is None:
        token = new_token()
        workdir = workdir_root / token
        workdir.mkdir(parents=True)
        suffix = "".join(c for c in source.suffix.lower() if c.isalnum() or c == ".")
        (workdir / f"input{suffix}").write_bytes(raw)
        entry = journal.add(token, safe_display_name(source.name), sha, owner=owner)
    workdir = workdir_root / entry.token
    claimed: Entry = entry
    stop = threading.Event()

    def renew() -> None:  # keep the lease, so a watcher's recovery never takes this run's work
        while not stop.wait(LEASE_SECONDS / 4):
            try:
                journal.renew(owner)
            except Exception:  # a busy journal: the next renewal comes well before the end
                log.warning("could not renew the journal lease", exc_info=True)

    renewer = threading.Thread(target=renew, name="docflow-lease", daemon=True)
    renewer.start()
    try:
        outcome = run(claimed, workdir, WHOLE)
        if outcome.state == "split":

            def part(index: int) -> None:
                run(claimed, workdir, Step.part(index))
                if progress is not None:
                    progress(max(0, min(PART_SIZE, total - PART_SIZE * index)))

            parts = list(outcome.parts)
            if first_alone and parts:
                part(parts.pop(0))
            with ThreadPoolExecutor(max(1, parallel), thread_name_prefix="docflow-parts") as pool:
                for future in [pool.submit(part, i) for i in parts]:
                    future.result()
            outcome = run(claimed, workdir, COLLECT)
    finally:
        stop.set()
        renewer.join(timeout=5)
    if park_if_shared(journal, workdir, claimed, outcome):
        # Scaled out: the batch waits in the shared database; a watch node resumes it when
        # the issuer has signed, and any worker host finishes it (issue 18).
        shutil.rmtree(workdir, ignore_errors=True)
        return journal.get(claimed.token), outcome
    entry = journal.update(
        claimed.token, state=outcome.state, record=outcome.record, reason=outcome.reason
    )
    if outcome.state not in WAITING_STATES:
        shutil.rmtree(workdir, ignore_errors=True)
    return entry, outcome

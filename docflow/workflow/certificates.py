"""The ``event-certificates`` kind in the flow: the batch is judged once (repeated
participants, the event's Appendix 2 form, the issuer's key; ``batch.json`` fixes the day of
issue), then ``issue`` runs once per participant (render, convert, finalize, the issuer's
B-LTA signature, archive under the serial: ``docflow.certificates.Batch.issue``), spread over
the worker processes, and ``collect`` ends the batch with its serials.

Checkpoints live in ``workdir/certificates/``; serials follow from the input's bytes, so a run
after ``kill -9`` finishes the batch without issuing anything twice.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from docflow.certificates import Batch
from docflow.errors import NotEnrolled, SubmissionInvalid
from docflow.inbox.runner import Outcome
from docflow.model import EventCertificates, Participant
from docflow.workflow.flow import StageResult, WorkItem, rejected
from docflow.workflow.services import Services, signing_warmed

__all__ = ["IssueCertificate", "JudgeBatch", "collect_batch", "participants"]


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
            return rejected(
                item.entry.source, "issuer not enrolled: enroll first", [f"issuer: {exc}"]
            )
        except SubmissionInvalid as exc:
            return rejected(
                item.entry.source,
                f"invalid input: {len(exc.problems)} problem(s)",
                [str(p) for p in exc.problems],
            )
        item.facts["archived"] = item.state.archived_serials()
        return None


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
        indices = list(range(PART_SIZE * item.part, min(PART_SIZE * (item.part + 1), len(people))))
        if indices and not signing_warmed():
            # Alone until this process has signed once: pyHanko's first signature parses the
            # shared trust roots and imports its XMP module (neither is thread-safe).
            first = indices.pop(0)
            batch.issue(first, people[first], archived)
        with ThreadPoolExecutor(_THREADS, thread_name_prefix="docflow-certificate") as pool:
            for future in [pool.submit(batch.issue, i, people[i], archived) for i in indices]:
                future.result()
        return None


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
    """Every certificate is archived: the batch's outcome, with its serials."""
    batch = _batch(item)
    archived = batch.archived_serials()
    serials: list[str] = []
    new = 0
    for index, participant in enumerate(_model(item).participants):
        serial = batch.serial(index, participant)
        if serial not in archived:
            serial = batch.certified_before(participant) or serial
        else:
            new += int(serial not in item.facts["archived"])
        serials.append(serial)
    services.journal.update(item.token, stage="archived", details=json.dumps(serials))
    return Outcome(
        "archived",
        record=serials[0] if serials else None,
        reason=f"{len(serials)} certificates issued ({new} new in this run)",
    )

"""Issuing a batch of event certificates: one PDF per participant, rendered from the approved
template (R-5.4), signed by the issuer (timestamped, LTV, locked) and archived under its serial.

Every participant's work is checkpointed in the batch's work folder (``NNNNN-<serial>.pdf``
unsigned, ``….signed.pdf`` signed) and the archive is idempotent per serial, so a batch killed
at any point resumes where it stopped and never issues a second certificate to anyone.
The batch runs in the generic flow (``docflow.workflow.certificates``), spread over the worker
processes, whether it came by the inbox or by ``docflow certificates issue`` (issue 12).

Who signs is the caller's ``SignHook``: the issuer's held key (``Batch.sign``), or, when
``[signing] issuer = "own"``, a signing request the issuer answers with their own key (issue
15): the hook then returns None and the certificate waits, its unsigned checkpoint kept.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import segno

from docflow.atomic import write_bytes_atomic
from docflow.audit import AuditEvent, EventType
from docflow.bodies import ChamberRegistry, certificate_issuer, same_name
from docflow.certificates._data import ATTACHMENT_NAME, embedded_data
from docflow.certificates._forms import load_register, require_approved
from docflow.certificates._serial import load_secret, serial_for
from docflow.errors import (
    AuthorityRefused,
    NotEnrolled,
    Problem,
    SigningError,
    SubmissionInvalid,
    UnknownRecord,
)
from docflow.intake.parse import LoadedSubmission
from docflow.kinds import load_kind
from docflow.model import EventCertificates, Participant
from docflow.pki import Enrolment
from docflow.ports import DocumentServices
from docflow.render import Attachment, certificate_context, certificate_fields
from docflow.rules import table_for_year

__all__ = ["Batch", "IssuedCertificate", "SignHook", "judge_batch", "verify_url"]

log = logging.getLogger("docflow.certificates")

KIND = load_kind("event-certificates")
SIGNER = KIND.signing.signers[0]  # role "issuer", field "issuer", locks the document

#: ``(index, serial, unsigned PDF) -> signed PDF``, or None when the signature is not there yet
#: (the issuer signs with their own key; the certificate waits).
SignHook = Callable[[int, str, bytes], bytes | None]


@dataclass(frozen=True)
class IssuedCertificate:
    """One participant's certificate; ``new`` is False when an earlier run had archived it."""

    index: int
    serial: str
    full_name: str
    iin: str
    verify_url: str
    sha256: str
    new: bool


def points_here(base_url: str) -> bool:
    """Whether QR codes made for ``base_url`` point at this machine only (``localhost``, a
    loopback address): nobody who scans a printed certificate can reach it."""
    import ipaddress
    from urllib.parse import urlsplit

    host = (urlsplit(base_url).hostname or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def verify_url(base_url: str, serial: str) -> str:
    """What the QR code carries (CONTRACT.md): ``<base_url>/v/<serial>``."""
    return f"{base_url.rstrip('/')}/v/{serial}"


def _issuer_enrolment(parts: DocumentServices, model: EventCertificates) -> Enrolment:
    """The issuer's signing key (issue 13): the batch names its issuer by IIN, who must be
    enrolled as an issuer of the organising chamber (``certificate_issuer``), and the name on
    the face must be that key's holder's. Anything else rejects the batch (``SubmissionInvalid``
    with the reason in Kazakh, Russian and English; ``UnknownChamber`` for a chamber nobody
    registered; ``NotEnrolled`` when the IIN is not an issuer of that chamber)."""
    issuer = model.issuer
    chamber = ChamberRegistry(parts.home).resolve_chamber(issuer.chamber)
    if issuer.iin is None:
        raise SubmissionInvalid(
            [
                Problem(
                    "issuer.iin",
                    "сертификат берушінің ЖСН-і көрсетілмеген / не указан ИИН выдающего "
                    "сертификаты / the batch does not name its issuer by IIN",
                    f"the IIN of an issuer of {chamber.id} (`docflow pki offices`)",
                )
            ]
        )
    try:
        enrolment = certificate_issuer(
            issuer.iin, chamber.id, parts.directory.pki.live_enrolments()
        )
    except AuthorityRefused as exc:
        raise NotEnrolled(str(exc)) from exc
    if not same_name(enrolment.name, issuer.full_name):
        raise SubmissionInvalid(
            [
                Problem(
                    "issuer.full_name",
                    f"the face names «{issuer.full_name}» but the key of IIN {issuer.iin} is "
                    f"«{enrolment.name}»'s",
                    enrolment.name,
                    key="certificates.issuer_face_mismatch",
                    params={"face": issuer.full_name, "iin": issuer.iin, "holder": enrolment.name},
                    hint="certificates.issuer_face_hint",
                )
            ]
        )
    return enrolment


def _appendix2(model: EventCertificates) -> tuple[dict[str, str], int, str]:
    """(form name kk/ru, points, rule version) of the event's form as in force that year."""
    try:
        table = table_for_year(model.event.date.year)
    except ValueError as exc:  # nothing is counted before 2022
        raise SubmissionInvalid(
            [Problem("event.date", str(exc), "an event on or after 2022-01-01 (R-10.1)")]
        ) from exc
    form = model.event.form
    points = table.row(form).points if isinstance(form, int) else 0
    return table.form_name(form), points, table.id


def _with_quiet_zone(image: Any, data: str) -> Any:
    """The QR code with the 4-module quiet zone of ISO/IEC 18004 at the same printed size.

    ``qr_png`` draws a 2-module border, and the packaged template's cell clips about 2.5 mm on
    the right of a 30 mm picture: the finder pattern lost a column and zbar could not read the
    printed page. A full quiet zone keeps the clipped strip white.
    """
    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(out, kind="png", scale=8, border=4)
    return type(image)(png=out.getvalue(), width_mm=image.width_mm)


def _xmp_parse_failure(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if type(cause).__name__ == "XmpXmlProcessingError":
            return True
        cause = cause.__cause__
    return False


def _refuse_repeated_participants(model: EventCertificates) -> None:
    """One person, one certificate per event: a repeated IIN is a mistake in the roster."""
    first: dict[str, int] = {}
    problems = []
    for index, participant in enumerate(model.participants):
        if participant.iin in first:
            problems.append(
                Problem(
                    f"participants[{index}].iin",
                    f"the IIN {participant.iin} is listed already "
                    f"(participants[{first[participant.iin]}])",
                    "each participant once",
                )
            )
        first.setdefault(participant.iin, index)
    if problems:
        raise SubmissionInvalid(problems)


def _hours(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def judge_batch(parts: DocumentServices, model: EventCertificates) -> Enrolment:
    """Everything that refuses a batch before any certificate is made (``Batch`` does it
    again): a repeated participant, an event the rules do not cover (``SubmissionInvalid``),
    an issuer who is not one of the organising chamber (``NotEnrolled``). The issuer's
    enrolment when the batch may go on."""
    _refuse_repeated_participants(model)
    _appendix2(model)
    return _issuer_enrolment(parts, model)


class Batch:
    """The shared, read-only facts of one batch and the per-participant stages."""

    def __init__(
        self,
        parts: DocumentServices,
        loaded: LoadedSubmission,
        model: EventCertificates,
        workdir: Path,
        received_at: str | None,
    ) -> None:
        self.parts = parts
        self.loaded = loaded
        self.model = model
        self.workdir = workdir
        self.received_at = received_at
        _refuse_repeated_participants(model)
        self.secret = load_secret(parts.home)
        self.form_name, self.points, self.rule_version = _appendix2(model)
        self.issuer = _issuer_enrolment(parts, model)
        self.template_name = KIND.template("document", model.locale)
        template = parts.settings.templates / self.template_name
        self.template = template
        template_bytes = template.read_bytes()
        self.template_sha = hashlib.sha256(template_bytes).hexdigest()
        # only a form the Collegium approved is issued; the record names the approval.
        self.form = require_approved(
            template_bytes, load_register(parts.home), name=self.template_name
        )
        self.batch_info = self._batch_info()
        self.issued_on = date.fromisoformat(self.batch_info["issued_on"])
        self.event = model.event.model_dump(mode="json")
        self.event["hours"] = _hours(model.event.hours)
        self._archive_lock = threading.Lock()

    def _batch_info(self) -> dict[str, Any]:
        # The day of issue is fixed when the batch first starts, so a run resumed the next day
        # renders the same date as the certificates checkpointed before the crash.
        path = self.workdir / "batch.json"
        if path.exists():
            info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return info
        info = {
            "batch": self.loaded.sha256,
            "issued_on": self.parts.clock.today().isoformat(),
            "issuer_iin": self.issuer.iin,
            "participants": len(self.model.participants),
        }
        write_bytes_atomic(path, json.dumps(info, indent=2).encode("utf-8"))
        return info

    def archived_serials(self) -> set[str]:
        """Serials of this batch already in the archive (an earlier, interrupted run)."""
        return {
            str(r.get("serial"))
            for r in self.parts.archive.search(kind=KIND.record_kind, text=self.loaded.sha256)
            if r.get("batch") == self.loaded.sha256
        }

    def serial(self, index: int, participant: Participant) -> str:
        return serial_for(self.secret, self.loaded.sha256, index, participant.iin)

    def record(self, index: int, participant: Participant, serial: str) -> dict[str, Any]:
        """The archive record of docs/ARCHITECTURE.md (kind ``certificate``)."""
        model = self.model
        moment = self.parts.clock.now()
        issuer = model.issuer.model_dump(mode="json")
        return {
            "kind": KIND.record_kind,
            "outcome": "issued",
            "serial": serial,
            "full_name": participant.full_name,
            "iin": participant.iin,
            "year": model.event.date.year,
            "chamber": model.issuer.chamber,
            "chamber_id": self.issuer.body,
            "locale": model.locale,
            "event": self.event,
            "form": model.event.form,
            "form_name": self.form_name,
            "points": self.points,
            "rule_version": self.rule_version,
            "issuer": issuer,
            "issued_on": self.issued_on.isoformat(),
            "verify_url": verify_url(self.parts.settings.base_url, serial),
            "batch": self.loaded.sha256,
            "input_sha256": self.loaded.sha256,
            "participant_index": index,
            "source": self.loaded.source_name,
            # Each certificate is its own series: two certificates of one person in one year
            # are two documents, not two versions of one.
            "series": f"certificate/{serial}",
            "version": 1,
            "previous": None,
            "template": {
                "name": self.template_name,
                "sha256": self.template_sha,
                "approved": {
                    "decision": self.form.decision,
                    "date": self.form.date.isoformat(),
                    "sample": self.form.sample,
                },
            },
            "signers": [{"role": SIGNER.role, "name": self.issuer.name, "iin": self.issuer.iin}],
            "events": [
                e.to_json(moment)
                for e in (
                    AuditEvent(
                        EventType.RECEIVED, "docflow", self.loaded.source_name, self.received_at
                    ),
                    AuditEvent.rendered(self.template_name),
                    AuditEvent.signed(self.issuer.name, SIGNER.role),
                    AuditEvent.archived(serial),
                )
            ],
        }

    def render(self, record: Mapping[str, Any], participant: Participant) -> bytes:
        certificates = {
            "locale": self.model.locale,
            "event": self.event,
            "issuer": record["issuer"],
        }
        context = certificate_context(
            certificates,
            {"full_name": participant.full_name},
            serial=record["serial"],
            verify_url=record["verify_url"],
            form_name=self.form_name,
            points=self.points,
            issued_on=self.issued_on,
            locale=self.model.locale,
        )
        context["qr"] = _with_quiet_zone(context["qr"], record["verify_url"])
        attachment = Attachment(
            name=ATTACHMENT_NAME,
            data=embedded_data(record),
            mime_type="application/json",
            relationship="Data",
            # The day of issue, not the clock: the same participant renders the same file.
            modified=datetime.combine(self.issued_on, time(0), UTC),
            description="The certificate's data (machine-readable): serial, event, participant",
        )
        fields = certificate_fields()  # the issuer's field on the template's SigIssuer line
        assert [f.name for f in fields] == [SIGNER.field]
        return self.parts.renderer.render_pdf(
            self.template, context, attachments=[attachment], signature_fields=fields
        )

    def issue(
        self,
        index: int,
        participant: Participant,
        archived: set[str],
        sign: SignHook | None = None,
    ) -> IssuedCertificate | None:
        """This participant's certificate: archived already, or rendered, signed (``sign``,
        default the held key: ``Batch.sign``) and archived now. None when ``sign`` has no
        signature yet (own mode: the certificate waits for the issuer)."""
        serial = self.serial(index, participant)
        url = verify_url(self.parts.settings.base_url, serial)
        if serial in archived:
            return self._existing(index, participant, serial, url)
        earlier = self.certified_before(participant)
        if earlier is not None:
            # The same roster sent again as different bytes (re-exported, reordered): one
            # person, one live certificate per event. A correction is a revocation first.
            base = self.parts.settings.base_url
            return self._existing(index, participant, earlier, verify_url(base, earlier))
        record = self.record(index, participant, serial)
        unsigned, signed = self.checkpoints(index, serial)
        if not signed.exists():
            if not unsigned.exists():
                write_bytes_atomic(unsigned, self.render(record, participant))
            if sign is None:
                data: bytes | None = self.sign(unsigned.read_bytes(), serial)
            else:
                data = sign(index, serial, unsigned.read_bytes())
            if data is None:
                return None
            write_bytes_atomic(signed, data)
        data = signed.read_bytes()
        with self.parts.timings.timed("archive"):
            stored = self.parts.archive.store(record, data, record_id=serial)
        log.info("certificate %s issued (process %d)", serial, os.getpid())
        return IssuedCertificate(
            index, serial, participant.full_name, participant.iin, url, stored.sha256, True
        )

    def checkpoints(self, index: int, serial: str) -> tuple[Path, Path]:
        """(unsigned, signed) checkpoint of one participant in the batch's work folder."""
        stem = self.workdir / f"{index:05d}-{serial}"
        return stem.with_suffix(".pdf"), stem.with_suffix(".signed.pdf")

    def sign(self, pdf: bytes, serial: str) -> bytes:
        """The issuer's signature: timestamped, LTV, locked (B-LTA).

        Tried a second time when pyHanko failed to parse the document's own XMP packet: under
        concurrent threads lxml rarely reports a valid packet (the same bytes parse the next
        time) as "Namespace prefix rdf on RDF is not defined"; a real failure fails again.
        """
        for attempt in (1, 2):
            try:
                return self.parts.signer.sign(
                    pdf, field=SIGNER.field, role=SIGNER.role, iin=self.issuer.iin,
                    locale=self.model.locale, lock=SIGNER.lock, lta=True,
                    chamber=self.issuer.body,
                )  # fmt: skip
            except SigningError as exc:
                if attempt == 2 or not _xmp_parse_failure(exc):
                    raise
                log.warning("certificate %s: XMP parse failure while signing; trying again", serial)
        raise AssertionError("unreachable")

    def certified_before(self, participant: Participant) -> str | None:
        """The serial of a live certificate this participant already holds for this event."""
        same = ("title", "date", "organizer", "form")
        for record in self.parts.archive.search(kind=KIND.record_kind, iin=participant.iin):
            event = record.get("event") or {}
            if record.get("status") != "revoked" and all(
                event.get(k) == self.event.get(k) for k in same
            ):
                return str(record["serial"])
        return None

    def _existing(
        self, index: int, participant: Participant, serial: str, url: str
    ) -> IssuedCertificate:
        try:
            sha = self.parts.archive.get(serial).sha256
        except UnknownRecord:  # pragma: no cover - listed a moment ago; archives only grow
            sha = ""
        return IssuedCertificate(
            index, serial, participant.full_name, participant.iin, url, sha, False
        )

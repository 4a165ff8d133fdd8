"""Recognising a docflow certificate in any PDF and judging it: ``describe`` (what
``docflow verify`` shows), ``check_evidence`` (certificates attached to a report as evidence,
R-7.5) and ``revoke``.

A PDF is a docflow certificate when the archive holds its exact bytes as a certificate, when it
embeds ``docflow-certificate.json``, or when it is signed in the ``issuer`` field: stripping the
embedded file must not turn a forgery into "some PDF nobody judges".
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from docflow.archive import Archive
from docflow.certificates._data import mask_iin, read_embedded
from docflow.certificates._serial import is_serial
from docflow.config import Home
from docflow.errors import ArchiveError, UnknownRecord, UnreadablePdf
from docflow.i18n import Msg
from docflow.model import CpdReport, evidence_key
from docflow.rules import table_for_year
from docflow.verify import VerifyReport, verify_pdf

__all__ = ["check_evidence", "describe", "find_certificate", "revoke"]

log = logging.getLogger("docflow.certificates")

RECORD_KIND = "certificate"
ISSUER_FIELD = "issuer"
_SERIAL_IN_TEXT = re.compile(rb"KZC-[A-Z2-7]{16}")


@contextmanager
def _archive(home_or_archive: Any) -> Iterator[Archive | None]:
    """Use a given ``Archive``, or open (read-only, no recovery) the one of a home; None when
    there is none (opening would create one, and ``verify`` must not write into a home)."""
    if home_or_archive is None or isinstance(home_or_archive, Archive):
        yield home_or_archive
        return
    home = home_or_archive if isinstance(home_or_archive, Home) else Home.resolve(home_or_archive)
    if not (home.outbox / ".index").is_dir():
        yield None
        return
    archive = Archive(home, recover=False)
    try:
        yield archive
    finally:
        archive.close()


def find_certificate(archive: Archive | None, serial: str) -> dict[str, Any] | None:
    """The certificate record archived under ``serial`` (with ``status``, ``status_reason``,
    ``status_at``), or None."""
    if archive is None or not is_serial(serial):
        return None
    for record in archive.search(kind=RECORD_KIND, text=serial):
        if record.get("id") == serial:
            return record
    return None


def _is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(b"%PDF")


def _signed_as_issuer(pdf: bytes) -> bool:
    """Whether the PDF has a signature field named ``issuer`` (signed or not)."""
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.fields import enumerate_sig_fields

        reader = PdfFileReader(BytesIO(pdf), strict=False)
        return any(name == ISSUER_FIELD for name, _, _ in enumerate_sig_fields(reader))
    except Exception:  # unreadable: the byte scan below decides
        return b"/T (issuer)" in pdf or b"/T(issuer)" in pdf


class _Found:
    """What is known about one PDF that is (or claims to be) a docflow certificate."""

    def __init__(self, pdf: bytes, archive: Archive | None) -> None:
        self.sha256 = hashlib.sha256(pdf).hexdigest()
        self.embedded = read_embedded(pdf)
        self.record: dict[str, Any] | None = None
        record_id = archive.find_by_pdf_sha256(self.sha256) if archive is not None else None
        if record_id is not None:
            self.record = find_certificate(archive, record_id)
        self.serial: str | None = None
        if self.record is not None:
            self.serial = str(self.record["id"])
        elif self.embedded is not None:
            self.serial = str(self.embedded.get("serial"))
            self.record = find_certificate(archive, self.serial)
        self.issuer_field = self.record is None and self.embedded is None and _signed_as_issuer(pdf)
        if self.issuer_field and self.serial is None:
            # A certificate whose embedded data was stripped still shows its serial on the page
            # (uncompressed text is rare; a match is a bonus, not a requirement).
            match = _SERIAL_IN_TEXT.search(pdf)
            if match:
                self.serial = match.group().decode("ascii")
                self.record = find_certificate(archive, self.serial)

    @property
    def is_certificate(self) -> bool:
        return self.record is not None or self.embedded is not None or self.issuer_field

    @property
    def exact(self) -> bool:
        return self.record is not None and self.record.get("sha256") == self.sha256

    def data(self) -> dict[str, Any]:
        """The certificate's facts: the archive record when known, else the embedded copy."""
        if self.record is not None:
            return self.record
        return dict(self.embedded or {})


def describe(pdf: bytes, archive: Any) -> dict[str, Any] | None:
    """What ``docflow verify`` says about a certificate, or None when ``pdf`` is not one.

    ``archive``: an ``Archive``, a ``Home``, a home path or None (a home without an archive
    is not given one). Returns ``serial``, ``participant``
    (``full_name`` and a masked ``iin``), ``event``, ``form``, ``points``, ``issuer``,
    ``issued_on``, ``issued_at`` (when archived), ``known`` (the archive has a certificate with
    this serial), ``matches_archive`` (these are exactly its archived bytes), ``revoked``,
    ``revocation_reason``, ``revoked_at``, ``record``. Signatures are ``verify_pdf``'s business.
    """
    if not _is_pdf(pdf):
        return None
    with _archive(archive) as store:
        found = _Found(pdf, store)
    if not found.is_certificate:
        return None
    data = found.data()
    record = found.record
    participant = data.get("participant") or {}
    revoked = bool(record and record.get("status") == "revoked")
    return {
        "serial": found.serial,
        "participant": {
            "full_name": data.get("full_name") or participant.get("full_name"),
            "iin": mask_iin(data["iin"]) if "iin" in data else participant.get("iin"),
        },
        "event": data.get("event"),
        "form": data.get("form"),
        "points": data.get("points"),
        "issuer": data.get("issuer"),
        "issued_on": data.get("issued_on"),
        "issued_at": record.get("archived_at") if record else None,
        "known": record is not None,
        "matches_archive": found.exact,
        "revoked": revoked,
        "revocation_reason": record.get("status_reason") if revoked and record else None,
        "revoked_at": record.get("status_at") if revoked and record else None,
        "record": record.get("id") if record else None,
    }


# --------------------------------------------------------------------------- evidence


def _signature_problems(pdf: bytes, trust_roots: Sequence[Any]) -> list[Msg]:
    try:
        report: VerifyReport = verify_pdf(pdf, trust_roots=trust_roots)
    except UnreadablePdf as exc:
        return [Msg("evidence.unreadable", {"error": str(exc)})]
    issuer = [s for s in report.signatures if s.field == ISSUER_FIELD]
    if not report.signatures:
        return [Msg("evidence.unsigned")]
    if not issuer:
        return [Msg("evidence.no_issuer_signature")]
    sig = issuer[0]
    problems: list[Msg] = []
    if not sig.intact:
        problems.append(Msg("evidence.sig_changed"))
    elif sig.modified_after not in ("none", "signatures_only"):
        problems.append(Msg("evidence.sig_modified", {"how": sig.modified_after}))
    if not sig.trusted:
        problems.append(Msg("evidence.sig_untrusted", {"signer": sig.signer}))
    elif sig.role != "issuer":
        problems.append(Msg("evidence.sig_not_issuer", {"signer": sig.signer}))
    if sig.revocation == "revoked":
        problems.append(Msg("evidence.sig_key_revoked", {"signer": sig.signer}))
    if not problems and report.verdict != "valid":
        why = "; ".join(report.reasons or sig.reasons) or report.verdict
        problems.append(Msg("evidence.sig_invalid", {"why": why}))
    return problems


def _activities_citing(report: CpdReport, name: str) -> list[tuple[int, Any]]:
    key = evidence_key(name) or name
    return [
        (number, activity)
        for number, activity in enumerate(report.activities, start=1)
        if any((evidence_key(p) or p) == key for p in activity.evidence)
    ]


def _table_points(year: int, form: Any) -> int | None:
    if not isinstance(form, int):
        return None
    try:
        return table_for_year(year).row(form).points
    except (ValueError, KeyError):
        return None


def _content_problems(found: _Found, report: CpdReport, name: str) -> list[Msg]:
    problems: list[Msg] = []
    record = found.record
    data = found.data()
    serial = found.serial or "without a serial"
    if record is None:
        problems.append(Msg("evidence.unknown_serial", {"serial": serial}))
    else:
        if record.get("status") == "revoked":
            when = str(record.get("status_at") or "")[:10]
            why = record.get("status_reason") or "no reason given"
            problems.append(
                Msg("evidence.revoked", {"serial": serial, "when": when or "—", "why": why})
            )
        if not found.exact:
            problems.append(Msg("evidence.bytes_differ", {"serial": serial}))
    consultant_iin = report.consultant.iin
    if record is not None and record.get("iin") != consultant_iin:
        problems.append(
            Msg(
                "evidence.issued_to_other",
                {"iin": mask_iin(record.get("iin")), "name": report.consultant.full_name},
            )
        )
    elif record is None:
        shown = (data.get("participant") or {}).get("iin")
        if shown and shown != mask_iin(consultant_iin):
            problems.append(
                Msg("evidence.names_other", {"iin": shown, "name": report.consultant.full_name})
            )
    event = data.get("event") or {}
    event_date = str(event.get("date") or "")
    if event_date[:4].isdigit() and int(event_date[:4]) != report.year:
        problems.append(Msg("evidence.outside_year", {"date": event_date, "year": report.year}))
    cert_form, cert_points = data.get("form"), data.get("points")
    for number, activity in _activities_citing(report, name):
        if cert_form is not None and str(cert_form) != str(activity.form):
            problems.append(
                Msg(
                    "evidence.form_mismatch",
                    {"cert_form": cert_form, "number": number, "form": activity.form},
                )
            )
        # The activity's points come from Appendix 2 as in force in the reporting year;
        # a certificate worth something else certifies a different activity.
        expected = _table_points(report.year, activity.form)
        if expected is not None and cert_points is not None and int(cert_points) != expected:
            problems.append(
                Msg(
                    "evidence.points_mismatch",
                    {"cert_points": cert_points, "number": number, "form": activity.form,
                     "expected": expected, "year": report.year},
                )
            )  # fmt: skip
    return problems


def check_evidence_issues(
    home_or_archive: Any,
    report: CpdReport,
    evidence: Mapping[str, bytes],
    *,
    trust_roots: Sequence[Any],
) -> dict[str, tuple[Msg, ...]]:
    """Evidence files that are docflow certificates but do not prove what they are attached for.

    Returns evidence name → the reasons, as messages (``docflow.i18n.Msg``, which
    ``evaluate_cpd(evidence_problems=)`` takes as they are), for each certificate whose
    issuer's signature is not valid (changed after signing, a key the chamber does not trust,
    not an issuer's), that the archive does not know or has revoked, whose bytes are not the
    archived ones, that was issued to another IIN, whose event lies outside the reporting year,
    or whose form or points do not match the activity citing it (R-7.5). Files that are not
    docflow certificates are not judged here and never appear.
    """
    out: dict[str, tuple[Msg, ...]] = {}
    with _archive(home_or_archive) as archive:
        for name, data in sorted(evidence.items()):
            if not _is_pdf(data):
                continue
            try:
                found = _Found(data, archive)
                if not found.is_certificate:
                    continue
                problems = _signature_problems(data, trust_roots)
                problems += _content_problems(found, report, name)
            except Exception as exc:
                # A file that claims to be a certificate but cannot be judged proves nothing;
                # the report goes on (with this finding) instead of failing as a whole.
                log.exception("evidence %s could not be checked", name)
                problems = [Msg("evidence.unchecked", {"error": f"{type(exc).__name__}: {exc}"})]
            if problems:
                out[name] = tuple(problems)
    return out


def check_evidence(
    home_or_archive: Any,
    report: CpdReport,
    evidence: Mapping[str, bytes],
    *,
    trust_roots: Sequence[Any],
) -> dict[str, str]:
    """``check_evidence_issues`` with each file's reasons as one English text (kept for callers
    that log them); the rules take the messages themselves so remarks can be in kk/ru."""
    found = check_evidence_issues(home_or_archive, report, evidence, trust_roots=trust_roots)
    return {name: "; ".join(m.text("en") for m in issues) for name, issues in found.items()}


# --------------------------------------------------------------------------- revocation


def revoke(
    home_or_archive: Any, serial: str, *, reason: str, at: datetime | None = None
) -> dict[str, Any]:
    """Revoke the certificate ``serial`` (a status line in the archive's hash-chained log; the
    signed PDF and its record stay). Idempotent for the same reason. Returns the record as it
    now stands. Raises ``UnknownRecord`` for a serial that is not an archived certificate."""
    reason = reason.strip()
    if not reason:
        raise ArchiveError("a revocation needs a reason")
    at = at or datetime.now(UTC)
    with _archive_writable(home_or_archive) as archive:
        record = find_certificate(archive, serial)
        if record is None:
            raise UnknownRecord(f"no archived certificate {serial!r}")
        if record.get("status") != "revoked":
            archive.set_status(serial, "revoked", reason=reason, at=at)
        updated = find_certificate(archive, serial)
    assert updated is not None
    return updated


@contextmanager
def _archive_writable(home_or_archive: Any) -> Iterator[Archive]:
    if isinstance(home_or_archive, Archive):
        yield home_or_archive
        return
    home = home_or_archive if isinstance(home_or_archive, Home) else Home.resolve(home_or_archive)
    archive = Archive(home)
    try:
        yield archive
    finally:
        archive.close()

"""What the pages ask of docflow's service layer, in the shapes the templates show.

Each class wraps one service (verify, archive, review queue, journal) for the web page and adds
only presentation: masking IINs, picking the newest version of a report, counting for the
dashboard. Decisions stay in the service layer; routes call these and render.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docflow.archive import Archive, pdf_lookup
from docflow.certificates import describe
from docflow.config import Home
from docflow.intake.parse import load_submission_bytes
from docflow.verify import home_ca_certificates, verify_pdf

log = logging.getLogger("docflow.web")

#: Largest PDF the public verify page accepts (the brief: 20 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def mask_iin(iin: object) -> str | None:
    """``900415400127`` → ``9004******27``: enough to tell people apart on a page, no more."""
    if iin is None:
        return None
    text = str(iin)
    if len(text) <= 6:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 6) + text[-2:]


# --------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class SignatureView:
    field: str
    signer: str
    role: str
    iin: str | None  # masked
    intact: bool
    trusted: bool
    revocation: str
    signed_at: str | None
    timestamp: str | None
    modified_after: str
    verdict: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class VerifyView:
    """One judged PDF as shown on a page (no more personal data than the document holds)."""

    file_name: str
    sha256: str
    verdict: str
    reasons: tuple[str, ...]
    signatures: tuple[SignatureView, ...]
    archive_known: bool | None  # None: this home keeps no archive
    archive_record: str | None
    checked_at: str
    #: when the PDF is a docflow event certificate: what ``docflow.certificates.describe``
    #: says (serial, participant with a masked IIN, event, revoked or not)
    certificate: dict[str, Any] | None = None


def _short_time(value: str | None) -> str | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class VerifyService:
    """The judgement of ``docflow verify`` (same trust anchors, same archive lookup)."""

    def __init__(self, home: Home) -> None:
        self.home = home

    def judge(self, data: bytes, *, file_name: str = "") -> VerifyView:
        """Raises ``UnreadablePdf`` when the bytes are not a PDF that can be judged."""
        anchors, intermediates = home_ca_certificates(self.home.certs)
        report = verify_pdf(
            data,
            trust_roots=anchors,
            other_certs=intermediates,
            archive_lookup=pdf_lookup(self.home),
            file_name=file_name,
        )
        doc = report.to_json()
        signatures = tuple(
            SignatureView(
                field=str(s.get("field") or ""),
                signer=str(s.get("signer") or ""),
                role=str(s.get("role") or ""),
                iin=mask_iin(s.get("iin")),
                intact=bool(s.get("intact")),
                trusted=bool(s.get("trusted")),
                revocation=str(s.get("revocation") or "unknown"),
                signed_at=_short_time(s.get("signed_at")),
                timestamp=_short_time(s.get("timestamp")),
                modified_after=str(s.get("modified_after") or "other"),
                verdict=str(s.get("verdict") or "invalid"),
                reasons=tuple(str(r) for r in s.get("reasons") or ()),
            )
            for s in doc["signatures"]
        )
        archive = doc.get("archive")
        return VerifyView(
            certificate=self._certificate(data),
            file_name=file_name,
            sha256=report.sha256,
            verdict=report.verdict,
            reasons=tuple(report.reasons),
            signatures=signatures,
            archive_known=None if archive is None else bool(archive.get("registered")),
            archive_record=None if archive is None else archive.get("record"),
            checked_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        )

    def _certificate(self, data: bytes) -> dict[str, Any] | None:
        try:
            return describe(data, self.home)
        except Exception:  # a certificate we cannot describe is still judged as a PDF
            log.warning("certificate description failed", exc_info=True)
            return None


# --------------------------------------------------------------------------- archive


@dataclass(frozen=True)
class CertificateView:
    serial: str
    participant: str
    iin: str | None  # masked
    event: dict[str, Any]
    points: Any
    issuer: dict[str, Any]
    revoked: bool
    status_reason: str | None
    record_id: str


@dataclass
class RecordView:
    record: dict[str, Any]
    status: str
    status_reason: str | None
    events: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    log: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)


SEARCH_FIELDS = ("name", "iin", "year", "chamber", "kind", "outcome")


class ArchiveService:
    """Reads the archive for the pages; one ``Archive`` shared by all requests (thread-safe)."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self._archive: Any = None
        self._lock = threading.Lock()

    def _open(self) -> Any:
        with self._lock:
            if self._archive is None:
                # recover=False: the web page only reads; healing a crash is the writers' job.
                self._archive = Archive(self.home, recover=False)
            return self._archive

    def close(self) -> None:
        with self._lock:
            if self._archive is not None:
                self._archive.close()
                self._archive = None

    def search(self, filters: Mapping[str, str]) -> list[dict[str, Any]]:
        query: dict[str, Any] = {}
        for key in SEARCH_FIELDS:
            value = (filters.get(key) or "").strip()
            if not value:
                continue
            if key == "year":
                if not value.isdigit():
                    return []
                query[key] = int(value)
            else:
                query[key] = value
        return list(self._open().search(**query))

    def choices(self) -> dict[str, list[str]]:
        """Values seen in the archive, for the search form's drop-downs."""
        seen: dict[str, set[str]] = {"kind": set(), "outcome": set(), "year": set()}
        for record in self._open().all_records():
            for key in seen:
                if record.get(key) is not None:
                    seen[key].add(str(record[key]))
        return {k: sorted(v) for k, v in seen.items()}

    def record(self, record_id: str) -> RecordView:
        """Raises ``UnknownRecord`` (or ``ArchiveError`` for an unsafe id)."""
        archive = self._open()
        stored = archive.get(record_id)
        record = dict(stored.record)
        series = record.get("series")
        versions = archive.versions(series) if series else []
        return RecordView(
            record=record,
            status=stored.status,
            status_reason=stored.status_reason,
            events=list(record.get("events") or []),
            versions=versions,
            log=archive.log_entries(record_id),
        )

    def pdf(self, record_id: str) -> tuple[str, bytes]:
        archive = self._open()
        stored = archive.get(record_id)
        return Path(stored.pdf_path).name, archive.pdf_bytes(record_id)

    def all_records(self) -> list[dict[str, Any]]:
        return list(self._open().all_records())

    def certificate(self, serial: str) -> tuple[CertificateView, bytes | None] | None:
        """The certificate record with this serial, and its archived PDF when readable."""
        serial = serial.strip()
        if not serial or len(serial) > 128:
            return None
        archive = self._open()
        for record in archive.search(kind="certificate", text=serial):
            if serial not in (str(record.get("serial")), str(record.get("id"))):
                continue
            try:
                pdf = archive.pdf_bytes(record["id"])
            except Exception:  # a damaged file must not hide the record's own status
                log.warning("certificate %s: archived PDF unreadable", serial, exc_info=True)
                pdf = None
            view = CertificateView(
                serial=serial,
                participant=str(record.get("full_name") or ""),
                iin=mask_iin(record.get("iin")),
                event=dict(record.get("event") or {}),
                points=record.get("points"),
                issuer=dict(record.get("issuer") or {}),
                revoked=record.get("status") == "revoked",
                status_reason=record.get("status_reason"),
                record_id=str(record["id"]),
            )
            return view, pdf
        return None


# --------------------------------------------------------------------------- review


@dataclass(frozen=True)
class ReviewDetail:
    item: Any  # docflow.workflow.review.ReviewItem
    activities: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    evidence: list[str]
    #: activity index -> the consultant's justification of an "other" activity (R-3.1b)
    justifications: dict[int, str] = field(default_factory=dict)


class ReviewService:
    """The officer's queue; fresh services per call, closed after (they start lazily)."""

    def __init__(self, home: Home) -> None:
        self.home = home
        # One decision at a time: two clicks on "approve" must not sign twice.
        self._decide_lock = threading.Lock()

    @contextmanager
    def _queue(self) -> Iterator[Any]:
        from docflow.workflow.build import build_flow
        from docflow.workflow.review import ReviewQueue
        from docflow.workflow.services import build_services

        with build_services(self.home) as services:
            yield ReviewQueue(build_flow(services))

    def items(self) -> list[Any]:
        with self._queue() as queue:
            return list(queue.items())

    def detail(self, item_id: str) -> ReviewDetail:
        """Raises ``NotInReview`` for an unknown id."""
        with self._queue() as queue:
            item = queue.get(item_id)
            evidence = sorted(queue.evidence(item_id))
        verdict = item.verdict or {}
        justifications: dict[int, str] = {}
        loaded = self._load_input(item.id, item.source)
        for index, activity in enumerate(getattr(loaded, "activities", None) or []):
            text = getattr(activity, "justification", None)
            if text:
                justifications[index] = str(text)
        return ReviewDetail(
            item=item,
            activities=list(verdict.get("activities") or []),
            findings=list(verdict.get("findings") or []),
            evidence=evidence,
            justifications=justifications,
        )

    def _load_input(self, token: str, source: str) -> Any:
        """The submission model waiting in the work folder, or None if it cannot be read."""
        inputs = sorted((self.home.state / "work" / token).glob("input*"))
        if not inputs:
            return None
        try:
            loaded = load_submission_bytes(
                source,
                inputs[0].read_bytes(),
                base_dir=self.home.inbox,
                today=datetime.now(UTC).date(),
            )
        except Exception:  # shown without the extra details, never a broken page
            log.warning("review item %s: input unreadable", token, exc_info=True)
            return None
        return loaded.model

    def evidence_file(self, item_id: str, name: str) -> bytes | None:
        with self._queue() as queue:
            files = queue.evidence(item_id)
        return files.get(name)

    def approve(
        self,
        item_id: str,
        *,
        decided_points: dict[int, int],
        officer: str,
        comment: str | None = None,
    ) -> Any:
        with self._decide_lock, self._queue() as queue:
            return queue.approve(
                item_id, decided_points=decided_points, officer=officer, comment=comment
            )

    def return_(self, item_id: str, *, remarks: str, officer: str) -> Any:
        with self._decide_lock, self._queue() as queue:
            return queue.return_(item_id, remarks=remarks, officer=officer)

    def waiting(self) -> list[tuple[str | None, int | None]]:
        """(chamber, year) of every report waiting for review, read from the journal."""
        from docflow.inbox.journal import Journal

        path = self.home.state / "journal.sqlite"
        if not path.exists():
            return []
        journal = Journal(path)
        try:
            entries = journal.entries("review")
        finally:
            journal.close()
        result: list[tuple[str | None, int | None]] = []
        for entry in entries:
            model = self._load_input(entry.token, entry.source)
            chamber = getattr(getattr(model, "consultant", None), "chamber", None)
            result.append((chamber, entry.year))
        return result


# --------------------------------------------------------------------------- dashboard


DASH_COLUMNS = ("filed", "compliant", "below_norm", "exempt", "returned", "late", "waiting")


@dataclass
class DashRow:
    chamber: str | None
    year: int | None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DASH_COLUMNS, 0))


def dashboard_rows(
    records: list[dict[str, Any]], waiting: list[tuple[str | None, int | None]]
) -> list[DashRow]:
    """Counts per chamber and year. A report counts once, by its newest version (a returned
    report corrected later counts as what the correction became)."""
    newest: dict[str, dict[str, Any]] = {}
    for record in records:
        if record.get("kind") != "cpd-report":
            continue
        key = str(record.get("series") or record.get("id"))
        current = newest.get(key)
        if current is None or (record.get("version") or 0) >= (current.get("version") or 0):
            newest[key] = record
    rows: dict[tuple[str | None, int | None], DashRow] = {}

    def row(chamber: str | None, year: Any) -> DashRow:
        year_int = int(year) if isinstance(year, int) or str(year).isdigit() else None
        key = (chamber or None, year_int)
        if key not in rows:
            rows[key] = DashRow(chamber or None, year_int)
        return rows[key]

    for record in newest.values():
        counts = row(record.get("chamber"), record.get("year")).counts
        counts["filed"] += 1
        outcome = record.get("outcome")
        if outcome in counts:
            counts[str(outcome)] += 1
        if record.get("late"):
            counts["late"] += 1
    for chamber, year in waiting:
        counts = row(chamber, year).counts
        counts["waiting"] += 1
        counts["filed"] += 1
    return sorted(rows.values(), key=lambda r: (-(r.year or 0), r.chamber or ""))

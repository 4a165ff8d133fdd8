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

from docflow.archive import COUNT_CAP, Archive, pdf_lookup
from docflow.bodies import ChamberRegistry
from docflow.certificates import describe
from docflow.config import Home
from docflow.intake.parse import load_submission_bytes
from docflow.verify import home_ca_certificates, verify_pdf
from docflow.web.i18n import keys as web_text_keys

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
    #: what the document policy says of the document as a whole (an empty required field, no
    #: person signed, bytes after the last revision), in the page's language
    document_reasons: tuple[str, ...] = ()


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

    def judge(self, data: bytes, *, file_name: str = "", locale: str = "en") -> VerifyView:
        """Raises ``UnreadablePdf`` when the bytes are not a PDF that can be judged. The
        policy and limit findings among the reasons come in ``locale`` (verify's catalogue)."""
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
                reasons=status.localized_reasons(locale),
            )
            for s, status in zip(doc["signatures"], report.signatures, strict=True)
        )
        archive = doc.get("archive")
        return VerifyView(
            certificate=self._certificate(data),
            file_name=file_name,
            sha256=report.sha256,
            verdict=report.verdict,
            reasons=report.localized_reasons(locale),
            document_reasons=tuple(f.text(locale) for f in report.findings),
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
#: Records on one archive page (the JSON API lets a client choose up to ``MAX_PER_PAGE``).
PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class ResultPage:
    """One page of archive results: ``total`` matching, counted up to ``COUNT_CAP`` (a total
    of ``COUNT_CAP`` means "at least"), hence ``more``."""

    records: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def capped(self) -> bool:
        return self.total >= COUNT_CAP

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        full = len(self.records) == self.per_page
        return self.page < self.pages or (self.capped and full)


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
        """Every record matching ``filters`` (small result sets only: the pages use
        :meth:`search_page`)."""
        query = self._query(filters)
        if query is None:
            return []
        body = query.pop("_body", None)
        return list(self._open().search(**query, chamber_id=body))

    def search_page(
        self,
        filters: Mapping[str, str],
        *,
        page: int = 1,
        per_page: int = PER_PAGE,
        newest_first: bool = True,
    ) -> ResultPage:
        """One page of the records matching ``filters``, through ``Archive.search_page`` (the
        database cuts the page; no other record is read), and the number matching."""
        query = self._query(filters)
        if query is None:
            return ResultPage([], 0, page, per_page)
        # A registered chamber is matched by the index's chamber id (the record's chamber_id,
        # the migration's links, or its name resolved): the database cuts that page too.
        body = query.pop("_body", None)
        if body is not None:
            query["chamber_id"] = body
        records, total = self._open().search_page(
            page=page, per_page=per_page, newest_first=newest_first, **query
        )
        return ResultPage(records, total, page, per_page)

    def _query(self, filters: Mapping[str, str]) -> dict[str, Any] | None:
        """``Archive.search`` keywords for the form's ``filters`` (``_body``: a registered
        chamber to match by id); ``None`` when nothing can match (a year not a number)."""
        query: dict[str, Any] = {}
        for key in SEARCH_FIELDS:
            value = (filters.get(key) or "").strip()
            if not value:
                continue
            if key == "year":
                if not value.isdigit():
                    return None
                query[key] = int(value)
            else:
                query[key] = value
        # Issue 13: a registered chamber (id or any name) matches its records by chamber id.
        if "chamber" in query:
            body = ChamberRegistry(self.home).find(query["chamber"])
            if body is not None:
                del query["chamber"]
                query["_body"] = body.id
        return query

    def choices(self, shown: list[dict[str, Any]] | None = None) -> dict[str, list[str]]:
        """Values for the search form's drop-downs: the kinds and outcomes the page has words
        for, and any other value on the page shown (not a scan of the whole archive)."""
        seen: dict[str, set[str]] = {
            "kind": {k.split(".", 1)[1] for k in web_text_keys() if k.startswith("kind.")},
            "outcome": {k.split(".", 1)[1] for k in web_text_keys() if k.startswith("outcome.")},
            "year": set(),
        }
        for record in shown or []:
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

    def dashboard_counts(self) -> list[Any]:
        """The dashboard's counts, kept by the archive's index (``Archive.dashboard_counts``):
        no record is read."""
        return list(self._open().dashboard_counts())

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
        exemption_accepted: bool | None = None,
    ) -> Any:
        with self._decide_lock, self._queue() as queue:
            return queue.approve(
                item_id,
                decided_points=decided_points,
                officer=officer,
                comment=comment,
                exemption_accepted=exemption_accepted,
            )

    def return_(self, item_id: str, *, remarks: str, officer: str) -> Any:
        with self._decide_lock, self._queue() as queue:
            return queue.return_(item_id, remarks=remarks, officer=officer)

    def waiting(self) -> list[tuple[str | None, int | None]]:
        """(chamber, year) of every report waiting for review, read from the journal."""
        from docflow.inbox.journal import open_journal
        from docflow.storage import QueueSettings

        if (
            not QueueSettings.from_home(self.home.root).shared
            and not (self.home.state / "journal.sqlite").exists()
        ):
            return []
        journal = open_journal(self.home.root)  # the shared one when scaled out
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
    #: The chamber's id (issue 13) when the chamber is registered.
    chamber_id: str | None = None


def chamber_names(home: Home, locale: str) -> tuple[Any, Any]:
    """(record → chamber id or its free text, chamber id or text → name in ``locale``) over
    the home's chambers (issue 13): rows and filters go by id, people read names. The
    migration's links are read once, on the first record with an id (the dashboard asks
    about free texts only); names come from one read of the chambers."""
    registry = ChamberRegistry(home)
    bodies = {b.id: b for b in registry.bodies()}
    links: dict[str, str] = {}
    loaded: list[bool] = []

    def key_of(record: Mapping[str, Any]) -> str | None:
        if record.get("id") is not None and not loaded:
            links.update(registry.linked_records())
            loaded.append(True)
        found = registry.chamber_of_record(record, linked=links)
        return found or (str(record["chamber"]) if record.get("chamber") else None)

    def name_of(key: str | None) -> str | None:
        body = bodies.get(key) if key is not None else None
        return body.name(locale) if body is not None else key

    return key_of, name_of


def dashboard_rows_from_counts(
    counts: list[Any],
    waiting: list[tuple[str | None, int | None]],
    *,
    chamber_of: Any = None,
    name_of: Any = None,
    only: str | None = None,
) -> list[DashRow]:
    """:func:`dashboard_rows` from the index's counts (``Archive.dashboard_counts``: the newest
    version of each report, grouped by chamber id or unresolved free text, year, outcome and
    lateness) instead of every record (issue 18: at 100,000 records, a few hundred groups)."""
    key_of = chamber_of or (lambda r: r.get("chamber_id") or r.get("chamber"))
    rows = _Rows(name_of)
    for group in counts:
        if group.chamber_id:
            key = group.chamber_id
        else:  # a free text no chamber had when indexed: resolved now, as for a record
            key = key_of({"chamber": group.chamber}) if group.chamber else None
        tally = rows.row(key, group.year).counts
        tally["filed"] += group.n
        if group.outcome in tally:
            tally[str(group.outcome)] += group.n
        if group.late:
            tally["late"] += group.n
    return rows.finish(waiting, key_of, only)


class _Rows:
    """The dashboard's rows by (chamber key, year), as they are filled."""

    def __init__(self, name_of: Any) -> None:
        self.shown = name_of or (lambda key: key)
        self.rows: dict[tuple[str | None, int | None], DashRow] = {}

    def row(self, chamber: str | None, year: Any) -> DashRow:
        year_int = int(year) if isinstance(year, int) or str(year).isdigit() else None
        key = (chamber or None, year_int)
        if key not in self.rows:
            self.rows[key] = DashRow(
                self.shown(chamber) if chamber else None, year_int, chamber_id=chamber
            )
        return self.rows[key]

    def finish(
        self, waiting: list[tuple[str | None, int | None]], key_of: Any, only: str | None
    ) -> list[DashRow]:
        for chamber, year in waiting:
            counts = self.row(key_of({"chamber": chamber}) if chamber else None, year).counts
            counts["waiting"] += 1
            counts["filed"] += 1
        found = [r for r in self.rows.values() if only is None or r.chamber_id == only]
        return sorted(found, key=lambda r: (-(r.year or 0), r.chamber or ""))


def dashboard_rows(
    records: list[dict[str, Any]],
    waiting: list[tuple[str | None, int | None]],
    *,
    chamber_of: Any = None,
    name_of: Any = None,
    only: str | None = None,
) -> list[DashRow]:
    """Counts per chamber and year. A report counts once, by its newest version (a returned
    report corrected later counts as what the correction became).

    Issue 13: ``chamber_of(record)`` gives the row's chamber key (its id) and ``name_of(key)``
    its name in the reader's language (``chamber_names``); waiting reports give their
    chamber as filed, resolved through ``chamber_of({"chamber": text})``; ``only``: one
    chamber's rows."""
    key_of = chamber_of or (lambda r: r.get("chamber"))
    newest: dict[str, dict[str, Any]] = {}
    for record in records:
        if record.get("kind") != "cpd-report":
            continue
        key = str(record.get("series") or record.get("id"))
        current = newest.get(key)
        if current is None or (record.get("version") or 0) >= (current.get("version") or 0):
            newest[key] = record
    rows = _Rows(name_of)
    for record in newest.values():
        counts = rows.row(key_of(record), record.get("year")).counts
        counts["filed"] += 1
        outcome = record.get("outcome")
        if outcome in counts:
            counts[str(outcome)] += 1
        if record.get("late"):
            counts["late"] += 1
    return rows.finish(waiting, key_of, only)

"""Renewing archived records' timestamps before their authority's certificate (or hash
algorithm) ends: the archival timestamp chain of PAdES-LTA.

``due_records`` finds records whose newest timestamp needs renewing by a date;
``renew_pdf`` adds current revocation data for that timestamp and a new document timestamp
(pyHanko's ``async_update_archival_timestamp_chain``); ``renew_due`` does both for every due
record, re-verifies the result and archives it with ``Archive.renew`` (a new record that names
the old one; the old record's status becomes ``renewed``; both steps are lines of the log's
hash chain, and the old PDF and its SHA-256 stay). ``watch`` may call ``renew_due`` once a day.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import re
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from asn1crypto import cms, x509

from docflow.errors import ArchiveError, ConfigError, UnknownRecord

if TYPE_CHECKING:
    from docflow.config import Home
    from docflow.pki import ServiceEndpoints


class _Stored(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def record(self) -> dict[str, Any]: ...
    @property
    def sha256(self) -> str: ...
    @property
    def status(self) -> str: ...


class ArchiveLike(Protocol):
    """What renewal needs of ``docflow.archive.Archive`` (a protocol: ``_archive`` imports this
    module, so this module does not import it back)."""

    @property
    def home(self) -> Home: ...
    def search(self, *, status: str | None = None) -> list[dict[str, Any]]: ...
    def pdf_bytes(self, record_id: str) -> bytes: ...
    def get(self, record_id: str) -> _Stored: ...
    def store(self, record: Mapping[str, Any], pdf: bytes, *, record_id: str) -> _Stored: ...
    def set_status(
        self, record_id: str, status: str, *, reason: str, at: datetime | str
    ) -> None: ...
    def renew(
        self, record_id: str, pdf: bytes, *, at: datetime | None = None, verdict: str | None = None
    ) -> _Stored: ...


#: The default of docflow.toml ``[archive] renew_margin``.
DEFAULT_MARGIN = timedelta(days=365)

#: Digest algorithms no longer fit to protect a timestamp after this date (a data table:
#: extend it when an algorithm is withdrawn).
HASH_ENDS: dict[str, date] = {
    "md5": date(2004, 12, 31),
    "sha1": date(2016, 12, 31),
}

#: The record status and record key that link a renewal to what it renews.
RENEWED_STATUS = "renewed"
RENEWAL_OF = "renewal_of"


def renew_margin(home: Home) -> timedelta:
    """``[archive] renew_margin`` of docflow.toml: days as a number, or "400d", "18m", "1y"."""
    raw = home.settings().raw.get("archive", {}).get("renew_margin")
    if raw is None:
        return DEFAULT_MARGIN
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return timedelta(days=raw)
    match = re.fullmatch(r"\s*(\d+)\s*([dmy])\s*", str(raw))
    if not match:
        raise ConfigError(
            f"[archive] renew_margin {raw!r}: give days (365) or a length like 400d, 18m, 1y"
        )
    count, unit = int(match.group(1)), match.group(2)
    return timedelta(days=count * {"d": 1, "m": 30, "y": 365}[unit])


# --------------------------------------------------------------------------- what is due


@dataclass(frozen=True)
class NewestTimestamp:
    """The newest timestamp in a PDF: when, by whom, until when its authority is good."""

    at: datetime
    tsa: str
    tsa_not_after: datetime
    hash_algorithm: str
    document_timestamp: bool

    @property
    def ends(self) -> datetime:
        """When this timestamp stops proving anything unless renewed."""
        hash_end = HASH_ENDS.get(self.hash_algorithm)
        if hash_end is not None:
            return min(self.tsa_not_after, datetime.combine(hash_end, time.max, UTC))
        return self.tsa_not_after


def _tsa_certificate(signed_data: cms.SignedData) -> x509.Certificate | None:
    from pyhanko.sign.validation.generic_cms import extract_certs_for_validation

    try:
        return extract_certs_for_validation(signed_data).signer_cert
    except Exception:
        return None


def _describe(signed_data: cms.SignedData, document_timestamp: bool) -> NewestTimestamp | None:
    try:
        tst_info = signed_data["encap_content_info"]["content"].parsed
        gen_time = tst_info["gen_time"].native
        hash_algorithm = str(tst_info["message_imprint"]["hash_algorithm"]["algorithm"].native)
    except Exception:
        return None
    cert = _tsa_certificate(signed_data)
    if cert is None or not isinstance(gen_time, datetime):
        return None
    return NewestTimestamp(
        at=gen_time,
        tsa=cert.subject.human_friendly,
        tsa_not_after=cert["tbs_certificate"]["validity"]["not_after"].native,
        hash_algorithm=hash_algorithm,
        document_timestamp=document_timestamp,
    )


def newest_timestamp(pdf: bytes) -> NewestTimestamp | None:
    """The newest document timestamp, else the newest signature timestamp; None if none."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    from docflow.gost import install

    install()  # GOST-signed timestamps are read too
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    found: list[NewestTimestamp] = []
    for emb in reader.embedded_signatures:
        if emb.sig_object_type == "/DocTimeStamp":
            item = _describe(emb.signed_data, True)
        else:
            item = None
            for attr in emb.signer_info["unsigned_attrs"] or ():
                if attr["type"].native == "signature_time_stamp_token":
                    item = _describe(attr["values"][0]["content"], False)
        if item is not None:
            found.append(item)
    if not found:
        return None
    return max(found, key=lambda t: (t.at, t.document_timestamp))


@dataclass(frozen=True)
class RenewalDue:
    """A record whose newest timestamp ends by the horizon (``overdue``: it already ended)."""

    record: str
    timestamp: NewestTimestamp | None
    overdue: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        ts = self.timestamp
        return {
            "record": self.record,
            "overdue": self.overdue,
            "reason": self.reason,
            "timestamp_at": ts.at.isoformat() if ts else None,
            "tsa": ts.tsa if ts else None,
            "tsa_not_after": ts.tsa_not_after.isoformat() if ts else None,
            "hash_algorithm": ts.hash_algorithm if ts else None,
        }


def _as_moment(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def due_records(archive: ArchiveLike, today: date, horizon: date) -> list[RenewalDue]:
    """Active records whose newest timestamp ends before ``horizon`` (today + margin, or the
    date given to ``archive renew --before``), oldest first."""
    due: list[RenewalDue] = []
    for row in archive.search(status="active"):
        record_id = str(row["id"])
        try:
            ts = newest_timestamp(archive.pdf_bytes(record_id))
        except Exception as exc:  # an unreadable PDF is the audit's business
            due.append(RenewalDue(record_id, None, False, f"cannot read its timestamps: {exc}"))
            continue
        if ts is None:
            continue  # nothing to renew: not a timestamped record
        if ts.ends >= _as_moment(horizon):
            continue
        overdue = ts.ends <= _as_moment(today)
        what = (
            f"the hash algorithm {ts.hash_algorithm} ends {HASH_ENDS[ts.hash_algorithm]}"
            if ts.hash_algorithm in HASH_ENDS and ts.ends < ts.tsa_not_after
            else f"the timestamp authority's certificate ends {ts.tsa_not_after.date()}"
        )
        due.append(RenewalDue(record_id, ts, overdue, what))
    return due


# --------------------------------------------------------------------------- renewing


T = TypeVar("T")


def _run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` here, or on a thread of its own when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _validation_context(
    services: ServiceEndpoints,
    anchors: Sequence[x509.Certificate],
    others: Sequence[x509.Certificate],
) -> Any:
    from pyhanko_certvalidator import ValidationContext

    from docflow.gost import SIGNATURE_VALIDATOR

    return ValidationContext(
        trust_roots=[*services.trust_roots, *anchors],
        other_certs=[*services.intermediates, *others],
        allow_fetching=True,
        signature_validator=SIGNATURE_VALIDATOR,
    )


def renew_pdf(
    pdf: bytes,
    services: ServiceEndpoints,
    anchors: Sequence[x509.Certificate] = (),
    others: Sequence[x509.Certificate] = (),
) -> bytes:
    """``pdf`` with revocation data for its newest timestamp and a new document timestamp
    from ``services``' TSA (pyHanko's archival timestamp chain)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign._session_scope import run_and_release
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.timestamps import HTTPTimeStamper

    from docflow.gost import install

    install()
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    stamper = PdfTimeStamper(HTTPTimeStamper(services.tsa_url, timeout=int(services.timeout)))
    output = io.BytesIO()
    context = _validation_context(services, list(anchors), list(others))
    _run_sync(
        # run_and_release: what pyHanko's synchronous wrapper does, so that the fetchers'
        # HTTP sessions are closed inside the loop that opened them.
        run_and_release(
            stamper.async_update_archival_timestamp_chain(
                reader, context, in_place=False, output=output
            ),
            context,
        )
    )
    return output.getvalue()


@dataclass(frozen=True)
class RenewalResult:
    """What renewing one record did: the new record, or why it was not renewed."""

    record: str
    renewed_as: str | None
    verdict: str | None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "renewed_as": self.renewed_as,
            "verdict": self.verdict,
            "error": self.error,
        }


def renewal_id(archive: ArchiveLike, record_id: str) -> str:
    """``<base>.r<n>``: the next free renewal id of a record (``2025-0001.r1``, ``.r2``, …)."""
    base = re.sub(r"\.r\d+$", "", record_id)
    n = 1
    match = re.search(r"\.r(\d+)$", record_id)
    if match:
        n = int(match.group(1)) + 1
    while _exists(archive, f"{base}.r{n}"):
        n += 1
    return f"{base}.r{n}"


def _exists(archive: ArchiveLike, record_id: str) -> bool:
    try:
        archive.get(record_id)
    except UnknownRecord:
        return False
    return True


def renew_record(
    archive: ArchiveLike, record_id: str, pdf: bytes, *, at: datetime, verdict: str | None = None
) -> _Stored:
    """Archive ``pdf`` as the renewal of ``record_id`` (see ``Archive.renew``)."""
    old = archive.get(record_id)
    if old.status != "active":
        raise ArchiveError(f"record {record_id} is {old.status}, not active: nothing to renew")
    record = {
        k: v for k, v in old.record.items() if k not in ("id", "sha256", "archived_at", "pdf")
    }
    record[RENEWAL_OF] = record_id
    record["renewal_of_sha256"] = old.sha256
    if verdict is not None:
        record["renewal_verdict"] = verdict
    new_id = renewal_id(archive, record_id)
    stored = archive.store(record, pdf, record_id=new_id)
    archive.set_status(
        record_id,
        RENEWED_STATUS,
        reason=f"timestamps renewed as {new_id} (sha256 {stored.sha256})",
        at=at,
    )
    return stored


def renew_due(
    archive: ArchiveLike,
    services: ServiceEndpoints,
    today: date,
    *,
    verify: Callable[[bytes], str],
    trust: tuple[Sequence[x509.Certificate], Sequence[x509.Certificate]] = ((), ()),
    before: date | None = None,
) -> list[RenewalResult]:
    """Renew every record due by ``before`` (default: today + ``[archive] renew_margin``).

    ``verify(pdf) -> verdict`` re-checks each renewed PDF (``docflow verify`` with the home's
    demo CA and trust list: the caller has it, the archive does not import verify); a renewal is
    archived only when it is "valid". ``trust`` (anchors, intermediates) is added to
    ``services``' anchors to validate the timestamp being renewed.
    """
    horizon = before or (today + renew_margin(archive.home))
    anchors, others = trust
    results: list[RenewalResult] = []
    for item in due_records(archive, today, horizon):
        if item.timestamp is None:
            results.append(RenewalResult(item.record, None, None, item.reason))
            continue
        try:
            renewed = renew_pdf(archive.pdf_bytes(item.record), services, anchors, others)
            verdict = verify(renewed)
            if verdict != "valid":
                results.append(
                    RenewalResult(item.record, None, verdict, "the renewed PDF is not valid")
                )
                continue
            stored = archive.renew(item.record, renewed, verdict=verdict)
        except Exception as exc:  # one record's failure must not stop the others
            results.append(RenewalResult(item.record, None, None, str(exc) or type(exc).__name__))
            continue
        results.append(RenewalResult(item.record, stored.id, verdict))
    return results

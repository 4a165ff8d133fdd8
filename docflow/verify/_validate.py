"""Judging every signature and document timestamp in a PDF with pyHanko, offline by default.

How a signature is judged (why each step is there):

* The file is read leniently (``strict=False``) so hybrid-reference files and odd xref tables
  are judged rather than refused; if pyHanko cannot read the file at all but it still carries
  ``/ByteRange`` signatures, those are checked byte-for-byte by ``_rawscan``.
* Certificates, OCSP responses and CRLs embedded in the document's DSS (PAdES-LT/LTA) feed the
  validation context, so a B-LTA file is judged without the network.
* Without an explicit ``at``, a signature carrying a signature timestamp is judged as of the
  timestamp's time: the timestamp (and the document timestamps protecting the DSS) is the proof
  that the signature existed then, and the revocation data embedded at signing time speaks
  about that moment. This is the "past validation" idea of PAdES-LTA, simplified.
* Revocation is first required for the signer (``good`` when a CRL/OCSP answers); when none is
  available the chain is judged again without revocation, so "not trusted" and "revocation
  unknown" are told apart. Only revocation data issued after the signature's timestamp (less
  ``FRESHNESS_TOLERANCE``) speaks for it: an OCSP "good" or a CRL from before a revocation
  proves nothing about the moment of signing (ETSI EN 319 102-1, as EU DSS applies it).
* After every signature has been judged alone, the document policy (``_policy``) judges the
  whole: who signed in which capacity, empty required fields, changes that no signature covers.
  docs/VERIFY-POLICY.md says it in prose.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

from asn1crypto import cms, crl, ocsp, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    SignatureCoverageLevel,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureStatus as PyhankoStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from docflow.bodies import capacity_mismatch
from docflow.errors import UnreadablePdf
from docflow.pki import subject_office
from docflow.verify import _gost, _ltv, _rawscan
from docflow.verify._aio import run_sync
from docflow.verify._limits import check_signature_count, check_size
from docflow.verify._messages import Finding
from docflow.verify._policy import DOCFLOW_ROLES, RoleOf, apply_policy, certificate_role
from docflow.verify._report import (
    ArchiveMatch,
    ModifiedAfter,
    Revocation,
    SignatureStatus,
    Verdict,
    VerifyReport,
)
from docflow.verify._trust import to_asn1

logger = logging.getLogger(__name__)

__all__ = ["DOCFLOW_ROLES", "FRESHNESS_TOLERANCE", "verify_pdf"]

#: How much older than a signature's timestamp revocation data may be and still speak for it:
#: clock skew between a TSA and a responder, and CRLs whose thisUpdate their CA backdates by a
#: minute (docflow's demo CA does). Anything older is not "fresh" and proves nothing.
FRESHNESS_TOLERANCE = timedelta(minutes=2)

#: (role, body id) a certificate signs in, or None when no office is known for it
#: (``docflow.bodies.OfficeRegistry.role_of``).
OfficeOf = Callable[[Any], "tuple[str, str | None] | None"]

#: A signer's key may be marked for non-repudiation or for digital signatures; national CAs
#: differ, and pyHanko's default (non-repudiation only) would call ordinary keys untrusted.
_KEY_USAGE = KeyUsageConstraints(
    key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False
)

_REQUIRE_REVOCATION = CertRevTrustPolicy(
    RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
        intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
    ),
    # Revocation data embedded right after signing is a few seconds younger than the
    # signature timestamp it vouches for; it still speaks about that moment.
    retroactive_revinfo=True,
)
_NO_REVOCATION = CertRevTrustPolicy(
    RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.NO_CHECK,
        intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK,
    )
)

_MODIFIED_AFTER: dict[ModificationLevel, ModifiedAfter] = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "signatures_only",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}


@dataclass(frozen=True)
class _Evidence:
    """What the document itself supplies for validation: DSS certificates and revocation data."""

    certs: tuple[x509.Certificate, ...] = ()
    crls: tuple[crl.CertificateList, ...] = ()
    ocsps: tuple[ocsp.OCSPResponse, ...] = ()

    def fresh_for(self, cert: x509.Certificate, moment: datetime) -> _Evidence:
        """Without the revocation data about ``cert`` issued before ``moment``: CRLs of its
        issuer, OCSP responses about its serial number. The data about the CAs above it is
        kept as it is (a CA's CRL is issued rarely, and its key is not the one that signed)."""
        return _Evidence(
            self.certs,
            tuple(c for c in self.crls if _crl_issued(c) >= moment or c.issuer != cert.issuer),
            tuple(
                o
                for o in self.ocsps
                if _ocsp_issued(o) >= moment or cert.serial_number not in _ocsp_serials(o)
            ),
        )


_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


def _crl_issued(item: crl.CertificateList) -> datetime:
    try:
        moment = item["tbs_cert_list"]["this_update"].native
    except Exception:  # unreadable: never fresh
        return _LONG_AGO
    return moment if isinstance(moment, datetime) else _LONG_AGO


def _ocsp_issued(item: ocsp.OCSPResponse) -> datetime:
    try:
        moment = item["response_bytes"]["response"].parsed["tbs_response_data"]["produced_at"]
        native = moment.native
    except Exception:  # an error response or damaged: never fresh
        return _LONG_AGO
    return native if isinstance(native, datetime) else _LONG_AGO


def _ocsp_serials(item: ocsp.OCSPResponse) -> frozenset[int]:
    try:
        data = item["response_bytes"]["response"].parsed["tbs_response_data"]
        return frozenset(int(r["cert_id"]["serial_number"].native) for r in data["responses"])
    except Exception:
        return frozenset()


@dataclass(frozen=True)
class _Settings:
    roots: tuple[x509.Certificate, ...]
    evidence: _Evidence
    allow_fetching: bool
    role_of: RoleOf = certificate_role


def verify_pdf(
    data: bytes,
    *,
    trust_roots: Sequence[Any] = (),
    other_certs: Sequence[Any] = (),
    at: datetime | None = None,
    archive_lookup: Callable[[str], str | None] | None = None,
    allow_fetching: bool = False,
    file_name: str = "",
    role_of: RoleOf | None = None,
) -> VerifyReport:
    """Check every signature in ``data`` and return the verdict as data.

    ``trust_roots`` are asn1crypto or cryptography certificates (or DER/PEM bytes);
    ``other_certs`` are intermediates offered to path building, never trusted; ``at`` fixes
    the validation time (default: each signature's timestamp, else now); ``archive_lookup`` maps
    the file's SHA-256 to an archive record id; ``role_of`` names the docflow role a signer
    certificate holds (default: its subject ``title``; never the field's name). Raises
    ``UnreadablePdf`` when the bytes are not a PDF that can be judged at all, and its subclass
    ``VerifyLimitExceeded`` when they are beyond verify's bounds.
    """
    name = file_name or "input"
    check_size(len(data), name)
    sha256 = hashlib.sha256(data).hexdigest()
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    settings = _Settings(
        roots=tuple(to_asn1(c) for c in trust_roots),
        evidence=_Evidence(certs=tuple(to_asn1(c) for c in other_certs)),
        allow_fetching=allow_fetching,
        role_of=role_of or certificate_role,
    )
    fields: dict[str, bool] = {}
    form_changes: dict[str, frozenset[str]] = {}
    tail = 0
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            # Signed PDFs are often encrypted with an empty user password (open freely,
            # restrict editing); anything else cannot be judged without the password.
            reader.decrypt(b"")
        embedded = _keyed(reader.embedded_signatures)
    except UnreadablePdf:
        raise
    except Exception as exc:  # pyHanko raises many kinds on damaged input
        statuses = _judge_unreadable(data, name, exc, settings, at)
    else:
        dss = _read_dss(reader)
        evidence = _Evidence(settings.evidence.certs + dss.certs, dss.crls, dss.ocsps)
        settings = replace(settings, evidence=evidence)
        fields = _signature_fields(reader)
        sig_field_names = frozenset(fields)
        # One judgement per distinct signature (a signature held by several fields is shown
        # under each), and past validation through the archival timestamp chain (_ltv).
        first_of_key: dict[Any, int] = {}
        distinct: list[tuple[EmbeddedPdfSignature, int]] = []
        for index, (emb, key) in enumerate(embedded, start=1):
            if key not in first_of_key:
                first_of_key[key] = len(distinct)
                distinct.append((emb, index))
        proofs = _ltv.judge_with_proofs(
            [emb for emb, _ in distinct],
            at,
            lambda emb, i, moment: _judge_embedded(
                emb, settings, moment, sig_field_names, distinct[i - 1][1], form_changes
            ),
        )
        listed: list[SignatureStatus] = []
        for index, (emb, key) in enumerate(embedded, start=1):
            slot = first_of_key[key]
            first = proofs[slot]
            if distinct[slot][1] == index:
                listed.append(first)
            else:  # another field holding the same signature: shown under its own name
                listed.append(replace(first, field=_field_name(emb, index)))
        statuses = tuple(listed)
        tail = _unexplained_tail(reader, data)

    doc_findings: list[Finding] = []
    if tail:
        doc_findings.append(Finding("coverage.tail_bytes", {"count": tail}))
        statuses = tuple(replace(s, modified_after="other") for s in statuses)
    judged = apply_policy(statuses, fields, form_changes)
    statuses = judged.statuses
    doc_findings.extend(judged.findings)
    verdict, reasons = _overall(statuses, tuple(doc_findings))
    archive = None
    if archive_lookup is not None:
        record = archive_lookup(sha256)
        archive = ArchiveMatch(registered=record is not None, record=record)
    return VerifyReport(
        file=file_name,
        sha256=sha256,
        verdict=verdict,
        signatures=statuses,
        reasons=reasons,
        archive=archive,
        validated_at=at,
        findings=tuple(doc_findings),
        kind=judged.kind,
    )


# --------------------------------------------------------------------------- overall


def _overall(
    statuses: tuple[SignatureStatus, ...], findings: tuple[Finding, ...] = ()
) -> tuple[Verdict, tuple[str, ...]]:
    if not statuses:
        return "invalid", ("the document is not signed",)
    reasons = tuple(f"{s.field or s.signer}: {reason}" for s in statuses for reason in s.reasons)
    reasons += tuple(f.text("en") for f in findings)
    verdicts = {s.verdict for s in statuses}
    if "invalid" in verdicts or findings:
        return "invalid", reasons
    if "indeterminate" in verdicts:
        return "indeterminate", reasons
    return "valid", reasons


# --------------------------------------------------------------------------- reading


def _read_dss(reader: PdfFileReader) -> _Evidence:
    """Certificates and revocation data in the document's DSS (absent or broken: none)."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # no /DSS (NoDSSFoundError) or a damaged one: judge without it
        return _Evidence()
    certs: list[x509.Certificate] = []
    crls: list[crl.CertificateList] = []
    ocsps: list[ocsp.OCSPResponse] = []
    try:
        certs.extend(dss.load_certs())
        for ref in dss.crls:
            crls.append(crl.CertificateList.load(ref.get_object().data))
        for ref in dss.ocsps:
            ocsps.append(ocsp.OCSPResponse.load(ref.get_object().data))
    except Exception as exc:
        logger.info("ignoring unreadable DSS entries: %s", exc)
    return _Evidence(tuple(certs), tuple(crls), tuple(ocsps))


def _signature_fields(reader: PdfFileReader) -> dict[str, bool]:
    """Every signature field: name -> whether it holds a signature."""
    try:
        return {str(name): value is not None for name, value, _ in enumerate_sig_fields(reader)}
    except Exception:
        return {}


def _keyed(
    embedded: Iterable[EmbeddedPdfSignature],
) -> list[tuple[EmbeddedPdfSignature, Any]]:
    """Each signature with the key that tells it apart: its ``/ByteRange`` and ``/Contents``
    (the same signed bytes and the same CMS: one signature, whichever dictionary or field
    holds it). The distinct keys are counted against ``MAX_SIGNATURES``
    while being listed, before any is hashed; all entries against a multiple of it."""
    seen: set[Any] = set()
    found: list[tuple[EmbeddedPdfSignature, Any]] = []
    for emb in embedded:
        try:
            key: Any = (
                tuple(int(x) for x in emb.sig_object["/ByteRange"]),
                hashlib.sha256(bytes(emb.sig_object["/Contents"])).digest(),
            )
        except Exception:
            ref = getattr(emb.sig_object, "container_ref", None)
            key = (ref.idnum, ref.generation) if ref is not None else id(emb.sig_object)
        seen.add(key)
        found.append((emb, key))
        check_signature_count(len(seen))
        check_signature_count(len(found), limit=_MAX_ENTRIES)
    return found


#: Fields pointing to an already judged signature cost a copy each, not a judgement.
_MAX_ENTRIES = 16 * 64


_WHITESPACE = b" \t\r\n\f\0"


def _unexplained_tail(reader: PdfFileReader, data: bytes) -> int:
    """How many bytes follow the end of the last revision the reader knows (its xref section,
    ``startxref`` and ``%%EOF``): bytes appended with no xref, or with a stale ``startxref``,
    belong to no revision, so no signature's change analysis ever looks at them."""
    try:
        xrefs = reader.xrefs
        last = xrefs.total_revisions - 1
        end = xrefs.get_xref_container_info(last).end_location
    except Exception:  # nothing to measure against: the signatures' coverage still speaks
        return 0
    eof = data.find(b"%%EOF", end)
    if eof < 0:
        return 0
    tail = data[eof + len(b"%%EOF") :]
    return len(tail) if tail.strip(_WHITESPACE) else 0


# --------------------------------------------------------------------------- contexts


def _context(
    settings: _Settings,
    moment: datetime | None,
    policy: CertRevTrustPolicy,
    extra_certs: Iterable[x509.Certificate] = (),
) -> ValidationContext:
    return ValidationContext(
        # An explicit trust manager: an empty list must mean "trust nothing", never the
        # operating system's TLS store.
        trust_manager=SimpleTrustManager.build(trust_roots=list(settings.roots)),
        other_certs=[*settings.evidence.certs, *extra_certs],
        crls=list(settings.evidence.crls),
        ocsps=list(settings.evidence.ocsps),
        moment=moment,
        allow_fetching=settings.allow_fetching,
        revinfo_policy=policy,
        retroactive_revinfo=policy.retroactive_revinfo,
        signature_validator=_gost.signature_validator(),
    )


def _run(coro: Any) -> Any:
    return run_sync(coro)


# --------------------------------------------------------------------------- one signature


def _judge_embedded(
    emb: EmbeddedPdfSignature,
    settings: _Settings,
    at: datetime | None,
    sig_field_names: frozenset[str],
    index: int,
    form_changes: dict[str, frozenset[str]],
) -> SignatureStatus:
    field = _safe(lambda: str(emb.field_name), f"signature {index}")
    is_doc_ts = _safe(lambda: emb.sig_object_type == "/DocTimeStamp", False)
    try:
        cert = emb.signer_cert
    except Exception:
        cert = None
    signer, role, iin = _describe_signer(cert, is_doc_ts, settings.role_of)
    algorithm = _gost.algorithm_of(emb)
    uncheckable = _gost.uncheckable_reason(emb)
    try:
        if uncheckable:
            status = _failed_status(ValueError(uncheckable), field, signer, role, iin, emb)
            status = replace(status, verdict="indeterminate", reasons=(uncheckable,))
        elif is_doc_ts:
            status = _judge_doc_timestamp(emb, settings, at, field, signer, iin, sig_field_names)
        else:
            status = _judge_signature(emb, settings, at, field, signer, role, iin, sig_field_names)
            filled = _filled_fields(emb, sig_field_names)
            if filled:
                form_changes[field] = filled
            # Issue 13: a docflow role's field signed with a key of another capacity or body.
            wrong = capacity_problem(field, cert)
            if wrong is not None:
                status = replace(status, verdict="invalid", reasons=(*status.reasons, wrong))
    except Exception as exc:  # a signature that cannot be validated is a verdict, not a crash
        status = _failed_status(exc, field, signer, "timestamp" if is_doc_ts else role, iin, emb)
    return replace(status, algorithm=algorithm)


def _field_name(emb: EmbeddedPdfSignature, index: int) -> str:
    try:
        return str(emb.field_name)
    except Exception:
        return f"signature {index}"


def _failed_status(
    exc: Exception,
    field: str,
    signer: str,
    role: str,
    iin: str | None,
    emb: EmbeddedPdfSignature | None,
) -> SignatureStatus:
    indeterminate = _is_missing_certificate(exc)
    reason = (
        "the signer's certificate is not in the signature, so it cannot be checked"
        if indeterminate
        else f"the signature could not be validated: {_plain(exc)}"
    )
    coverage = None
    if emb is not None:
        level = getattr(emb, "coverage", None)
        coverage = level.name.lower() if isinstance(level, SignatureCoverageLevel) else None
    return SignatureStatus(
        field=field,
        signer=signer,
        role=role,
        iin=iin,
        intact=False,
        trusted=False,
        revocation="unknown",
        signed_at=_safe(lambda: emb.self_reported_timestamp if emb else None, None),
        timestamp=None,
        modified_after="other" if coverage not in (None, "entire_file") else "none",
        coverage=coverage,
        docmdp_ok=None,
        verdict="indeterminate" if indeterminate else "invalid",
        reasons=(reason,),
    )


def _is_missing_certificate(exc: Exception) -> bool:
    text = str(exc).lower()
    return (
        "signer certificate" in text
        or "signer's certificate" in text
        or ("certificate" in text and "not found" in text)
    )


def _judge_signature(
    emb: EmbeddedPdfSignature,
    settings: _Settings,
    at: datetime | None,
    field: str,
    signer: str,
    role: str,
    iin: str | None,
    sig_field_names: frozenset[str],
) -> SignatureStatus:
    extra = list(emb.other_embedded_certs)
    ts_time = _signature_timestamp_time(emb)
    moment = at or ts_time or datetime.now(UTC)
    stale_dropped = False
    cert = _safe(lambda: emb.signer_cert, None)
    if ts_time is not None and cert is not None:
        # Revocation data speaks for a signature only when issued after it was made.
        fresh = settings.evidence.fresh_for(cert, ts_time - FRESHNESS_TOLERANCE)
        stale_dropped = (len(fresh.crls), len(fresh.ocsps)) != (
            len(settings.evidence.crls),
            len(settings.evidence.ocsps),
        )
        settings = replace(settings, evidence=fresh)

    def validate(policy: CertRevTrustPolicy, skip_diff: bool) -> Any:
        vc = _context(settings, moment, policy, extra)
        ts_vc = _context(settings, moment, _NO_REVOCATION, extra)
        return _run(
            async_validate_pdf_signature(
                emb,
                signer_validation_context=vc,
                ts_validation_context=ts_vc,
                key_usage_settings=_KEY_USAGE,
                skip_diff=skip_diff,
            )
        )

    status = validate(_REQUIRE_REVOCATION, skip_diff=False)
    trusted, revocation, trust_reasons = _trust_and_revocation(
        status, lambda: validate(_NO_REVOCATION, skip_diff=True)
    )
    modified_after = _modified_after(status, sig_field_names)
    reasons: list[str] = []
    findings: list[Finding] = []
    verdict: Verdict = "valid"
    if trusted and revocation == "unknown" and stale_dropped and ts_time is not None:
        stale = Finding("revocation.stale", {"signed_at": ts_time.isoformat()})
        trust_reasons = [stale.text("en")]
        findings.append(stale)

    mismatch = _algorithm_mismatch(status)
    if not status.intact:
        reasons.append("the signed bytes were changed after signing (the digest does not match)")
        verdict = "invalid"
    elif mismatch:
        reasons.append(mismatch)
        verdict = "invalid"
    elif not status.valid:
        reasons.append("the cryptographic signature does not verify")
        verdict = "invalid"
    if revocation == "revoked":
        verdict = "invalid"
    if status.docmdp_ok is False:
        reasons.append(_modification_reason(status, modified_after))
        verdict = "invalid"
    reasons.extend(trust_reasons)
    if verdict == "valid" and (not trusted or revocation != "good"):
        verdict = "indeterminate"

    tst = status.timestamp_validity
    timestamp = tst.timestamp if tst is not None else None
    if at is not None and timestamp is not None and timestamp > at:
        reasons.append(
            f"the signature's timestamp ({timestamp.isoformat()}) is later than the "
            f"validation time ({at.isoformat()})"
        )
        if verdict == "valid":
            verdict = "indeterminate"
    if tst is not None and not (tst.intact and tst.valid):
        reasons.append("the signature timestamp is damaged")
        verdict = "invalid"
    elif tst is not None and not tst.trusted:
        reasons.append("the signature timestamp's authority is not trusted")
        if verdict == "valid":
            verdict = "indeterminate"

    return SignatureStatus(
        field=field,
        signer=signer,
        role=role,
        iin=iin,
        intact=bool(status.intact and status.valid),
        trusted=trusted,
        revocation=revocation,
        signed_at=status.signer_reported_dt or timestamp,
        timestamp=timestamp,
        modified_after=modified_after,
        coverage=status.coverage.name.lower() if status.coverage is not None else None,
        docmdp_ok=status.docmdp_ok,
        verdict=verdict,
        reasons=tuple(reasons),
        findings=tuple(findings),
    )


def _judge_doc_timestamp(
    emb: EmbeddedPdfSignature,
    settings: _Settings,
    at: datetime | None,
    field: str,
    signer: str,
    iin: str | None,
    sig_field_names: frozenset[str],
) -> SignatureStatus:
    extra = list(emb.other_embedded_certs)
    moment = at or datetime.now(UTC)

    def validate(policy: CertRevTrustPolicy, skip_diff: bool) -> Any:
        vc = _context(settings, moment, policy, extra)
        return _run(async_validate_pdf_timestamp(emb, validation_context=vc, skip_diff=skip_diff))

    status = validate(_REQUIRE_REVOCATION, skip_diff=False)
    trusted, revocation, trust_reasons = _trust_and_revocation(
        status, lambda: validate(_NO_REVOCATION, skip_diff=True)
    )
    modified_after = _modified_after(status, sig_field_names)
    # pyHanko leaves docmdp_ok unset for document timestamps; what a timestamp cannot allow
    # is a change beyond signing, form filling and annotations.
    docmdp_ok = modified_after != "other"
    reasons: list[str] = []
    verdict: Verdict = "valid"
    if not (status.intact and status.valid):
        reasons.append("the document timestamp does not match the bytes it covers")
        verdict = "invalid"
    if revocation == "revoked":
        verdict = "invalid"
    if not docmdp_ok:
        reasons.append(_modification_reason(status, modified_after))
        verdict = "invalid"
    reasons.extend(trust_reasons)
    if verdict == "valid" and (not trusted or revocation != "good"):
        verdict = "indeterminate"
    return SignatureStatus(
        field=field,
        signer=signer,
        role="timestamp",
        iin=iin,
        intact=bool(status.intact and status.valid),
        trusted=trusted,
        revocation=revocation,
        signed_at=status.timestamp,
        timestamp=status.timestamp,
        modified_after=modified_after,
        coverage=status.coverage.name.lower() if status.coverage is not None else None,
        docmdp_ok=docmdp_ok,
        verdict=verdict,
        reasons=tuple(reasons),
    )


#: EdDSA fixes its own digest (RFC 8419); any other digest makes the signature malformed.
_EDDSA_DIGEST = {"ed25519": "sha512", "ed448": "shake256"}


def _algorithm_mismatch(status: Any) -> str | None:
    mechanism = str(status.pkcs7_signature_mechanism or "").lower()
    required = _EDDSA_DIGEST.get(mechanism)
    if required and str(status.md_algorithm).lower() != required:
        return (
            f"the signature's digest algorithm ({status.md_algorithm}) is not the one "
            f"{mechanism} requires ({required})"
        )
    return None


def _trust_and_revocation(
    status: PyhankoStatus, without_revocation: Callable[[], PyhankoStatus]
) -> tuple[bool, Revocation, list[str]]:
    """Tell "trusted, revocation good/revoked/unknown" apart from "not trusted at all"."""
    if status.revoked:
        details = status.revocation_details
        when = details.revocation_date.isoformat() if details is not None else "?"
        whose = (
            "a CA certificate in the chain"
            if details and details.ca_revoked
            else ("the signer's certificate")
        )
        return False, "revoked", [f"{whose} was revoked on {when}"]
    if status.trusted:
        return True, "good", []
    if not (status.intact and status.valid):
        return False, "unknown", []
    relaxed = without_revocation()
    if relaxed.trusted:
        return (
            True,
            "unknown",
            [
                "no OCSP response or CRL is available to show that the signer's certificate "
                "was not revoked"
            ],
        )
    return False, "unknown", [_trust_reason(relaxed)]


def _trust_reason(status: PyhankoStatus) -> str:
    indic = status.trust_problem_indic
    name = getattr(indic, "name", "") if indic is not None else ""
    if name == "EXPIRED":
        return "the signer's certificate had expired at the validation time"
    if name == "NOT_YET_VALID":
        return "the signer's certificate was not yet valid at the validation time"
    if name in ("NO_CERTIFICATE_CHAIN_FOUND", "CERTIFICATE_CHAIN_GENERAL_FAILURE", ""):
        return "the signer's certificate does not chain to a trusted root"
    if name in ("SIG_CONSTRAINTS_FAILURE", "CHAIN_CONSTRAINTS_FAILURE"):
        return "the signer's certificate is not allowed for signing documents"
    if name.startswith("CRYPTO_CONSTRAINTS"):
        return "the signature or its certificate uses an algorithm or key size no longer allowed"
    return f"the signer's certificate is not trusted ({name.lower()})"


def _modified_after(status: Any, sig_field_names: frozenset[str]) -> ModifiedAfter:
    diff = status.diff_result
    if isinstance(diff, DiffResult):
        level = _MODIFIED_AFTER.get(diff.modification_level, "other")
        # Filling an empty signature field is "form filling" to pyHanko; for a reader of a
        # countersigned report it is just the next signature.
        if level == "form_filling" and diff.changed_form_fields <= sig_field_names:
            return "signatures_only"
        return level
    if diff is not None:  # SuspiciousModification
        return "other"
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return "none"
    return "other"


def _modification_reason(status: Any, modified_after: ModifiedAfter) -> str:
    coverage = status.coverage
    if coverage is not None and coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        return "the signature does not cover its whole revision of the document"
    diff = status.diff_result
    detail = f" ({_plain(diff)})" if diff is not None and not isinstance(diff, DiffResult) else ""
    if modified_after == "other":
        return f"the content was changed after this signature{detail}"
    return f"changes after this signature exceed what its signer allowed ({modified_after})"


def _signature_timestamp_time(emb: EmbeddedPdfSignature) -> datetime | None:
    """The time in the signature's own timestamp token, read before validating it."""
    try:
        attrs = emb.signer_info["unsigned_attrs"]
        if not attrs:
            return None
        for attr in attrs:
            if attr["type"].native == "signature_time_stamp_token":
                token: cms.ContentInfo = attr["values"][0]
                tst_info = token["content"]["encap_content_info"]["content"].parsed
                gen_time = tst_info["gen_time"].native
                return gen_time if isinstance(gen_time, datetime) else None
    except Exception:
        return None
    return None


# --------------------------------------------------------------------------- names


def _describe_signer(
    cert: x509.Certificate | None, is_doc_ts: bool, role_of: RoleOf
) -> tuple[str, str, str | None]:
    """Signer's common name, role and IIN, from the certificate (docflow conventions). The
    role comes from ``role_of`` alone, never from the field's name: unknown stays unknown."""
    if cert is None:
        return "unknown signer", "timestamp" if is_doc_ts else "unknown", None
    subject = _safe(lambda: cert.subject.native, {})
    cn = _first(subject.get("common_name")) or _safe(lambda: cert.subject.human_friendly, "")
    serial = (_first(subject.get("serial_number")) or "").strip()
    iin = serial[3:] if serial.upper().startswith("IIN") and serial[3:].isdigit() else None
    if is_doc_ts:
        role = "timestamp"
    else:
        found = _safe(lambda: role_of(cert), None)
        role = str(found) if found else "unknown"
    return cn or "unknown signer", role, iin


def _filled_fields(emb: EmbeddedPdfSignature, sig_field_names: frozenset[str]) -> frozenset[str]:
    """The form fields other than signature fields changed after ``emb`` (diff analysis)."""
    diff = getattr(emb, "diff_result", None)
    if isinstance(diff, DiffResult):
        return frozenset(str(f) for f in diff.changed_form_fields) - sig_field_names
    return frozenset()


def capacity_problem(field: str, cert: Any, role_of: OfficeOf | None = None) -> str | None:
    """Issue 13: why the signature in a docflow role's field (``consultant``, ``officer``,
    ``chair``, ``collegium_chair``, ``issuer``) was made in another capacity, or None.

    The capacity is the office recorded for the certificate (``role_of``, e.g.
    ``OfficeRegistry(home).role_of``), else the certificate's own claim (its ``title`` and
    body OU). A certificate claiming no docflow role (a national CA's key) is not judged here.
    A consultant's field signed with his chair key is INVALID with this reason.
    """
    field_role = field.strip().lower()
    if field_role not in DOCFLOW_ROLES or cert is None:
        return None
    office = role_of(cert) if role_of is not None else None
    if office is None:
        claimed = _safe(lambda: subject_office(cert), (None, None))
        if claimed[0] is None or str(claimed[0]).strip().lower() not in DOCFLOW_ROLES:
            return None
        office = (str(claimed[0]).strip().lower(), claimed[1])
    return capacity_mismatch(field_role, office)


def _first(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return str(value) if value is not None else None


def _safe(fn: Callable[[], Any], default: Any) -> Any:
    try:
        return fn()
    except Exception:
        return default


def _plain(exc: object) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


# --------------------------------------------------------------------------- unreadable files


def _judge_unreadable(
    data: bytes, name: str, exc: Exception, settings: _Settings, at: datetime | None
) -> tuple[SignatureStatus, ...]:
    # Only a complete file (header to %%EOF) whose inside is damaged is judged raw; a truncated
    # download or a non-PDF is unreadable, not "a document with a broken signature".
    complete = data[:1024].lstrip().startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    found = _rawscan.find_signatures(data) if complete else []
    if not found:
        raise UnreadablePdf(f"{name}: not a readable PDF ({_plain(exc)})") from exc
    return tuple(
        _rawscan.judge(raw, data, settings.roots, settings.allow_fetching, at, _plain(exc))
        for raw in found
    )

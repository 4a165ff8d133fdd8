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
  unknown" are told apart.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
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

from docflow.errors import UnreadablePdf
from docflow.verify import _gost, _ltv, _rawscan
from docflow.verify._aio import run_sync
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

#: Roles docflow writes into a signer certificate's ``title`` (see ARCHITECTURE.md).
DOCFLOW_ROLES = frozenset(
    {"consultant", "officer", "issuer", "chair", "presidium_member", "coordinator"}
)

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


@dataclass(frozen=True)
class _Settings:
    roots: tuple[x509.Certificate, ...]
    evidence: _Evidence
    allow_fetching: bool


def verify_pdf(
    data: bytes,
    *,
    trust_roots: Sequence[Any] = (),
    other_certs: Sequence[Any] = (),
    at: datetime | None = None,
    archive_lookup: Callable[[str], str | None] | None = None,
    allow_fetching: bool = False,
    file_name: str = "",
) -> VerifyReport:
    """Check every signature in ``data`` and return the verdict as data.

    ``trust_roots`` are asn1crypto or cryptography certificates (or DER/PEM bytes);
    ``other_certs`` are intermediates offered to path building, never trusted; ``at`` fixes
    the validation time (default: each signature's timestamp, else now); ``archive_lookup`` maps
    the file's SHA-256 to an archive record id. Raises ``UnreadablePdf`` only when the bytes are
    not a PDF that can be judged at all.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    name = file_name or "input"
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    settings = _Settings(
        roots=tuple(to_asn1(c) for c in trust_roots),
        evidence=_Evidence(certs=tuple(to_asn1(c) for c in other_certs)),
        allow_fetching=allow_fetching,
    )
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            # Signed PDFs are often encrypted with an empty user password (open freely,
            # restrict editing); anything else cannot be judged without the password.
            reader.decrypt(b"")
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # pyHanko raises many kinds on damaged input
        statuses = _judge_unreadable(data, name, exc, settings, at)
    else:
        dss = _read_dss(reader)
        evidence = _Evidence(settings.evidence.certs + dss.certs, dss.crls, dss.ocsps)
        settings = _Settings(settings.roots, evidence, allow_fetching)
        sig_field_names = _signature_field_names(reader)
        statuses = _ltv.judge_with_proofs(
            embedded,
            at,
            lambda emb, index, moment: _judge_embedded(
                emb, settings, moment, sig_field_names, index
            ),
        )

    verdict, reasons = _overall(statuses)
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
    )


# --------------------------------------------------------------------------- overall


def _overall(statuses: tuple[SignatureStatus, ...]) -> tuple[Verdict, tuple[str, ...]]:
    if not statuses:
        return "invalid", ("the document is not signed",)
    reasons = tuple(f"{s.field or s.signer}: {reason}" for s in statuses for reason in s.reasons)
    verdicts = {s.verdict for s in statuses}
    if "invalid" in verdicts:
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


def _signature_field_names(reader: PdfFileReader) -> frozenset[str]:
    try:
        return frozenset(name for name, _, _ in enumerate_sig_fields(reader))
    except Exception:
        return frozenset()


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
) -> SignatureStatus:
    field = _safe(lambda: str(emb.field_name), f"signature {index}")
    is_doc_ts = _safe(lambda: emb.sig_object_type == "/DocTimeStamp", False)
    try:
        cert = emb.signer_cert
    except Exception:
        cert = None
    signer, role, iin = _describe_signer(cert, field, is_doc_ts)
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
    except Exception as exc:  # a signature that cannot be validated is a verdict, not a crash
        status = _failed_status(exc, field, signer, "timestamp" if is_doc_ts else role, iin, emb)
    return replace(status, algorithm=algorithm)


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
    verdict: Verdict = "valid"

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
    elif modified_after in ("form_filling", "annotations"):
        reasons.append(f"allowed changes were made after this signature ({modified_after})")
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
    cert: x509.Certificate | None, field: str, is_doc_ts: bool
) -> tuple[str, str, str | None]:
    """Signer's common name, role and IIN, from the certificate subject (docflow conventions)."""
    if cert is None:
        return "unknown signer", "timestamp" if is_doc_ts else _role_from_field(field), None
    subject = _safe(lambda: cert.subject.native, {})
    cn = _first(subject.get("common_name")) or _safe(lambda: cert.subject.human_friendly, "")
    title = (_first(subject.get("title")) or "").strip().lower()
    serial = (_first(subject.get("serial_number")) or "").strip()
    iin = serial[3:] if serial.upper().startswith("IIN") and serial[3:].isdigit() else None
    if is_doc_ts:
        role = "timestamp"
    elif title in DOCFLOW_ROLES:
        role = title
    else:
        role = _role_from_field(field)
    return cn or "unknown signer", role, iin


def _role_from_field(field: str) -> str:
    name = field.strip().lower()
    if name in DOCFLOW_ROLES or (name.startswith("signer-") and name[7:].isdigit()):
        return name
    return "signer"


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

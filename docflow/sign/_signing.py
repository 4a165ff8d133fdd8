"""PAdES signing with pyHanko: fill a named field, timestamp, embed revocation info, lock, B-LTA.

Every signature is an approval signature added as an incremental update, so earlier ones stay
valid; the last may lock the document (FieldMDP all + DocMDP "no changes"). ``finish_lta``
adds a DSS with everything and a document timestamp, which makes the file PAdES B-LTA and
lets it validate offline. The revocation data it adds for every signer is fetched after the
signatures' timestamps (never an older cached answer): data issued before a signature says
nothing about the moment of signing, and verify ignores it (issue 19).
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from typing import Any

import aiohttp
import certifi
from asn1crypto import crl, ocsp
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    SigDSSPlacementPreference,
    TimestampDSSContentSettings,
)
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.dss import collect_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import (
    AIOHttpCRLFetcher,
    AIOHttpFetcherBackend,
    AIOHttpOCSPFetcher,
)
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import AIOHttpMixin, LazySession
from pyhanko_certvalidator.fetchers.api import Fetchers, OwnedFetcherBackend
from pyhanko_certvalidator.fetchers.common_utils import FetchBudget

from docflow.errors import SigningError
from docflow.pki import ServiceEndpoints, SignerHandle
from docflow.pki._revcache import REVOCATION_CACHE
from docflow.sign._stamp import stamp_lines, stamp_style

#: Room for the CMS (hex, so twice its DER size): signer + chain + root + a timestamp token
#: come to ~9 KB DER with the demo PKI. Reserving it spares pyHanko a trial signature.
DEFAULT_BYTES_RESERVED = 32768
DOC_TIMESTAMP_BYTES_RESERVED = 16384


@dataclass(frozen=True)
class SignSpec:
    """What one signature should do.

    ``field`` is an existing empty signature field (``consultant``, ``officer``, ``issuer``,
    ``signer-N``); ``locale`` the stamp's language (``kk``/``ru``); ``role`` overrides the
    role shown (default: the certificate's ``title``); ``lock`` makes this the final signature
    (FieldMDP all + DocMDP no changes); ``lta`` adds the DSS and a document timestamp right
    after (PAdES B-LTA), as ``finish_lta`` does; ``lock_later`` names the field whose
    later signature will lock the document, for PDFs whose fields were made without /Lock
    (give it with the first signature: a /Lock added after one breaks that one).
    """

    field: str
    locale: str = "kk"
    role: str | None = None
    lock: bool = False
    lta: bool = False
    lock_later: str | None = None
    reason: str | None = None
    location: str | None = None
    bytes_reserved: int = DEFAULT_BYTES_RESERVED


#: The longest an OCSP/CRL answer is reused for a new signature, whatever docflow.toml says:
#: below verify's ``FRESHNESS_TOLERANCE`` (120 s) less the time a signature takes, so that
#: the answers embedded with a signature are never judged stale (docs/VERIFY-POLICY.md).
MAX_REUSE_SECONDS = 90.0

#: The architecture notes call it a request; same thing.
SignRequest = SignSpec


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    # pyHanko/certvalidator build a new verifying SSL context (loading certifi's bundle, ~0.1 s)
    # for every HTTP session, i.e. several times per signature. One context serves them all.
    return ssl.create_default_context(cafile=certifi.where())


class _LazySession(LazySession):
    """certvalidator's lazy session, built on the process-wide SSL context."""

    def get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=_ssl_context())
            )
        return self._session


class _TimeStamper(HTTPTimeStamper):
    """pyHanko's HTTP timestamp client, opening its per-request session on the shared context.

    (A session is bound to an event loop, and each synchronous pyHanko call runs its own loop,
    so sessions stay per request as in pyHanko; only the SSL context is shared.)
    """

    # A private pyHanko hook: listed in docflow/render/_pyhanko_compat.py, checked by a test.
    @asynccontextmanager
    async def _acquire_session(self) -> AsyncIterator[aiohttp.ClientSession]:
        lazy = _LazySession()  # type: ignore[no-untyped-call]  # certvalidator's is untyped
        try:
            yield lazy.get_session()
        finally:
            await lazy.close()  # type: ignore[no-untyped-call]


_timestampers: dict[tuple[str, bytes], HTTPTimeStamper] = {}
_ts_lock = threading.Lock()


def _trust_scope(services: ServiceEndpoints) -> bytes:
    """A digest of the trust anchors: two PKIs served at one address never share state."""
    digest = hashlib.sha256()
    for cert in (*services.trust_roots, *services.intermediates):
        digest.update(cert.dump())
    return digest.digest()


def _timestamper(services: ServiceEndpoints) -> HTTPTimeStamper:
    # One per TSA and PKI in a process: pyHanko caches the TSA's dummy response (used to size
    # and to build the TSA's validation path, so it holds the TSA's certificates) on it.
    key = (services.tsa_url, _trust_scope(services))
    with _ts_lock:
        ts = _timestampers.get(key)
        if ts is None:
            ts = _timestampers[key] = _TimeStamper(services.tsa_url, timeout=int(services.timeout))
        return ts


class _CachedFetch(AIOHttpMixin):
    """certvalidator's fetchers answering from ``REVOCATION_CACHE`` when they can. The answer
    still goes through the fetcher's own bookkeeping, so pyHanko embeds it as usual."""

    kind: str
    loaded: type[ocsp.OCSPResponse] | type[crl.CertificateList]
    scope: bytes = b""
    max_age: float = 0.0
    #: Only answers issued at or after this time come from the cache (the B-LTA step).
    not_before: datetime | None = None

    @staticmethod
    def next_update(answer: Any) -> datetime | None:
        raise NotImplementedError

    @staticmethod
    def issued_at(answer: Any) -> datetime | None:
        raise NotImplementedError

    # A private pyHanko hook: listed in docflow/render/_pyhanko_compat.py, checked by a test.
    async def _post_fetch_task(self, tag: Hashable, async_fun: Callable[[], Awaitable[Any]]) -> Any:
        key = (self.kind, self.scope, tag)

        async def cached() -> Any:
            der = REVOCATION_CACHE.get(key, self.max_age, not_before=self.not_before)
            if der is not None:
                return self.loaded.load(der)
            answer = await async_fun()
            REVOCATION_CACHE.put(
                key,
                answer.dump(),
                next_update=self.next_update(answer),
                issued_at=self.issued_at(answer),
            )
            return answer

        return await super()._post_fetch_task(tag, cached)  # type: ignore[no-untyped-call]


class _CachedOCSPFetcher(_CachedFetch, AIOHttpOCSPFetcher):
    kind, loaded = "ocsp", ocsp.OCSPResponse

    @staticmethod
    def next_update(answer: Any) -> datetime | None:
        try:
            basic = answer["response_bytes"]["response"].parsed
            responses = basic["tbs_response_data"]["responses"]
            moment: datetime | None = responses[0]["next_update"].native
            return moment
        except (KeyError, IndexError, TypeError, ValueError):
            return None

    @staticmethod
    def issued_at(answer: Any) -> datetime | None:
        try:
            basic = answer["response_bytes"]["response"].parsed
            moment: datetime | None = basic["tbs_response_data"]["produced_at"].native
            return moment
        except (KeyError, IndexError, TypeError, ValueError):
            return None


class _CachedCRLFetcher(_CachedFetch, AIOHttpCRLFetcher):
    kind, loaded = "crl", crl.CertificateList

    @staticmethod
    def next_update(answer: Any) -> datetime | None:
        moment: datetime | None = answer["tbs_cert_list"]["next_update"].native
        return moment

    @staticmethod
    def issued_at(answer: Any) -> datetime | None:
        moment: datetime | None = answer["tbs_cert_list"]["this_update"].native
        return moment


class _CachingBackend(AIOHttpFetcherBackend):
    """The aiohttp fetcher backend whose OCSP and CRL answers go through the process cache,
    keyed by the trust anchors too, so two PKIs at the same address never mix."""

    def __init__(self, services: ServiceEndpoints, not_before: datetime | None = None):
        super().__init__(
            session=_LazySession(),  # type: ignore[arg-type,no-untyped-call]
            per_request_timeout=int(services.timeout),
        )
        self.scope = _trust_scope(services)
        # Never longer than verify's freshness tolerance allows for a signature made now: a
        # document signed without the B-LTA step (a returned report) carries only these.
        self.max_age = min(services.revocation_max_age, MAX_REUSE_SECONDS)
        self.not_before = not_before

    def get_fetchers(self) -> Fetchers:
        plain = super().get_fetchers()
        if self.max_age <= 0:
            return plain
        budget = FetchBudget(self.limits)  # one budget for both, as certvalidator does
        timeout = self.per_request_timeout
        ocsp_fetcher = _CachedOCSPFetcher(self.session, per_request_timeout=timeout, budget=budget)
        crl_fetcher = _CachedCRLFetcher(self.session, per_request_timeout=timeout, budget=budget)
        for fetcher in (ocsp_fetcher, crl_fetcher):
            fetcher.scope, fetcher.max_age = self.scope, self.max_age
            fetcher.not_before = self.not_before
        return Fetchers(
            ocsp_fetcher=ocsp_fetcher, crl_fetcher=crl_fetcher, cert_fetcher=plain.cert_fetcher
        )


def new_validation_context(
    services: ServiceEndpoints, *, not_before: datetime | None = None
) -> ValidationContext:
    """A validation context for signing: trust anchors, hard-fail revocation checking.

    Revocation answers come from the responders, or from this process's short-lived cache
    when ``services.revocation_max_age`` allows it. One context may serve several signatures
    of ONE document (``sign_pdf(..., context=...)``): it remembers the paths it validated, and
    every OCSP response and CRL it fetched goes into the DSS of each signature made with it,
    so it must never be shared between documents. The backend is "owned": pyHanko closes its
    session at the end of each call, and the context opens a new one for the next.
    ``not_before``: the cache serves only answers issued at or after it (``finish_lta``).
    """
    backend = _CachingBackend(services, not_before)
    return ValidationContext(
        trust_roots=list(services.trust_roots),
        other_certs=list(services.intermediates),
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=OwnedFetcherBackend(backend),
    )


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningError(f"not a readable PDF: {exc}") from exc


def _lock_dict() -> generic.DictionaryObject:
    lock = fields.FieldMDPSpec(fields.FieldMDPAction.ALL).as_sig_field_lock()
    lock["/P"] = generic.NumberObject(fields.MDPPerm.NO_CHANGES.value)  # type: ignore[no-untyped-call]
    return lock


def _prepare_fields(writer: IncrementalPdfFileWriter, spec: SignSpec) -> None:
    """Check the target field and put the /Lock dictionaries where they must be.

    pyHanko takes an approval signature's lock from the field's /Lock dictionary, and its
    change analysis refuses a /Lock added to a field after an earlier signature. So a locking
    field carries /Lock from the start (the renderer's field, or ``lock_later`` on the first
    signature, or ``lock`` when nobody has signed yet).
    """
    found = {fq: (value, ref) for fq, value, ref in fields.enumerate_sig_fields(writer)}
    if spec.field not in found:
        known = ", ".join(sorted(found)) or "none"
        raise SigningError(f"no signature field {spec.field!r} in the PDF (fields: {known})")
    value, ref = found[spec.field]
    if value is not None:
        raise SigningError(f"signature field {spec.field!r} is already signed")
    signed_before = any(v is not None for v, _ in found.values())
    targets = []
    if spec.lock and "/Lock" not in ref.get_object():
        if signed_before:
            raise SigningError(
                f"field {spec.field!r} has no /Lock and the document is already signed: a lock "
                "added now would invalidate the earlier signatures; give the field a /Lock when "
                "rendering, or pass SignSpec(lock_later=...) with the first signature"
            )
        targets.append(ref)
    if spec.lock_later is not None:
        later = found.get(spec.lock_later)
        if later is None or later[0] is not None:
            raise SigningError(f"lock_later: no unsigned field {spec.lock_later!r}")
        if "/Lock" not in later[1].get_object():
            targets.append(later[1])
    for target in targets:
        field = target.get_object()
        field["/Lock"] = writer.add_object(_lock_dict())
        writer.update_container(field)


def sign_pdf(
    pdf: bytes,
    spec: SignSpec,
    *,
    signer: SignerHandle,
    services: ServiceEndpoints,
    now: datetime | None = None,
    context: ValidationContext | None = None,
) -> bytes:
    """Sign ``pdf`` into the existing field ``spec.field`` and return the new file's bytes.

    RSA/SHA-256, PAdES baseline: signature timestamped by ``services.tsa_url``, the signer's
    chain and OCSP/CRL embedded in the DSS (B-LT); ``spec.lta`` adds a document timestamp
    (B-LTA). ``now`` is the time shown on the stamp (the signed time is the TSA's).
    ``context``: a validation context from ``new_validation_context`` shared by the
    signatures of this one document (default: a new one).
    Raises ``SigningError`` when the signature cannot be made (no such field, revoked or
    untrusted signer, TSA unreachable).
    """
    now = now or datetime.now(UTC)
    writer = _writer(pdf)
    _prepare_fields(writer, spec)
    role = spec.role or signer.role
    meta = signers.PdfSignatureMetadata(
        field_name=spec.field,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=signer.name,
        reason=spec.reason,
        location=spec.location,
        embed_validation_info=True,
        validation_context=context or new_validation_context(services),
        docmdp_permissions=fields.MDPPerm.NO_CHANGES if spec.lock else fields.MDPPerm.FILL_FORMS,
        # The signer's chain and revocation info go into the DSS of the signature's own
        # revision (PAdES B-LT in one incremental update, no VRI), not a revision of its own.
        dss_settings=DSSContentSettings(
            placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False
        ),
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer.signer,
        timestamper=_timestamper(services),
        stamp_style=stamp_style(),
    )
    params = stamp_lines(name=signer.name, role=role, when=now, locale=spec.locale)
    try:
        out = pdf_signer.sign_pdf(
            writer,
            existing_fields_only=True,
            bytes_reserved=spec.bytes_reserved,
            appearance_text_params=params,
        )
    except (PyHankoSigningError, PdfError, OSError) as exc:
        raise SigningError(f"cannot sign field {spec.field!r} for {signer.name}: {exc}") from exc
    except Exception as exc:
        # Certificate validation and fetch failures come from pyhanko_certvalidator and
        # aiohttp with their own exception trees; callers get one kind of error.
        raise SigningError(
            f"cannot sign field {spec.field!r} for {signer.name}: {type(exc).__name__}: {exc}"
        ) from exc
    signed = bytes(out.getbuffer())
    if spec.lta:
        signed = finish_lta(signed, services=services, context=context)
    return signed


def finish_lta(
    pdf: bytes, *, services: ServiceEndpoints, context: ValidationContext | None = None
) -> bytes:
    """Add a DSS holding everything still missing (incl. the TSA's own revocation info and
    fresh revocation info for every signer) and a document timestamp: PAdES B-LTA, which
    validates offline afterwards. ``context`` is accepted for the callers of ``sign_pdf`` and
    not used: the document's shared context would hand back the answers it already holds."""
    writer = _writer(pdf)
    timestamper = _timestamper(services)
    try:
        # Each signature's chain and OCSP/CRL went into the DSS when it was made, fetched
        # *before* it was made. Fresh answers for every signer, issued after the newest
        # signature timestamp (never older cached ones), go in now, with the TSA's own,
        # before the document timestamp. ``context`` (the document's shared one) is not used
        # here: it would hand back the answers it already holds.
        signed = _signatures(writer.prev)  # the writer's reader: the file is parsed once
        vc = new_validation_context(services, not_before=_newest_timestamp(signed))
        paths = asyncio.run(_collect_paths(signed, vc))
        out = signers.PdfTimeStamper(timestamper).timestamp_pdf(
            writer,
            "sha256",
            validation_context=vc,
            validation_paths=paths,
            bytes_reserved=DOC_TIMESTAMP_BYTES_RESERVED,
            dss_settings=TimestampDSSContentSettings(update_before_ts=True, include_vri=False),
        )
    except (PyHankoSigningError, PdfError, OSError) as exc:
        raise SigningError(f"cannot add the document timestamp: {exc}") from exc
    except Exception as exc:
        raise SigningError(
            f"cannot add the document timestamp: {type(exc).__name__}: {exc}"
        ) from exc
    return bytes(out.getbuffer())


def _signatures(reader: PdfFileReader) -> list[Any]:
    """The signatures (not document timestamps) already in the file ``reader`` reads."""
    return [emb for emb in reader.embedded_signatures if emb.sig_object_type == "/Sig"]


def _newest_timestamp(signed: list[Any]) -> datetime:
    """The time of the newest signature timestamp (now, when none carries one)."""
    newest: datetime | None = None
    for emb in signed:
        try:
            for attr in emb.signer_info["unsigned_attrs"] or ():
                if attr["type"].native == "signature_time_stamp_token":
                    content = attr["values"][0]["content"]["encap_content_info"]["content"]
                    moment = content.parsed["gen_time"].native
                    newest = moment if newest is None or moment > newest else newest
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    return newest or datetime.now(UTC)


async def _collect_paths(signed: list[Any], vc: ValidationContext) -> list[Any]:
    """Validate every signer's chain against ``vc`` (which fetches its revocation data) and
    return the paths for the DSS."""
    paths: list[Any] = []
    try:
        for emb in signed:
            paths.extend(await collect_validation_info(emb, vc, skip_timestamp=True))
    finally:
        # one top-level operation: its network session is released before its loop ends
        await vc.aclose()  # type: ignore[no-untyped-call]
    return paths

"""Checks on a CMS that came back for a prepared signature, before docflow embeds it.

``check_cms`` answers with a ``CmsCheckStatus`` (a verdict is data): accepted, or refused with
every ``Refusal`` found, each with a plain message in Kazakh, Russian and English. The request
stays open on a refusal; nothing is embedded.

What is checked:

- the CMS is a detached SignedData with one signer, contentType ``data``;
- its messageDigest is the digest of the prepared /ByteRange bytes, with the CMS's own digest
  algorithm. NCALayer with ``digested: false`` (what docflow's page sends) hashes the data it
  is given, so its CMS carries H(bytes) — the right value. A client that sent the *digest* as
  the data to sign produces H(H(bytes)): recognised and refused with its own reason, since a
  PDF signature must cover the bytes themselves. (``digested: true`` with the digest as data
  makes NCALayer put that digest in messageDigest as it is: the same, valid CMS.)
- the signature over the signed attributes verifies with the certificate's key
  (``TrustAnchors.signature_validator`` lets another algorithm, e.g. GOST 34.10-2015, plug in);
- the certificate chains to one of the given trust roots (``TrustAnchors``) and was valid and
  not revoked at the time of the check (OCSP/CRL fetched from its AIA/CDP addresses);
- it is a signing key, not a login key (``is_signing_certificate``, below);
- its subject ``SERIALNUMBER=IIN…`` is the expected person;
- the request has not expired.

The signing-key rule, read from NCA RK's own test certificates (``kz-pki/ncanode-*``): NCA issues
each person two keys. The signing one (``RSA256_…``, ``…_sign_…``) has keyUsage
digitalSignature + nonRepudiation, extendedKeyUsage emailProtection (+ NCA's 1.2.398.3.3.4.1.x)
and policy 1.2.398.3.3.2.3 (ceo: .2.1); the login one (``AUTH_RSA256_…``, ``…_auth``) has
keyUsage digitalSignature + keyEncipherment, extendedKeyUsage clientAuth and policy
1.2.398.3.3.2.4. So: a signing certificate has nonRepudiation in its keyUsage and does not carry
NCA's authentication policy. (docflow's demo keys have nonRepudiation and both EKUs.)
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.sign._session_scope import run_and_release
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.sig_validate import SignatureValidator

from docflow.gost import STREEBOG_DIGESTS
from docflow.pki import ServiceEndpoints, subject_identity
from docflow.sign._twophase import PreparedSignature

#: NCA RK's certificate policy for authentication (login) keys of individuals.
NCA_AUTH_POLICY = "1.2.398.3.3.2.4"
_CLIENT_AUTH = "client_auth"
_EMAIL_PROTECTION = "email_protection"

#: code -> (kk, ru, en); ``{detail}`` is filled where the message has it.
MESSAGES: dict[str, tuple[str, str, str]] = {
    "malformed": (
        "Қолтаңба оқылмады: бұл бір қол қоюшысы бар бөлек CMS емес.",
        "Подпись не прочитана: это не отсоединённая CMS с одним подписантом.",
        "The signature cannot be read: it is not a detached CMS with one signer.",
    ),
    "attached": (
        "Қолтаңба деректерді өз ішінде ұстайды; бөлек (detached) CMS қажет.",
        "Подпись содержит сами данные; нужна отсоединённая (detached) CMS.",
        "The signature carries the data inside; a detached CMS is needed.",
    ),
    "other_bytes": (
        "Қолтаңба басқа деректерге қойылған: ол дайындалған құжатқа сәйкес келмейді.",
        "Подпись поставлена под другими данными: она не соответствует подготовленному документу.",
        "The signature is over other data: it does not match the prepared document.",
    ),
    "digest_of_digest": (
        "Қолтаңба құжаттың өзіне емес, оның хэшіне қойылған; құжаттың байттарына қол қойыңыз.",
        "Подписан хэш документа как данные, а не сам документ; подпишите байты документа.",
        "The document's digest was signed as if it were the data; sign the document's bytes.",
    ),
    "unsupported_algorithm": (
        "Қолтаңба алгоритмі қолдау таппайды: {detail}.",
        "Алгоритм подписи не поддерживается: {detail}.",
        "The signature algorithm is not supported: {detail}.",
    ),
    "bad_signature": (
        "Қолтаңба жарамсыз: ол сертификаттың кілтімен тексерілмейді.",
        "Подпись недействительна: она не проверяется ключом сертификата.",
        "The signature is invalid: it does not verify with the certificate's key.",
    ),
    "untrusted": (
        "Сертификат сенімді куәландырушы орталыққа тізбектелмейді.",
        "Сертификат не выстраивается в цепочку до доверенного удостоверяющего центра.",
        "The certificate does not chain to a trusted certification authority.",
    ),
    "revoked": (
        "Сертификат кері қайтарылған (revoked).",
        "Сертификат отозван.",
        "The certificate is revoked.",
    ),
    "cert_expired": (
        "Сертификаттың мерзімі өткен немесе әлі басталмаған.",
        "Срок действия сертификата истёк или ещё не начался.",
        "The certificate has expired or is not valid yet.",
    ),
    "revocation_unknown": (
        "Сертификаттың кері қайтарылмағаны тексерілмеді (OCSP/CRL қолжетімсіз).",
        "Не удалось проверить, что сертификат не отозван (OCSP/CRL недоступны).",
        "Could not check that the certificate is not revoked (OCSP/CRL unavailable).",
    ),
    "login_key": (
        "Бұл кіру (аутентификация) кілті; құжатқа қол қою кілтімен қол қойыңыз.",
        "Это ключ для входа (аутентификации); подпишите ключом для подписи (RSA/GOST, не AUTH).",
        "This is a login (authentication) key; sign with your signing key, not the AUTH one.",
    ),
    "wrong_person": (
        "Қол қойған адам күтілген адам емес (ЖСН {detail}).",
        "Подписал не тот человек, которого ожидали (ИИН {detail}).",
        "The signer is not the person expected (IIN {detail}).",
    ),
    "request_expired": (
        "Қол қою сұрауының мерзімі өтіп кеткен.",
        "Срок запроса на подпись истёк.",
        "The signing request has expired.",
    ),
}
_LOCALES = {"kk": 0, "ru": 1, "en": 2}


@dataclass(frozen=True)
class Refusal:
    """One reason a returned CMS is not accepted. ``detail`` is technical (for logs)."""

    code: str
    detail: str = ""
    shown: str = ""

    def message(self, locale: str = "ru") -> str:
        texts = MESSAGES.get(self.code, MESSAGES["malformed"])
        return texts[_LOCALES.get(locale, 1)].format(detail=self.shown)

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "kk": self.message("kk"),
            "ru": self.message("ru"),
            "en": self.message("en"),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class TrustAnchors:
    """Whom a returned signature must chain to, and how its revocation status is learnt.

    ``roots``: trust anchors (the demo root; NCA RK's roots from a trust list);
    ``intermediates``: issuing CAs a CMS may leave out. ``fetch``: ask the OCSP/CRL addresses
    in the certificates; ``revocation_mode``: pyhanko-certvalidator's ``hard-fail`` (no answer
    = refused) or ``soft-fail`` (only where no responder can be reached, e.g. tests with NCA's
    2018 test keys, whose responders are not on this machine).
    """

    roots: tuple[asn1_x509.Certificate, ...]
    intermediates: tuple[asn1_x509.Certificate, ...] = ()
    fetch: bool = True
    revocation_mode: str = "hard-fail"
    #: Verifies signatures pyHanko cannot (GOST 34.10): the CMS's own and the chain's.
    signature_validator: SignatureValidator | None = None

    @classmethod
    def from_services(cls, services: ServiceEndpoints) -> TrustAnchors:
        return cls(tuple(services.trust_roots), tuple(services.intermediates))

    def context(self, moment: datetime, extra: list[asn1_x509.Certificate]) -> ValidationContext:
        return ValidationContext(
            trust_roots=list(self.roots),
            other_certs=[*self.intermediates, *extra],
            allow_fetching=self.fetch,
            revocation_mode=self.revocation_mode,
            moment=moment,
            signature_validator=self.signature_validator,
        )


@dataclass(frozen=True)
class CmsCheckStatus:
    """What ``check_cms`` found. ``accepted`` iff no refusal."""

    refusals: tuple[Refusal, ...]
    cms_der: bytes = b""
    signer_name: str | None = None
    signer_iin: str | None = None
    certificate: asn1_x509.Certificate | None = field(default=None, repr=False)
    digest_algorithm: str | None = None
    claimed_signing_time: datetime | None = None

    @property
    def accepted(self) -> bool:
        return not self.refusals

    def reasons(self, locale: str = "ru") -> list[str]:
        return [r.message(locale) for r in self.refusals]


_PEM = re.compile(rb"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END [A-Z0-9 ]+-----", re.S)


def read_cms(data: bytes) -> bytes:
    """DER of a CMS given as DER, PEM (NCALayer answers ``-----BEGIN CMS-----``) or base64."""
    if data[:1] == b"\x30":
        return data  # DER: never strip, its last byte may well be 0x20 or 0x0a
    data = data.strip()
    match = _PEM.search(data)
    body = match.group(1) if match else data
    try:
        return base64.b64decode(b"".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        return data  # left to the parser, which will refuse it


def is_signing_certificate(cert: asn1_x509.Certificate) -> tuple[bool, str]:
    """Whether ``cert`` is a signing key (not a login key), and why not (see module doc)."""
    usage = set(cert.key_usage_value.native) if cert.key_usage_value else set()
    ekus = set(cert.extended_key_usage_value.native) if cert.extended_key_usage_value else set()
    policies = (
        {p["policy_identifier"].dotted for p in cert.certificate_policies_value}
        if cert.certificate_policies_value
        else set()
    )
    if NCA_AUTH_POLICY in policies:
        return False, f"NCA authentication policy {NCA_AUTH_POLICY}"
    if "non_repudiation" not in usage:
        return False, f"keyUsage {sorted(usage)} lacks nonRepudiation"
    if _CLIENT_AUTH in ekus and _EMAIL_PROTECTION not in ekus and len(ekus) == 1:
        return False, "extendedKeyUsage is clientAuth only"
    return True, ""


def _digest(name: str, data: bytes, extra: Mapping[str, Callable[[bytes], bytes]]) -> bytes:
    if name in extra:
        return extra[name](data)
    return hashlib.new(name, data).digest()


@dataclass(frozen=True)
class SignedBytes:
    """Plain bytes a CMS must sign (e.g. a login nonce), in the shape ``check_cms`` reads."""

    data: bytes

    def signed_bytes(self) -> bytes:
        return self.data

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_cms(
    cms_data: bytes,
    prepared: PreparedSignature | SignedBytes,
    *,
    expected_iin: str | None,
    trust: TrustAnchors,
    purpose: str = "sign",
    expires: datetime | None = None,
    now: datetime | None = None,
    extra_digests: Mapping[str, Callable[[bytes], bytes]] | None = None,
) -> CmsCheckStatus:
    """Check a returned CMS against the prepared signature (see the module's docstring).

    ``now`` is the time of the check (the certificate must be valid and unrevoked then; the
    signature timestamp added right after by ``complete`` fixes that time). ``expires``: the
    request's deadline. ``extra_digests`` (by digest algorithm name or dotted OID) and
    ``trust.signature_validator``: hooks for algorithms pyHanko does not know (GOST).
    ``purpose="login"`` (a signed login nonce) accepts login keys too, and ``expected_iin=None``
    accepts any person (the caller maps the certificate's IIN to a user).
    """
    now = now or datetime.now(UTC)
    extra = {**STREEBOG_DIGESTS, **(extra_digests or {})}  # GOST (NCA RK) digests by default
    refusals: list[Refusal] = []
    if expires is not None and now > expires:
        refusals.append(Refusal("request_expired", f"expired at {expires.isoformat()}"))
    der = read_cms(cms_data)
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise ValueError(f"content type {info['content_type'].native}")
        signed = info["content"]
        infos = signed["signer_infos"]
        if len(infos) != 1:
            raise ValueError(f"{len(infos)} signers")
        signer_info = infos[0]
        certs = extract_certificate_info(signed)
        cert = certs.signer_cert
        md_name = signer_info["digest_algorithm"]["algorithm"].native
        signed_attrs = signer_info["signed_attrs"]
        if not signed_attrs:
            raise ValueError("no signed attributes")
        attrs = {a["type"].native: a["values"] for a in signed_attrs}
        message_digest = attrs["message_digest"][0].native
        der = info.dump()
    except Exception as exc:  # asn1crypto/pyHanko raise many kinds on garbage
        refusals.append(Refusal("malformed", f"{type(exc).__name__}: {exc}"))
        return CmsCheckStatus(tuple(refusals))
    name, _role, iin = subject_identity(cert)
    claimed = attrs["signing_time"][0].native if "signing_time" in attrs else None
    status_args = {
        "cms_der": der,
        "signer_name": name,
        "signer_iin": iin,
        "certificate": cert,
        "digest_algorithm": md_name,
        "claimed_signing_time": claimed,
    }
    if signed["encap_content_info"]["content"].native is not None:
        refusals.append(Refusal("attached", "encapsulated content present"))

    # 1. the bytes: messageDigest == H(ByteRange bytes) with the CMS's own algorithm
    try:
        actual = _digest(md_name, prepared.signed_bytes(), extra)
    except ValueError:
        refusals.append(Refusal("unsupported_algorithm", f"digest {md_name}", str(md_name)))
        return CmsCheckStatus(tuple(refusals), **status_args)
    if message_digest != actual:
        if message_digest == _digest(md_name, actual, extra) or message_digest == _digest(
            md_name, bytes.fromhex(prepared.sha256), extra
        ):
            refusals.append(Refusal("digest_of_digest", "messageDigest = H(H(bytes))"))
        else:
            refusals.append(Refusal("other_bytes", "messageDigest differs from H(bytes)"))
    else:
        try:
            _intact, valid = validate_sig_integrity(
                signer_info,
                cert,
                expected_content_type="data",
                actual_digest=actual,
                sig_validator=trust.signature_validator,
            )
        except Exception as exc:
            text = f"{type(exc).__name__}: {exc}"
            code = "unsupported_algorithm" if "not supported" in text.lower() else "bad_signature"
            refusals.append(Refusal(code, text, text if code == "unsupported_algorithm" else ""))
        else:
            if not valid:
                refusals.append(Refusal("bad_signature", "signature value does not verify"))

    # 2. the key: a signing key of the expected person
    signing, why = is_signing_certificate(cert)
    if not signing and purpose == "sign":
        refusals.append(Refusal("login_key", why))
    if expected_iin is not None and iin != expected_iin:
        refusals.append(Refusal("wrong_person", f"certificate IIN {iin}", str(iin or "—")))

    # 3. trust: chain to an anchor, valid and unrevoked now
    refusals.extend(_check_chain(cert, certs.other_certs, trust, now))
    return CmsCheckStatus(tuple(refusals), **status_args)


def _check_chain(
    cert: asn1_x509.Certificate,
    others: list[asn1_x509.Certificate],
    trust: TrustAnchors,
    now: datetime,
) -> list[Refusal]:
    context = trust.context(now, others)
    validator = CertificateValidator(cert, intermediate_certs=others, validation_context=context)

    async def run() -> None:
        # the context's HTTP session is released inside the loop that opened it
        await run_and_release(
            validator.async_validate_usage(key_usage=set()),  # type: ignore[no-untyped-call]
            context,
        )

    try:
        asyncio.run(run())
    except cv_errors.RevokedError as exc:
        return [Refusal("revoked", str(exc))]
    except (cv_errors.ExpiredError, cv_errors.NotYetValidError) as exc:
        return [Refusal("cert_expired", str(exc))]
    except cv_errors.InsufficientRevinfoError as exc:
        return [Refusal("revocation_unknown", str(exc))]
    except cv_errors.PathBuildingError as exc:
        return [Refusal("untrusted", str(exc))]
    except cv_errors.PathValidationError as exc:
        return [Refusal("untrusted", str(exc))]
    except Exception as exc:  # fetch failures and the like: not proven unrevoked
        return [Refusal("revocation_unknown", f"{type(exc).__name__}: {exc}")]
    return []

"""Making a detached CMS the way NCALayer makes one, with any pyHanko ``Signer`` (PKCS#12 file,
PKCS#11 token): used by the offline signer (``docflow sign-package``) and the NCALayer
stand-in of the browser tests.

NCALayer's ``kz.gov.pki.knca.basics`` ``sign`` (``format: "cms"``, ``encapsulate: false``)
answers a detached SignedData whose signed attributes are exactly contentType, signingTime,
signing-certificate-v2 and messageDigest; ``signing_time=None`` leaves signingTime out (strict
PAdES baseline).
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime

from asn1crypto import cms, core
from pyhanko.sign.attributes import SigningCertificateV2Provider
from pyhanko.sign.signers import Signer

from docflow.errors import SigningError


def _attr(kind: str, value: object) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": kind, "values": [value]})


async def async_detached_cms(
    signer: Signer,
    data: bytes,
    *,
    digest_algorithm: str = "sha256",
    digested: bool = False,
    signing_time: datetime | None = None,
    encapsulate: bool = False,
) -> bytes:
    """A detached CMS (DER) over ``data``; with ``digested`` ``data`` is already its digest
    (NCALayer's ``digested: true``); ``encapsulate`` puts ``data`` inside (an attached CMS,
    which docflow refuses for a PDF; NCALayer's ``encapsulate: true``)."""
    cert = signer.signing_cert
    if cert is None:
        raise SigningError("the signer has no certificate")
    digest = data if digested else hashlib.new(digest_algorithm, data).digest()
    v2 = await SigningCertificateV2Provider(cert).build_attr_value()
    attrs = [
        _attr("content_type", cms.ContentType("data")),
        *([_attr("signing_time", cms.Time({"utc_time": signing_time}))] if signing_time else []),
        _attr("signing_certificate_v2", v2),
        _attr("message_digest", core.OctetString(digest)),
    ]
    encap = None
    if encapsulate and not digested:
        encap = cms.EncapsulatedContentInfo({"content_type": "data", "content": data})
    info = await signer.async_sign_prescribed_attributes(
        digest_algorithm, cms.CMSAttributes(attrs), encap_content_info=encap
    )
    return bytes(info.dump())


def detached_cms(
    signer: Signer,
    data: bytes,
    *,
    digest_algorithm: str = "sha256",
    digested: bool = False,
    signing_time: datetime | None = None,
) -> bytes:
    """The synchronous form of ``async_detached_cms`` (``signing_time`` as given)."""
    return asyncio.run(
        async_detached_cms(
            signer,
            data,
            digest_algorithm=digest_algorithm,
            digested=digested,
            signing_time=signing_time,
        )
    )


def now_utc() -> datetime:
    """signingTime is UTCTime: whole seconds."""
    return datetime.now(UTC).replace(microsecond=0)

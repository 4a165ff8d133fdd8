"""Two-phase signing: docflow prepares the PDF, the signer's own key makes the CMS elsewhere.

``prepare`` fills nothing: it puts the signature dictionary (field, visible stamp, /Lock
transform, reserved /Contents) into an incremental update, on pyHanko's interrupted signing
(``PdfSigner.async_digest_doc_for_signing`` → ``PreparedByteRangeDigest``), and returns a
``PreparedSignature``: the prepared file and where its /Contents hole is. The bytes the signer
signs are the file minus that hole (the /ByteRange). ``save``/``load`` keep it on disk so a
request survives a restart. ``complete`` embeds a detached CMS that came back (checked first by
``docflow.sign.check_cms``), adds a signature timestamp to it, the signer's chain and OCSP/CRL
(DSS) and a document timestamp: PAdES B-LTA, as the held path makes it (``finish_lta``).

The subfilter: a CMS made by NCALayer carries ``signingTime``, which PAdES baseline
(ETSI EN 319 142-1, ``ETSI.CAdES.detached``) forbids; ISO 32000-1 ``adbe.pkcs7.detached``
allows it. Own-key signatures are prepared as ``adbe.pkcs7.detached`` (``OWN_SUBFILTER``); the
revocation data and document timestamp (PAdES part 4, LTV) apply to it all the same.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import cms
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.validation import add_validation_info
from pyhanko_certvalidator import ValidationContext

from docflow.atomic import write_bytes_atomic, write_text_atomic
from docflow.errors import SigningError
from docflow.pki import ServiceEndpoints
from docflow.sign._signing import (
    DEFAULT_BYTES_RESERVED,
    SignSpec,
    _prepare_fields,
    _timestamper,
    _writer,
    finish_lta,
    new_validation_context,
)
from docflow.sign._stamp import KZ_TIME, stamp_lines, stamp_style

_PREPARED_LABEL = {"kk": "Қол қоюға дайындалды", "ru": "Подготовлено к подписи"}

#: The subfilter of signatures made with the signer's own key (see the module's docstring).
OWN_SUBFILTER = fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED
_SUBFILTERS: dict[str, fields.SigSeedSubFilter] = {str(s.value): s for s in fields.SigSeedSubFilter}


@dataclass(frozen=True)
class PreparedSignature:
    """A PDF waiting for one signature: ``pdf`` holds everything but the CMS.

    ``byte_range`` is the PDF's /ByteRange ``[0, a, b, n]``: the signed bytes are
    ``pdf[0:a] + pdf[b:b+n]``; ``pdf[a:b]`` is ``<00…>`` waiting for the hex CMS.
    ``sha256`` is the digest of the signed bytes (what an RSA/SHA-256 signer signs).
    """

    pdf: bytes
    field: str
    role: str | None
    locale: str
    signer_name: str
    byte_range: tuple[int, int, int, int]
    sha256: str
    subfilter: str
    prepared_at: datetime

    def signed_bytes(self) -> bytes:
        """The bytes covered by the /ByteRange, i.e. what the signer signs."""
        _, a, b, n = self.byte_range
        return self.pdf[:a] + self.pdf[b : b + n]

    def digest(self, algorithm: str = "sha256") -> bytes:
        """The signed bytes' digest with ``algorithm`` (a ``hashlib`` name)."""
        try:
            h = hashlib.new(algorithm)
        except ValueError as exc:
            raise SigningError(f"digest algorithm {algorithm!r} is not supported") from exc
        _, a, b, n = self.byte_range
        h.update(memoryview(self.pdf)[:a])
        h.update(memoryview(self.pdf)[b : b + n])
        return h.digest()

    @property
    def reserved_hex(self) -> int:
        """Hex digits available for the CMS (twice its largest DER size)."""
        return self.byte_range[2] - self.byte_range[1] - 2

    def metadata(self) -> dict[str, object]:
        """Everything but the PDF bytes, as JSON-ready data."""
        data = asdict(self)
        del data["pdf"]
        data["byte_range"] = list(self.byte_range)
        data["prepared_at"] = self.prepared_at.isoformat()
        data["pdf_sha256"] = hashlib.sha256(self.pdf).hexdigest()
        return data

    @classmethod
    def from_metadata(cls, meta: dict[str, object], pdf: bytes) -> PreparedSignature:
        """The inverse of ``metadata``; refuses a PDF that is not the one prepared."""
        if hashlib.sha256(pdf).hexdigest() != meta.get("pdf_sha256"):
            raise SigningError("the prepared PDF does not match its metadata (sha256 differs)")
        br = meta["byte_range"]
        assert isinstance(br, list) and len(br) == 4
        prepared = cls(
            pdf=pdf,
            field=str(meta["field"]),
            role=None if meta.get("role") is None else str(meta["role"]),
            locale=str(meta["locale"]),
            signer_name=str(meta["signer_name"]),
            byte_range=(int(br[0]), int(br[1]), int(br[2]), int(br[3])),
            sha256=str(meta["sha256"]),
            subfilter=str(meta["subfilter"]),
            prepared_at=datetime.fromisoformat(str(meta["prepared_at"])),
        )
        if prepared.digest().hex() != prepared.sha256:
            raise SigningError("the prepared PDF's /ByteRange digest does not match its metadata")
        return prepared

    def save(self, folder: Path) -> None:
        """Write ``prepared.pdf`` and ``prepared.json`` into ``folder`` (each atomically)."""
        folder.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(folder / "prepared.pdf", self.pdf)
        write_text_atomic(
            folder / "prepared.json", json.dumps(self.metadata(), ensure_ascii=False, indent=2)
        )

    @classmethod
    def load(cls, folder: Path) -> PreparedSignature:
        try:
            meta = json.loads((folder / "prepared.json").read_text(encoding="utf-8"))
            pdf = (folder / "prepared.pdf").read_bytes()
        except (OSError, ValueError) as exc:
            raise SigningError(f"no readable prepared signature in {folder.name}") from exc
        return cls.from_metadata(meta, pdf)


def prepare(
    pdf: bytes,
    spec: SignSpec,
    *,
    signer_name: str,
    now: datetime | None = None,
    subfilter: fields.SigSeedSubFilter = OWN_SUBFILTER,
) -> PreparedSignature:
    """Prepare ``spec.field`` of ``pdf`` for a signature made elsewhere.

    The stamp shows ``signer_name`` (the person expected to sign), ``spec.role`` and the date
    of preparation, labelled so (the signed time is the timestamp ``complete`` adds). The /Lock
    of the field (``spec.lock``/``lock_later``) is handled as in the held path. Nothing here
    needs a key or the network. ``spec.lta`` is ignored: ``complete`` always makes B-LTA.
    """
    now = now or datetime.now(UTC)
    writer = _writer(pdf)
    _prepare_fields(writer, spec)
    meta = signers.PdfSignatureMetadata(
        field_name=spec.field,
        md_algorithm="sha256",
        subfilter=subfilter,
        name=signer_name,
        reason=spec.reason,
        location=spec.location,
        embed_validation_info=False,
        # As the held path asks: a locking field's signature allows no changes (pyHanko would
        # otherwise warn that "fill forms" was asked for and set "no changes" itself).
        docmdp_permissions=fields.MDPPerm.NO_CHANGES if spec.lock else fields.MDPPerm.FILL_FORMS,
    )
    # The signer is unknown until the CMS comes back; pyHanko needs a Signer object only to
    # lay out the signature dictionary, which holds no certificate.
    placeholder = signers.ExternalSigner(None, None, signature_value=256)
    pdf_signer = signers.PdfSigner(meta, signer=placeholder, stamp_style=stamp_style())
    params = stamp_lines(name=signer_name, role=spec.role, when=now, locale=spec.locale)
    # The stamp is part of the signed bytes, so it cannot show when the person will sign:
    # it says when the document was prepared (the signing time is the signature timestamp).
    label = _PREPARED_LABEL.get(spec.locale, _PREPARED_LABEL["ru"])
    params["when"] = f"{label}: {now.astimezone(KZ_TIME):%Y-%m-%d}"
    out = BytesIO()
    try:
        digest, _tbs, _ = asyncio.run(
            pdf_signer.async_digest_doc_for_signing(
                writer,
                existing_fields_only=True,
                bytes_reserved=spec.bytes_reserved or DEFAULT_BYTES_RESERVED,
                appearance_text_params=params,
                output=out,
            )
        )
    except (PyHankoSigningError, PdfError, OSError) as exc:
        raise SigningError(f"cannot prepare field {spec.field!r}: {exc}") from exc
    data = out.getvalue()
    start, end = digest.reserved_region_start, digest.reserved_region_end
    prepared = PreparedSignature(
        pdf=data,
        field=spec.field,
        role=spec.role,
        locale=spec.locale,
        signer_name=signer_name,
        byte_range=(0, start, end, len(data) - end),
        sha256=digest.document_digest.hex(),
        subfilter=str(subfilter.value),
        prepared_at=now,
    )
    if prepared.digest() != digest.document_digest:  # pragma: no cover - pyHanko invariant
        raise SigningError("prepared /ByteRange digest mismatch")
    return prepared


def _with_signature_timestamp(
    signed_data_info: cms.ContentInfo, services: ServiceEndpoints
) -> cms.ContentInfo:
    """The CMS with an RFC 3161 token over its signature value as an unsigned attribute
    (signature-time-stamp, CAdES-T): the time of signing then rests on the TSA, not on the
    signer's own ``signingTime`` claim. Unsigned attributes are outside the signature."""
    signed_data = signed_data_info["content"]
    signer_info = signed_data["signer_infos"][0]
    timestamper = _timestamper(services)
    md = "sha256"
    imprint = hashlib.sha256(signer_info["signature"].native).digest()
    token = asyncio.run(timestamper.async_timestamp(imprint, md))
    attrs = list(signer_info["unsigned_attrs"]) if signer_info["unsigned_attrs"] else []
    attrs = [a for a in attrs if a["type"].native != "signature_time_stamp_token"]
    attrs.append(cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]}))
    new_info = cms.SignerInfo(
        {
            "version": signer_info["version"],
            "sid": signer_info["sid"],
            "digest_algorithm": signer_info["digest_algorithm"],
            "signed_attrs": signer_info["signed_attrs"],
            "signature_algorithm": signer_info["signature_algorithm"],
            "signature": signer_info["signature"],
            "unsigned_attrs": cms.CMSAttributes(attrs),
        }
    )
    new_signed = cms.SignedData(
        {
            "version": signed_data["version"],
            "digest_algorithms": signed_data["digest_algorithms"],
            "encap_content_info": signed_data["encap_content_info"],
            "certificates": signed_data["certificates"],
            "signer_infos": cms.SignerInfos([new_info]),
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": new_signed})


def embed_cms(prepared: PreparedSignature, cms_der: bytes) -> bytes:
    """The prepared PDF with ``cms_der`` written into its /Contents hole (no other change)."""
    if len(cms_der) * 2 > prepared.reserved_hex:
        raise SigningError(
            f"the signature ({len(cms_der)} bytes) does not fit the room reserved "
            f"({prepared.reserved_hex // 2} bytes)"
        )
    _, a, b, _n = prepared.byte_range
    out = BytesIO(prepared.pdf)
    PreparedByteRangeDigest(bytes.fromhex(prepared.sha256), a, b).fill_with_cms(out, cms_der)
    return out.getvalue()


def complete(
    prepared: PreparedSignature,
    cms_der: bytes,
    *,
    services: ServiceEndpoints,
    context: ValidationContext | None = None,
    timestamp_signature: bool = True,
) -> bytes:
    """Embed a detached CMS, then add its timestamp, DSS and a document timestamp (B-LTA).

    The CMS must already have passed ``check_cms`` (this function trusts it). The chain and
    OCSP/CRL of its signer are fetched with ``services``' trust anchors: a signer outside them
    fails here with ``SigningError``. ``timestamp_signature`` adds a signature timestamp from
    ``services.tsa_url`` to the CMS before it is embedded (B-T).
    """
    try:
        info = cms.ContentInfo.load(cms_der)
        if timestamp_signature:
            info = _with_signature_timestamp(info, services)
        # (a plain dump: dump(force=True) re-encodes every certificate, ~45 s in asn1crypto)
        der = info.dump() if timestamp_signature else cms_der
    except SigningError:
        raise
    except Exception as exc:
        raise SigningError(
            f"cannot timestamp the returned signature: {type(exc).__name__}: {exc}"
        ) from exc
    signed = embed_cms(prepared, der)
    vc = context or new_validation_context(services)
    try:
        reader = PdfFileReader(BytesIO(signed), strict=False)
        sig = next(s for s in reader.embedded_regular_signatures if s.field_name == prepared.field)
        out = add_validation_info(sig, vc, add_vri_entry=False)
        with_dss = out.getvalue()
    except Exception as exc:
        raise SigningError(
            f"cannot add revocation data for field {prepared.field!r}: {type(exc).__name__}: {exc}"
        ) from exc
    return finish_lta(with_dss, services=services, context=vc)


def subfilter_of(name: str) -> fields.SigSeedSubFilter:
    try:
        return _SUBFILTERS[name]
    except KeyError as exc:
        raise SigningError(f"unknown subfilter {name!r}") from exc

"""Signing packages: a request taken away to be signed offline, and the answer brought back.

A package is self-contained, so the signer needs no docflow home: the prepared PDF and what
to sign in it. Two shapes, the same content:

- ZIP: ``request.json`` (below) + ``prepared.pdf``;
- JSON: ``request.json``'s object with ``"prepared_pdf"`` holding the PDF in base64.

``request.json``::

    {"format": "docflow-sign-request/1", "id": "…", "document": "…", "field": "consultant",
     "role": "consultant", "expected_iin": "…", "signer_name": "…", "expires": "ISO 8601",
     "prepared": {<PreparedSignature.metadata(): byte_range, sha256, subfilter, …>}}

The signed answer: a ZIP with ``request.json`` and ``signature.p7s`` (DER), a JSON
``{"format": "docflow-signature/1", "id": "…", "cms": base64}``, or a bare CMS (DER/PEM).
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pyhanko.sign.signers import Signer

from docflow.errors import SigningError
from docflow.sign import PreparedSignature, read_cms
from docflow.sign._cmsmake import detached_cms

REQUEST_FORMAT = "docflow-sign-request/1"
SIGNATURE_FORMAT = "docflow-signature/1"
#: Largest package read (a prepared PDF with its evidence).
MAX_PACKAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class SignPackage:
    """A request as its signer sees it."""

    meta: dict[str, Any]
    prepared: PreparedSignature

    @property
    def id(self) -> str:
        return str(self.meta["id"])

    @property
    def expected_iin(self) -> str:
        return str(self.meta["expected_iin"])


def package_meta(record: Any, prepared: PreparedSignature) -> dict[str, Any]:
    return {
        "format": REQUEST_FORMAT,
        "id": record.id,
        "document": record.document,
        "field": record.field,
        "role": record.role,
        "expected_iin": record.expected_iin,
        "signer_name": record.signer_name,
        "expires": record.expires.isoformat(),
        "prepared": prepared.metadata(),
    }


def export_package(record: Any, prepared: PreparedSignature, *, as_json: bool = False) -> bytes:
    meta = package_meta(record, prepared)
    if as_json:
        meta["prepared_pdf"] = base64.b64encode(prepared.pdf).decode("ascii")
        return json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("request.json", json.dumps(meta, ensure_ascii=False, indent=2))
        zf.writestr("prepared.pdf", prepared.pdf)
    return out.getvalue()


def _zip_member(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError as exc:
        raise SigningError(f"the package has no {name}") from exc
    if info.file_size > MAX_PACKAGE_BYTES:
        raise SigningError(f"{name} in the package is too large")
    return zf.read(info)


def read_package(data: bytes) -> SignPackage:
    """A package (ZIP or JSON) made by ``export_package``, its PDF checked against its digest."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise SigningError("the package is too large")
    try:
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                meta = json.loads(_zip_member(zf, "request.json"))
                pdf = _zip_member(zf, "prepared.pdf")
        else:
            meta = json.loads(data)
            pdf = base64.b64decode(meta.pop("prepared_pdf"), validate=True)
    except (zipfile.BadZipFile, ValueError, KeyError, TypeError) as exc:
        raise SigningError(f"not a docflow signing package: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != REQUEST_FORMAT:
        raise SigningError("not a docflow signing package (format)")
    prepared = PreparedSignature.from_metadata(meta["prepared"], pdf)
    return SignPackage(meta, prepared)


def sign_package(
    package: SignPackage,
    signer: Signer,
    *,
    signing_time: datetime | None = None,
    as_zip: bool = True,
) -> bytes:
    """The signed answer to ``package``: a detached CMS over its /ByteRange bytes.

    ``signing_time`` defaults to now, as NCALayer puts it in (see ``docflow.sign`` for the
    subfilter this goes with).
    """
    moment = signing_time or datetime.now(UTC).replace(microsecond=0)
    cms_der = detached_cms(signer, package.prepared.signed_bytes(), signing_time=moment)
    if not as_zip:
        answer = {"format": SIGNATURE_FORMAT, "id": package.id}
        answer["cms"] = base64.b64encode(cms_der).decode("ascii")
        return json.dumps(answer, indent=2).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        meta = dict(package.meta)
        zf.writestr("request.json", json.dumps(meta, ensure_ascii=False, indent=2))
        zf.writestr("signature.p7s", cms_der)
    return out.getvalue()


def read_signed(data: bytes) -> tuple[str | None, bytes]:
    """(request id if the answer names one, CMS DER) from a signed package or a bare CMS."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise SigningError("the signed file is too large")
    stripped = data.lstrip()
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                meta = json.loads(_zip_member(zf, "request.json"))
                cms_der = _zip_member(zf, "signature.p7s")
        except (zipfile.BadZipFile, ValueError) as exc:
            raise SigningError(f"not a signed docflow package: {exc}") from exc
        return str(meta.get("id")) if isinstance(meta, dict) else None, read_cms(cms_der)
    if stripped[:1] == b"{":
        try:
            answer = json.loads(stripped)
            if answer.get("format") != SIGNATURE_FORMAT:
                raise ValueError("format")
            return str(answer["id"]), base64.b64decode(answer["cms"], validate=True)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SigningError(f"not a signed docflow answer: {exc}") from exc
    return None, read_cms(data)

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

A **batch package** (issue 15: the issuer of an event signs its hundreds of certificates in
one act) is a ZIP of several requests for one person: ``batch.json``
(``{"format": "docflow-sign-batch/1", "expected_iin": "…", "signer_name": "…", "ids": […]}``)
and, per request, ``requests/<id>/request.json`` + ``requests/<id>/prepared.pdf``. Its signed
answer is a ZIP with ``batch.json`` (``"format": "docflow-signature-batch/1"``) and
``requests/<id>/request.json`` + ``requests/<id>/signature.p7s`` per request: one detached CMS
per prepared PDF, each checked on its own when it comes back (``read_signed_batch``).
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
BATCH_FORMAT = "docflow-sign-batch/1"
SIGNED_BATCH_FORMAT = "docflow-signature-batch/1"
#: Most requests in one batch package (an event's participants, with room to spare), and
#: its largest size (a certificate's prepared PDF is ~150 KB).
MAX_BATCH = 5000
MAX_BATCH_BYTES = 1024 * 1024 * 1024
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


# ---------------------------------------------------------------------- batch packages


def _batch_id(value: object) -> str:
    """A request id from a batch's list: the shape docflow gives ids (it names a member)."""
    text = str(value)
    if len(text) != 16 or any(c not in "0123456789abcdef" for c in text):
        raise SigningError(f"not a docflow signing request id: {text[:40]!r}")
    return text


def export_batch(items: list[tuple[Any, PreparedSignature]]) -> bytes:
    """One package of several requests (``(record, prepared)``) for one person to sign in one
    act. Refuses requests for different people: one package, one key."""
    if not items:
        raise SigningError("no signing requests to export")
    if len(items) > MAX_BATCH:
        raise SigningError(f"more than {MAX_BATCH} requests in one package")
    people = {record.expected_iin for record, _ in items}
    if len(people) != 1:
        raise SigningError(
            "бір пакетте бір адамның сұраулары ғана / в одном пакете запросы только одного "
            f"человека / one package holds one person's requests (IINs {sorted(people)})"
        )
    first = items[0][0]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "batch.json",
            json.dumps(
                {
                    "format": BATCH_FORMAT,
                    "expected_iin": first.expected_iin,
                    "signer_name": first.signer_name,
                    "ids": [record.id for record, _ in items],
                },
                ensure_ascii=False,
                indent=2,
            ),
        )
        for record, prepared in items:
            meta = package_meta(record, prepared)
            zf.writestr(f"requests/{record.id}/request.json", json.dumps(meta, ensure_ascii=False))
            zf.writestr(f"requests/{record.id}/prepared.pdf", prepared.pdf)
    return out.getvalue()


def _batch_members(data: bytes, fmt: str) -> tuple[zipfile.ZipFile, list[str]] | None:
    """The open ZIP and its request ids when ``data`` is a batch of format ``fmt``."""
    if data[:2] != b"PK":
        return None
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        if "batch.json" not in zf.namelist():
            zf.close()
            return None
        head = json.loads(_zip_member(zf, "batch.json"))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SigningError(f"not a docflow batch package: {exc}") from exc
    if not isinstance(head, dict) or head.get("format") != fmt:
        zf.close()
        return None
    ids = head.get("ids")
    if not isinstance(ids, list) or not ids or len(ids) > MAX_BATCH:
        zf.close()
        raise SigningError("the batch package lists no requests (or too many)")
    return zf, [_batch_id(i) for i in ids]


def is_batch(data: bytes) -> bool:
    """Whether ``data`` is a batch package to sign (``export_batch``)."""
    found = _batch_members(data, BATCH_FORMAT)
    if found is None:
        return False
    found[0].close()
    return True


def read_batch(data: bytes) -> list[SignPackage]:
    """Every request of a batch package, each PDF checked against its digest."""
    if len(data) > MAX_BATCH_BYTES:
        raise SigningError("the package is too large")
    found = _batch_members(data, BATCH_FORMAT)
    if found is None:
        raise SigningError("not a docflow batch package (format)")
    zf, ids = found
    packages: list[SignPackage] = []
    with zf:
        for request_id in ids:
            try:
                meta = json.loads(_zip_member(zf, f"requests/{request_id}/request.json"))
            except ValueError as exc:
                raise SigningError(f"request {request_id} in the package: {exc}") from exc
            if not isinstance(meta, dict) or meta.get("format") != REQUEST_FORMAT:
                raise SigningError(f"request {request_id} in the package: not a request")
            if meta.get("id") != request_id:
                raise SigningError(f"request {request_id} in the package names another id")
            pdf = _zip_member(zf, f"requests/{request_id}/prepared.pdf")
            prepared = PreparedSignature.from_metadata(meta["prepared"], pdf)
            packages.append(SignPackage(meta, prepared))
    return packages


def sign_batch(
    packages: list[SignPackage], signer: Signer, *, signing_time: datetime | None = None
) -> bytes:
    """The signed answer to a batch: one detached CMS per request, all by ``signer``."""
    moment = signing_time or datetime.now(UTC).replace(microsecond=0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "batch.json",
            json.dumps({"format": SIGNED_BATCH_FORMAT, "ids": [p.id for p in packages]}),
        )
        for package in packages:
            cms_der = detached_cms(signer, package.prepared.signed_bytes(), signing_time=moment)
            zf.writestr(f"requests/{package.id}/request.json", json.dumps(package.meta))
            zf.writestr(f"requests/{package.id}/signature.p7s", cms_der)
    return out.getvalue()


def read_signed_batch(data: bytes) -> list[tuple[str, bytes]] | None:
    """``[(request id, CMS DER), …]`` of a signed batch, None when ``data`` is not one."""
    found = _batch_members(data, SIGNED_BATCH_FORMAT)
    if found is None:
        return None
    zf, ids = found
    with zf:
        return [
            (request_id, read_cms(_zip_member(zf, f"requests/{request_id}/signature.p7s")))
            for request_id in ids
        ]

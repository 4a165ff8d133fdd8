"""The JSON API under ``/api/v1``, described by its OpenAPI document (``/api/v1/openapi.json``).

Machine clients authenticate with a per-user token (``docflow users token NAME``) sent as
``Authorization: Bearer …``; ``POST /api/v1/verify`` is public. A token acts as its user: a
signing request is visible to the user whose IIN it waits for (``docflow users iin``), and to
an admin. Bodies are raw bytes (a submission file, a PDF, a CMS or signed package), so no
multipart parsing is needed; the site-wide body limit applies. ``GET /archive`` pages through
the archive (issue 18): the database cuts each page.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response

from docflow.atomic import write_bytes_atomic
from docflow.errors import DocflowError, UnreadablePdf
from docflow.inbox.journal import open_journal
from docflow.signreq import RequestClosed, SignRequestRecord, UnknownSignRequest, export_package
from docflow.web.auth import User
from docflow.web.context import WebContext
from docflow.web.services import MAX_PER_PAGE, PER_PAGE
from docflow.web.sign_pages import store_of, submit

SUBMISSION_SUFFIXES = {".json", ".yaml", ".yml", ".zip"}
_SHA = re.compile(r"^[0-9a-f]{64}$")


class SignRequestOut(BaseModel):
    id: str
    document: str
    field: str
    role: str | None
    expected_iin: str
    signer_name: str
    locale: str
    created: str
    expires: str
    state: str
    last_refusal: list[dict[str, str]] | None = None
    completed: str | None = None
    signed_sha256: str | None = None


class RefusalOut(BaseModel):
    code: str
    kk: str
    ru: str
    en: str
    detail: str


class SignatureResult(BaseModel):
    accepted: bool
    request: SignRequestOut
    signer_name: str | None = None
    signer_iin: str | None = None
    refusals: list[RefusalOut] = []


class SubmissionAccepted(BaseModel):
    sha256: str
    status_url: str


class SubmissionStatus(BaseModel):
    sha256: str
    state: str
    record: str | None = None
    reason: str | None = None
    source: str | None = None


class ArchivePage(BaseModel):
    """One page of archive records, oldest first (log order: a page stays the same while
    records are added). ``total`` is counted up to ``COUNT_CAP``; ``capped``: at least that
    many. ``next``: the next page's path, or none after the last."""

    records: list[dict[str, Any]]
    total: int
    capped: bool
    page: int
    per_page: int
    pages: int
    next: str | None = None


def _out(record: SignRequestRecord) -> SignRequestOut:
    return SignRequestOut(**record.to_json())


def create_api(ctx: WebContext) -> FastAPI:
    api = FastAPI(
        title="docflow API",
        version="1",
        description=(
            "Submissions, signing requests and verification. Authenticate with "
            "`Authorization: Bearer <token>` (`docflow users token NAME`); `POST /verify` is "
            "public."
        ),
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )

    def token_user(request: Request) -> User:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        name = store_of(ctx).token_user(token)
        if name is None:
            raise HTTPException(
                401, "a valid API token is required", {"www-authenticate": "Bearer"}
            )
        user = next((u for u in ctx.auth.users() if u.name == name), None)
        if user is None:
            raise HTTPException(401, "the token's user no longer exists")
        return user

    def visible_request(user: User, request_id: str) -> SignRequestRecord:
        try:
            record = store_of(ctx).get(request_id)
        except UnknownSignRequest:
            raise HTTPException(404, "no such signing request") from None
        if user.role != "admin" and record.expected_iin != store_of(ctx).user_iin(user.name):
            raise HTTPException(404, "no such signing request")
        return record

    @api.post("/verify", summary="Verify a signed PDF (public)", tags=["verify"])
    async def verify(request: Request) -> dict[str, Any]:
        """Body: the PDF. Answer: the `docflow verify --json` report."""
        data = await request.body()

        def judge() -> dict[str, Any]:
            from docflow.archive import pdf_lookup
            from docflow.verify import home_ca_certificates, verify_pdf

            anchors, intermediates = home_ca_certificates(ctx.home.certs)
            report = verify_pdf(
                data,
                trust_roots=anchors,
                other_certs=intermediates,
                archive_lookup=pdf_lookup(ctx.home),
            )
            return report.to_json()

        try:
            return await run_in_threadpool(judge)
        except UnreadablePdf as exc:
            raise HTTPException(400, f"not a readable PDF: {exc}") from None

    @api.post(
        "/submissions",
        summary="Drop a submission into the inbox",
        tags=["submissions"],
        status_code=202,
        response_model=SubmissionAccepted,
    )
    async def post_submission(request: Request, suffix: str = ".json") -> SubmissionAccepted:
        """Body: the submission (JSON, YAML or ZIP); `suffix` says which. The server names
        the file itself."""
        token_user(request)
        if suffix not in SUBMISSION_SUFFIXES:
            raise HTTPException(400, f"suffix must be one of {sorted(SUBMISSION_SUFFIXES)}")
        data = await request.body()
        if not data:
            raise HTTPException(400, "empty body")
        digest = hashlib.sha256(data).hexdigest()
        target = ctx.home.inbox / f"api-{digest[:16]}{suffix}"
        await run_in_threadpool(write_bytes_atomic, target, data)
        return SubmissionAccepted(sha256=digest, status_url=f"/api/v1/submissions/{digest}")

    @api.get(
        "/submissions/{sha256}",
        summary="What became of a submission",
        tags=["submissions"],
        response_model=SubmissionStatus,
    )
    def submission_status(request: Request, sha256: str) -> SubmissionStatus:
        token_user(request)
        if not _SHA.match(sha256):
            raise HTTPException(404, "no such submission")
        try:
            journal = open_journal(ctx.home.root)  # the shared one when scaled out
            try:
                entries = [e.to_json() for e in journal.entries()]
            finally:
                journal.close()
        except DocflowError:
            entries = []
        for entry in reversed(entries):
            if entry.get("sha256") == sha256:
                return SubmissionStatus(
                    sha256=sha256,
                    state=str(entry.get("state")),
                    record=entry.get("record"),
                    reason=entry.get("reason"),
                    source=entry.get("source"),
                )
        waiting = ctx.home.inbox / f"api-{sha256[:16]}"
        if any(waiting.with_suffix(s).exists() for s in SUBMISSION_SUFFIXES):
            return SubmissionStatus(sha256=sha256, state="queued")
        raise HTTPException(404, "no such submission")

    @api.get(
        "/sign-requests",
        summary="Signing requests waiting for the token's user",
        tags=["signing"],
        response_model=list[SignRequestOut],
    )
    def list_requests(request: Request, state: str = "open") -> list[SignRequestOut]:
        user = token_user(request)
        store = store_of(ctx)
        wanted = None if state == "all" else state
        if user.role == "admin":
            return [_out(r) for r in store.list(state=wanted)]
        iin = store.user_iin(user.name)
        return [_out(r) for r in store.list(iin=iin, state=wanted)] if iin else []

    @api.get(
        "/sign-requests/{request_id}",
        summary="One signing request",
        tags=["signing"],
        response_model=SignRequestOut,
    )
    def get_request(request: Request, request_id: str) -> SignRequestOut:
        return _out(visible_request(token_user(request), request_id))

    @api.get(
        "/sign-requests/{request_id}/data",
        summary="The bytes to sign (base64 of the PDF's /ByteRange), as NCALayer takes them",
        tags=["signing"],
        response_class=PlainTextResponse,
    )
    def request_data(request: Request, request_id: str) -> Response:
        record = visible_request(token_user(request), request_id)
        prepared = store_of(ctx).prepared(record.id)
        return PlainTextResponse(base64.b64encode(prepared.signed_bytes()).decode("ascii"))

    @api.get(
        "/sign-requests/{request_id}/package",
        summary="The self-contained package for `docflow sign-package` (ZIP)",
        tags=["signing"],
        response_class=Response,
    )
    def request_package(request: Request, request_id: str) -> Response:
        record = visible_request(token_user(request), request_id)
        data = export_package(record, store_of(ctx).prepared(record.id))
        return Response(data, media_type="application/zip")

    @api.post(
        "/sign-requests/{request_id}/signature",
        summary="Post the signature: a CMS (DER, PEM or base64) or a signed package",
        tags=["signing"],
        response_model=SignatureResult,
        responses={422: {"model": SignatureResult}, 409: {"description": "already closed"}},
    )
    async def post_signature(request: Request, request_id: str) -> Response:
        record = visible_request(token_user(request), request_id)
        body = await request.body()
        try:
            result = await run_in_threadpool(submit, ctx, record.id, body)
        except RequestClosed as exc:
            raise HTTPException(409, str(exc)) from None
        except DocflowError as exc:
            raise HTTPException(400, str(exc)) from None
        out = SignatureResult(
            accepted=result.accepted,
            request=_out(result.request),
            signer_name=result.check.signer_name,
            signer_iin=result.check.signer_iin,
            refusals=[RefusalOut(**r.to_json()) for r in result.check.refusals],
        )
        return JSONResponse(out.model_dump(), status_code=200 if result.accepted else 422)

    @api.get(
        "/archive",
        summary="Archived records matching the filters, one page at a time",
        tags=["archive"],
        response_model=ArchivePage,
    )
    def archive_page(
        request: Request,
        name: str | None = Query(None, max_length=200),
        iin: str | None = Query(None, max_length=200),
        year: str | None = Query(None, max_length=200),
        chamber: str | None = Query(None, max_length=200),
        kind: str | None = Query(None, max_length=200),
        outcome: str | None = Query(None, max_length=200),
        page: int = Query(1, ge=1, le=100_000),
        per_page: int = Query(PER_PAGE, ge=1, le=MAX_PER_PAGE),
    ) -> ArchivePage:
        # Issue 18: the database cuts the page (Archive.search_page); no other record is read.
        user = token_user(request)
        if user.role not in ("archivist", "admin", "consultant"):
            raise HTTPException(403, "the archive is for archivists, admins and consultants")
        given = {"name": name, "iin": iin, "year": year, "chamber": chamber, "kind": kind,
                 "outcome": outcome}  # fmt: skip
        filters = {k: v.strip() for k, v in given.items() if v and v.strip()}
        if user.role == "consultant":  # her own records only, whatever the query says
            filters["iin"] = store_of(ctx).user_iin(user.name) or "-"
        found = ctx.archive.search_page(filters, page=page, per_page=per_page, newest_first=False)
        following = None
        if found.has_next:
            query = {k: v for k, v in given.items() if v}
            following = "/api/v1/archive?" + urlencode(
                {**query, "page": page + 1, "per_page": per_page}
            )
        return ArchivePage(
            records=found.records, total=found.total, capped=found.capped, page=page,
            per_page=per_page, pages=found.pages, next=following,
        )  # fmt: skip

    return api


def install(app: FastAPI, ctx: WebContext) -> None:
    app.mount("/api/v1", create_api(ctx))

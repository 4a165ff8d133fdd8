"""The pages: each route reads the request, calls one service adapter and renders a template.

Public: ``/verify`` (upload) and ``/v/<serial>`` (the QR target). Behind a login: ``/archive``
(archivist, admin), ``/review`` (officer), ``/dashboard`` (any role).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from docflow.errors import ArchiveError, DocflowError, UnreadablePdf
from docflow.verify import Finding
from docflow.web import i18n, verify_worker
from docflow.web.context import SESSION_COOKIE, BodyTooLarge, WebContext, safe_next
from docflow.web.services import (
    MAX_UPLOAD_BYTES,
    SEARCH_FIELDS,
    chamber_names,
    dashboard_rows_from_counts,
)
from docflow.web.sign_pages import signature_waits
from docflow.web.sign_pages import texts as sign_texts

log = logging.getLogger("docflow.web")

#: Messages a redirect may ask the next page to show (never free text from the URL).
FLASH_KEYS = frozenset({"review.approved", "review.returned", "review.handed"})
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

ARCHIVE_ROLES = ("archivist", "admin", "consultant")  # a consultant: her own records only
STAFF_ROLES = ("archivist", "officer", "admin")
REVIEW_ROLES = ("officer",)
HOME_OF_ROLE = {
    "archivist": "/archive",
    "officer": "/review",
    "admin": "/dashboard",
    "consultant": "/sign",
}


def _download(data: bytes, name: str, media_type: str) -> Response:
    # The name shown to the browser is reduced to safe characters; the bytes are never written.
    safe = _UNSAFE_NAME.sub("_", name).strip("._") or "file"
    return Response(
        data,
        media_type=media_type,
        headers={
            "content-disposition": f'attachment; filename="{safe}"',
            "cache-control": "no-store",
        },
    )


async def _read_upload(upload: UploadFile) -> bytes | None:
    """The uploaded bytes, or None when they exceed the limit (read in chunks, kept in memory)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await upload.read(1024 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def install(app: FastAPI, ctx: WebContext) -> None:
    def not_found(request: Request) -> Response:
        return ctx.render(
            request,
            "error.html",
            404,
            title_key="error.not_found",
            message_key="error.not_found",
        )

    # -- language and home -------------------------------------------------------------------

    @app.get("/")
    def index(request: Request) -> Response:
        user = ctx.user(request)
        return RedirectResponse(
            HOME_OF_ROLE.get(user.role, "/verify") if user else "/verify", status_code=303
        )

    @app.get("/lang/{code}")
    def set_language(request: Request, code: str, next: str | None = None) -> Response:
        response = RedirectResponse(safe_next(next, "/verify"), status_code=303)
        if code in i18n.LOCALES:
            ctx.set_cookie(response, i18n.COOKIE, code, max_age=365 * 86400)
        return response

    # -- verify (public) ---------------------------------------------------------------------

    @app.get("/verify")
    def verify_form(request: Request) -> Response:
        return ctx.render(request, "verify.html", result=None, error_key=None)

    @app.post("/verify")
    async def verify_upload(request: Request) -> Response:
        try:
            form = await request.form(max_files=1, max_fields=5)
        except BodyTooLarge:
            return ctx.render(
                request, "verify.html", 413, result=None, error_key="upload.too_large"
            )
        ctx.check_csrf(request, form)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return ctx.render(request, "verify.html", 400, result=None, error_key="upload.missing")
        data = await _read_upload(upload)
        await upload.close()
        if data is None:
            return ctx.render(
                request, "verify.html", 413, result=None, error_key="upload.too_large"
            )
        # The client's file name is only shown back (escaped), never used as a path.
        shown_name = (upload.filename or "")[-120:]
        # Judged in a worker process with a time budget (issue 19): a file built to be slow
        # is stopped, not left holding a core.
        locale = ctx.locale(request)
        outcome = await run_in_threadpool(
            verify_worker.judge_with_budget, ctx.verify.home, data, shown_name, locale
        )
        if outcome.kind == "unreadable":
            return ctx.render(
                request, "verify.html", 422, result=None, error_key="upload.unreadable"
            )
        if outcome.kind in ("limit", "timeout"):
            finding = outcome.finding or Finding(
                "limit.time", {"seconds": int(verify_worker.TIME_BUDGET_SECONDS)}
            )
            # A catalogue text, not a page key: the translator shows an unknown key as is.
            return ctx.render(
                request, "verify.html", 422, result=None, error_key=finding.text(locale)
            )
        if outcome.kind == "error":  # e.g. the home's certs/ cannot be read: not the visitor's
            return ctx.render(request, "verify.html", 500, result=None, error_key="error.service")
        return ctx.render(request, "verify.html", result=outcome.view, error_key=None)

    @app.get("/v/{serial}")
    def certificate_page(request: Request, serial: str) -> Response:
        found = ctx.archive.certificate(serial)
        if found is None:
            return ctx.render(
                request, "certificate.html", 404, serial=serial, cert=None, result=None
            )
        cert, pdf = found
        result = None
        if pdf is not None:
            try:
                result = ctx.verify.judge(pdf, file_name=f"{cert.record_id}.pdf")
            except UnreadablePdf:
                result = None
        return ctx.render(request, "certificate.html", serial=serial, cert=cert, result=result)

    # -- login -------------------------------------------------------------------------------

    @app.get("/login")
    def login_form(
        request: Request, next: str | None = None, expired: str | None = None
    ) -> Response:
        return ctx.render(
            request,
            "login.html",
            next=safe_next(next, ""),
            error_key="login.expired" if expired else None,
            name="",
        )

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=10)
        ctx.check_csrf(request, form)
        name = str(form.get("name") or "").strip()[:64]
        password = str(form.get("password") or "")[:1024]
        next_path = safe_next(str(form.get("next") or ""), "")
        client = request.client.host if request.client else "?"
        keys = (f"user:{name.casefold()}", f"client:{client}")
        if not ctx.throttle.admit(*keys):  # counted before the check (issue 19)
            return ctx.render(
                request, "login.html", 429, next=next_path, error_key="login.throttled", name=name
            )
        user = await run_in_threadpool(ctx.auth.authenticate, name, password)
        if user is None:
            log.info("login refused for %r from %s", name, client)
            return ctx.render(
                request, "login.html", 401, next=next_path, error_key="login.failed", name=name
            )
        ctx.throttle.succeeded(*keys)
        ctx.auth.close_session(request.cookies.get(SESSION_COOKIE))
        token = ctx.auth.open_session(user)
        response = RedirectResponse(next_path or HOME_OF_ROLE.get(user.role, "/"), status_code=303)
        ctx.set_cookie(response, SESSION_COOKIE, token)
        log.info("user %s logged in", user.name)
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        ctx.check_csrf(request, form)
        ctx.auth.close_session(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # -- archive (archivist) -----------------------------------------------------------------

    @app.get("/archive")
    def archive_search(request: Request) -> Response:
        user = ctx.require(request, *ARCHIVE_ROLES)
        filters = {k: str(request.query_params.get(k, "")).strip()[:200] for k in SEARCH_FIELDS}
        searched = any(filters.values())
        page_no = _page_number(request.query_params.get("page"))
        own_iin = _own_iin(user)
        if user.role == "consultant":
            # Her own records only, whatever the query says (no IIN linked: none).
            filters["iin"] = own_iin or "-"
        # Issue 18: one page, newest first, cut by the database (Archive.search_page); without
        # a query, every record, so the first page is the newest ones.
        page = ctx.archive.search_page(filters, page=page_no)
        choices: dict[str, list[str]] = (
            {"kind": [], "outcome": [], "year": []}
            if user.role == "consultant"
            else ctx.archive.choices(page.records)
        )
        # Issue 13: each record's chamber by its name in the reader's language.
        key_of, name_of = chamber_names(ctx.home, ctx.locale(request))
        results = [{**r, "chamber_shown": name_of(key_of(r))} for r in page.records]
        shown = {
            k: v for k, v in filters.items() if v and not (k == "iin" and user.role == "consultant")
        }
        return ctx.render(
            request,
            "archive.html",
            filters=filters,
            searched=searched,
            results=results,
            page=page,
            page_link=lambda n: "/archive?" + urlencode({**shown, "page": n}),
            choices=choices,
        )

    @app.get("/archive/{record_id}")
    def archive_record(request: Request, record_id: str) -> Response:
        user = ctx.require(request, *ARCHIVE_ROLES)
        try:
            view = ctx.archive.record(record_id)
        except ArchiveError:
            return not_found(request)
        if not _may_see(user, view.record):
            return not_found(request)
        return ctx.render(request, "record.html", view=view, record=view.record)

    @app.get("/archive/{record_id}/pdf")
    def archive_pdf(request: Request, record_id: str) -> Response:
        user = ctx.require(request, *ARCHIVE_ROLES)
        try:
            if not _may_see(user, ctx.archive.record(record_id).record):
                return not_found(request)
            _name, data = ctx.archive.pdf(record_id)
        except ArchiveError:
            return not_found(request)
        return _download(data, f"{record_id}.pdf", "application/pdf")

    def _own_iin(user: Any) -> str | None:
        if user.role != "consultant":
            return None
        from docflow.web.sign_pages import store_of

        return store_of(ctx).user_iin(user.name)

    def _page_number(raw: str | None) -> int:
        """``?page=`` as a page number from 1 (anything else: the first page)."""
        return int(raw) if raw and raw.isdigit() and 0 < int(raw) <= 100_000 else 1

    def _may_see(user: Any, record: dict[str, Any]) -> bool:
        """A consultant sees the records of her own IIN only; staff see every record."""
        if user.role != "consultant":
            return True
        own = _own_iin(user)
        return own is not None and str(record.get("iin")) == own

    # -- review (officer) --------------------------------------------------------------------

    @app.get("/review")
    def review_queue(
        request: Request, msg: str | None = None, record: str | None = None
    ) -> Response:
        ctx.require(request, *REVIEW_ROLES)
        items = ctx.review.items()
        flash = msg if msg in FLASH_KEYS else None
        record_id = record if record and _UNSAFE_NAME.sub("", record) == record else None
        return ctx.render(request, "review.html", items=items, flash=flash, record_id=record_id)

    @app.get("/review/{item_id}")
    def review_item(request: Request, item_id: str) -> Response:
        ctx.require(request, *REVIEW_ROLES)
        try:
            detail = ctx.review.detail(item_id)
        except DocflowError:
            return not_found(request)
        return ctx.render(
            request,
            "review_item.html",
            detail=detail,
            item=detail.item,
            error_key=None,
            error_text=None,
            remarks="",
        )

    @app.get("/review/{item_id}/evidence")
    def review_evidence(request: Request, item_id: str, name: str = "") -> Response:
        ctx.require(request, *REVIEW_ROLES)
        try:
            data = ctx.review.evidence_file(item_id, name)
        except DocflowError:
            data = None
        if data is None:
            return not_found(request)
        media = "application/pdf" if data[:5] == b"%PDF-" else "application/octet-stream"
        return _download(data, name.rsplit("/", 1)[-1], media)

    @app.post("/review/{item_id}/approve")
    async def review_approve(request: Request, item_id: str) -> Response:
        user = ctx.require(request, *REVIEW_ROLES)
        form = await request.form(max_files=0, max_fields=200)
        ctx.check_csrf(request, form)
        decided: dict[int, int] = {}
        for key, value in form.multi_items():
            if not key.startswith("points-"):
                continue
            index, text = key.removeprefix("points-"), str(value).strip()
            if not index.isdigit() or not text.isdigit() or int(text) > 100:
                return await _review_error(request, item_id, "review.points_invalid")
            decided[int(index) + 1] = int(text)  # R-3.1b: the rules count activities from 1
        comment = str(form.get("comment") or "").strip()[:4000] or None
        # the officer's decision on a claimed exemption the roster does not confirm.
        choice = str(form.get("exemption") or "")
        exemption = {"accept": True, "refuse": False}.get(choice)
        try:
            outcome = await run_in_threadpool(
                ctx.review.approve, item_id, decided_points=decided, officer=user.name,
                comment=comment, exemption_accepted=exemption,
            )  # fmt: skip
        except Exception as exc:  # shown to the officer; the item stays in the queue
            log.exception("approve %s failed", item_id)
            return await _review_error(request, item_id, "error.service", str(exc))
        log.info("%s approved %s -> %s", user.name, item_id, outcome.record)
        target = "/review?msg=review.approved"
        if outcome.state == "processing":  # scaled out: a worker host goes on (issue 18)
            return RedirectResponse("/review?msg=review.handed", status_code=303)
        if outcome.state == "awaiting_signature":
            # Own keys (issue 15): the officer's request (or the consultant's, after a
            # comment) is made; the officer's own ones are on /sign.
            return RedirectResponse("/sign", status_code=303)
        if outcome.record:
            target += "&record=" + quote(outcome.record, safe="")
        return RedirectResponse(target, status_code=303)

    @app.post("/review/{item_id}/return")
    async def review_return(request: Request, item_id: str) -> Response:
        user = ctx.require(request, *REVIEW_ROLES)
        form = await request.form(max_files=0, max_fields=10)
        ctx.check_csrf(request, form)
        remarks = str(form.get("remarks") or "").strip()[:4000]
        if not remarks:
            return await _review_error(request, item_id, "review.remarks_required")
        try:
            outcome = await run_in_threadpool(
                ctx.review.return_, item_id, remarks=remarks, officer=user.name
            )
        except Exception as exc:  # shown to the officer; the item stays in the queue
            log.exception("return %s failed", item_id)
            return await _review_error(request, item_id, "error.service", str(exc), remarks)
        log.info("%s returned %s -> %s", user.name, item_id, outcome.record)
        if outcome.state == "processing":  # scaled out: a worker host goes on (issue 18)
            return RedirectResponse("/review?msg=review.handed", status_code=303)
        return RedirectResponse("/review?msg=review.returned", status_code=303)

    async def _review_error(
        request: Request, item_id: str, key: str, text: str | None = None, remarks: str = ""
    ) -> Response:
        try:
            detail = await run_in_threadpool(ctx.review.detail, item_id)
        except DocflowError:
            return not_found(request)
        return ctx.render(
            request,
            "review_item.html",
            400,
            detail=detail,
            item=detail.item,
            error_key=key,
            error_text=text,
            remarks=remarks,
        )

    # -- dashboard (any role) ----------------------------------------------------------------

    @app.get("/dashboard")
    def dashboard(request: Request) -> Response:
        ctx.require(request, *STAFF_ROLES)  # every chamber's numbers: not for a consultant
        # Issue 18: counted by the archive's index (no record is read).
        counts = ctx.archive.dashboard_counts()
        # Issue 13: rows by chamber id, named in the reader's language; ?chamber=ID filters.
        key_of, name_of = chamber_names(ctx.home, ctx.locale(request))
        only = str(request.query_params.get("chamber", "")).strip()[:64] or None
        rows = dashboard_rows_from_counts(
            counts, ctx.review.waiting(), chamber_of=key_of, name_of=name_of, only=only
        )
        waits = signature_waits(ctx)
        now = datetime.now(UTC)
        return ctx.render(
            request,
            "dashboard.html",
            rows=rows,
            waits=waits,
            wait_days={w.iin: (now - w.oldest).days for w in waits},
            s=sign_texts(ctx.locale(request)),
        )

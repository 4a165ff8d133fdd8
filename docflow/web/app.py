"""The web application: ``create_app(home)`` wires pages, security and the service adapters.

What is enforced here, once for every route: security headers (CSP ``default-src 'self'``, no
framing), a request body limit, the CSRF check on every POST, login and roles, and the page
language. The routes themselves (``docflow.web.routes``) only translate HTTP to service calls.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from docflow.config import Home
from docflow.web import i18n
from docflow.web.auth import AuthStore, CsrfTokens, LoginThrottle, User
from docflow.web.services import (
    MAX_UPLOAD_BYTES,
    ArchiveService,
    ReviewService,
    VerifyService,
    mask_iin,
)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "docflow_session"
#: A little room above the largest upload for the multipart envelope and the other fields.
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 256 * 1024

SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # /v/<serial> addresses come from printed certificates; do not leak them to other sites.
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    """The request body passed ``MAX_BODY_BYTES`` while being read."""


class LoginRequired(Exception):
    def __init__(self, next_path: str, expired: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.expired = expired


class Forbidden(Exception):
    def __init__(self, key: str = "error.forbidden.text") -> None:
        super().__init__(key)
        self.key = key


class SecurityMiddleware:
    """Adds the security headers to every response and caps the request body size."""

    def __init__(self, app: Asgi, *, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message["headers"] = headers
            await send(message)

        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body:
                await _too_large(send_with_headers)
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(send_with_headers)


async def _too_large(send: Send) -> None:
    body = b"413 request too large (at most 20 MB)"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


@dataclass
class WebContext:
    """Everything a route needs, created once per application."""

    home: Home
    auth: AuthStore
    csrf: CsrfTokens
    throttle: LoginThrottle
    verify: VerifyService
    archive: ArchiveService
    review: ReviewService
    env: Environment
    secure_cookies: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    # -- request helpers ---------------------------------------------------------------------

    @staticmethod
    def locale(request: Request) -> str:
        return i18n.pick_locale(request.cookies.get(i18n.COOKIE))

    def user(self, request: Request) -> User | None:
        cached = request.scope.get("docflow.user", False)
        if cached is not False:
            return cached
        user = self.auth.session_user(request.cookies.get(SESSION_COOKIE))
        request.scope["docflow.user"] = user
        return user

    def require(self, request: Request, *roles: str) -> User:
        """The logged-in user with one of ``roles``; otherwise to the login page or 403."""
        user = self.user(request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(target, expired=SESSION_COOKIE in request.cookies)
        if roles and not user.may(*roles):
            raise Forbidden()
        return user

    def check_csrf(self, request: Request, form: Any) -> None:
        token = form.get("csrf") if form is not None else None
        if not self.csrf.valid(request.cookies.get(CsrfTokens.COOKIE), token):
            raise Forbidden("error.csrf")

    def set_cookie(
        self,
        response: Response,
        name: str,
        value: str,
        *,
        max_age: int | None = None,
        http_only: bool = True,
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=http_only,
            samesite="lax",
            secure=self.secure_cookies,
            path="/",
        )

    def render(
        self, request: Request, template: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        locale = self.locale(request)
        csrf_cookie = request.cookies.get(CsrfTokens.COOKIE)
        new_cookie = None
        if not csrf_cookie:
            csrf_cookie = new_cookie = CsrfTokens.new_cookie()
        page = self.env.get_template(template).render(
            t=i18n.translator(locale),
            locale=locale,
            locales=i18n.LOCALES,
            user=self.user(request),
            csrf_token=self.csrf.token_for(csrf_cookie),
            here=quote(
                request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                safe="/?=&",
            ),
            path=request.url.path,
            mask_iin=mask_iin,
            label=lambda prefix, value: i18n.label(locale, prefix, value),
            when=short_time,
            reason=lambda text: i18n.reason(locale, str(text)),
            **context,
        )
        response = HTMLResponse(page, status_code=status_code)
        if new_cookie:
            self.set_cookie(response, CsrfTokens.COOKIE, new_cookie)
        if self.user(request) is not None:
            # Pages behind a login must not linger in a shared computer's cache.
            response.headers["cache-control"] = "no-store"
        return response


def short_time(value: object) -> str:
    """An ISO 8601 time as ``YYYY-MM-DD HH:MM`` (UTC when it says so); anything else as is."""
    if not value:
        return "—"
    text = str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M")


def safe_next(value: str | None, default: str = "/") -> str:
    """Only a path on this site: never ``//host`` or ``https://…`` (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def create_app(
    home: Home,
    *,
    auth: AuthStore | None = None,
    secret: bytes | None = None,
    secure_cookies: bool | None = None,
    throttle: LoginThrottle | None = None,
) -> FastAPI:
    """The docflow web page for ``home``. ``auth`` and ``throttle`` may be given by tests."""
    if secure_cookies is None:
        try:
            secure_cookies = home.settings().base_url.startswith("https://")
        except Exception:  # an unreadable docflow.toml is reported by the commands, not here
            secure_cookies = False
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    ctx = WebContext(
        home=home,
        auth=auth or AuthStore.for_home(home),
        csrf=CsrfTokens(secret or secrets.token_bytes(32)),
        throttle=throttle or LoginThrottle(),
        verify=VerifyService(home),
        archive=ArchiveService(home),
        review=ReviewService(home),
        env=env,
        secure_cookies=secure_cookies,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.archive.close()

    app = FastAPI(
        title="docflow", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.docflow = ctx
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        target = "/login?next=" + quote(exc.next_path, safe="")
        if exc.expired:
            target += "&expired=1"
        return RedirectResponse(target, status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Forbidden)
        return ctx.render(
            request, "error.html", 403, title_key="error.forbidden", message_key=exc.key
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/static/"):
            return PlainTextResponse("not found", status_code=404)
        return ctx.render(
            request, "error.html", 404, title_key="error.not_found", message_key="error.not_found"
        )

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(404, not_found)

    from docflow.web.routes import install

    install(app, ctx)
    from docflow.web import api, sign_pages  # own-key signing pages and the JSON API

    sign_pages.install(app, ctx)
    api.install(app, ctx)
    app.add_middleware(SecurityMiddleware)

    return app

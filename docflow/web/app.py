"""The web application: ``create_app(home)`` wires pages, security and the service adapters.

What is enforced here, once for every route: security headers (CSP ``default-src 'self'``, no
framing), a request body limit, the CSRF check on every POST, login and roles, and the page
language. The routes themselves (``docflow.web.routes``) only translate HTTP to service calls.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from docflow.config import Home
from docflow.web.auth import AuthStore, CsrfTokens, LoginThrottle
from docflow.web.context import BodyTooLarge, Forbidden, LoginRequired, WebContext
from docflow.web.routes import install
from docflow.web.services import MAX_UPLOAD_BYTES, ArchiveService, ReviewService, VerifyService

HERE = Path(__file__).resolve().parent
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

    install(app, ctx)
    from docflow.web import api, sign_pages  # own-key signing pages and the JSON API

    sign_pages.install(app, ctx)
    api.install(app, ctx)
    from docflow.web import roadmap  # the Bar's roadmap page (Part M)

    roadmap.install(app, ctx)
    app.add_middleware(SecurityMiddleware)

    return app

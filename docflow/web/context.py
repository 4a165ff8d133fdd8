"""What every route shares: ``WebContext`` (the services, sessions, CSRF and page rendering of
one application) and the exceptions the application turns into redirects and error pages.

It sits below both ``app`` (which builds it) and ``routes`` (which use it), so neither imports
the other's module back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from jinja2 import Environment
from starlette.responses import HTMLResponse, Response

from docflow.config import Home
from docflow.web import i18n
from docflow.web.auth import AuthStore, CsrfTokens, LoginThrottle, User
from docflow.web.services import ArchiveService, ReviewService, VerifyService, mask_iin

SESSION_COOKIE = "docflow_session"


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

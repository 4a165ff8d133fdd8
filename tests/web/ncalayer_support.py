"""What the browser tests of the pages that sign through NCALayer share (``/sign/<id>``,
``/sign/batch/<token>``, ``/login/key``): headless Chromium that accepts the NCALayer
stand-in's self-signed TLS certificate, a password login, and what the page's status line
says when a round fails (static/ncalayer_flow.js)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS


@contextmanager
def ncalayer_chromium() -> Iterator[Any]:
    """Headless Chromium for pages that talk to NCALayer on wss://127.0.0.1:13579."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        # the stand-in's TLS certificate is self-signed, as NCALayer's own is for 127.0.0.1
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"]
        )
        try:
            yield browser
        finally:
            browser.close()


def log_in(
    browser: Any, url: str, name: str, password: str, *, locale: str = "kk-KZ", timeout: int = 60
) -> Any:
    """A new page logged in as ``name`` with a password, in a browser of ``locale``."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(timeout * 1000)
    page.goto(f"{url}/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    return page


def failed_round(page: Any, button: str, status: str) -> str:
    """Press ``button``, wait until the round gives up (the button is pressable again, the
    page not left) and answer what the status line tells the person."""
    page.click(button)  # the page disables the button before its first await
    page.wait_for_selector(f"{button}:enabled")
    return str(page.locator(status).inner_text())

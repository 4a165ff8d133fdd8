"""The pages in real headless Chromium against a real uvicorn server: verify an upload, follow a
QR target, log in, search the archive, open a record, download its PDF, approve a report, and
the refusals (wrong password, missing session, forged CSRF token). Screenshots in kk and ru go
to tests/web/screenshots/."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from docflow.archive import Archive
from docflow.inbox.journal import Journal
from tests.support.pdfs import tamper

from .conftest import (
    CERT_SERIAL,
    REVIEW_NAME,
    REVOKED_SERIAL,
    LiveServer,
    WebHome,
    login,
    set_language,
    shot,
)

pytestmark = pytest.mark.slow


def upload(page: Any, base: str, path: Path) -> None:
    page.goto(f"{base}/verify")
    page.set_input_files("#file", str(path))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("#verdict")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_verify_a_good_and_a_tampered_pdf(
    page: Any, live: LiveServer, web_home: WebHome, tmp_path: Path, lang: str
) -> None:
    set_language(page, live.url, lang)
    good = tmp_path / "report signed.pdf"
    good.write_bytes(web_home.good_pdf)
    upload(page, live.url, good)
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    word = {"kk": "Жарамды", "ru": "Действителен"}[lang]
    assert page.inner_text("#verdict .verdict-word").strip() == word
    known = {"kk": "мұрағатында тіркелген", "ru": "зарегистрирован в архиве"}[lang]
    assert known in page.inner_text("#archive-match")
    signers = page.locator(".signature .signer").all_inner_texts()
    assert any("Сейітқали" in s for s in signers) and len(signers) >= 2
    body = page.inner_text("main")
    assert "9004******27" in body and "900415400127" not in body  # the IIN is masked
    shot(page, f"verify-valid-{lang}")

    bad = tmp_path / "tampered.pdf"
    bad.write_bytes(tamper(web_home.good_pdf, b"Seitkali v2", b"Seitkali v3"))
    upload(page, live.url, bad)
    assert page.get_attribute("#verdict", "data-verdict") == "invalid"
    word = {"kk": "Жарамсыз", "ru": "Недействителен"}[lang]
    assert page.inner_text("#verdict .verdict-word").strip() == word
    unknown = {"kk": "мұрағатында жоқ", "ru": "нет в архиве"}[lang]
    assert unknown in page.inner_text("#archive-match")
    shot(page, f"verify-tampered-{lang}")


def test_verify_form_in_both_languages(page: Any, live: LiveServer) -> None:
    for lang, title in (("kk", "Құжатты тексеру"), ("ru", "Проверка документа")):
        set_language(page, live.url, lang)
        page.goto(f"{live.url}/verify")
        assert page.inner_text("h1") == title
        shot(page, f"verify-form-{lang}")
    # The language switch in the header sets the cookie and comes back to the same page.
    page.click("a.lang[lang=kk]")
    assert page.inner_text("h1") == "Құжатты тексеру"
    assert page.url.endswith("/verify")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_follow_a_qr_target(page: Any, live: LiveServer, lang: str) -> None:
    set_language(page, live.url, lang)
    login(page, live.url, "anna")
    page.goto(f"{live.url}/archive/CERT-KZ-2025-000123")
    # The certificate's serial on its record page is the same /v/<serial> link the QR carries.
    page.click(f"a[href='/v/{CERT_SERIAL}']")
    page.wait_for_selector("#cert-status")
    assert page.url.endswith(f"/v/{CERT_SERIAL}")
    assert page.get_attribute("#cert-status", "data-status") == "active"
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    assert "Сейітқали" in page.inner_text("#participant")
    assert "9004******27" in page.inner_text("main")
    shot(page, f"qr-certificate-{lang}")

    # A QR scanned on a phone: no login.
    page.context.clear_cookies()
    set_language(page, live.url, lang)
    page.goto(f"{live.url}/v/{REVOKED_SERIAL}")
    assert page.get_attribute("#cert-status", "data-status") == "revoked"
    shot(page, f"qr-revoked-{lang}")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live.url}/v/{CERT_SERIAL}")
    assert page.get_attribute("#cert-status", "data-status") == "active"
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, f"qr-phone-{lang}")
    page.goto(f"{live.url}/v/KZ-0000-NOPE")
    assert page.is_visible("#not-found")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_login_search_open_record_and_download(
    page: Any, live: LiveServer, web_home: WebHome, lang: str
) -> None:
    set_language(page, live.url, lang)
    page.goto(f"{live.url}/archive")
    assert "/login" in page.url  # a missing session goes to the login page
    shot(page, f"login-{lang}")
    page.fill("#name", "anna")
    page.fill("#password", "not-the-password")
    page.click("form.stack button[type=submit]")
    assert page.is_visible("#error")
    assert "/login" in page.url
    shot(page, f"login-refused-{lang}")

    page.fill("#name", "anna")
    page.fill("#password", "archivist-pw-1")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/archive")
    assert page.is_visible("#recent")  # the newest records, before any search
    assert page.locator("#results tbody tr").count() >= 4
    page.fill("#f-name", "сейітқали")  # lower case, Cyrillic: found anyway
    page.select_option("#f-kind", "cpd-report")
    page.click("#search button[type=submit]")
    page.wait_for_selector("#results")
    assert page.inner_text("#result-count") == "2"
    shot(page, f"archive-search-{lang}")

    page.click(f"a[href='/archive/{web_home.report_v2}']")
    page.wait_for_selector("#record-id")
    assert page.inner_text("#record-id") == web_home.report_v2
    assert page.locator("#events tbody tr").count() == 4
    received = {"kk": "қабылданды", "ru": "получен"}[lang]
    assert received in page.inner_text("#events")
    versions = page.locator("#versions li").all_inner_texts()
    assert len(versions) == 2 and web_home.report_v1 in versions[0]
    shot(page, f"archive-record-{lang}")

    with page.expect_download() as info:
        page.click("#download")
    data = Path(info.value.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(web_home.good_pdf).hexdigest()

    # Other filters: by IIN and year, by outcome.
    page.goto(f"{live.url}/archive?iin=900415400127&year=2025&outcome=returned")
    assert page.inner_text("#result-count") == "1"
    page.goto(f"{live.url}/archive?year=1999")
    assert page.is_visible("#no-results")


def test_forged_csrf_token_is_refused_in_the_browser(page: Any, live: LiveServer) -> None:
    page.goto(f"{live.url}/login")
    page.fill("#name", "anna")
    page.fill("#password", "archivist-pw-1")
    page.locator("input[name=csrf]").evaluate("el => el.value = 'f'.repeat(64)")
    with page.expect_response(lambda r: r.url.endswith("/login")) as info:
        page.click("form.stack button[type=submit]")
    assert info.value.status == 403
    assert page.is_visible(".notice.bad")
    shot(page, "csrf-refused-kk")
    page.goto(f"{live.url}/archive")
    assert "/login" in page.url  # no session was made


def test_dashboard(page: Any, live: LiveServer) -> None:
    for lang in ("kk", "ru"):
        set_language(page, live.url, lang)
        login(page, live.url, "root")
        page.goto(f"{live.url}/dashboard")
        page.wait_for_selector("#dashboard")
        rows = {}
        for tr in page.locator("#dashboard tbody tr").all():
            chamber = tr.locator("td.text").inner_text()
            rows[chamber] = {td.get_attribute("data-col"): td.inner_text()
                             for td in tr.locator("td.n").all()}  # fmt: skip
        almaty = rows["Алматы қаласының заң консультанттары палатасы"]
        # Two versions of one report count once, as the newest (compliant).
        assert (almaty["filed"], almaty["compliant"], almaty["returned"]) == ("1", "1", "0")
        shymkent = rows["Шымкент қаласының заң консультанттары палатасы"]
        assert shymkent["waiting"] == "2"
        shot(page, f"dashboard-{lang}")
        page.context.clear_cookies()


def test_review_queue_and_approve(page: Any, live: LiveServer, web_home: WebHome) -> None:
    for lang in ("ru", "kk"):
        set_language(page, live.url, lang)
        login(page, live.url, "oleg")
        page.wait_for_url("**/review")
        assert REVIEW_NAME in page.inner_text("#queue")
        shot(page, f"review-queue-{lang}")
        page.click("#queue a.button")
        page.wait_for_selector("#approve-form")
        assert "R-3.1b" in page.inner_text("#findings")
        assert "Акция аясында" in page.inner_text("#activities")  # the "other" justification
        shot(page, f"review-item-{lang}")
        page.context.clear_cookies()

    set_language(page, live.url, "kk")
    login(page, live.url, "oleg")
    page.goto(f"{live.url}/review/{web_home.review_token}")
    # The evidence files can be downloaded.
    with page.expect_download() as info:
        page.locator("a.evidence").first.click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")

    # Returning without remarks is refused; nothing changes.
    page.click("#return")
    assert page.is_visible("#error")

    page.fill("input.points", "1")
    page.fill("#comment", "Ескертулермен келіспеу қаралды; 1 балл берілді")  # A1 comment
    page.click("#approve")
    page.wait_for_selector("#flash, #error", timeout=120_000)
    assert not page.is_visible("#error"), page.inner_text("#error")
    assert web_home.review_token not in page.inner_html("main")
    shot(page, "review-approved-kk")

    # The other report goes back with remarks (R-3.2e); the queue is then empty.
    second = web_home.extra["second_review"]
    page.goto(f"{live.url}/review/{second}")
    page.fill("#remarks", "4.pdf: растайтын құжат оқылмайды")
    page.click("#return")
    page.wait_for_selector("#flash")
    assert page.is_visible("#empty")
    shot(page, "review-returned-kk")

    journal = Journal(web_home.home.state / "journal.sqlite")
    try:
        entry = journal.get(web_home.review_token)
    finally:
        journal.close()
    assert entry.state == "archived" and entry.record
    with Archive(web_home.home, recover=False) as archive:
        record = archive.get(entry.record).record
    approved = [e for e in record["events"] if e["type"] == "approved"]
    assert approved and approved[0]["actor"] == "oleg"
    assert record["outcome"] in ("compliant", "below_norm")
    commented = [e for e in record["events"] if e["type"] == "commented"]
    assert [e["detail"] for e in commented] == ["Ескертулермен келіспеу қаралды; 1 балл берілді"]

    journal = Journal(web_home.home.state / "journal.sqlite")
    try:
        returned = journal.get(second)
    finally:
        journal.close()
    assert returned.state == "returned"
    with Archive(web_home.home, recover=False) as archive:
        record = archive.get(str(returned.record)).record
    assert record["outcome"] == "returned"
    assert any("4.pdf" in r for r in record["remarks"])


def test_docflow_serve_command_serves_the_page(tmp_path: Path) -> None:
    """``docflow serve`` in its own process: the page answers, with its security headers."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from docflow.pki.testing import free_port

    port = free_port()
    env = {**os.environ, "DOCFLOW_HOME": str(tmp_path / "home")}
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "docflow", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/verify", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "docflow serve did not answer"
                time.sleep(0.2)
        assert r.status_code == 200
        assert "Құжатты тексеру" in r.text
        assert r.headers["x-frame-options"] == "DENY"
        assert httpx.get(f"http://127.0.0.1:{port}/archive", timeout=5).status_code == 303
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()

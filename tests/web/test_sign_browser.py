"""Signing in the browser through NCALayer (issue 15, way 1): headless Chromium opens
``/sign/<id>``, the page's ncalayer-js-client talks to the NCALayer stand-in on
wss://127.0.0.1:13579, which really signs with the person's key; docflow checks the CMS and
completes the PDF (B-LTA)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyhanko.sign.signers import Signer

from docflow.config import Home
from docflow.pki import Pki
from docflow.pki.testing import (
    CONSULTANT_IIN,
    OFFICER_IIN,
    make_test_pki,
    pdf_with_fields,
)
from docflow.sign import SignSpec
from docflow.signreq import SignRequests
from docflow.testing.ncalayer import NCALayerStandIn
from docflow.verify import verify_pdf
from tests.web.conftest import set_language, shot, start_server
from tests.web.ncalayer_support import failed_round, log_in, ncalayer_chromium

OFFICER_PASSWORD = "officer-pw-12"  # a test user's password


@dataclass
class OwnSite:
    home: Home
    pki: Pki
    url: str
    requests: dict[str, str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnSite]:
    from docflow.web import create_app
    from docflow.web.auth import AuthStore

    home = Home(tmp_path_factory.mktemp("own-web")).ensure()
    pki = make_test_pki(home)
    auth = AuthStore.for_home(home)
    auth.add_user("oleg", "officer", OFFICER_PASSWORD)
    auth.close()
    store = SignRequests(home)
    store.set_user_iin("oleg", OFFICER_IIN)
    made = {}
    for name in ("good", "wrong", "closed"):
        made[name] = store.create(
            pdf_with_fields(text=f"own signing web test {name}"),
            SignSpec("officer", role="officer", lock=True, locale="kk"),
            document=f"CPD-2025-WEB-{name}",
            expected_iin=OFFICER_IIN,
            signer_name="Демо Офицер (DEMO)",
        ).id
    store.close()
    server, thread, url = start_server(create_app(home))
    try:
        yield OwnSite(home, pki, url, made)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture(scope="module")
def browser(site: OwnSite) -> Iterator[Any]:
    with ncalayer_chromium() as b:
        yield b


def _login(browser: Any, site: OwnSite) -> Any:
    return log_in(browser, site.url, "oleg", OFFICER_PASSWORD)


@pytest.mark.slow
def test_sign_page_signs_through_ncalayer_standin(browser: Any, site: OwnSite) -> None:
    officer = site.pki.signer_for(role="officer")
    request_id = site.requests["good"]
    with NCALayerStandIn(officer.signer) as standin:
        page = _login(browser, site)
        page.goto(f"{site.url}/sign")
        row = page.locator(f"#sign-requests tr[data-id='{request_id}']")
        assert row.count() == 1
        row.locator("a").click()
        page.wait_for_load_state()
        assert page.locator("#req-state").inner_text() == "Қолды күтуде"
        page.click("#sign-button")
        page.wait_for_selector("#sign-done")
        shot(page, "sign-own-done")
        page.context.close()
    sign_calls = [r for r in standin.requests if r.get("module") == "kz.gov.pki.knca.basics"]
    assert len(sign_calls) == 1
    args = sign_calls[0]["args"]
    assert args["format"] == "cms" and args["signingParams"]["digested"] is False
    assert args["signingParams"]["encapsulate"] is False
    assert args["signerParams"]["iin"] == OFFICER_IIN
    store = SignRequests(site.home)
    try:
        assert store.get(request_id).state == "signed"
        pdf = store.signed_pdf(request_id)
    finally:
        store.close()
    report = verify_pdf(pdf, trust_roots=site.pki.trust_roots())
    # issue 19: the officer's signature is valid; the empty consultant field is a reason
    assert report.valid_so_far and report.awaiting == ("consultant",), report.to_json()
    assert report.signatures[0].iin == OFFICER_IIN and report.signatures[0].field == "officer"


@pytest.mark.slow
def test_sign_page_shows_refusal_for_another_persons_key(browser: Any, site: OwnSite) -> None:
    consultant = site.pki.signer_for(iin=CONSULTANT_IIN)
    request_id = site.requests["wrong"]
    # a stand-in that lets the person pick a key outside the page's IIN filter
    with NCALayerStandIn(consultant.signer, honour_filters=False):
        page = _login(browser, site)
        page.goto(f"{site.url}/sign/{request_id}")
        page.click("#sign-button")
        page.wait_for_selector("#sign-refused")
        codes = page.locator("#sign-refused li.refusal").evaluate_all(
            "els => els.map(e => e.dataset.code)"
        )
        text = page.locator("#sign-refused").inner_text()
        shot(page, "sign-own-refused")
        page.context.close()
    assert codes == ["wrong_person"]
    assert "Қол қойған адам күтілген адам емес" in text
    store = SignRequests(site.home)
    try:
        assert store.get(request_id).state == "open"
    finally:
        store.close()


def _state(site: OwnSite, request_id: str) -> str:
    store = SignRequests(site.home)
    try:
        return store.get(request_id).state
    finally:
        store.close()


def _key_that_cannot_sign(signer: Signer) -> Signer:
    """The person's certificate with a key NCALayer cannot sign with (another key, of another
    algorithm): the token fails inside NCALayer, which answers INVOCATION_ERROR."""
    from asn1crypto import keys
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from pyhanko.sign.signers import SimpleSigner

    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return SimpleSigner(
        signing_cert=signer.signing_cert,
        signing_key=keys.PrivateKeyInfo.load(other),
        cert_registry=signer.cert_registry,
    )


@pytest.mark.slow
def test_sign_page_says_when_ncalayer_is_not_running(browser: Any, site: OwnSite) -> None:
    request_id = site.requests["wrong"]
    page = _login(browser, site)  # nothing listens on wss://127.0.0.1:13579
    page.goto(f"{site.url}/sign/{request_id}")
    said = failed_round(page, "#sign-button", "#sign-status")
    shot(page, "sign-own-no-ncalayer")
    page.context.close()
    assert said == (
        "NCALayer-ге қосылу мүмкін болмады: NCALayer іске қосылғанын тексеріп, қайталап көріңіз."
    )
    assert _state(site, request_id) == "open"


@pytest.mark.slow
def test_sign_page_says_when_the_person_cancels_in_ncalayer(browser: Any, site: OwnSite) -> None:
    """NCALayer offers only keys of the page's IIN; the person has none and closes its window
    (the stand-in answers an empty body, as NCALayer does then)."""
    consultant = site.pki.signer_for(iin=CONSULTANT_IIN)
    request_id = site.requests["wrong"]
    with NCALayerStandIn(consultant.signer) as standin:
        page = _login(browser, site)
        page.goto(f"{site.url}/sign/{request_id}")
        said = failed_round(page, "#sign-button", "#sign-status")  # on the page, not posted
        page.context.close()
    assert said == "Қол қою тоқтатылды."
    (call,) = [r for r in standin.requests if r.get("module") == "kz.gov.pki.knca.basics"]
    assert call["args"]["signerParams"]["iin"] == OFFICER_IIN
    assert _state(site, request_id) == "open"


@pytest.mark.slow
def test_sign_page_shows_ncalayers_error(browser: Any, site: OwnSite) -> None:
    officer = site.pki.signer_for(role="officer")
    request_id = site.requests["wrong"]
    with NCALayerStandIn(_key_that_cannot_sign(officer.signer)):
        page = _login(browser, site)
        page.goto(f"{site.url}/sign/{request_id}")
        said = failed_round(page, "#sign-button", "#sign-status")
        page.context.close()
    # the page's words first, then NCALayer's own (its code and message are not translated)
    assert said.startswith("NCALayer қатесі: INVOCATION_ERROR: An invoked method threw"), said
    assert _state(site, request_id) == "open"


@pytest.mark.slow
def test_sign_page_says_when_ncalayer_closes_the_connection(browser: Any, site: OwnSite) -> None:
    """NCALayer quits while the person is choosing her key: the page's WebSocket is routed
    through Playwright to the stand-in, and closed when the page sends its sign request."""
    officer = site.pki.signer_for(role="officer")
    request_id = site.requests["wrong"]
    sent: list[str] = []

    def quits_while_signing(ws: Any) -> None:
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            sent.append(str(message))
            if "kz.gov.pki.knca.basics" in str(message):
                ws.close()
            else:
                server.send(message)

        ws.on_message(from_page)

    with NCALayerStandIn(officer.signer):
        page = _login(browser, site)
        page.route_web_socket(re.compile(r"^wss://127\.0\.0\.1:13579/?$"), quits_while_signing)
        page.goto(f"{site.url}/sign/{request_id}")
        said = failed_round(page, "#sign-button", "#sign-status")
        page.context.close()
    assert any("kz.gov.pki.knca.basics" in m for m in sent)  # it was signing when it closed
    assert said == "NCALayer байланысты үзді: NCALayer-ді қайта іске қосып, қайталап көріңіз."
    assert _state(site, request_id) == "open"


@pytest.mark.slow
def test_sign_page_says_when_the_request_closed_meanwhile(browser: Any, site: OwnSite) -> None:
    """The request is cancelled while its page is open: there is nothing to sign any more, and
    NCALayer is not asked."""
    officer = site.pki.signer_for(role="officer")
    request_id = site.requests["closed"]
    with NCALayerStandIn(officer.signer) as standin:
        page = _login(browser, site)
        page.goto(f"{site.url}/sign/{request_id}")
        store = SignRequests(site.home)
        try:
            store.cancel(request_id)
        finally:
            store.close()
        said = failed_round(page, "#sign-button", "#sign-status")
        page.context.close()
    assert said == (
        "Қол қойылатын деректер алынбады: сұрау жабылған болуы мүмкін. Бетті жаңартыңыз. (HTTP 404)"
    )
    assert not [r for r in standin.requests if r.get("module") == "kz.gov.pki.knca.basics"]


def test_other_users_cannot_see_a_request(site: OwnSite, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from docflow.web import create_app
    from docflow.web.auth import AuthStore

    auth = AuthStore.for_home(site.home)
    try:
        if "anna" not in {u.name for u in auth.users()}:
            auth.add_user("anna", "archivist", "archivist-pw-1")
    finally:
        auth.close()
    with TestClient(create_app(site.home)) as client:
        page = client.get("/login")
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None
        form = {"name": "anna", "password": "archivist-pw-1", "csrf": found.group(1)}
        client.post("/login", data=form)
        assert client.get("/sign").status_code == 200
        assert client.get(f"/sign/{site.requests['good']}").status_code == 404
        assert client.get(f"/sign/{site.requests['good']}/data").status_code == 404


def _logged_out_page(browser: Any, site: OwnSite, language: str, path: str) -> Any:
    """A page at ``path`` of someone not logged in who chose ``language``."""
    page = browser.new_context(locale=f"{language}-KZ").new_page()
    page.set_default_timeout(60_000)
    set_language(page, site.url, language)
    page.goto(f"{site.url}{path}")
    return page


@pytest.mark.slow
def test_login_with_key_through_ncalayer(browser: Any, site: OwnSite) -> None:
    officer = site.pki.signer_for(role="officer")
    with NCALayerStandIn(officer.signer) as standin:
        page = _logged_out_page(browser, site, "kk", "/login")
        page.click("#login-with-key")
        page.wait_for_selector("#login-button")
        page.click("#login-button")
        page.wait_for_url(f"{site.url}/sign")
        assert page.locator(".user-name").inner_text() == "oleg"
        page.context.close()
    args = standin.requests[-1]["args"]
    assert args["signerParams"]["extKeyUsageOids"] == ["1.3.6.1.5.5.7.3.2"]  # a login key


@pytest.mark.slow
def test_login_with_an_unlinked_key_is_refused(browser: Any, site: OwnSite) -> None:
    consultant = site.pki.signer_for(iin=CONSULTANT_IIN)  # no web user signs as this IIN
    with NCALayerStandIn(consultant.signer):
        page = _logged_out_page(browser, site, "ru", "/login/key")
        page.click("#login-button")
        page.wait_for_selector("#login-refused")
        codes = page.locator("#login-refused li.refusal").evaluate_all(
            "els => els.map(e => e.dataset.code)"
        )
        said = page.locator("#login-refused").inner_text()
        assert page.locator(".user-name").count() == 0
        page.context.close()
    assert codes == ["unknown"]
    assert said == "Этот ИИН не связан ни с одним пользователем."


@pytest.mark.slow
def test_login_with_key_says_when_ncalayer_is_not_running(browser: Any, site: OwnSite) -> None:
    page = _logged_out_page(browser, site, "ru", "/login/key")
    said = failed_round(page, "#login-button", "#login-status")
    assert page.locator(".user-name").count() == 0
    page.context.close()
    assert said == (
        "Не удалось подключиться к NCALayer: проверьте, что NCALayer запущен, и повторите."
    )


def _off_the_loop(fn: Any, *args: Any) -> Any:
    """Run ``fn`` on another thread: Playwright keeps an event loop running in this one, and
    pyHanko's synchronous calls start loops of their own."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result(timeout=300)


@pytest.mark.slow
def test_report_signed_offline_by_consultant_then_in_browser_by_officer(
    browser: Any, site: OwnSite, tmp_path: Path
) -> None:
    """Issue 15's end-to-end in own mode, at the services the flow will call: the consultant
    signs offline with her own PKCS#12, then the officer signs in Chromium through NCALayer;
    the result is VALID, roles right, B-LTA, locked by the officer."""
    from click.testing import CliRunner

    from docflow.cli import main

    iin, name, passphrase = "750505400007", "Own Consultant DEMO", "her-own-passphrase"
    key = tmp_path / "her.p12"
    env = {"DOCFLOW_KEY_PASSPHRASE": passphrase}

    def consultant_stage() -> str:
        runner = CliRunner()
        home = str(site.home.root)
        r = runner.invoke(main, ["--home", home, "pki", "enroll", "--iin", iin, "--name", name,
                                 "--out", str(key)], env=env)  # fmt: skip
        assert r.exit_code == 0, r.output
        store = SignRequests(site.home)
        try:
            first = store.create(
                pdf_with_fields(text="CPD report 2025 own mode"),
                SignSpec("consultant", role="consultant"),
                document="CPD-2025-OWN-E2E",
                expected_iin=iin,
                signer_name=name,
            )
        finally:
            store.close()
        package, signed = tmp_path / "pkg.zip", tmp_path / "signed.zip"
        r = runner.invoke(main, ["--home", home, "sign-requests", "export", first.id,
                                 "-o", str(package)])  # fmt: skip
        assert r.exit_code == 0, r.output
        r = runner.invoke(main, ["sign-package", str(package), "--p12", str(key),
                                 "-o", str(signed)], env=env)  # fmt: skip
        assert r.exit_code == 0, r.output
        r = runner.invoke(main, ["--home", home, "sign-requests", "complete", first.id,
                                 str(signed)])  # fmt: skip
        assert r.exit_code == 0, r.output
        store = SignRequests(site.home)
        try:
            second = store.create(
                store.signed_pdf(first.id),
                SignSpec("officer", role="officer", lock=True),
                document="CPD-2025-OWN-E2E",
                expected_iin=OFFICER_IIN,
                signer_name="Демо Офицер (DEMO)",
            )
        finally:
            store.close()
        return second.id

    officer_request = _off_the_loop(consultant_stage)
    officer = site.pki.signer_for(role="officer")
    with NCALayerStandIn(officer.signer):
        page = _login(browser, site)
        page.goto(f"{site.url}/sign/{officer_request}")
        page.click("#sign-button")
        page.wait_for_selector("#sign-done")
        page.context.close()
    store = SignRequests(site.home)
    try:
        final = store.signed_pdf(officer_request)
    finally:
        store.close()
    report = _off_the_loop(lambda: verify_pdf(final, trust_roots=site.pki.trust_roots()))
    assert report.verdict == "valid", report.to_json()
    people = [(s.field, s.iin) for s in report.signatures if s.iin]
    assert people == [("consultant", iin), ("officer", OFFICER_IIN)]
    assert sum(1 for s in report.signatures if s.role == "timestamp") >= 2  # B-LTA after each
    officer_status = next(s for s in report.signatures if s.field == "officer")
    assert officer_status.docmdp_ok is not False

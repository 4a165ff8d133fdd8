"""Issue 15: a batch of requests (an event's certificates) signed in the browser with ONE
NCALayer call. ``kz.gov.pki.knca.basics`` ``sign`` takes an array of data and answers an array
of CMS (ncalayer-js-client's ``basicsSignCMS`` with an array); the NCALayer stand-in really
signs each element with the person's key, and docflow checks and completes each on its own."""

from __future__ import annotations

import os

import pytest

from docflow.config import Home
from docflow.pki import Pki
from docflow.pki.testing import OFFICER_IIN, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec
from docflow.signreq import SignRequests, batch_document
from docflow.testing.ncalayer import NCALayerStandIn
from docflow.verify import verify_pdf
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, shot, start_server

PASSWORD = "issuer-pw-12"  # a test user's password
BATCH = "S20250410120000-0badcafe"


@pytest.mark.slow
def test_issue_15_a_batch_is_signed_with_one_ncalayer_call(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from playwright.sync_api import sync_playwright

    from docflow.web import create_app
    from docflow.web.auth import AuthStore

    home = Home(tmp_path_factory.mktemp("batch-web")).ensure()
    pki: Pki = make_test_pki(home)
    auth = AuthStore.for_home(home)
    auth.add_user("ivan", "officer", PASSWORD)
    auth.close()
    store = SignRequests(home)
    store.set_user_iin("ivan", OFFICER_IIN)
    ids = [
        store.create(
            pdf_with_fields(("officer",), text=f"certificate {i}"),
            SignSpec("officer", role="officer", lock=True, locale="kk"),
            document=batch_document(BATCH, f"KZC-TEST{i}"),
            expected_iin=OFFICER_IIN,
            signer_name="Демо Офицер (DEMO)",
        ).id
        for i in range(3)
    ]
    lone = store.create(  # not of the batch: stays open
        pdf_with_fields(("officer",), text="another"),
        SignSpec("officer", role="officer", lock=True, locale="kk"),
        document="another-document",
        expected_iin=OFFICER_IIN,
        signer_name="Демо Офицер (DEMO)",
    ).id
    store.close()
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is not installed (apt-get install chromium)")
    server, thread, url = start_server(create_app(home))
    officer = pki.signer_for(role="officer")
    try:
        with NCALayerStandIn(officer.signer) as standin, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"]
            )
            try:
                page = browser.new_context(locale="kk-KZ").new_page()
                page.set_default_timeout(60_000)
                page.goto(f"{url}/login")
                page.fill("#name", "ivan")
                page.fill("#password", PASSWORD)
                page.click("form.stack button[type=submit]")
                page.wait_for_load_state()
                page.goto(f"{url}/sign")
                page.locator(f"#sign-batches li[data-batch='{BATCH}'] a").click()
                page.wait_for_load_state()
                assert page.locator("#batch-count").inner_text() == "3"
                page.click("#sign-batch-button")
                page.wait_for_selector("#batch-results")
                accepted = page.locator("#batch-results li").evaluate_all(
                    "els => els.map(e => [e.dataset.id, e.dataset.accepted])"
                )
                shot(page, "sign-batch-done")
            finally:
                browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=20)
    calls = [r for r in standin.requests if r.get("module") == "kz.gov.pki.knca.basics"]
    assert len(calls) == 1  # one NCALayer call for the whole batch
    args = calls[0]["args"]
    assert isinstance(args["data"], list) and len(args["data"]) == 3
    assert args["signingParams"]["digested"] is False and args["signerParams"]["iin"] == OFFICER_IIN
    assert sorted(accepted) == sorted([i, "yes"] for i in ids)
    store = SignRequests(home)
    try:
        assert store.get(lone).state == "open"
        for request_id in ids:
            assert store.get(request_id).state == "signed"
            report = verify_pdf(store.signed_pdf(request_id), trust_roots=pki.trust_roots())
            assert report.verdict == "valid", report.to_json()
            assert report.signatures[0].iin == OFFICER_IIN
    finally:
        store.close()

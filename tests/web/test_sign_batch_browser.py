"""Issue 15: a batch of requests (an event's certificates) signed in the browser with ONE
NCALayer call. ``kz.gov.pki.knca.basics`` ``sign`` takes an array of data and answers an array
of CMS (ncalayer-js-client's ``basicsSignCMS`` with an array); the NCALayer stand-in really
signs each element with the person's key, and docflow checks and completes each on its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from docflow.config import Home
from docflow.pki import Pki
from docflow.pki.testing import CONSULTANT_IIN, OFFICER_IIN, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec
from docflow.signreq import SignRequests, batch_document
from docflow.testing.ncalayer import NCALayerStandIn
from docflow.verify import verify_pdf
from tests.web.conftest import shot, start_server
from tests.web.ncalayer_support import log_in, ncalayer_chromium

PASSWORD = "issuer-pw-12"  # a test user's password
BATCH = "S20250410120000-0badcafe"


def _home_with_a_batch(
    tmp_path_factory: pytest.TempPathFactory, name: str, prefix: str, locale: str = "kk"
) -> tuple[Home, Pki, list[str]]:
    """A home with a demo PKI, the officer's web user ``ivan`` and three open requests of
    batch ``BATCH`` for the officer's IIN."""
    from docflow.web.auth import AuthStore

    home = Home(tmp_path_factory.mktemp(name)).ensure()
    pki = make_test_pki(home)
    auth = AuthStore.for_home(home)
    auth.add_user("ivan", "officer", PASSWORD)
    auth.close()
    store = SignRequests(home)
    try:
        store.set_user_iin("ivan", OFFICER_IIN)
        ids = [
            _officer_request(
                store, f"certificate {i}", batch_document(BATCH, f"{prefix}{i}"), locale
            )
            for i in range(3)
        ]
    finally:
        store.close()
    return home, pki, ids


def _officer_request(store: SignRequests, text: str, document: str, locale: str = "kk") -> str:
    return store.create(
        pdf_with_fields(("officer",), text=text),
        SignSpec("officer", role="officer", lock=True, locale=locale),
        document=document,
        expected_iin=OFFICER_IIN,
        signer_name="Демо Офицер (DEMO)",
    ).id


@contextmanager
def _batch_page(home: Home) -> Iterator[Any]:
    """``ivan``'s page of batch ``BATCH`` in headless Chromium, on a server of its own."""
    from docflow.web import create_app

    server, thread, url = start_server(create_app(home))
    try:
        with ncalayer_chromium() as browser:
            page = log_in(browser, url, "ivan", PASSWORD)
            page.goto(f"{url}/sign")
            page.locator(f"#sign-batches li[data-batch='{BATCH}'] a").click()
            page.wait_for_load_state()
            yield page
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.mark.slow
def test_issue_15_a_batch_is_signed_with_one_ncalayer_call(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    home, pki, ids = _home_with_a_batch(tmp_path_factory, "batch-web", "KZC-TEST")
    store = SignRequests(home)
    try:  # not of the batch: stays open
        lone = _officer_request(store, "another", "another-document")
    finally:
        store.close()
    officer = pki.signer_for(role="officer")
    with NCALayerStandIn(officer.signer) as standin, _batch_page(home) as page:
        assert page.locator("#batch-count").inner_text() == "3"
        page.click("#sign-batch-button")
        page.wait_for_selector("#batch-results")
        accepted = page.locator("#batch-results li").evaluate_all(
            "els => els.map(e => [e.dataset.id, e.dataset.accepted])"
        )
        shot(page, "sign-batch-done")
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


@pytest.mark.slow
def test_issue_15_a_batch_signed_with_another_persons_key_is_refused_on_the_page(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The person picks a key outside the page's IIN filter (a stand-in that lets her): every
    signature is refused, each row says so with the reason, and the batch stays to sign."""
    home, pki, ids = _home_with_a_batch(tmp_path_factory, "batch-wrong", "KZC-WRONG")
    consultant = pki.signer_for(iin=CONSULTANT_IIN)
    with NCALayerStandIn(consultant.signer, honour_filters=False), _batch_page(home) as page:
        page.click("#sign-batch-button")
        page.wait_for_selector("#batch-results")
        rows = page.locator("#batch-results li").evaluate_all(
            "els => els.map(e => [e.dataset.id, e.dataset.accepted,"
            " [...e.querySelectorAll('.refusal')].map(r => r.dataset.code)])"
        )
        said = page.locator("#batch-results").inner_text()
        still_to_sign = page.locator("#batch-count").inner_text()
        shot(page, "sign-batch-refused")
    assert sorted(rows) == sorted([i, "no", ["wrong_person"]] for i in ids)
    assert said.count("Қабылданбады") == 3, said
    assert said.count("Қол қойған адам күтілген адам емес") == 3, said
    assert still_to_sign == "3"
    store = SignRequests(home)
    try:
        assert [store.get(i).state for i in ids] == ["open"] * 3
    finally:
        store.close()


def test_issue_15_a_large_batch_is_completed_in_the_background(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Above BATCH_INLINE answers the page returns at once and a thread checks and completes
    each; one signature over other bytes stays open with its reason, the others are signed."""
    import base64
    import json
    import re
    import time
    from datetime import UTC, datetime

    from fastapi.testclient import TestClient

    from docflow.sign._cmsmake import detached_cms
    from docflow.web import create_app

    home, pki, ids = _home_with_a_batch(tmp_path_factory, "batch-bg", "KZC-BG", locale="ru")
    app = create_app(home)
    app.state.docflow.extras["signreq.batch_inline"] = 1
    officer = pki.signer_for(role="officer")
    moment = datetime.now(UTC).replace(microsecond=0)
    with TestClient(app) as client:
        page = client.get("/login")
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None
        client.post("/login", data={"name": "ivan", "password": PASSWORD, "csrf": found.group(1)})
        page = client.get(f"/sign/batch/{BATCH}")
        assert page.status_code == 200
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None
        batch = client.get(f"/sign/batch/{BATCH}/data").json()
        assert batch["ids"] == ids
        signatures = []
        for request_id, data in zip(batch["ids"], batch["data"], strict=True):
            signed = base64.b64decode(data)
            if request_id == ids[2]:
                signed += b"% other bytes"
            cms = detached_cms(officer.signer, signed, signing_time=moment)
            signatures.append(base64.b64encode(cms).decode("ascii"))
        answers = json.dumps({"ids": batch["ids"], "cms": signatures})
        done = client.post(f"/sign/batch/{BATCH}", data={"csrf": found.group(1),
                                                         "answers": answers})  # fmt: skip
        assert done.status_code == 200 and 'id="batch-checking"' in done.text
        store = SignRequests(home)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                records = [store.get(i) for i in ids]
                if records[2].last_refusal and all(r.state == "signed" for r in records[:2]):
                    break
                time.sleep(0.5)
            assert [r.state for r in records] == ["signed", "signed", "open"]
            assert records[2].last_refusal and records[2].last_refusal[0]["code"] == "other_bytes"
        finally:
            store.close()

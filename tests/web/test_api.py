"""The JSON API under /api/v1 (issue 15, way 3): its OpenAPI document, per-user tokens, a
submission, a signing request signed and posted back, a refusal, and the public verify."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from docflow.config import Home
from docflow.pki import Pki, TrustServices
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec, detached_cms
from docflow.signreq import SignRequests


@dataclass
class Api:
    home: Home
    pki: Pki
    client: TestClient
    token: str
    requests: list[str]

    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    from docflow.web import create_app
    from docflow.web.auth import AuthStore

    home = Home(tmp_path_factory.mktemp("api")).ensure()
    pki = make_test_pki(home)
    auth = AuthStore.for_home(home)
    auth.add_user("asel", "archivist", "consultant-pw-1")
    auth.close()
    store = SignRequests(home)
    store.set_user_iin("asel", CONSULTANT_IIN)
    token = store.new_token("asel")
    ids = [
        store.create(
            pdf_with_fields(text=f"api test {i}"),
            SignSpec("consultant", role="consultant"),
            document=f"CPD-2025-API-{i}",
            expected_iin=CONSULTANT_IIN,
            signer_name=CONSULTANT_NAME,
        ).id
        for i in range(2)
    ]
    store.close()
    with TestClient(create_app(home)) as client:
        yield Api(home, pki, client, token, ids)


def test_openapi_document_is_served(api: Api) -> None:
    doc = api.client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path in (
        "/verify",
        "/submissions",
        "/submissions/{sha256}",
        "/sign-requests",
        "/sign-requests/{request_id}",
        "/sign-requests/{request_id}/signature",
    ):
        assert path in paths, path
    assert "post" in paths["/sign-requests/{request_id}/signature"]


def test_api_needs_a_token(api: Api) -> None:
    assert api.client.get("/api/v1/sign-requests").status_code == 401
    bad = {"authorization": "Bearer dft_not-a-token"}
    assert api.client.get("/api/v1/sign-requests", headers=bad).status_code == 401


def test_signature_posted_through_the_api_completes_the_request(api: Api) -> None:
    listed = api.client.get("/api/v1/sign-requests", headers=api.auth()).json()
    assert {r["id"] for r in listed} == set(api.requests)
    request_id = api.requests[0]
    data = api.client.get(f"/api/v1/sign-requests/{request_id}/data", headers=api.auth()).text
    signer = api.pki.signer_for(iin=CONSULTANT_IIN)
    signature = detached_cms(
        signer.signer, base64.b64decode(data), signing_time=datetime.now(UTC).replace(microsecond=0)
    )
    answer = api.client.post(
        f"/api/v1/sign-requests/{request_id}/signature", headers=api.auth(), content=signature
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["accepted"] and body["request"]["state"] == "signed"
    assert body["signer_iin"] == CONSULTANT_IIN
    # the completed PDF verifies through the public verify call
    store = SignRequests(api.home)
    try:
        pdf = store.signed_pdf(request_id)
    finally:
        store.close()
    with TrustServices(api.home):  # verify may fetch nothing; the services are for symmetry
        report = api.client.post("/api/v1/verify", content=pdf).json()
    # Issue 19's document policy: the consultant's signature is valid, and the report is not
    # complete while the officer's field is empty (the one document-level finding).
    assert report["signatures"][0]["verdict"] == "valid"
    assert report["signatures"][0]["iin"] == CONSULTANT_IIN
    assert [f["key"] for f in report["findings"]] == ["policy.field_empty"]
    # a second signature for the closed request
    again = api.client.post(
        f"/api/v1/sign-requests/{request_id}/signature", headers=api.auth(), content=signature
    )
    assert again.status_code == 409


def test_signature_over_other_bytes_is_refused_through_the_api(api: Api) -> None:
    request_id = api.requests[1]
    signer = api.pki.signer_for(iin=CONSULTANT_IIN)
    signature = detached_cms(signer.signer, b"some other bytes")
    answer = api.client.post(
        f"/api/v1/sign-requests/{request_id}/signature",
        headers=api.auth(),
        content=base64.b64encode(signature),
    )
    assert answer.status_code == 422
    body: dict[str, Any] = answer.json()
    assert not body["accepted"] and body["request"]["state"] == "open"
    assert [r["code"] for r in body["refusals"]] == ["other_bytes"]
    assert body["refusals"][0]["kk"] and body["refusals"][0]["ru"]


def test_submission_posted_through_the_api_lands_in_the_inbox(api: Api) -> None:
    submission = json.dumps({"kind": "cpd-report", "year": 2025}).encode()
    answer = api.client.post(
        "/api/v1/submissions?suffix=.json", headers=api.auth(), content=submission
    )
    assert answer.status_code == 202
    digest = hashlib.sha256(submission).hexdigest()
    assert answer.json()["sha256"] == digest
    dropped = list(api.home.inbox.glob("api-*.json"))
    assert [p.read_bytes() for p in dropped] == [submission]
    status = api.client.get(answer.json()["status_url"], headers=api.auth()).json()
    assert status["state"] == "queued"
    assert api.client.post("/api/v1/submissions?suffix=.exe", headers=api.auth(),
                           content=b"x").status_code == 400  # fmt: skip

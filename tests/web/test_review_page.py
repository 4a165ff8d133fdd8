"""The officer's review page (R-3.1b, R-7.4) through Starlette's TestClient: the findings and the
reasons in the reader's language (stored as findings, not English text), the points of an
"other" activity starting at 0 rather than at the claim, and the exemption decision."""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from docflow.config import Home
from docflow.inbox.journal import Journal
from docflow.intake.parse import load_submission_bytes
from docflow.rules import evaluate_cpd
from docflow.web import create_app
from docflow.web.auth import AuthStore

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "officer-pw-12"
TOKEN = "S20260210093000-page0001"


def _seed(home: Home) -> dict[str, Any]:
    """A report waiting for the officer as the flow leaves it: its input, ``verdict.json`` and
    ``review.json`` whose reasons are findings (``docflow.workflow.cpd.Decide``)."""
    source = "04-abenova-2025.zip"
    raw = (REPO / "samples" / "inbox" / source).read_bytes()
    loaded = load_submission_bytes(source, raw, base_dir=None, today=date(2026, 2, 10))
    verdict = evaluate_cpd(
        loaded.model,  # type: ignore[arg-type]
        filed_on=date(2026, 2, 10),
        evidence_names=loaded.evidence_names,
    )
    assert verdict.verdict == "needs_review"
    workdir = home.state / "work" / TOKEN
    workdir.mkdir(parents=True)
    (workdir / "input.zip").write_bytes(raw)
    (workdir / "verdict.json").write_text(json.dumps(verdict.to_json()), encoding="utf-8")
    reasons = [f.to_json() for f in verdict.findings if f.clause == "R-3.1b"]
    (workdir / "review.json").write_text(json.dumps({"reasons": reasons}), encoding="utf-8")
    journal = Journal(home.state / "journal.sqlite")
    try:
        journal.add(TOKEN, source, hashlib.sha256(raw).hexdigest())
        journal.update(
            TOKEN,
            state="review",
            stage="signed:consultant",
            kind="cpd-report",
            full_name="Әбенова Гүлнар Серікқызы",
            iin="820130409335",
            year=2025,
        )
    finally:
        journal.close()
    return verdict.to_json()


@pytest.fixture
def officer(home: Home) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    verdict = _seed(home)
    store = AuthStore.for_home(home)
    store.add_user("oleg", "officer", PASSWORD)
    app = create_app(home, auth=store)
    with TestClient(app) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert token
        client.post("/login", data={"csrf": token.group(1), "name": "oleg", "password": PASSWORD})
        yield client, verdict
    store.close()


def _page(client: TestClient, lang: str) -> str:
    client.cookies.set("docflow_lang", lang)
    page = client.get(f"/review/{TOKEN}")
    assert page.status_code == 200, page.text[:300]
    return html.unescape(page.text)


@pytest.mark.parametrize(("lang", "words"), [("ru", "мероприятие"), ("kk", "іс-шара")])
def test_R_3_1b_findings_and_reasons_are_in_the_readers_language(
    officer: tuple[TestClient, dict[str, Any]], lang: str, words: str
) -> None:
    client, verdict = officer
    text = _page(client, lang)
    findings = text.split('id="findings"', 1)[1].split("</ul>", 1)[0]
    reasons = text.split('id="reasons"', 1)[1].split("</ul>", 1)[0]
    english = [f["message"] for f in verdict["findings"]]
    for shown in (findings, reasons):
        assert words in shown.casefold(), shown
        assert not any(m in shown for m in english), shown


def test_R_3_1b_the_points_of_an_other_activity_start_at_zero_not_at_the_claim(
    officer: tuple[TestClient, dict[str, Any]],
) -> None:
    client, verdict = officer
    text = _page(client, "ru")
    other = [a for a in verdict["activities"] if a["form"] == "other"]
    assert other and all(a["claimed_points"] for a in other)
    inputs = re.findall(r'<input class="points"[^>]*>', text)
    assert len(inputs) == len(other)
    assert all('value="0"' in i for i in inputs), inputs


def test_R_7_4_the_page_asks_the_officer_to_decide_a_claimed_exemption(home: Home) -> None:
    """A report whose exemption the roster does not confirm: the approve form carries the
    decision (accept / refuse), required, with the ground in the reader's language."""
    import yaml

    data = {
        "kind": "cpd-report", "year": 2025, "locale": "kk",
        "consultant": {"full_name": "Әбенова Гүлнар Серікқызы", "iin": "820130409335",
                       "chamber": "Алматы қаласының заң консультанттары палатасы",
                       "member_since": "2019-03-01"},
        "exemption": {"reason": "childcare_leave", "from": "2024-06-01", "to": "2027-06-01"},
        "activities": [],
    }  # fmt: skip
    raw = yaml.safe_dump(data, allow_unicode=True).encode("utf-8")
    loaded = load_submission_bytes("claim.yaml", raw, base_dir=None, today=date(2026, 2, 10))
    verdict = evaluate_cpd(
        loaded.model,  # type: ignore[arg-type]
        filed_on=date(2026, 2, 10),
        evidence_names=set(),
    )
    assert verdict.verdict == "needs_review"
    token = "S20260210093000-page0002"
    workdir = home.state / "work" / token
    workdir.mkdir(parents=True)
    (workdir / "input.yaml").write_bytes(raw)
    (workdir / "verdict.json").write_text(json.dumps(verdict.to_json()), encoding="utf-8")
    reasons = [f.to_json() for f in verdict.findings if f.clause == "R-7.4"]
    (workdir / "review.json").write_text(json.dumps({"reasons": reasons}), encoding="utf-8")
    journal = Journal(home.state / "journal.sqlite")
    try:
        journal.add(token, "claim.yaml", hashlib.sha256(raw).hexdigest())
        journal.update(token, state="review", kind="cpd-report", year=2025)
    finally:
        journal.close()
    store = AuthStore.for_home(home)
    store.add_user("oleg", "officer", PASSWORD)
    with TestClient(create_app(home, auth=store)) as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert csrf
        client.post("/login", data={"csrf": csrf.group(1), "name": "oleg", "password": PASSWORD})
        client.cookies.set("docflow_lang", "ru")
        text = html.unescape(client.get(f"/review/{token}").text)
    store.close()
    fieldset = text.split('id="exemption-decision"', 1)[1].split("</fieldset>", 1)[0]
    assert "отпуск по уходу за ребёнком" in fieldset
    assert 'value="accept" required' in fieldset and 'value="refuse" required' in fieldset
    reasons_shown = text.split('id="reasons"', 1)[1].split("</ul>", 1)[0]
    assert "реестр" in reasons_shown.casefold(), reasons_shown

"""Fixtures for the web page: a home with a demo PKI, really signed PDFs in a real archive, a
report waiting in the officer's queue, users, a uvicorn server on a free port and headless
Chromium (Debian's, driven by Playwright).

PDFs are signed with pyHanko directly (as the verify tests do), so these tests depend on the
signing module only where the page itself uses it: the officer's approval.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from docflow.archive import Archive
from docflow.config import Home
from docflow.pki import TrustServices
from docflow.pki.testing import (
    CONSULTANT_IIN,
    CONSULTANT_NAME,
    OFFICER_IIN,
    OTHER_IIN,
    free_port,
)
from tests.support.pdfs import blank_pdf, with_fields
from tests.support.pki import DemoPki
from tests.support.signing import PyHankoSigning as Kit

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

CHAMBER = "Алматы қаласының заң консультанттары палатасы"
REVIEW_IIN = "820130409335"
REVIEW_NAME = "Әбенова Гүлнар Серікқызы"
CERT_SERIAL = "KZ-2025-000123"
REVOKED_SERIAL = "KZ-2025-000124"
PASSWORDS = {"anna": "archivist-pw-1", "oleg": "officer-pw-12", "root": "admin-pw-123"}
ROLES = {"anna": "archivist", "oleg": "officer", "root": "admin"}


# --------------------------------------------------------------------------- the home


@dataclass
class WebHome:
    home: Home
    kit: Kit
    good_pdf: bytes
    returned_pdf: bytes
    report_v1: str
    report_v2: str
    certificate_id: str
    review_token: str
    extra: dict[str, Any] = field(default_factory=dict)


def _report_record(version: int, outcome: str, previous: str | None) -> dict[str, Any]:
    events = [
        {"type": "received", "at": "2026-02-05T09:00:00+00:00", "actor": "inbox",
         "detail": "01-seitkali-2025.zip"},
        {"type": "checked", "at": "2026-02-05T09:00:01+00:00", "actor": "docflow",
         "detail": "verdict compliant, 12 pts"},
        {"type": "signed", "at": "2026-02-05T09:00:05+00:00", "actor": CONSULTANT_NAME,
         "detail": "consultant"},
    ]  # fmt: skip
    if outcome == "returned":
        events.append({"type": "returned", "at": "2026-02-05T10:00:00+00:00",
                       "actor": "oleg", "detail": "R-7.5: evidence missing"})  # fmt: skip
    else:
        events.append({"type": "signed", "at": "2026-02-07T10:00:00+00:00",
                       "actor": "Officer DEMO", "detail": "officer"})  # fmt: skip
    return {
        "kind": "cpd-report",
        "outcome": outcome,
        "full_name": CONSULTANT_NAME,
        "iin": CONSULTANT_IIN,
        "year": 2025,
        "chamber": CHAMBER,
        "member_since": "2019-03-01",
        "locale": "kk",
        "series": f"cpd-report/{CONSULTANT_IIN}/2025",
        "version": version,
        "previous": previous,
        "source": "01-seitkali-2025.zip",
        "input_sha256": hashlib.sha256(f"input-{version}".encode()).hexdigest(),
        "submitted_on": "2026-02-05",
        "deadline": "2026-02-15",
        "late": False,
        "total_points": 12 if outcome != "returned" else 9,
        "required_points": 10,
        "signers": [{"role": "consultant", "name": CONSULTANT_NAME, "iin": CONSULTANT_IIN}],
        "remarks": ["R-7.5: evidence missing"] if outcome == "returned" else [],
        "events": events,
    }


def _certificate_record(serial: str, name: str, iin: str) -> dict[str, Any]:
    return {
        "kind": "certificate",
        "outcome": "issued",
        "serial": serial,
        "full_name": name,
        "iin": iin,
        "year": 2025,
        "chamber": CHAMBER,
        "event": {"title": "Азаматтық процестегі соңғы өзгерістер", "form": 2,
                  "organizer": CHAMBER, "date": "2025-03-14", "hours": 8, "place": "online"},
        "form": 2,
        "points": 4,
        "issuer": {"full_name": "Issuer DEMO", "position": "Төраға", "chamber": CHAMBER},
        "signers": [{"role": "issuer", "name": "Issuer DEMO", "iin": OTHER_IIN}],
        "events": [{"type": "signed", "at": "2025-03-15T10:00:00+00:00",
                    "actor": "Issuer DEMO", "detail": "issuer"}],
    }  # fmt: skip


def _seed_review(kit: Kit, home: Home, token: str, comment: bytes = b"") -> str:
    """A report waiting for the officer, as the workflow leaves it: a journal row in state
    ``review`` and its work folder (input, verdict, reasons, the consultant-signed PDF).
    ``comment`` (a ZIP comment) makes another input with the same content."""
    from docflow.inbox.journal import Journal
    from docflow.intake.parse import load_submission_bytes
    from docflow.rules import evaluate_cpd

    source = "04-abenova-2025.zip"
    raw = (REPO / "samples" / "inbox" / source).read_bytes()
    if comment:
        buffer = io.BytesIO(raw)
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.comment = comment
        raw = buffer.getvalue()
    today = date(2026, 2, 10)
    loaded = load_submission_bytes(source, raw, base_dir=None, today=today)
    report: Any = loaded.model
    verdict = evaluate_cpd(report, today=today, evidence_names=loaded.evidence_names)
    assert verdict.verdict == "needs_review", verdict.verdict
    sha = hashlib.sha256(raw).hexdigest()
    workdir = home.state / "work" / token
    workdir.mkdir(parents=True)
    (workdir / "input.zip").write_bytes(raw)
    (workdir / "verdict.json").write_text(json.dumps(verdict.to_json(), ensure_ascii=False))
    reasons = [f"{f.clause}: {f.message}" for f in verdict.findings if f.clause == "R-3.1b"]
    (workdir / "review.json").write_text(json.dumps({"reasons": reasons}, ensure_ascii=False))
    unsigned = with_fields(
        blank_pdf("CPD report 2025 Abenova"), ("consultant", "officer"), locking="officer"
    )
    (workdir / "signed-consultant.pdf").write_bytes(kit.sign(unsigned, "consultant", REVIEW_IIN))
    journal = Journal(home.state / "journal.sqlite")
    try:
        journal.add(token, source, sha)
        journal.update(token, state="review", stage="signed:consultant", kind="cpd-report",
                       full_name=REVIEW_NAME, iin=REVIEW_IIN, year=2025,
                       reason="; ".join(reasons))  # fmt: skip
    finally:
        journal.close()
    return token


@pytest.fixture(scope="session")
def web_home(tmp_path_factory: pytest.TempPathFactory, demo_pki: DemoPki) -> Iterator[WebHome]:
    home, pki = demo_pki.copy_to(tmp_path_factory.mktemp("web-home") / "home")
    pki.enroll(REVIEW_IIN, REVIEW_NAME, "consultant")
    with TrustServices(home) as services:
        kit = Kit(pki, services)
        base = with_fields(blank_pdf("CPD report 2025 Seitkali"), ("consultant", "officer"))
        returned_pdf = kit.sign(base, "consultant", CONSULTANT_IIN)
        base2 = with_fields(blank_pdf("CPD report 2025 Seitkali v2"), ("consultant", "officer"))
        good = kit.sign(kit.sign(base2, "consultant", CONSULTANT_IIN), "officer", OFFICER_IIN,
                        lta=True)  # fmt: skip
        cert_pdf = kit.sign(with_fields(blank_pdf("Certificate KZ-2025-000123"), ("issuer",)),
                            "issuer", OTHER_IIN, lta=True)  # fmt: skip
        revoked_pdf = kit.sign(with_fields(blank_pdf("Certificate KZ-2025-000124"), ("issuer",)),
                               "issuer", OTHER_IIN, lta=True)  # fmt: skip
        v1, v2 = "CPD-2025-AAAAAAAAAAA1", "CPD-2025-AAAAAAAAAAA2"
        with Archive(home) as archive:
            archive.store(_report_record(1, "returned", None), returned_pdf, record_id=v1)
            archive.store(_report_record(2, "compliant", v1), good, record_id=v2)
            archive.store(_certificate_record(CERT_SERIAL, CONSULTANT_NAME, CONSULTANT_IIN),
                          cert_pdf, record_id="CERT-KZ-2025-000123")  # fmt: skip
            archive.store(_certificate_record(REVOKED_SERIAL, "Иванова Мария", "750505400007"),
                          revoked_pdf, record_id="CERT-KZ-2025-000124")  # fmt: skip
            archive.set_status("CERT-KZ-2025-000124", "revoked", reason="issued in error",
                               at=datetime.now(UTC))  # fmt: skip
        token = _seed_review(kit, home, "S20260210093000-web00001")
        second = _seed_review(kit, home, "S20260210093100-web00002", comment=b"second")
    # The trust services stop here: the officer's approval starts its own on the PKI's port.
    from docflow.web.auth import AuthStore

    store = AuthStore.for_home(home)
    for name, password in PASSWORDS.items():
        store.add_user(name, ROLES[name], password)
    store.close()
    yield WebHome(
        home,
        kit,
        good,
        returned_pdf,
        v1,
        v2,
        "CERT-KZ-2025-000123",
        token,
        {"second_review": second},
    )


# --------------------------------------------------------------------------- server + browser


@dataclass
class LiveServer:
    url: str
    app: Any


def start_server(app: Any, port: int | None = None) -> tuple[Any, threading.Thread, str]:
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="uvicorn")
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def live(web_home: WebHome) -> Iterator[LiveServer]:
    from docflow.web import create_app

    app = create_app(web_home.home)
    server, thread, url = start_server(app)
    try:
        yield LiveServer(url, app)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture(scope="module")
def browser(live: LiveServer) -> Iterator[Any]:
    # Playwright's sync API keeps an event loop running in this thread while it lives, where
    # pyHanko's own asyncio.run() would fail: the signed fixtures (via ``live``) are made
    # before it starts, and it ends with its module so later test modules never see it.
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):  # a missing tool is a failure, never a skip
        pytest.fail(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="kk-KZ")
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    try:
        yield pg
    finally:
        context.close()


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def set_language(page: Any, base: str, code: str) -> None:
    page.context.add_cookies([{"name": "docflow_lang", "value": code, "url": base}])


def login(page: Any, base: str, name: str, password: str | None = None) -> None:
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", password if password is not None else PASSWORDS[name])
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()


def copy_home(src: Home, dest: Path) -> Home:
    shutil.copytree(src.root, dest)
    return Home(dest)

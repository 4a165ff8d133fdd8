"""A certificate issued by docflow itself (LibreOffice, issuer's signature, QR address) checked
through the page: its QR target ``/v/<serial>`` and an upload of its PDF, in Chromium."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from docflow.config import Home
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, free_port, make_test_pki

from .conftest import set_language, shot, start_server

pytestmark = pytest.mark.slow

CHAMBER = "Алматы қаласының заң консультанттары палатасы"
T = TypeVar("T")


def in_thread(fn: Callable[[], T]) -> T:
    """Run ``fn`` on a fresh thread: pyHanko calls asyncio.run(), which cannot run on a thread
    where Playwright's sync API already keeps an event loop."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised on the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


@dataclass
class Issued:
    url: str
    record: dict[str, Any]
    pdf: bytes


def issue_one(home: Home) -> tuple[dict[str, Any], bytes]:
    from docflow.archive import Archive
    from docflow.config import Clock
    from docflow.inbox.runner import Runner
    from docflow.workflow.build import build_flow
    from docflow.workflow.services import build_services

    batch = {
        "kind": "event-certificates",
        "locale": "kk",
        "event": {"title": "Азаматтық процестегі соңғы өзгерістер", "form": 2,
                  "organizer": CHAMBER, "date": "2025-03-14", "hours": 8, "place": "online"},
        "issuer": {"full_name": "Issuer DEMO", "position": "Палата төрағасы", "chamber": CHAMBER},
        "participants": [{"full_name": CONSULTANT_NAME, "iin": CONSULTANT_IIN}],
    }  # fmt: skip
    target = home.inbox / "seminar.yaml"
    part = home.inbox / ".seminar.yaml.part"
    part.write_bytes(yaml.safe_dump(batch, allow_unicode=True).encode("utf-8"))
    part.rename(target)
    parts = build_services(home, clock=Clock(date(2025, 6, 2)))
    runner = Runner(home, build_flow(parts), workers=1, settle=0)
    try:
        runner.run_once()
        (entry,) = runner.journal.entries()
    finally:
        runner.close()
        parts.close()
    assert entry.state == "archived", entry.reason
    with Archive(home) as archive:
        (record,) = archive.search(kind="certificate")
        return record, archive.pdf_bytes(record["id"])


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issued]:
    from docflow.web import create_app

    root = tmp_path_factory.mktemp("real-cert") / "home"
    home = Home(root).ensure()
    port = free_port()
    # The QR code encodes <base_url>/v/<serial>: point it at the server started below.
    (root / "docflow.toml").write_text(f'base_url = "http://127.0.0.1:{port}"\n')
    in_thread(lambda: make_test_pki(home, issuer=True))
    record, pdf = in_thread(lambda: issue_one(home))
    server, thread, url = start_server(create_app(home), port=port)
    try:
        yield Issued(url, record, pdf)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_qr_address_of_an_issued_certificate_opens_its_page(
    page: Any, issued: Issued, lang: str
) -> None:
    address = issued.record["verify_url"]
    assert address.startswith(f"{issued.url}/v/")
    set_language(page, issued.url, lang)
    page.goto(address)
    assert page.get_attribute("#cert-status", "data-status") == "active"
    assert CONSULTANT_NAME in page.inner_text("#participant")
    assert "9004******27" in page.inner_text("main")
    assert CONSULTANT_IIN not in page.content()
    shot(page, f"real-certificate-{lang}")


def test_uploading_an_issued_certificate_names_it(
    page: Any, issued: Issued, tmp_path: Path
) -> None:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(issued.pdf)
    page.goto(f"{issued.url}/verify")
    page.set_input_files("#file", str(path))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("#verdict")
    assert page.get_attribute("#verdict", "data-verdict") == "valid"
    box = page.inner_text("#certificate")
    assert issued.record["serial"] in box and CONSULTANT_NAME in box
    shot(page, "real-certificate-upload-kk")

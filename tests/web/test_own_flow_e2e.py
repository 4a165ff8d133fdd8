"""Issue 15's "done when", through the real `docflow watch` (real inbox, real LibreOffice, a
worker process, the loopback TSA/OCSP): a report in own mode waits for the consultant, who
signs offline with her PKCS#12 (`sign-requests export`, `sign-package --p12`, `sign-requests
complete`), then for the officer, who signs in headless Chromium through the NCALayer stand-in
(`/sign/<id>`); the report is archived, `verify` VALID, roles right, B-LTA. The watcher is
killed with SIGKILL while the report waits, and started again: the state is the journal's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from docflow.archive import Archive
from docflow.config import Home
from docflow.inbox.journal import Journal
from docflow.pki.testing import CONSULTANT_IIN, OFFICER_IIN
from docflow.signreq import SignRequests
from docflow.testing.ncalayer import NCALayerStandIn
from docflow.verify import verify_pdf
from tests.web.conftest import shot, start_server
from tests.web.ncalayer_support import log_in, ncalayer_chromium
from tests.workflow.own_signing_support import PASSPHRASE, assert_no_held_keys, own_home
from tests.workflow.workflow_builders import as_zip, docflow, env, report, wait_for

OFFICER_PASSWORD = "officer-pw-12"  # a test user's password


def _entry(home: Home) -> Any:
    journal = Journal(home.state / "journal.sqlite")
    try:
        entries = journal.entries()
    finally:
        journal.close()
    return entries[0] if entries else None


def _open(home: Home, iin: str) -> list[Any]:
    store = SignRequests(home)
    try:
        return store.list(iin=iin)
    finally:
        store.close()


class Watcher:
    def __init__(self, home: Home, log: Path):
        self.home, self.log = home, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                docflow(self.home, "watch", "--settle", "0.3"),
                env=env(), start_new_session=True, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self, sig: int = signal.SIGKILL) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=60)


def _cli(*args: str, extra_env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run(
        list(args), env={**env(), **(extra_env or {})}, cwd=cwd, capture_output=True, timeout=300
    )
    out = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, out
    return done.stdout.decode()


@pytest.fixture
def browser() -> Iterator[Any]:
    with ncalayer_chromium() as b:
        yield b


@pytest.mark.slow
def test_report_in_own_mode_end_to_end_through_the_watch(tmp_path: Path, browser: Any) -> None:
    from docflow.web import create_app
    from docflow.web.auth import AuthStore

    home = Home(tmp_path / "home").ensure()
    own = own_home(home, tmp_path / "people")
    auth = AuthStore.for_home(home)
    auth.add_user("oleg", "officer", OFFICER_PASSWORD)
    auth.close()
    store = SignRequests(home)
    store.set_user_iin("oleg", OFFICER_IIN)
    store.close()
    server, thread, url = start_server(create_app(home))
    watcher = Watcher(home, tmp_path / "watch.log")
    watcher.start()
    try:
        temp = home.inbox / ".report.zip.part"
        temp.write_bytes(as_zip(report()))
        temp.rename(home.inbox / "report.zip")

        # 1. awaiting the consultant
        wait_for(lambda: _entry(home) is not None and _entry(home).state != "processing", 180)
        entry = _entry(home)
        assert entry.state == "awaiting_signature", entry
        status = _cli(*docflow(home, "status", "--json"))
        (shown,) = json.loads(status)
        assert shown["state"] == "awaiting_signature" and CONSULTANT_IIN in shown["reason"]
        assert_no_held_keys(home)

        # kill -9 while she has not signed, then start again: nothing lost, nothing doubled
        watcher.kill()
        watcher.start()

        # 2. signed offline with her own PKCS#12
        listed = json.loads(
            _cli(*docflow(home, "sign-requests", "list", "--iin", CONSULTANT_IIN, "--json"))
        )
        assert [r["document"] for r in listed] == [entry.token]
        request_id = listed[0]["id"]
        package, signed = tmp_path / "package.zip", tmp_path / "signed.zip"
        _cli(*docflow(home, "sign-requests", "export", request_id, "-o", str(package)))
        offline = tmp_path / "her-laptop"  # no docflow home there
        offline.mkdir()
        _cli(
            sys.executable, "-m", "docflow", "sign-package", str(package),
            "--p12", str(own.consultant_key), "-o", str(signed),
            extra_env={"DOCFLOW_KEY_PASSPHRASE": PASSPHRASE}, cwd=offline,
        )  # fmt: skip
        _cli(*docflow(home, "sign-requests", "complete", request_id, str(signed)))

        # 3. awaiting the officer
        # The request is made inside the flow, the row's state follows when the run ends.
        wait_for(
            lambda: bool(_open(home, OFFICER_IIN)) and _entry(home).state == "awaiting_signature",
            120,
        )
        (officer_request,) = _open(home, OFFICER_IIN)
        assert officer_request.document == entry.token

        # 4. the officer signs in the browser through NCALayer
        with NCALayerStandIn(own.officer.signer) as standin:
            page = log_in(browser, url, "oleg", OFFICER_PASSWORD, timeout=120)
            page.goto(f"{url}/sign/{officer_request.id}")
            page.click("#sign-button")
            page.wait_for_selector("#sign-done")
            shot(page, "own-flow-officer-signed")
            page.context.close()
        calls = [r for r in standin.requests if r.get("module") == "kz.gov.pki.knca.basics"]
        assert calls and calls[-1]["args"]["signerParams"]["iin"] == OFFICER_IIN

        # 5. archived
        wait_for(lambda: _entry(home).state not in ("awaiting_signature", "processing"), 180)
        entry = _entry(home)
        assert entry.state == "archived", (entry, (tmp_path / "watch.log").read_text())
    finally:
        if watcher.proc is not None and watcher.proc.poll() is None:
            watcher.kill(signal.SIGTERM)
        server.should_exit = True
        thread.join(timeout=20)

    with Archive(home) as archive:
        stored = archive.get(entry.record)
        pdf_path, record = stored.pdf_path, stored.record
    assert [(s["role"], s["iin"]) for s in record["signers"]] == [
        ("consultant", CONSULTANT_IIN),
        ("officer", OFFICER_IIN),
    ]
    out = _cli(*docflow(home, "verify", str(pdf_path), "--json"))
    assert json.loads(out)["verdict"] == "valid", out
    with ThreadPoolExecutor(1) as pool:  # off Playwright's event loop
        report_ = pool.submit(
            lambda: verify_pdf(pdf_path.read_bytes(), trust_roots=own.pki.trust_roots())
        ).result()
    assert report_.verdict == "valid", report_.to_json()
    people = [(s.field, s.role, s.iin) for s in report_.signatures if s.iin]
    assert people == [
        ("consultant", "consultant", CONSULTANT_IIN),
        ("officer", "officer", OFFICER_IIN),
    ]
    # B-LTA: a document timestamp after each own signature's completion, DSS in the file
    assert sum(1 for s in report_.signatures if s.role == "timestamp") >= 2
    assert b"/DSS" in pdf_path.read_bytes()
    assert_no_held_keys(home)
    assert not list((home.state / "work").iterdir())

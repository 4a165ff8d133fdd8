"""Documents that wait for a person, across the machines of a scaled-out home (issue 18):
the worker host that made the wait parks the work folder in PostgreSQL and forgets it; the
officer decides on another node; a third host, which never saw the document, goes on.

The "hosts" are made as in test_queue.py: a home copy each (made before anything runs), a
process group and TMPDIR each; they share only PostgreSQL (a private schema) and S3.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_queue import STALLED_AFTER, WorkerHost, _docflow, _drop, _env, _watch_once
from workflow_builders import activity, as_zip, report, set_up_chamber, valid_iin

from docflow.archive import Archive
from docflow.config import Home
from docflow.inbox.journal import SqlJournal
from docflow.pki import Pki
from docflow.pki.testing import make_test_pki
from docflow.verify import verify_pdf

pytestmark = [pytest.mark.scale, pytest.mark.slow]


def _scaled_home(root: Path, pg_url: str, bucket: str) -> Home:
    home = Home(root).ensure()
    (home.root / "docflow.toml").write_text(
        "workers = 1\nconverters = 1\n"
        f'[storage]\ndatabase = "{pg_url}"\nobjects = "s3://{bucket}"\n'
        f'[queue]\nbackend = "postgres"\nstalled_after = {STALLED_AFTER}\n',
        encoding="utf-8",
    )
    return home


def _wait_state(journal: SqlJournal, token: str, state: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if journal.get(token).state == state:
            return
        time.sleep(0.5)
    raise AssertionError(f"{token} not {state} in {timeout} s: {journal.get(token)}")


def _work(host: Home | WorkerHost) -> Path:
    root = host.home if isinstance(host, WorkerHost) else host.root
    return root / ".docflow" / "work"


def _other_report(n: int) -> tuple[str, bytes, str, str]:
    """A report by consultant ``n`` with an "other" activity: the officer decides (R-3.1b)."""
    iin, name = valid_iin(n), f"Тестов Консультант {n}"
    data = report(iin=iin, full_name=name)
    data["activities"] = [
        *data["activities"][:4],
        activity("other", "Тегін заң көмегі күні", "2025-10-01",
                 justification=f"Азаматтарға тегін кеңес, {n} сағат", claimed_points=2),
    ]  # fmt: skip
    return f"other-{n}.zip", as_zip(data), iin, name


def _web_officer(home: Home) -> tuple[TestClient, Any]:
    """The web page of the watch node's home, an officer logged in."""
    from docflow.web import create_app
    from docflow.web.auth import AuthStore

    store = AuthStore.for_home(home)
    store.add_user("oleg", "officer", "correct-horse-1")
    client = TestClient(create_app(home, auth=store))
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token, page.text[:300]
    data = {"csrf": token.group(1), "name": "oleg", "password": "correct-horse-1"}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return client, store


def _csrf(client: TestClient, path: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text)
    assert match
    return match.group(1)


def test_R_4_6_reports_in_review_made_on_one_host_are_decided_on_the_watch_node_and_finished_by_another(  # noqa: E501
    tmp_path: Path, pg_url: str, scale_env: dict[str, str]
) -> None:
    """Two reports wait for the officer (R-3.1b), judged on worker host 1, which parks them
    and keeps nothing. On the watch node's home (which never had their folders) one is
    approved with `docflow review approve`, the other returned on the web page (R-3.2e): both
    recorded and handed to the workers; host 2, which never saw them, finishes both."""
    home = _scaled_home(tmp_path / "watch", pg_url, scale_env["DOCFLOW_S3_BUCKET"])
    pki = make_test_pki(home, consultant=False)
    files, people = [], []
    for n in (1, 2):
        name, data, iin, person = _other_report(n)
        pki.enroll(iin, person, "consultant")
        files.append((name, data))
        people.append((iin, person))
    set_up_chamber(home, people)
    from docflow.pki import shared_services

    shared_services(home)  # the stand-in national TSA/OCSP/CRL, before any host
    host1 = WorkerHost("host-1", home.root, tmp_path)
    host2 = WorkerHost("host-2", home.root, tmp_path)
    journal = SqlJournal(pg_url)
    client = store = None
    try:
        host1.start()
        _drop(home, files)
        _watch_once(home)  # waits until the worker decided: the officer must look (R-3.1b)
        tokens = {e.source: e.token for e in journal.entries()}
        assert {e.source: e.state for e in journal.entries()} == {
            "other-1.zip": "review", "other-2.zip": "review"
        }  # fmt: skip
        cli_token, web_token = tokens["other-1.zip"], tokens["other-2.zip"]
        # Parked in the database with their state; no host keeps a folder.
        assert journal.parked_versions() == {cli_token: 1, web_token: 1}
        host1.stop()
        for token in tokens.values():
            assert not (_work(host1) / token).exists()
            assert not (_work(home) / token).exists()

        # The watch node lists them from the shared journal and the parked copies: the
        # judge's verdict with the "other" activity to decide.
        listed = subprocess.run(
            _docflow(home.root, "review", "list", "--json"), env=_env(tmp_path / "t"),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert listed.returncode == 0, listed.stderr
        items = {i["id"]: i for i in json.loads(listed.stdout)}
        assert set(items) == {cli_token, web_token}
        assert items[cli_token]["reasons"][0]["clause"] == "R-3.1b"
        assert [a.get("form") for a in items[cli_token]["activities"]][-1] == "other"

        # The officer approves one on the command line: recorded and handed to the workers.
        approve = subprocess.run(
            _docflow(home.root, "--lang", "en", "review", "approve", cli_token,
                     "--points", "5=2"),
            env=_env(tmp_path / "t"), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert approve.returncode == 0, approve.stderr
        assert "the decision is recorded" in approve.stdout, approve.stdout
        assert journal.get(cli_token).state == "processing"
        assert journal.parked_versions([cli_token]) == {cli_token: 2}  # the decision in it
        again = subprocess.run(  # a second decision (another node) finds nothing to decide
            _docflow(home.root, "review", "return", cli_token, "--remarks", "x"),
            env=_env(tmp_path / "t"), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert again.returncode == 1, again.stdout + again.stderr

        # ... and returns the other on the web page of the same node.
        client, store = _web_officer(home)
        page = client.get(f"/review/{web_token}")
        assert page.status_code == 200 and "Азаматтарға тегін кеңес, 2 сағат" in page.text
        remarks = "Тегін кеңестің дәлелі жоқ"
        form = {"csrf": _csrf(client, f"/review/{web_token}"), "remarks": remarks}
        done = client.post(f"/review/{web_token}/return", data=form, follow_redirects=False)
        assert done.status_code == 303 and "msg=review.handed" in done.headers["location"]
        assert journal.get(web_token).state == "processing"
        assert client.get(f"/review/{web_token}").status_code == 404  # decided: not in review

        # Host 2 never saw them: it restores the parked folders and finishes both.
        host2.start()
        _wait_state(journal, cli_token, "archived")
        _wait_state(journal, web_token, "returned")
        assert journal.parked_versions() == {}  # dropped with the final states
        record_id = journal.get(cli_token).record
        with Archive(home) as archive:
            reports = archive.search(kind="cpd-report")
            assert sorted(r["outcome"] for r in reports) == ["compliant", "returned"]
            assert [r["id"] for r in reports if r["outcome"] == "compliant"] == [record_id]
            record = archive.get(record_id).record  # type: ignore[arg-type]
            assert record["total_points"] == 12
            assert any(e["type"] == "approved" for e in record["events"])
            returned = next(r for r in reports if r["outcome"] == "returned")
            assert remarks in json.dumps(archive.get(returned["id"]).record, ensure_ascii=False)
            verdict = verify_pdf(
                archive.pdf_bytes(record_id),  # type: ignore[arg-type]
                trust_roots=Pki(home).trust_roots(),
            )
            assert verdict.verdict == "valid", verdict.to_json()
        assert " -> archived " in host2.log.read_text()
        assert " -> archived " not in host1.log.read_text()
        host2.stop()
        for token in tokens.values():
            assert not (_work(host2) / token).exists()
    finally:
        if client is not None:
            client.close()
        if store is not None:
            store.close()
        host1.stop()
        host2.stop()
        journal.close()
        for host in (host1, host2):
            if host.log.exists():
                print(f"--- {host.name}\n", host.log.read_text()[-4000:])


def _measure_restore(journal: SqlJournal, token: str, root: Path) -> None:
    """Print what a parked copy weighs and what a restore costs (for the report)."""
    from docflow.queue import ParkedWork

    copy = journal.parked(token)
    assert copy is not None
    started = time.perf_counter()
    folder = ParkedWork(journal, root).ensure(token)
    seconds = time.perf_counter() - started
    files = [p for p in folder.rglob("*") if p.is_file()]
    print(f"parked {token}: {len(copy.data) / 1e6:.2f} MB tar, {len(files)} files, "
          f"fetched and restored in {seconds * 1000:.0f} ms")  # fmt: skip


def _cli(home: Path, tmp: Path, *args: str, extra: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        _docflow(home, *args), env={**_env(tmp), **(extra or {})},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_issue15_own_signatures_move_between_worker_hosts_through_the_watch_node(
    tmp_path: Path, pg_url: str, scale_env: dict[str, str]
) -> None:
    """Own mode + the shared queue: host 1 makes the consultant's request and stops; she
    signs offline and the answer is completed on the watch node's home (sharing only
    PostgreSQL and S3); the watch node finds the request signed and defers the job; host 2,
    which never saw the document, restores the parked folder and makes the officer's
    request; the officer's signature is completed the same way; archived once, VALID."""
    from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, OFFICER_IIN
    from tests.workflow.own_signing_support import PASSPHRASE, own_home, sign_request

    home = _scaled_home(tmp_path / "watch", pg_url, scale_env["DOCFLOW_S3_BUCKET"])
    own = own_home(home, tmp_path / "keys")
    from docflow.pki import shared_services

    shared_services(home)
    host1 = WorkerHost("host-1", home.root, tmp_path)
    host2 = WorkerHost("host-2", home.root, tmp_path)
    journal = SqlJournal(pg_url)
    tmp = tmp_path / "t"

    def requests(iin: str) -> list[dict[str, object]]:
        out = _cli(home.root, tmp, "sign-requests", "list", "--iin", iin, "--json")
        return list(json.loads(out))

    try:
        host1.start()
        _drop(home, [("own.zip", as_zip(report()))])
        _watch_once(home)
        (entry,) = journal.entries()
        token = entry.token
        assert entry.state == "awaiting_signature", entry
        assert journal.parked_versions([token]) == {token: 1}
        host1.stop()
        assert not (_work(host1) / token).exists()
        _measure_restore(journal, token, tmp_path / "measure")

        # `status` on the watch node names on whom it waits (the shared request store).
        (request,) = requests(CONSULTANT_IIN)
        assert request["document"] == token
        status = _cli(home.root, tmp, "--lang", "en", "status")
        assert f"request {request['id']}" in status and CONSULTANT_IIN in status, status
        assert CONSULTANT_NAME in status, status

        # She signs offline with her own PKCS#12; the answer completes on the watch node.
        package, signed = tmp_path / "package.zip", tmp_path / "signed.zip"
        _cli(home.root, tmp, "sign-requests", "export", str(request["id"]), "-o", str(package))
        _cli(home.root, tmp, "sign-package", str(package), "--p12", str(own.consultant_key),
             "-o", str(signed), extra={"DOCFLOW_KEY_PASSPHRASE": PASSPHRASE})  # fmt: skip
        _cli(home.root, tmp, "sign-requests", "complete", str(request["id"]), str(signed))

        # The watch node defers it; host 2 (a fresh work root) goes on to the officer.
        host2.start()
        assert not (_work(host2) / token).exists()
        _watch_once(home)
        assert journal.get(token).state == "awaiting_signature", journal.get(token)
        assert journal.parked_versions([token]) == {token: 2}
        (officer_request,) = requests(OFFICER_IIN)
        assert officer_request["document"] == token
        assert " -> awaiting_signature (parked, version 2)" in host2.log.read_text()

        # The officer signs (the store of the watch node's home), and it is archived.
        accepted = sign_request(home, str(officer_request["id"]), own.officer)
        assert accepted.accepted, accepted
        _watch_once(home)
        final = journal.get(token)
        assert final.state == "archived", final
        assert journal.parked(token) is None and journal.parked_versions() == {}
        host2.stop()
        assert not (_work(host2) / token).exists()

        with Archive(home) as archive:
            records = archive.search(kind="cpd-report")
            assert [r["id"] for r in records] == [final.record]  # archived exactly once
            record = archive.get(final.record).record  # type: ignore[arg-type]
            pdf = archive.pdf_bytes(final.record)  # type: ignore[arg-type]
        assert [(s["role"], s["iin"]) for s in record["signers"]] == [
            ("consultant", CONSULTANT_IIN),
            ("officer", OFFICER_IIN),
        ]
        (tmp_path / "archived.pdf").write_bytes(pdf)
        verdict = json.loads(
            _cli(home.root, tmp, "verify", str(tmp_path / "archived.pdf"), "--json")
        )
        assert verdict["verdict"] == "valid", verdict
        assert " -> archived " not in host1.log.read_text()
    finally:
        host1.stop()
        host2.stop()
        journal.close()
        for host in (host1, host2):
            if host.log.exists():
                print(f"--- {host.name}\n", host.log.read_text()[-4000:])


def test_issue15_a_request_renewed_on_the_watch_node_is_asked_again_by_another_host(
    tmp_path: Path, pg_url: str, scale_env: dict[str, str]
) -> None:
    """A request closed without a signature (`sign-requests renew` on the watch node: expired,
    lost) resumes the document too: host 2 restores the parked folder and asks the same
    person again with a new request; the document waits again, parked anew."""
    from docflow.pki.testing import CONSULTANT_IIN
    from tests.workflow.own_signing_support import own_home

    home = _scaled_home(tmp_path / "watch", pg_url, scale_env["DOCFLOW_S3_BUCKET"])
    own_home(home, tmp_path / "keys")
    from docflow.pki import shared_services

    shared_services(home)
    host1 = WorkerHost("host-1", home.root, tmp_path)
    host2 = WorkerHost("host-2", home.root, tmp_path)
    journal = SqlJournal(pg_url)
    tmp = tmp_path / "t"
    try:
        host1.start()
        _drop(home, [("own.zip", as_zip(report()))])
        _watch_once(home)
        (entry,) = journal.entries()
        token = entry.token
        host1.stop()
        (first,) = json.loads(_cli(home.root, tmp, "sign-requests", "list", "--json"))
        _cli(home.root, tmp, "sign-requests", "renew", str(first["id"]))

        host2.start()
        _watch_once(home)
        assert journal.get(token).state == "awaiting_signature"
        assert journal.parked_versions([token]) == {token: 2}
        every = json.loads(_cli(home.root, tmp, "sign-requests", "list", "--all", "--json"))
        states = {r["id"]: r["state"] for r in every if r["document"] == token}
        assert states.pop(first["id"]) == "cancelled"
        assert list(states.values()) == ["open"]  # asked again, once
        (again,) = [r for r in every if r["state"] == "open"]
        assert again["expected_iin"] == CONSULTANT_IIN
        assert " -> awaiting_signature (parked, version 2)" in host2.log.read_text()
    finally:
        host1.stop()
        host2.stop()
        journal.close()
        for host in (host1, host2):
            if host.log.exists():
                print(f"--- {host.name}\n", host.log.read_text()[-4000:])

"""Documents that wait for a person, across the machines of a scaled-out home (issue 18):
the worker host that made the wait parks the work folder in PostgreSQL and forgets it; the
officer decides on another node; a third host, which never saw the document, goes on.

The "hosts" are made as in test_queue.py: a home copy each (made before anything runs), a
process group and TMPDIR each; they share only PostgreSQL (a private schema) and S3.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
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


def test_R_4_6_a_report_in_review_made_on_one_host_is_approved_on_the_watch_node_and_archived_by_another(  # noqa: E501
    tmp_path: Path, pg_url: str, scale_env: dict[str, str]
) -> None:
    home = _scaled_home(tmp_path / "watch", pg_url, scale_env["DOCFLOW_S3_BUCKET"])
    pki = make_test_pki(home, consultant=False)
    iin, name = valid_iin(1), "Тестов Консультант"
    pki.enroll(iin, name, "consultant")
    set_up_chamber(home, [(iin, name)])
    data = report(iin=iin, full_name=name)
    data["activities"] = [
        *data["activities"][:4],
        activity("other", "Тегін заң көмегі күні", "2025-10-01",
                 justification="Азаматтарға тегін кеңес, 6 сағат", claimed_points=2),
    ]  # fmt: skip
    from docflow.pki import shared_services

    shared_services(home)  # the stand-in national TSA/OCSP/CRL, before any host
    host1 = WorkerHost("host-1", home.root, tmp_path)
    host2 = WorkerHost("host-2", home.root, tmp_path)
    journal = SqlJournal(pg_url)
    try:
        host1.start()
        _drop(home, [("other.zip", as_zip(data))])
        _watch_once(home)  # waits until the worker decided: the officer must look (R-3.1b)
        (entry,) = journal.entries()
        assert entry.state == "review", entry
        token = entry.token
        # Parked in the database with its state; no host keeps the folder.
        assert journal.parked_versions([token]) == {token: 1}
        host1.stop()
        assert not (_work(host1) / token).exists()
        assert not (_work(home) / token).exists()

        # The watch node (no folder of it) lists it from the shared journal and the parked
        # copy: the judge's verdict with the "other" activity to decide.
        listed = subprocess.run(
            _docflow(home.root, "review", "list", "--json"), env=_env(tmp_path / "t"),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert listed.returncode == 0, listed.stderr
        (item,) = json.loads(listed.stdout)
        assert item["id"] == token and item["reasons"][0]["clause"] == "R-3.1b"
        assert [a.get("form") for a in item["activities"]][-1] == "other"

        # The officer approves there: recorded and handed to the workers, not run here.
        approve = subprocess.run(
            _docflow(home.root, "review", "approve", token, "--points", "5=2"),
            env=_env(tmp_path / "t"), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert approve.returncode == 0, approve.stderr
        assert journal.get(token).state == "processing"
        assert journal.parked_versions([token]) == {token: 2}  # with the decision in it
        again = subprocess.run(  # a second decision (another node) finds nothing to decide
            _docflow(home.root, "review", "return", token, "--remarks", "x"),
            env=_env(tmp_path / "t"), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert again.returncode == 1, again.stdout + again.stderr

        # Host 2 never saw the document: it restores the parked folder and archives it.
        host2.start()
        _wait_state(journal, token, "archived")
        assert journal.parked(token) is None  # dropped with the final state
        record_id = journal.get(token).record
        with Archive(home) as archive:
            records = archive.search(kind="cpd-report")
            assert [r["id"] for r in records] == [record_id]  # archived exactly once
            record = archive.get(record_id).record  # type: ignore[arg-type]
            assert record["total_points"] == 12
            assert any(e["type"] == "approved" for e in record["events"])
            verdict = verify_pdf(
                archive.pdf_bytes(record_id),  # type: ignore[arg-type]
                trust_roots=Pki(home).trust_roots(),
            )
            assert verdict.verdict == "valid", verdict.to_json()
        assert " -> archived " in host2.log.read_text()
        assert " -> archived " not in host1.log.read_text()
        host2.stop()
        assert not (_work(host2) / token).exists()
    finally:
        host1.stop()
        host2.stop()
        journal.close()
        for host in (host1, host2):
            if host.log.exists():
                print(f"--- {host.name}\n", host.log.read_text()[-4000:])

"""A node that ran embedded switches to the shared queue (issue 18): the journal it kept brings
every row along (``status``), and a report it left waiting for the officer (R-4.6) is parked in
the shared database, decided on the node and finished by a worker host that never saw it.
Without this the first queue-mode ``watch`` removed the waiting folders as unknown debris."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from test_queue import STALLED_AFTER, WorkerHost, _docflow, _drop, _env, _watch_once
from test_queue_waiting import _other_report, _wait_state
from workflow_builders import as_zip, report, set_up_chamber, valid_iin

from docflow.archive import Archive
from docflow.config import Home
from docflow.inbox.journal import SqlJournal
from docflow.pki import Pki, shared_services
from docflow.pki.testing import make_test_pki
from docflow.verify import verify_pdf

pytestmark = [pytest.mark.scale, pytest.mark.slow]


def _cli(home: Path, tmp: Path, *args: str) -> str:
    done = subprocess.run(
        _docflow(home, *args), env=_env(tmp), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_issue18_a_node_switched_to_the_queue_brings_its_journal_and_waiting_reports(
    tmp_path: Path, pg_url: str, scale_env: dict[str, str]
) -> None:
    home = Home(tmp_path / "node").ensure()
    (home.root / "docflow.toml").write_text("workers = 1\nconverters = 1\n", encoding="utf-8")
    pki = make_test_pki(home, consultant=False)
    other_name, other, other_iin, other_person = _other_report(1)
    plain_iin, plain_person = valid_iin(2), "Тестов Консультант 2"
    for iin, person in ((other_iin, other_person), (plain_iin, plain_person)):
        pki.enroll(iin, person, "consultant")
    set_up_chamber(home, [(other_iin, other_person), (plain_iin, plain_person)])
    files = [
        (other_name, other),
        ("plain.zip", as_zip(report(iin=plain_iin, full_name=plain_person))),
    ]
    _drop(home, files)
    _watch_once(home)  # embedded: one archived, one waiting for the officer
    embedded = json.loads(_cli(home.root, tmp_path / "t", "status", "--json"))
    assert {e["source"]: e["state"] for e in embedded} == {
        other_name: "review", "plain.zip": "archived"
    }  # fmt: skip
    waiting = next(e["token"] for e in embedded if e["state"] == "review")
    assert (home.state / "work" / waiting).is_dir()

    # The switch, as the README says: the archive moved, then [storage] and [queue].
    bucket = scale_env["DOCFLOW_S3_BUCKET"]
    _cli(home.root, tmp_path / "t", "archive", "migrate", "--to-database", pg_url,
         "--to-objects", f"s3://{bucket}")  # fmt: skip
    with (home.root / "docflow.toml").open("a", encoding="utf-8") as toml:
        toml.write(f'[storage]\ndatabase = "{pg_url}"\nobjects = "s3://{bucket}"\n'
                   f'[queue]\nbackend = "postgres"\nstalled_after = {STALLED_AFTER}\n')  # fmt: skip
    shared_services(home)
    host = WorkerHost("host-1", home.root, tmp_path)
    journal = SqlJournal(pg_url)
    try:
        # `status` on the node: every row is there, the waiting one parked with its state.
        shown = json.loads(_cli(home.root, tmp_path / "t", "status", "--json"))
        assert {e["source"]: e["state"] for e in shown} == {
            other_name: "review", "plain.zip": "archived"
        }  # fmt: skip
        assert (home.state / "journal.sqlite.moved").exists()
        assert not (home.state / "journal.sqlite").exists()
        assert journal.parked_versions() == {waiting: 1}
        # A second look copies nothing twice.
        assert len(json.loads(_cli(home.root, tmp_path / "t", "status", "--json"))) == 2

        # The officer decides on the node; a worker host that never saw it finishes it.
        listed = json.loads(_cli(home.root, tmp_path / "t", "review", "list", "--json"))
        assert [item["id"] for item in listed] == [waiting]
        host.start()
        _cli(home.root, tmp_path / "t", "review", "approve", waiting, "--points", "5=1")
        _wait_state(journal, waiting, "archived")
        record = journal.get(waiting).record
        assert record is not None and journal.parked(waiting) is None
        with Archive(home, recover=False) as archive:
            pdf = archive.pdf_bytes(record)
        verdict = verify_pdf(pdf, trust_roots=Pki(home).trust_roots())
        assert verdict.verdict == "valid"
        assert [s.role for s in verdict.signatures][:2] == ["consultant", "officer"]
    finally:
        host.stop()
        journal.close()
        if host.log.exists():
            print(host.log.read_text()[-3000:])

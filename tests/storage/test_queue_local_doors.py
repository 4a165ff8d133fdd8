"""Documents made by a command on any node of a scaled-out home (issue 18): ``docflow summary``
with ``[signing] chair = "own"`` (issue 15) waits for the chair's own signature, parked in the
shared database like a worker host's document, not in the work folder of the machine where the
command ran; once she has signed, a watch node resumes it and a worker host, which never saw
it, finishes and archives it. Real PostgreSQL, S3 with Object Lock, LibreOffice, pyHanko."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "summaries"))

from summaries_data import YEAR, chamber_records, chamber_roster
from summaries_support import CHAIR_IIN, store_records, summaries_home, verified
from test_queue import STALLED_AFTER, WorkerHost, _docflow, _env, _watch_once
from test_queue_waiting import _wait_state

from docflow.archive import Archive
from docflow.config import Home
from docflow.inbox.journal import SqlJournal
from docflow.signreq import SignRequests
from docflow.summaries import SummaryStore
from tests.workflow.own_signing_support import key_files_of

pytestmark = [pytest.mark.scale, pytest.mark.slow]

PASSPHRASE = "the-chairs-own-passphrase"  # a throw-away test key's
TODAY = "2026-03-05"


def _cli(home: Path, tmp: Path, *args: str, extra: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        _docflow(home, *args), env={**_env(tmp), "DOCFLOW_TODAY": TODAY, **(extra or {})},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_issue18_an_own_mode_summary_is_parked_and_finished_by_a_worker_host(
    tmp_path: Path, pg_url: str, scale_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "admin"
    Home(root).ensure()
    (root / "docflow.toml").write_text(
        "workers = 1\nconverters = 1\n"
        f'[storage]\ndatabase = "{pg_url}"\nobjects = "s3://{scale_env["DOCFLOW_S3_BUCKET"]}"\n'
        f'[queue]\nbackend = "postgres"\nstalled_after = {STALLED_AFTER}\n'
        '[signing]\nchair = "own"\n',
        encoding="utf-8",
    )
    her_key = tmp_path / "chair-laptop" / "chair.p12"
    her_key.parent.mkdir()
    monkeypatch.setenv("DOCFLOW_KEY_PASSPHRASE", PASSPHRASE)
    home = summaries_home(root, chair_key=her_key)
    monkeypatch.delenv("DOCFLOW_KEY_PASSPHRASE")
    assert 'chair = "own"' in (root / "docflow.toml").read_text(encoding="utf-8")
    with SummaryStore(home) as store:
        store.save_roster(chamber_roster(), source="test", imported_at="2026-01-05T00:00:00Z")
    store_records(home, chamber_records())  # into the scaled archive
    tmp = tmp_path / "t"
    journal = SqlJournal(pg_url)
    host = WorkerHost("host-a", home.root, tmp_path)  # a copy before anything waits
    try:
        said = _cli(root, tmp, "--lang", "kk", "summary", "chamber", "--chamber", "almaty",
                    "--year", str(YEAR))  # fmt: skip
        (entry,) = [e for e in journal.entries() if e.kind == "chamber-summary"]
        assert entry.state == "awaiting_signature", entry
        # Parked in the shared database with its state; nothing kept on the admin's machine.
        assert journal.parked_versions([entry.token]) == {entry.token: 1}
        assert not (home.state / "work" / entry.token).exists()
        store = SignRequests(home)
        try:
            (request,) = store.list(iin=CHAIR_IIN)
        finally:
            store.close()
        assert request.document == entry.token and request.id in said, said

        # Asked again before she signed: the same request, read from the parked copy.
        again = _cli(root, tmp, "--lang", "ru", "summary", "chamber", "--chamber", "almaty",
                     "--year", str(YEAR))  # fmt: skip
        assert request.id in again, again

        # She signs offline with her own PKCS#12; the answer is completed on this node.
        package, signed = tmp_path / "request.zip", tmp_path / "signed.zip"
        _cli(root, tmp, "sign-requests", "export", request.id, "-o", str(package))
        _cli(tmp_path / "no-home", tmp, "sign-package", str(package), "--p12", str(her_key),
             "-o", str(signed), extra={"DOCFLOW_KEY_PASSPHRASE": PASSPHRASE})  # fmt: skip
        _cli(root, tmp, "sign-requests", "complete", request.id, str(signed))

        # A watch node resumes it; a worker host that never saw it archives it.
        host.start()
        assert not (host.home / ".docflow" / "work" / entry.token).exists()
        _watch_once(home)
        _wait_state(journal, entry.token, "archived")
        assert journal.parked(entry.token) is None  # dropped with the final state
        finished = journal.get(entry.token)
        assert f"{entry.token}" in host.log.read_text() and " -> archived " in host.log.read_text()
        with Archive(home, recover=False) as archive:
            record = archive.get(str(finished.record))
            assert record.record["signers"][0]["iin"] == CHAIR_IIN
            pdf = archive.pdf_bytes(record.id)
        assert verified(home, pdf, role="chair").signatures[0].iin == CHAIR_IIN
        # Her key never left her laptop: the home holds no key of hers (key_files_of).
        assert her_key.exists() and key_files_of(home, CHAIR_IIN) == []
    finally:
        host.stop()
        journal.close()
        if host.log.exists():
            print(host.log.read_text()[-4000:])

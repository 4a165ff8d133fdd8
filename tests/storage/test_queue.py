"""The shared job queue against the real servers (issue 18, ``[queue] backend = "postgres"``):
``docflow watch`` nodes and ``docflow worker`` hosts share only PostgreSQL and S3.

Each worker "host" is its own home folder (a copy of the chamber's configuration made before
anything runs: docflow.toml, certs/, the chamber's registry and roster), its own process group,
its own TMPDIR, its own LibreOffice and work folder. The demo PKI's loopback TSA/OCSP/CRL
stands in for the national ones: one services process, started before the hosts, serves all.

``DOCFLOW_QUEUE_BURST`` sets the burst of the kill test (default 1000, as CI runs it; develop
with ~30).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))

from workflow_builders import TODAY, as_zip, report, set_up_chamber, valid_iin

from docflow.archive import Archive
from docflow.config import Home
from docflow.inbox.journal import SqlJournal
from docflow.pki import Pki
from docflow.pki.testing import make_test_pki
from docflow.verify import verify_pdf

pytestmark = [pytest.mark.scale, pytest.mark.slow]

BURST = int(os.environ.get("DOCFLOW_QUEUE_BURST", "1000"))
#: Seconds without a heartbeat before a worker's jobs are taken again (short for the test).
STALLED_AFTER = 6


def _docflow(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "docflow", "--home", str(home), *args]


def _env(tmp: Path) -> dict[str, str]:
    tmp.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "DOCFLOW_TODAY": TODAY.isoformat(), "TMPDIR": str(tmp)}


def make_burst(home: Home, n: int, people: int = 10) -> list[tuple[str, bytes]]:
    """``n`` distinct report ZIPs by ``people`` enrolled consultants of one chamber."""
    pki = make_test_pki(home, consultant=False)
    members = []
    for i in range(min(n, people)):
        iin, name = valid_iin(i + 1), f"Тестов Консультант {i}"
        pki.enroll(iin, name, "consultant")
        members.append((iin, name))
    set_up_chamber(home, members)
    files = []
    for i in range(n):
        iin, name = members[i % len(members)]
        data = report(iin=iin, full_name=name)
        data["activities"][0]["title"] = f"Семинар № {i}: азаматтық процесс"
        files.append((f"report-{i:05d}.zip", as_zip(data)))
    return files


class WorkerHost:
    """One machine's `docflow worker`: its own home copy, process group and temp dir."""

    def __init__(self, name: str, template: Path, root: Path):
        self.name = name
        self.home = root / name
        shutil.copytree(template, self.home, ignore=shutil.ignore_patterns("inbox", "work"))
        self.tmp = root / f"{name}-tmp"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root / f"{name}.log"
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                _docflow(self.home, "worker", "--name", f"{self.name}-{self.starts}"),
                env=_env(self.tmp), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # a process group of its own: the host's
            )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL the whole host: the worker, its worker processes and its LibreOffice."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        if self.proc is not None:
            try:  # LibreOffice may outlive a stopped worker for a moment
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


@pytest.fixture
def cluster(
    tmp_path: Path, pg_url: str, scale_env: dict[str, str]
) -> Iterator[tuple[Home, list[tuple[str, bytes]], SqlJournal, list[WorkerHost]]]:
    """A watch node's home with a burst waiting in ``staging/`` and two worker hosts."""
    home = Home(tmp_path / "watch").ensure()
    (home.root / "docflow.toml").write_text(
        "workers = 2\nconverters = 1\n"
        f'[storage]\ndatabase = "{pg_url}"\nobjects = "s3://{scale_env["DOCFLOW_S3_BUCKET"]}"\n'
        f'[queue]\nbackend = "postgres"\nstalled_after = {STALLED_AFTER}\n',
        encoding="utf-8",
    )
    files = make_burst(home, BURST)
    from docflow.pki import shared_services

    shared_services(home)  # the stand-in national TSA/OCSP/CRL, before any host
    hosts = [WorkerHost(name, home.root, tmp_path) for name in ("host-a", "host-b")]
    journal = SqlJournal(pg_url)
    try:
        yield home, files, journal, hosts
    finally:
        for host in hosts:
            host.stop()
        journal.close()
        for host in hosts:
            if host.log.exists():
                print(f"--- {host.name} log (tail)\n", host.log.read_text()[-4000:])


def _drop(home: Home, files: list[tuple[str, bytes]]) -> None:
    staging = home.root / "staging"
    staging.mkdir(exist_ok=True)
    for name, data in files:
        (staging / name).write_bytes(data)
    for name, _ in files:  # the burst: every file lands at once
        os.rename(staging / name, home.inbox / name)


def _watch_once(home: Home) -> None:
    done = subprocess.run(
        _docflow(home.root, "watch", "--once", "--settle", "0"),
        env=_env(home.root / "tmp"), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _states(journal: SqlJournal) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in journal.entries():
        counts[e.state] = counts.get(e.state, 0) + 1
    return counts


def _wait_all_done(journal: SqlJournal, n: int, hosts: list[WorkerHost], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _states(journal).get("processing", 0) == 0 and len(journal.entries()) == n:
            return
        for host in hosts:
            assert host.proc is None or host.proc.poll() is None, f"{host.name} died"
        time.sleep(1)
    raise AssertionError(f"not done in {timeout} s: {_states(journal)}")


def _assert_archived_exactly_once(
    home: Home, files: list[tuple[str, bytes]], journal: SqlJournal, hosts: list[WorkerHost]
) -> None:
    import hashlib

    entries = journal.entries()
    assert {e.source: e.state for e in entries} == {name: "archived" for name, _ in files}
    shas = {hashlib.sha256(data).hexdigest() for _, data in files}
    with Archive(home) as archive:
        records = archive.search(kind="cpd-report")
        assert len(records) == len(files)
        assert {r["input_sha256"] for r in records} == shas  # one record per input
        assert {e.record for e in entries} == {r["id"] for r in records}
        trust = Pki(home).trust_roots()
        audit = archive.audit(lambda pdf: verify_pdf(pdf, trust_roots=trust).verdict == "valid")
        assert audit.ok, audit.to_json()
    for host in hosts:  # nothing left behind on any host once its worker stopped
        host.stop()
        work = host.home / ".docflow" / "work"
        assert not work.exists() or not list(work.iterdir()), list(work.iterdir())


def _doing(journal: SqlJournal, host: WorkerHost) -> list[str]:
    """Tokens the host's worker holds the lease of right now (mid-document)."""
    return [
        e.token
        for e in journal.entries("processing")
        if e.owner and e.owner.split(":")[1] == str(host.pid)
    ]


def test_a_submission_goes_from_watch_through_the_queue_to_a_worker_and_the_archive(
    tmp_path: Path, pg_url: str, scale_env: dict[str, str]
) -> None:
    """Issue 18: the watch node stores the bytes and defers a job; a worker on another
    "host" (its own home, work folder and LibreOffice) archives it; `status` sees it."""
    home = Home(tmp_path / "watch").ensure()
    (home.root / "docflow.toml").write_text(
        "workers = 1\nconverters = 1\n"
        f'[storage]\ndatabase = "{pg_url}"\nobjects = "s3://{scale_env["DOCFLOW_S3_BUCKET"]}"\n'
        f'[queue]\nbackend = "postgres"\nstalled_after = {STALLED_AFTER}\n',
        encoding="utf-8",
    )
    files = make_burst(home, 1)
    files.append(("broken.json", b'{"kind": "cpd-report", "year": "never"}'))
    host = WorkerHost("host-a", home.root, tmp_path)
    journal = SqlJournal(pg_url)
    try:
        host.start()
        _drop(home, files)
        _watch_once(home)  # hands both to the queue and, as embedded, waits for the outcomes
        assert not list(home.inbox.glob("*.zip"))
        states = {e.source: e.state for e in journal.entries()}
        assert states == {files[0][0]: "archived", "broken.json": "rejected"}
        for entry in journal.entries():  # the bytes the worker host read: in PostgreSQL
            name = entry.source
            assert journal.input_bytes(entry.token) == (dict(files)[name], Path(name).suffix)
        # The rejection was decided on the worker host; the receiving node delivered it.
        assert (home.inbox / "rejected" / "broken.json").read_bytes() == files[1][1]
        assert (home.inbox / "rejected" / "broken.json.error.txt").read_text().strip()
        assert not (host.home / "inbox" / "rejected").exists()
        _assert_archived_exactly_once(home, files[:1], _Only(journal, files[0][0]), [host])
        status = subprocess.run(
            _docflow(home.root, "status", "--json"), env=_env(tmp_path / "t"),
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert '"archived"' in status.stdout and '"rejected"' in status.stdout
        # `archive audit` on the watch node: the records against the shared journal's.
        audit = subprocess.run(
            _docflow(home.root, "archive", "audit"), env=_env(tmp_path / "t"),
            capture_output=True, text=True,
        )  # fmt: skip
        assert audit.returncode == 0, audit.stdout + audit.stderr
    finally:
        host.stop()
        journal.close()
        print(host.log.read_text()[-4000:] if host.log.exists() else "")


class _Only:
    """The journal's entries of one source (the others checked apart)."""

    def __init__(self, journal: SqlJournal, source: str):
        self._journal, self._source = journal, source

    def entries(self) -> list[object]:
        return [e for e in self._journal.entries() if e.source == self._source]


def test_a_burst_is_archived_exactly_once_by_two_worker_hosts_with_three_sigkills(
    cluster: tuple[Home, list[tuple[str, bytes]], SqlJournal, list[WorkerHost]],
) -> None:
    """Issue 18's invariants with two worker hosts: every submission of the burst archived
    exactly once and the audit passing, although three times a host is killed with SIGKILL
    (its worker, worker processes and LibreOffice) in the middle of a document and started
    again. The killed documents are taken again by a live worker once the dead one's
    heartbeat is stale (procrastinate's stalled jobs) and its journal lease is free."""
    home, files, journal, hosts = cluster
    n = len(files)
    for host in hosts:
        host.start()
    _drop(home, files)
    watch = subprocess.Popen(  # hands the burst over, then waits for the outcomes
        _docflow(home.root, "watch", "--once", "--settle", "0"),
        env=_env(home.root / "tmp"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip

    killed: list[str] = []
    deadline = time.monotonic() + max(600.0, 3.0 * n)
    for k, fraction in enumerate((0.15, 0.4, 0.65)):
        host = hosts[k % 2]  # a, b, a
        while True:  # mid-burst and mid-document: the host holds a submission right now
            assert time.monotonic() < deadline, f"no kill point: {_states(journal)}"
            doing = _doing(journal, host)
            if _states(journal).get("archived", 0) >= fraction * n and doing:
                break
            time.sleep(0.2)
        host.kill()
        killed += doing
        host.start()
    assert len(killed) >= 3

    _wait_all_done(journal, n, hosts, timeout=max(600.0, 3.0 * n))
    _out, err = watch.communicate(timeout=120)
    assert watch.returncode == 0, err
    assert not list(home.inbox.glob("*.zip"))
    _assert_archived_exactly_once(home, files, journal, hosts)
    # Both hosts did real work (each logs its outcomes).
    for host in hosts:
        assert " -> archived " in host.log.read_text(), host.name
    states = {e.token: e.state for e in journal.entries()}
    assert all(states[token] == "archived" for token in killed)
    # The killed hosts' jobs went back to the queue through the stalled-job sweep.
    logs = "".join(host.log.read_text() for host in hosts)
    assert logs.count("of a silent worker: queued again") >= len(set(killed))

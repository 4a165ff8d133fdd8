"""Parked work folders in the real PostgreSQL (issue 18): a document that waits for a person
(``review``, ``awaiting_signature``) keeps its whole work folder in the shared database, and
any node restores it, only ever as regular files inside that folder."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from docflow.inbox.journal import SqlJournal
from docflow.inbox.runner import new_token
from docflow.queue import ParkedWork, UnsafeParkedFolder, pack
from docflow.queue._parked import MARK

pytestmark = [pytest.mark.scale]


@pytest.fixture
def journal(pg_url: str) -> Iterator[SqlJournal]:
    journal = SqlJournal(pg_url)
    yield journal
    journal.close()


def _submission(journal: SqlJournal) -> str:
    token = new_token()
    journal.add(token, "report.zip", hashlib.sha256(token.encode()).hexdigest())
    return token


def _work_folder(root: Path, token: str) -> Path:
    workdir = root / token
    (workdir / "parts").mkdir(parents=True)
    (workdir / "input.zip").write_bytes(b"PK\x03\x04 the submission")
    (workdir / "verdict.json").write_text('{"verdict": "needs_review"}', encoding="utf-8")
    (workdir / "rendered.pdf").write_bytes(b"%PDF-1.7 " + os.urandom(4096))
    (workdir / "parts" / "0.json").write_text("{}", encoding="utf-8")
    return workdir


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARK
    }


def test_a_waiting_folder_is_parked_with_its_state_and_restored_on_another_node(
    journal: SqlJournal, tmp_path: Path
) -> None:
    token = _submission(journal)
    host1, host2 = tmp_path / "host1" / "work", tmp_path / "host2" / "work"
    workdir = _work_folder(host1, token)
    before = _files(workdir)

    assert ParkedWork(journal, host1).park(token, workdir, state="review", reason="R-3.1b") == 1
    entry = journal.get(token)
    assert (entry.state, entry.reason, entry.owner) == ("review", "R-3.1b", None)

    # Another node (never saw it) restores the whole folder, byte for byte.
    restored = ParkedWork(journal, host2).ensure(token)
    assert restored == host2 / token and _files(restored) == before
    assert (restored / MARK).read_text() == "1"

    # Parked again (the officer decided on host 2): host 1's older copy is replaced, and a
    # file host 2 removed is gone there too; an up-to-date copy is left as it is.
    (restored / "decision.json").write_text('{"action": "approve"}', encoding="utf-8")
    (restored / "rendered.pdf").unlink()
    parked2 = ParkedWork(journal, host2)
    assert parked2.park(token, restored, state="processing", reason="x", expect="review") == 2
    assert journal.get(token).state == "processing"
    assert parked2.park(token, restored, state="processing", reason="x", expect="review") is None
    again = ParkedWork(journal, host1).ensure(token)
    assert _files(again) == _files(restored) and "rendered.pdf" not in _files(again)
    (again / "local-progress.pdf").write_bytes(b"%PDF made here after the restore")
    assert (ParkedWork(journal, host1).ensure(token) / "local-progress.pdf").exists()

    # The document ended: its final state and the dropped copy in one transaction.
    journal.finish(token, state="archived", record="R-1", reason=None)
    assert journal.parked(token) is None and journal.parked_versions([token]) == {}
    assert journal.get(token).state == "archived"


def _tar(*members: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def _file(name: str, data: bytes = b"payload") -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def _link(name: str, target: str, kind: bytes) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def _fifo(name: str) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = tarfile.FIFOTYPE
    return info, None


HOSTILE = {
    "dot-dot": _tar(_file("input.zip"), _file("../../escaped.txt")),
    "dot-dot-inside": _tar(_file("input.zip"), _file("parts/../../escaped.txt")),
    "absolute": _tar(_file("input.zip"), _file("/tmp/escaped-absolute.txt")),
    "symlink-out": _tar(
        _file("input.zip"), _link("verdict.json", "../../escaped.txt", tarfile.SYMTYPE)
    ),
    "symlink-then-write": _tar(
        _link("parts", "../..", tarfile.SYMTYPE), _file("parts/escaped.txt")
    ),
    "hardlink": _tar(_file("input.zip"), _link("copy", "/etc/passwd", tarfile.LNKTYPE)),
    "fifo": _tar(_file("input.zip"), _fifo("pipe")),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_parked_copy_with_a_path_out_of_its_folder_or_a_link_is_refused_on_restore(
    journal: SqlJournal, tmp_path: Path, case: str
) -> None:
    """Tampering (issue 18): a tar written into ``journal_parked`` by anybody but a worker,
    with a ``../`` member, an absolute path, a symbolic or hard link or a FIFO, is refused
    before anything is written: no file outside (or inside) the work folder."""
    token = _submission(journal)
    journal.park(token, HOSTILE[case], state="review", reason="tampered")
    node = tmp_path / "node" / ".docflow" / "work"
    node.mkdir(parents=True)
    before = sorted(p for p in tmp_path.rglob("*"))

    with pytest.raises(UnsafeParkedFolder):
        ParkedWork(journal, node).ensure(token)

    assert not (node / token).exists()
    after = sorted(p for p in tmp_path.rglob("*"))
    # Only the restore lock (and its empty staging folder) is new; no member was written.
    new = [p.relative_to(tmp_path).as_posix() for p in after if p not in before]
    assert new == ["node/.docflow/restore", "node/.docflow/restore/.lock"], new
    assert not list(tmp_path.rglob("escaped*")) and not Path("/tmp/escaped-absolute.txt").exists()


def test_a_parked_copy_changed_in_the_database_is_refused(
    journal: SqlJournal, tmp_path: Path
) -> None:
    token = _submission(journal)
    workdir = _work_folder(tmp_path / "a", token)
    ParkedWork(journal, tmp_path / "a").park(token, workdir, state="review", reason=None)
    from sqlalchemy import text

    with journal.db.writing() as conn:  # the bytes edited, the stored SHA-256 left
        conn.execute(
            text("UPDATE journal_parked SET data = :d WHERE token = :t"),
            {"d": pack(workdir) + b"\0" * 512, "t": token},
        )
    with pytest.raises(UnsafeParkedFolder, match="SHA-256"):
        ParkedWork(journal, tmp_path / "b").ensure(token)
    assert not (tmp_path / "b" / token).exists()


_PARKER = """
import sys
from pathlib import Path
from docflow.inbox.journal import SqlJournal
from docflow.queue import ParkedWork
journal = SqlJournal(sys.argv[1])
parked = ParkedWork(journal, Path(sys.argv[2]))
print("ready", flush=True)
for token in sys.argv[3:]:
    parked.park(token, Path(sys.argv[2]) / token, state="review", reason="parked")
"""


def test_a_worker_killed_mid_park_leaves_the_state_and_the_parked_copy_together(
    journal: SqlJournal, tmp_path: Path, pg_url: str
) -> None:
    """SIGKILL while parking (big folders, killed at several moments): every row is either
    still ``processing`` with no parked copy (its job runs again) or waiting with one; never
    a waiting row whose folder is nowhere."""
    root = tmp_path / "work"
    seen: set[str] = set()
    for delay in (0.3, 0.8, 1.5):
        tokens = [_submission(journal) for _ in range(6)]
        for token in tokens:
            workdir = _work_folder(root, token)
            (workdir / "big.bin").write_bytes(os.urandom(8 << 20))
        proc = subprocess.Popen(
            [sys.executable, "-c", _PARKER, pg_url, str(root), *tokens],
            stdout=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        versions = journal.parked_versions(tokens)
        states = {t: journal.get(t).state for t in tokens}
        for token in tokens:
            assert (states[token] == "review") == (token in versions), (token, states, versions)
            assert states[token] in ("review", "processing")
        seen.update(states.values())
    assert seen == {"review", "processing"}, "no kill landed in the middle of the parks"


def test_R_7_4_the_officers_decision_travels_with_the_parked_folder(
    journal: SqlJournal, tmp_path: Path
) -> None:
    """A decision recorded on the review node (points, comment, the exemption decided) is
    what the worker host that restores the folder runs with."""
    from docflow.workflow.flow import Decision, load_decision, save_decision

    token = _submission(journal)
    workdir = _work_folder(tmp_path / "review-node", token)
    decision = Decision("approve", "Офицер", decided_points={5: 2}, comment="A1",
                        exemption_accepted=True)  # fmt: skip
    save_decision(workdir, decision)
    ParkedWork(journal, tmp_path / "review-node").park(
        token, workdir, state="processing", reason="decided"
    )
    restored = ParkedWork(journal, tmp_path / "worker").ensure(token)
    assert load_decision(restored) == decision


def test_a_worker_refuses_a_tampered_parked_copy_and_rejects_the_document_unrun(
    journal: SqlJournal, tmp_path: Path, pg_url: str
) -> None:
    """The worker that takes the job of a document whose parked copy holds a symbolic link
    never restores it nor runs the flow: the document is rejected as an internal error (the
    receiving node tells the sender), nothing is written, the copy is kept for whoever
    investigates."""
    from docflow.config import Home
    from docflow.queue import QueueWorker
    from docflow.storage import QueueSettings

    home = Home(tmp_path / "host").ensure()
    (home.root / "docflow.toml").write_text(
        f'[storage]\ndatabase = "{pg_url}"\n[queue]\nbackend = "postgres"\n', encoding="utf-8"
    )
    token = new_token()
    journal.add(token, "report.zip", hashlib.sha256(b"x").hexdigest(), owner="watch-node")
    journal.store_input(token, b"PK\x03\x04 the submission", ".zip")
    journal.park(token, HOSTILE["symlink-then-write"], state="processing", reason="decided")
    ran: list[str] = []

    def process(entry: object, workdir: Path) -> object:
        ran.append(str(workdir))
        raise AssertionError("the flow must not run")

    worker = QueueWorker(
        home, QueueSettings.from_home(home.root), process,  # type: ignore[arg-type]
        journal=SqlJournal(pg_url),
    )  # fmt: skip
    try:
        worker.run(token)
    finally:
        worker.close()
    entry = journal.get(token)
    assert entry.state == "rejected" and "UnsafeParkedFolder" in (entry.reason or "")
    assert ran == [] and not (home.state / "work" / token).exists()
    assert not list(tmp_path.rglob("escaped*"))
    assert journal.parked_versions([token]) == {token: 1}
    ((undelivered, text),) = journal.undelivered("watch-node")  # the sender is told
    assert undelivered.token == token and text.strip()

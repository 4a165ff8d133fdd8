"""Worker processes (docflow/workflow/pool.py): real processes, real LibreOffice in the parent,
real signatures. A burst through `docflow watch --once` ends archived with the workers' stage
timings reported by the parent; a worker killed with SIGKILL mid-burst and a parent killed
with SIGKILL lose and double nothing and leave no process behind; the converter channel
refuses a caller without the run's key; a submission that raises or kills its worker is
rejected while the others go on."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client
from pathlib import Path

import pytest
from workflow_builders import (
    TODAY,
    assert_archived_exactly_once,
    docflow,
    enrolled_burst,
    env,
    journal_states,
    wait_for,
)

from docflow.config import Clock, Home
from docflow.errors import ConversionError
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Outcome, Runner
from docflow.workflow.pool import ConverterServer, RemoteConverter, WorkerPool
from docflow.workflow.services import Services, build_services

pytestmark = pytest.mark.slow

# ---------------------------------------------------------------------- helpers


def drop_all(home: Home, files: list[tuple[str, bytes]]) -> None:
    for name, content in files:
        (home.inbox / name).write_bytes(content)


def process_tree(root: int) -> dict[int, str]:
    """pid -> command line of every live descendant of ``root`` (walking /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(text[text.rfind(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: dict[int, str] = {}
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        try:
            found[pid] = (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")).decode()
        except OSError:
            continue
        todo.extend(children.get(pid, []))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rfind(")") + 2] != "Z"


def soffice_of(parent: int) -> list[int]:
    """The soffice processes a docflow process started (its pid is in their pipe name)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"soffice" in cmd and f"name=docflow-{parent}-".encode() in cmd:
                found.append(int(entry.name))
    return found


def kill_leftovers(pids: list[int]) -> None:
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


# ---------------------------------------------------------------------- through `docflow watch`


def test_watch_once_in_worker_processes_archives_a_burst(home: Home) -> None:
    files = enrolled_burst(home, 6)
    drop_all(home, files)
    (home.inbox / "broken.json").write_text('{"kind": "cpd-report"}', encoding="utf-8")
    done = subprocess.run(
        docflow(home, "watch", "--once", "-v", "--settle", "0.2"),
        env=env(), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    # forked from `watch` itself (one thread at that point): no forkserver process to pay for
    assert "2 worker processes ready (fork)" in done.stderr
    # The parent runs no stage itself: these timings came back from the workers.
    [line] = [ln for ln in done.stderr.splitlines() if "stage timings" in ln]
    officer = line.split("sign:officer", 1)[1].split(",")[0]
    assert "s/6" in officer, done.stderr
    assert "convert" in line and "parse" in line
    assert_archived_exactly_once(home, files, others={"broken.json": "rejected"})
    # Issue 14: the error file names the field as a person sees it, in Kazakh and Russian (the
    # broken file says no locale).
    error = (home.inbox / "rejected" / "broken.json.error.txt").read_text(encoding="utf-8")
    assert "консультант" in error and "full_name, iin, chamber" in error
    assert not list(home.state.glob("*.sock"))  # the converter channel was closed


def test_a_parent_killed_with_sigkill_leaves_no_worker_behind(home: Home) -> None:
    files = enrolled_burst(home, 8)
    proc = subprocess.Popen(
        docflow(home, "watch", "--settle", "0.2"), env=env(), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    tree: dict[int, str] = {}
    try:
        drop_all(home, files)
        wait_for(lambda: list(journal_states(home).values()).count("archived") >= 2, 300, 0.2)
        tree = process_tree(proc.pid)
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # the parent only: its workers must notice alone
        proc.wait(timeout=30)
    # `watch` forks its workers (they carry its command line); replacements come from a
    # forkserver
    workers = [pid for pid, cmd in tree.items() if "forkserver" in cmd or " watch " in cmd]
    assert len(workers) >= 2, tree
    try:
        python = [pid for pid, cmd in tree.items() if "soffice" not in cmd]
        wait_for(lambda: not any(alive(pid) for pid in python), timeout=20)
    finally:
        # LibreOffice runs in its own session and outlives a killed parent (not this test's
        # subject): end the instances this parent started, named in their UNO pipe.
        kill_leftovers(soffice_of(proc.pid))
    assert "processing" in journal_states(home).values() or len(journal_states(home)) < 8

    subprocess.run(docflow(home, "watch", "--once"), env=env(), check=True, timeout=600)
    assert_archived_exactly_once(home, files)


class Sleeper:
    """A pipeline whose submissions take two minutes: its worker is mid-job when killed."""

    def __init__(self, parts: Services):
        self.parts = parts

    def __call__(self, entry: Entry, workdir: Path) -> Outcome:
        (workdir / f"started-{os.getpid()}").write_bytes(b"")
        time.sleep(120)
        return Outcome("archived")


SLEEPY_PARENT = """
import sys
from docflow.config import Home
from docflow.workflow.services import build_services
from docflow.workflow.pool import WorkerPool
from docflow.inbox.runner import Runner
from test_pool import Sleeper

home = Home.resolve(sys.argv[1])
pool = WorkerPool(build_services(home), workers=1, pipeline=Sleeper, warm=False)
Runner(home, pool, workers=1, settle=0).run_once()
"""


def test_a_worker_mid_job_exits_at_once_when_its_parent_is_killed(home: Home) -> None:
    """Without the lifeline the worker would finish its job first, racing the next run."""
    (home.inbox / "slow.json").write_text("{}", encoding="utf-8")
    here = Path(__file__).parent
    proc = subprocess.Popen(
        [sys.executable, "-c", SLEEPY_PARENT, str(home.root)],
        env={**env(), "PYTHONPATH": os.pathsep.join([str(here), str(here.parents[1])])},
        start_new_session=True,
    )  # fmt: skip
    tree: dict[int, str] = {}
    try:
        wait_for(lambda: any(home.state.glob("work/*/started-*")), timeout=120)
        [marker] = home.state.glob("work/*/started-*")
        worker = int(marker.name.removeprefix("started-"))
        tree = process_tree(proc.pid)
        assert worker in tree and alive(worker)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    try:
        wait_for(lambda: not alive(worker), timeout=10, step=0.05)
        wait_for(lambda: not any(alive(pid) for pid in tree), timeout=10)  # forkserver too
    finally:
        kill_leftovers(list(tree))
    assert journal_states(home) == {"slow.json": "processing"}  # for the next run's recover()


# ---------------------------------------------------------------------- the pool in this process


@pytest.fixture
def parts(home: Home) -> Iterator[Services]:
    (home.root / "docflow.toml").write_text("converters = 1\n", encoding="utf-8")
    parts = build_services(home, clock=Clock(TODAY))
    yield parts
    parts.close()


def test_a_worker_killed_mid_burst_loses_and_doubles_nothing(
    home: Home, parts: Services, caplog: pytest.LogCaptureFixture
) -> None:
    files = enrolled_burst(home, 8)
    pool = WorkerPool(parts, workers=2)
    runner = Runner(home, pool, workers=2, settle=0)
    killed: list[int] = []
    try:
        drop_all(home, files)
        background = threading.Thread(target=runner.run_once)
        background.start()

        def one_archived_and_a_worker_busy() -> bool:
            return "archived" in journal_states(home).values() and bool(pool.busy_pids())

        wait_for(one_archived_and_a_worker_busy, timeout=300, step=0.05)
        victim = pool.busy_pids()[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        background.join(timeout=600)
        assert not background.is_alive()
        assert pool.restarts >= 1
        assert f"worker {victim} died (killed by SIGKILL)" in caplog.text
        assert "running it again in a new worker" in caplog.text
        assert victim not in pool.worker_pids() and len(pool.worker_pids()) == 2
    finally:
        runner.close()
        pool.close()
    assert_archived_exactly_once(home, files)
    # Each document's officer signature was timed in a worker and counted here, except the
    # one the killed worker may have signed before it died (its timings died with it, and the
    # document's new run resumes after the signed product, or finds it archived).
    assert parts.timings.counts.get("sign:officer", 0) >= len(files) - len(killed)
    assert parts.timings.seconds["convert"] > 0


def test_the_converter_channel_refuses_a_wrong_key(home: Home, parts: Services) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Сынақ құжаты — a test document")
    buffer = io.BytesIO()
    document.save(buffer)
    server = ConverterServer(lambda: parts.converter, home.state)
    try:
        assert stat.S_IMODE(os.stat(server.address).st_mode) == 0o600
        with pytest.raises(AuthenticationError):
            Client(server.address, family="AF_UNIX", authkey=b"not the key of this run")
        with pytest.raises(ConversionError, match="not reachable"):
            RemoteConverter(server.address, b"x" * 32).convert(buffer.getvalue())

        remote = RemoteConverter(server.address, server.authkey)
        try:
            assert remote.convert(buffer.getvalue()).startswith(b"%PDF-")
            with pytest.raises(ConversionError, match="not a DOCX"):
                remote.convert(b"plain text, not a document")
            assert remote.convert(buffer.getvalue()).startswith(b"%PDF-")  # still serving
        finally:
            remote.close()
    finally:
        server.close()
    assert not Path(server.address).exists()


class StandIn:
    """A pipeline for the failure paths, run in the workers: "poison" raises, "fatal" kills
    its own process, anything else is archived."""

    def __init__(self, parts: Services):
        self.parts = parts

    def __call__(self, entry: Entry, workdir: Path) -> Outcome:
        data = next(workdir.glob("input*")).read_bytes()
        with self.parts.timings.timed("stand-in"):
            if b"poison" in data:
                raise RuntimeError("boom")
            if b"fatal" in data:
                os.kill(os.getpid(), signal.SIGKILL)
            return Outcome("archived", record=f"R-{entry.sha256[:6]}-{os.getpid()}")


def test_a_submission_that_raises_or_kills_its_worker_is_rejected_alone(
    home: Home, parts: Services
) -> None:
    for i in range(4):
        (home.inbox / f"ok-{i}.json").write_text(json.dumps({"n": i}), encoding="utf-8")
    (home.inbox / "poison.json").write_text('{"poison": 1}', encoding="utf-8")
    (home.inbox / "fatal.json").write_text('{"fatal": 1}', encoding="utf-8")
    pool = WorkerPool(parts, workers=2, pipeline=StandIn, warm=False)
    runner = Runner(home, pool, workers=2, settle=0)
    try:
        runner.run_once()
        entries = {e.source: e for e in runner.journal.entries()}
        # The pool works on after three deaths: a new burst is served by live workers.
        (home.inbox / "ok-late.json").write_text('{"late": 1}', encoding="utf-8")
        runner.run_once()
        late = next(e for e in runner.journal.entries() if e.source == "ok-late.json")
    finally:
        runner.close()
        pool.close()
    assert {n: e.state for n, e in entries.items()} == {
        **{f"ok-{i}.json": "archived" for i in range(4)},
        "poison.json": "rejected",
        "fatal.json": "rejected",
    }
    assert late.state == "archived"
    # Archived in a worker, not here.
    assert all(not e.record.endswith(f"-{os.getpid()}") for e in entries.values() if e.record)
    rejected = home.inbox / "rejected"
    poison = (rejected / "poison.json.error.txt").read_text(encoding="utf-8")
    # The same explanation as with threads, never quoting the exception's text (issue 19).
    assert "RuntimeError" in poison and "boom" not in poison
    fatal = (rejected / "fatal.json.error.txt").read_text(encoding="utf-8")
    assert "WorkerCrashed" in fatal and "SIGKILL" in fatal
    assert pool.restarts == 3
    assert parts.timings.counts["stand-in"] == 4 + 1 + 1  # the fatal runs never reported back


def test_worker_processes_is_a_setting_on_by_default(home: Home) -> None:
    from docflow.errors import ConfigError

    assert home.settings().worker_processes is True
    (home.root / "docflow.toml").write_text("worker_processes = false\n", encoding="utf-8")
    assert home.settings().worker_processes is False
    (home.root / "docflow.toml").write_text('worker_processes = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="worker_processes must be true or false"):
        home.settings()

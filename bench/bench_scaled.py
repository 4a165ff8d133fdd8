"""The same burst, embedded vs scaled out (issue 18), on this machine, in one run.

    .venv/bin/python bench/bench_scaled.py [--n 300] [--workers 2] [--converters 2]

Needs the scaled-out servers (`scripts/scale-up.sh start`; their variables are read from
`scripts/scale-up.sh env`). N report ZIPs land in an inbox at once; the clock runs from the
landing until every submission is archived:

- **embedded**: the default home (SQLite, outbox/, worker processes of `docflow watch`), the
  runner draining the inbox as `docflow watch --once` does (bench_pipeline.py's way);
- **scaled, one host**: `[storage]` PostgreSQL + S3 (Object Lock) and `[queue] backend =
  "postgres"`: a watch node hands the burst to the queue (in this process) while one
  `docflow worker` host (its own home copy, process group, LibreOffice) runs it;
- **scaled, two hosts**: the same with two worker hosts (same `--workers` each: on this 2-core
  machine they compete for the same cores, which the result shows).

Each scaled run uses a private PostgreSQL schema (dropped afterwards). The workers are started
and warm (LibreOffice, trust services, worker processes) before the clock starts, as the
embedded pool is. Writes bench/results/scaled.json with documents/s of each, the ratio
scaled/embedded (goal: >= 0.8) and two hosts over one, and the load average around each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests" / "workflow"))

from bench_pipeline import TODAY, make_burst  # noqa: E402

from docflow.config import Clock, Home  # noqa: E402
from docflow.inbox.journal import SqlJournal  # noqa: E402
from docflow.inbox.runner import Runner  # noqa: E402
from docflow.workflow.pool import WorkerPool  # noqa: E402
from docflow.workflow.services import build_services  # noqa: E402


def scale_env() -> dict[str, str]:
    out = subprocess.run(
        ["bash", str(REPO / "scripts" / "scale-up.sh"), "env"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    values = {}
    for line in out.stdout.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        values[key] = value
    return values


def _land(home: Home, staging: Path) -> None:
    for path in sorted(staging.iterdir()):  # the burst: every file lands at once
        os.rename(path, home.inbox / path.name)


def _stage(root: Path, burst: list[tuple[str, bytes]]) -> Path:
    staging = root / "staging"
    staging.mkdir()
    for name, content in burst:
        (staging / name).write_bytes(content)
    return staging


def _cpu_by_kind() -> dict[str, float]:
    """CPU seconds used so far by every process of this machine, by kind (PostgreSQL's
    backends, SeaweedFS, LibreOffice, this process — the watch node — and other Pythons: the
    worker hosts and their worker processes). Processes that end between two readings are
    missing from the difference: the kinds measured here all outlive a run."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        pid = int(stat.parent.name)
        if comm.startswith("postgres"):
            kind = "postgresql"
        elif comm.startswith("weed"):
            kind = "seaweedfs"
        elif comm.startswith("soffice"):
            kind = "libreoffice"
        elif pid == os.getpid():
            kind = "watch node (this process)"
        elif comm.startswith(("python", "docflow")):
            kind = "python: worker processes, worker hosts"
        else:
            continue
        used[kind] = used.get(kind, 0.0) + seconds
    return used


def _cpu_since(before: dict[str, float]) -> dict[str, float]:
    after = _cpu_by_kind()
    return {k: round(after.get(k, 0.0) - before.get(k, 0.0), 1) for k in sorted(after)}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_embedded(n: int, people: int, workers: int, converters: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="docflow-bench-embedded-") as tmp:
        home = Home(Path(tmp) / "home").ensure()
        (home.root / "docflow.toml").write_text(
            f"workers = {workers}\nconverters = {converters}\n", encoding="utf-8"
        )
        staging = _stage(Path(tmp), make_burst(home, n, people))
        services = build_services(home, clock=Clock(TODAY))
        pool = WorkerPool(services, workers=workers)
        runner = Runner(home, pool, workers=workers, settle=0)
        load_before = _load()
        cpu_before = _cpu_by_kind()
        started = time.perf_counter()
        _land(home, staging)
        runner.run_once()
        drain = time.perf_counter() - started
        cpu = _cpu_since(cpu_before)
        states: dict[str, int] = {}
        for e in runner.journal.entries():
            states[e.state] = states.get(e.state, 0) + 1
        runner.close()
        pool.close()
        services.close()
    return {
        "drain_s": round(drain, 2),
        "docs_per_s": round(n / drain, 3),
        "states": states,
        "cpu_s_by_kind": cpu,
        "load_before": load_before,
        "load_after": _load(),
    }


class _Host:
    def __init__(self, name: str, template: Path, root: Path) -> None:
        self.home = root / name
        shutil.copytree(template, self.home, ignore=shutil.ignore_patterns("inbox", "staging"))
        self.tmp = root / f"{name}-tmp"
        self.tmp.mkdir()
        self.log = root / f"{name}.log"
        env = {**os.environ, "DOCFLOW_TODAY": TODAY.isoformat(), "TMPDIR": str(self.tmp)}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "docflow", "--home", str(self.home), "worker",
                 "--name", name],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def ready(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text()[-3000:]
        return "docflow worker" in self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_scaled(
    n: int, people: int, workers: int, converters: int, hosts: int, env: dict[str, str]
) -> dict[str, Any]:
    from docflow.pki import shared_services
    from docflow.queue import QueueIntake
    from docflow.storage import QueueSettings, open_database

    os.environ.update(env)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    database = open_database(env["DOCFLOW_DATABASE_URL"], schema=schema)
    url = f"{env['DOCFLOW_DATABASE_URL']}?options=-csearch_path%3D{schema}"
    started_hosts: list[_Host] = []
    try:
        with tempfile.TemporaryDirectory(prefix="docflow-bench-scaled-") as tmp:
            home = Home(Path(tmp) / "watch").ensure()
            (home.root / "docflow.toml").write_text(
                f"workers = {workers}\nconverters = {converters}\n"
                f'[storage]\ndatabase = "{url}"\nobjects = "s3://{env["DOCFLOW_S3_BUCKET"]}"\n'
                '[queue]\nbackend = "postgres"\n',
                encoding="utf-8",
            )
            staging = _stage(Path(tmp), make_burst(home, n, people))
            shared_services(home)  # the stand-in national TSA/OCSP/CRL
            started_hosts = [_Host(f"host-{i}", home.root, Path(tmp)) for i in range(hosts)]
            while not all(h.ready() for h in started_hosts):
                time.sleep(0.5)
            time.sleep(3)  # the workers' first sweep and LISTEN are in place
            intake = QueueIntake(home, QueueSettings.from_home(home.root), settle=0)
            journal = SqlJournal(url)
            load_before = _load()
            cpu_before = _cpu_by_kind()
            started = time.perf_counter()
            _land(home, staging)
            intake.run_once()
            handed = time.perf_counter() - started
            while True:
                states: dict[str, int] = {}
                for e in journal.entries():
                    states[e.state] = states.get(e.state, 0) + 1
                if sum(states.values()) == n and "processing" not in states:
                    break
                for h in started_hosts:
                    assert h.proc.poll() is None, h.log.read_text()[-3000:]
                time.sleep(0.25)
            drain = time.perf_counter() - started
            load_after = _load()
            cpu = _cpu_since(cpu_before)
            per_host = [h.log.read_text(errors="replace").count(" -> archived ")
                        for h in started_hosts]  # fmt: skip
            intake.close()
            journal.close()
            for h in started_hosts:
                h.stop()
    finally:
        for h in started_hosts:
            h.stop()
        database.drop_schema()
        database.dispose()
    return {
        "hosts": hosts,
        "drain_s": round(drain, 2),
        "docs_per_s": round(n / drain, 3),
        "handed_to_queue_s": round(handed, 2),
        "archived_per_host": per_host,
        "states": states,
        "load_before": load_before,
        "load_after": load_after,
        "cpu_s_by_kind": cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="worker processes per host")
    parser.add_argument("--converters", type=int, default=2, help="LibreOffice per host")
    parser.add_argument("--people", type=int, default=20)
    args = parser.parse_args()
    env = scale_env()
    common = (args.n, args.people, args.workers, args.converters)
    embedded = run_embedded(*common)
    print(f"embedded: {embedded['docs_per_s']} documents/s ({embedded['drain_s']} s)")
    one = run_scaled(*common, hosts=1, env=env)
    print(f"scaled, one host: {one['docs_per_s']} documents/s ({one['drain_s']} s)")
    two = run_scaled(*common, hosts=2, env=env)
    print(f"scaled, two hosts: {two['docs_per_s']} documents/s ({two['drain_s']} s)")
    result = {
        "bench": "scaled burst: embedded vs PostgreSQL + S3 + queue",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "submissions": args.n,
        "workers_per_host": args.workers,
        "converters_per_host": args.converters,
        "embedded": embedded,
        "scaled_one_host": one,
        "scaled_two_hosts": two,
        "ratio_scaled_one_host_over_embedded": round(one["docs_per_s"] / embedded["docs_per_s"], 3),
        "ratio_two_hosts_over_one": round(two["docs_per_s"] / one["docs_per_s"], 3),
    }
    out = REPO / "bench" / "results" / "scaled.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"scaled (one host) / embedded: {result['ratio_scaled_one_host_over_embedded']}")
    print(f"two hosts / one host: {result['ratio_two_hosts_over_one']}")
    print(f"written {out}")


if __name__ == "__main__":
    main()

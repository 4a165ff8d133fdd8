"""A burst of submissions through the whole pipeline, against the naive path, in one run.

    .venv/bin/python bench/bench_pipeline.py [--n 1000] [--naive 5] [--workers 2]
        [--mode process|thread] [--converters 1]

docflow: N ZIP submissions (real small PDF evidence) land in the inbox at once; the runner
drains them as `docflow watch --once` does (parse → rules → render → warm LibreOffice →
finalize → consultant's signature → officer's signature + B-LTA → archive), in worker
processes as `watch` does by default (``--mode thread``: threads of this process). The naive
path does the same work for ``--naive`` documents the obvious way: one cold `soffice` per
document and one `pyhanko sign addsig` process per signature. Prints a table and writes
bench/results/pipeline.json (drain time, documents/s, per-stage seconds, peak memory, ratio).

Memory counts every process of the run: this one, the forkserver, each worker, each soffice
and its UNO helper (the descendants of this process, found in /proc every 0.5 s). The peak of
the sum of PSS (shared pages divided among their sharers: what the run really occupies) and of
the sum of RSS (shared pages counted in each process: an upper bound) are reported, with each
process's peak RSS. The CPU seconds the same processes used during the drain tell a run held
back by the GIL (~100% of one core in all) from one using both cores (~200%), and show the
CPU cost per document whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "tests" / "workflow"))

from workflow_builders import as_zip, report, valid_iin  # noqa: E402

from docflow.config import (  # noqa: E402
    Clock,
    Home,
    Settings,
)
from docflow.inbox.runner import Runner  # noqa: E402
from docflow.intake.parse import load_submission_bytes  # noqa: E402
from docflow.pki import Pki, TrustServices  # noqa: E402
from docflow.pki.testing import make_test_pki  # noqa: E402
from docflow.render import (  # noqa: E402
    cold_convert,
    finalize_pdf,
    render_docx,
    report_context,
    report_fields,
)
from docflow.render.service import report_attachments  # noqa: E402
from docflow.rules import evaluate_cpd  # noqa: E402
from docflow.workflow.build import build_flow  # noqa: E402
from docflow.workflow.pool import WorkerPool  # noqa: E402
from docflow.workflow.services import build_services  # noqa: E402

TODAY = date(2026, 2, 10)


def _proc_kb(path: str, key: str) -> int | None:
    """One ``Key:   123 kB`` value of a /proc file, or None (process gone)."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _descendants(root: int) -> dict[int, tuple[int, int]]:
    """pid -> (ppid, CPU ticks used so far) of ``root`` and every live process below it."""
    parent_of: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            fields = text[text.rfind(")") + 2 :].split()  # state, ppid, ..., utime, stime
            parent_of[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    found = {root: parent_of.get(root, (0, 0))}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, ticks) in parent_of.items():
            if ppid in found and pid not in found:
                found[pid] = (ppid, ticks)
                grew = True
    return found


def _role(pid: int, ppid: int, root: int) -> str:
    if pid == root:
        return "parent"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    if "multiprocessing.forkserver" in cmd:
        return "forkserver" if ppid == root else "worker"
    if (
        ppid == root
        and cmd == Path(f"/proc/{root}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    ):
        return "worker"  # forked from this process
    if "resource_tracker" in cmd:
        return "resource-tracker"
    if "soffice" in cmd:
        return "soffice"
    if "_uno_worker" in cmd:
        return "uno-helper"
    return Path(cmd.split(" ", 1)[0]).name or "other"


class MemoryWatch:
    """Every 0.5 s: PSS and RSS of this process and all its descendants, summed; and the CPU
    time each has used (to tell a saturated machine from a GIL-bound process)."""

    interval = 0.5

    def __init__(self) -> None:
        self.root = os.getpid()
        self.peak_pss_sum_kb = 0
        self.peak_rss_sum_kb = 0
        self.samples = 0
        self.processes: dict[int, dict[str, object]] = {}
        self.ticks: dict[int, int] = {}  # pid -> CPU ticks when last seen
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        with self._lock:
            self._sample()

    def _sample(self) -> None:
        pss_sum = rss_sum = 0
        for pid, (ppid, ticks) in _descendants(self.root).items():
            self.ticks[pid] = max(ticks, self.ticks.get(pid, 0))
            rss = _proc_kb(f"/proc/{pid}/status", "VmRSS:")
            hwm = _proc_kb(f"/proc/{pid}/status", "VmHWM:")
            pss = _proc_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
            if rss is None or pss is None:
                continue
            pss_sum += pss
            rss_sum += rss
            seen = self.processes.setdefault(
                pid, {"pid": pid, "role": _role(pid, ppid, self.root), "rss": 0, "pss": 0}
            )
            seen["rss"] = max(int(seen["rss"]), rss, hwm or 0)  # type: ignore[call-overload]
            seen["pss"] = max(int(seen["pss"]), pss)  # type: ignore[call-overload]
        self.peak_pss_sum_kb = max(self.peak_pss_sum_kb, pss_sum)
        self.peak_rss_sum_kb = max(self.peak_rss_sum_kb, rss_sum)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def cpu_mark(self) -> dict[int, int]:
        self.sample()
        return dict(self.ticks)

    def cpu_since(self, mark: dict[int, int]) -> dict[str, float]:
        """CPU seconds used since ``mark`` per role (processes that ended count up to the
        last sample that saw them)."""
        self.sample()
        per_role: dict[str, float] = {}
        for pid, ticks in self.ticks.items():
            role = str(self.processes.get(pid, {}).get("role", "gone"))
            used = (ticks - mark.get(pid, 0)) / os.sysconf("SC_CLK_TCK")
            per_role[role] = per_role.get(role, 0.0) + used
        return {k: round(v, 1) for k, v in sorted(per_role.items())}

    def report(self) -> dict[str, object]:
        order = ["parent", "forkserver", "resource-tracker", "worker", "soffice", "uno-helper"]
        processes = sorted(
            self.processes.values(),
            key=lambda p: (order.index(p["role"]) if p["role"] in order else 99, p["pid"]),
        )
        return {
            "sample_interval_s": self.interval,
            "samples": self.samples,
            "peak_pss_sum_mb": round(self.peak_pss_sum_kb / 1024, 1),
            "peak_rss_sum_mb": round(self.peak_rss_sum_kb / 1024, 1),
            "processes": [
                {
                    "pid": p["pid"],
                    "role": p["role"],
                    "peak_rss_mb": round(int(p["rss"]) / 1024, 1),  # type: ignore[call-overload]
                    "peak_pss_mb": round(int(p["pss"]) / 1024, 1),  # type: ignore[call-overload]
                }
                for p in processes
            ],
        }


def make_burst(home: Home, n: int, people: int) -> list[tuple[str, bytes]]:
    pki = make_test_pki(home, consultant=False)
    iins = []
    for i in range(people):
        iin = valid_iin(i + 1)
        pki.enroll(iin, f"Тестов Консультант {i}", "consultant")
        iins.append(iin)
    burst = []
    for i in range(n):
        iin = iins[i % people]
        data = report(iin=iin, full_name=f"Тестов Консультант {i % people}")
        data["activities"][0]["title"] = f"Семинар № {i}: азаматтық процесс"
        burst.append((f"report-{i:05d}.zip", as_zip(data)))
    return burst


def run_docflow(n: int, people: int, workers: int, converters: int, mode: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="docflow-bench-") as tmp:
        home = Home(Path(tmp) / "home").ensure()
        (home.root / "docflow.toml").write_text(f"converters = {converters}\n", encoding="utf-8")
        burst = make_burst(home, n, people)
        staging = Path(tmp) / "staging"
        staging.mkdir()
        for name, content in burst:
            (staging / name).write_bytes(content)
        parts = build_services(home, clock=Clock(TODAY))
        started_up = time.perf_counter()
        pool: WorkerPool | None = None
        if mode == "process":
            # As `docflow watch`: the workers (forked while this process has one thread, as
            # `watch` does), then LibreOffice and the trust services. The memory watch starts
            # after them: start-up is not where the peak is.
            pool = WorkerPool(parts, workers=workers)
        with MemoryWatch() as memory:
            if pool is not None:
                runner = Runner(home, pool, workers=workers, settle=0)
            else:
                runner = Runner(home, build_flow(parts), workers=workers, settle=0)
                parts.converter  # noqa: B018  (start LibreOffice before the clock starts)
                parts.trust  # noqa: B018
            startup = time.perf_counter() - started_up
            for path in staging.iterdir():  # the burst: every file lands at once
                os.rename(path, home.inbox / path.name)
            mark = memory.cpu_mark()
            started = time.perf_counter()
            runner.run_once()
            drain = time.perf_counter() - started
            cpu = memory.cpu_since(mark)
        states: dict[str, int] = {}
        for e in runner.journal.entries():
            states[e.state] = states.get(e.state, 0) + 1
        seconds, counts = parts.timings.snapshot()
        stages = {k: round(v, 2) for k, v in sorted(seconds.items())}
        runner.close()
        if pool is not None:
            pool.close()
        parts.close()
    mem = memory.report()
    procs: list[dict[str, object]] = mem["processes"]  # type: ignore[assignment]
    return {
        "submissions": n,
        "mode": mode,
        "start_method": pool.start_method if pool is not None else None,
        "workers": workers,
        "converters": converters,
        "startup_s": round(startup, 2),
        "drain_s": round(drain, 2),
        "docs_per_s": round(n / drain, 3),
        "per_doc_s": round(drain / n, 3),
        "states": states,
        "stage_seconds_total": stages,
        "stage_runs": dict(sorted(counts.items())),
        "stage_ms_per_doc": {k: round(1000 * v / n, 1) for k, v in stages.items()},
        "memory": mem,
        "drain_cpu_s": {"all": round(sum(cpu.values()), 1), **cpu},
        "drain_cpu_percent": round(100 * sum(cpu.values()) / drain),
        "cpu_ms_per_doc": round(1000 * sum(cpu.values()) / n),
        "soffice_peak_rss_mb": [p["peak_rss_mb"] for p in procs if p["role"] == "soffice"],
        "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_naive(count: int) -> dict[str, object]:
    """One cold soffice per document, one pyHanko CLI process per signature."""
    with tempfile.TemporaryDirectory(prefix="docflow-naive-") as tmp:
        home = Home(Path(tmp) / "home").ensure()
        burst = make_burst(home, count, 1)
        pki = Pki(home)
        consultant, officer = pki.find(iin=valid_iin(1)), pki.find(role="officer")
        templates = home.settings().templates
        times = []
        with TrustServices(home) as services:
            for i, (name, content) in enumerate(burst):
                started = time.perf_counter()
                loaded = load_submission_bytes(name, content, base_dir=None, today=TODAY)
                verdict = evaluate_cpd(
                    loaded.model,  # type: ignore[arg-type]
                    today=TODAY,
                    evidence_names=loaded.evidence_names,
                )
                check = verdict.to_json()
                moment = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
                attachments = report_attachments(loaded, check, modified=moment)
                data = loaded.model.model_dump(mode="python")
                context = report_context(data, check, locale="kk", attachments=attachments)
                docx = render_docx(templates / "appendix1_kk.docx", context)
                pdf = finalize_pdf(
                    cold_convert(docx), attachments=attachments, signature_fields=report_fields()
                )
                src, mid, out = (Path(tmp) / f"{i}-{k}.pdf" for k in ("0", "1", "2"))
                src.write_bytes(pdf)
                common = [
                    str(BIN / "pyhanko"), "sign", "addsig", "--existing-only",
                    "--timestamp-url", services.tsa_url, "--use-pades", "--with-validation-info",
                    "--trust", str(pki.root_cert_path), "--trust-replace",
                    "--other-certs", str(pki.issuing_cert_path),
                ]  # fmt: skip
                for field, who, extra, inp, outp in (
                    ("consultant", consultant, [], src, mid),
                    ("officer", officer, ["--use-pades-lta"], mid, out),
                ):
                    assert who.passphrase_path is not None
                    subprocess.run(
                        [*common, *extra, "--field", field, "pkcs12", "--passfile",
                         str(who.passphrase_path), "--chain", str(pki.issuing_cert_path),
                         str(inp), str(outp), str(who.p12_path)],
                        check=True, capture_output=True,
                    )  # fmt: skip
                times.append(time.perf_counter() - started)
    times.sort()
    return {
        "documents": count,
        "per_doc_s": round(sum(times) / len(times), 3),
        "median_doc_s": round(times[len(times) // 2], 3),
        "docs_per_s": round(len(times) / sum(times), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="submissions in the burst")
    parser.add_argument("--naive", type=int, default=5, help="documents on the naive path")
    defaults = Settings()  # what `docflow watch` uses when docflow.toml says nothing
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument(
        "--converters", type=int, default=defaults.converters, help="warm LibreOffice processes"
    )

    parser.add_argument("--people", type=int, default=20, help="distinct consultants")
    parser.add_argument(
        "--mode",
        choices=["process", "thread"],
        default="process",
        help="worker processes as `docflow watch` (default) or threads of one process",
    )
    args = parser.parse_args()
    if importlib.util.find_spec("pyhanko.cli") is None:
        sys.exit("the naive path needs pyHanko's CLI (pip install pyhanko-cli)")

    ours = run_docflow(args.n, args.people, args.workers, args.converters, args.mode)
    naive = run_naive(args.naive)
    ratio = float(naive["per_doc_s"]) / float(ours["per_doc_s"])  # type: ignore[arg-type]
    result = {
        "bench": "pipeline burst",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "docflow": ours,
        "naive": naive,
        "ratio_naive_over_docflow_per_doc": round(ratio, 1),
        "naive_projected_drain_s": round(float(naive["per_doc_s"]) * args.n, 1),  # type: ignore[arg-type]
    }
    out = REPO / "bench" / "results" / "pipeline.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"docflow: {args.n} submissions drained in {ours['drain_s']} s")
    print(f"  {ours['docs_per_s']} docs/s, {args.workers} {args.mode} workers; "
          f"states {ours['states']}")  # fmt: skip
    print("  per-stage ms per document:", ours["stage_ms_per_doc"])
    print(f"  CPU during the drain: {ours['drain_cpu_percent']}% of one core, "
          f"{ours['cpu_ms_per_doc']} ms per document")  # fmt: skip
    print(f"  CPU seconds by process: {ours['drain_cpu_s']}")
    mem: dict[str, Any] = ours["memory"]  # type: ignore[assignment]
    print(f"  peak memory of all processes: PSS {mem['peak_pss_sum_mb']} MB, "
          f"RSS {mem['peak_rss_sum_mb']} MB")  # fmt: skip
    for proc in mem["processes"]:
        print(f"    {proc['role']:<17} pid {proc['pid']:<8} peak RSS {proc['peak_rss_mb']} MB, "
              f"PSS {proc['peak_pss_mb']} MB")  # fmt: skip
    print(f"naive: {naive['per_doc_s']} s per document ({args.naive} documents)")
    print(f"ratio naive/docflow per document: {result['ratio_naive_over_docflow_per_doc']}x")
    print(f"written {out}")


if __name__ == "__main__":
    main()

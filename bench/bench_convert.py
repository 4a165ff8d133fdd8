"""Benchmark: the warm LibreOffice converter vs one cold soffice per document, in one run.

Per-document time and throughput for both paths on the same rendered A1 report, peak RSS of the
LibreOffice processes and of this Python process. Writes bench/results/convert.json and prints a
table. Run from the repository root::

    .venv/bin/python bench/bench_convert.py            # 20 documents each
    .venv/bin/python bench/bench_convert.py -n 5       # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from docflow.config import DEFAULT_TEMPLATES
from docflow.render import Attachment, Converter, cold_convert, render_docx, report_context

RESULTS = Path(__file__).resolve().parent / "results" / "convert.json"


def sample_docx(activities: int) -> bytes:
    acts = [
        {
            "index": i,
            "form": 2,
            "title": f"Азаматтық процестегі соңғы өзгерістер, {i + 1}-бөлім",
            "organizer": "Алматы қаласының заң консультанттары палатасы",
            "date": "2025-03-14",
            "points": 2,
            "counted": True,
            "evidence": [f"evidence/e{i}.pdf"],
            "claimed_points": None,
            "form_name": {
                "kk": "Заң практикасының өзекті мәселелеріне арналған семинарларға, "
                "вебинарларға, дәрістерге қатысу",
                "ru": "Участие в семинарах",
            },
        }
        for i in range(activities)
    ]
    submission = {
        "year": 2025,
        "submitted_on": "2026-02-10",
        "consultant": {
            "full_name": "Сейітқали Әсел Нұрланқызы",
            "chamber": "Алматы қаласының заң консультанттары палатасы",
            "member_since": "2019-03-01",
        },
    }
    verdict = {"total_points": 2 * activities, "activities": acts}
    moment = datetime(2026, 2, 10, tzinfo=UTC)
    attachments = [
        Attachment.evidence(f"evidence/e{i}.pdf", b"x", modified=moment) for i in range(activities)
    ]
    context = report_context(submission, verdict, locale="kk", attachments=attachments)
    return render_docx(DEFAULT_TEMPLATES / "appendix1_kk.docx", context)


def vm_hwm_kb(pid: int) -> int:
    """Peak resident set size of a live process (VmHWM), in kB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "mean_ms": round(statistics.mean(times) * 1000, 1),
        "median_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="documents per path (default 20)")
    parser.add_argument("--instances", type=int, default=2, help="warm LibreOffice instances")
    parser.add_argument("--activities", type=int, default=6, help="table rows per report")
    args = parser.parse_args()
    docx = sample_docx(args.activities)
    load_before = os.getloadavg()

    # Warm: start-up once, then sequential per-document latency, then concurrent throughput.
    started = time.perf_counter()
    conv = Converter(instances=args.instances)
    startup = time.perf_counter() - started
    try:
        conv.convert(docx)  # first document of a fresh instance loads the Writer filters
        warm_times = []
        for _ in range(args.n):
            t0 = time.perf_counter()
            conv.convert(docx)
            warm_times.append(time.perf_counter() - t0)
        lock = threading.Lock()
        remaining = [args.n]

        def worker() -> None:
            while True:
                with lock:
                    if remaining[0] == 0:
                        return
                    remaining[0] -= 1
                conv.convert(docx)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.instances)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        warm_parallel = time.perf_counter() - t0
        lo_peaks = [vm_hwm_kb(pid) for pid in conv.soffice_pids()]
    finally:
        conv.close()

    # Cold: one soffice per document, on an already-created profile (the fair naive path;
    # a brand-new profile would add the exit-81 restart to every document).
    cold_times = []
    cold_rss: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="docflow-bench-") as tmp:
        profile = Path(tmp) / "profile"
        cold_convert(docx, profile=profile)
        for _ in range(args.n):
            t0 = time.perf_counter()
            cold_convert(docx, profile=profile, usage=cold_rss)
            cold_times.append(time.perf_counter() - t0)

    warm = summary(warm_times)
    cold = summary(cold_times)
    speedup = round(cold["mean_ms"] / warm["mean_ms"], 1)
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": len(os.sched_getaffinity(0)),
            # Shared machine: the load average says how much the numbers were disturbed.
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "libreoffice": subprocess.run(
                ["soffice", "--version"], capture_output=True, text=True
            ).stdout.strip(),
        },
        "documents_per_path": args.n,
        "document": f"A1 report kk, {args.activities} activities, {len(docx)} bytes DOCX",
        "warm": {
            "instances": args.instances,
            "startup_s": round(startup, 2),
            "per_document": warm,
            "throughput_docs_per_s_sequential": round(1000 / warm["mean_ms"], 2),
            "throughput_docs_per_s_parallel": round(args.n / warm_parallel, 2),
            "soffice_peak_rss_mb": [round(kb / 1024, 1) for kb in lo_peaks],
        },
        "cold": {
            "per_document": cold,
            "throughput_docs_per_s": round(1000 / cold["mean_ms"], 2),
            "soffice_peak_rss_mb": round(cold_rss.get("max_rss_kb", 0) / 1024, 1),
        },
        "speedup_per_document": speedup,
        "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target": "warm >= 5x faster per document",
        "target_met": speedup >= 5,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print(f"{'path':<28}{'mean ms':>10}{'median':>10}{'p95':>10}{'docs/s':>10}")
    print(
        f"{'warm (1 caller)':<28}{warm['mean_ms']:>10}{warm['median_ms']:>10}"
        f"{warm['p95_ms']:>10}{result['warm']['throughput_docs_per_s_sequential']:>10}"
    )
    print(
        f"{f'warm ({args.instances} callers)':<28}{'':>10}{'':>10}{'':>10}"
        f"{result['warm']['throughput_docs_per_s_parallel']:>10}"
    )
    print(
        f"{'cold soffice per document':<28}{cold['mean_ms']:>10}{cold['median_ms']:>10}"
        f"{cold['p95_ms']:>10}{result['cold']['throughput_docs_per_s']:>10}"
    )
    print(
        f"speed-up per document: {speedup}x (target >= 5x: {'met' if speedup >= 5 else 'NOT met'})"
    )
    print(
        f"warm start-up {result['warm']['startup_s']} s; peak RSS: soffice warm "
        f"{result['warm']['soffice_peak_rss_mb']} MB, "
        f"cold {result['cold']['soffice_peak_rss_mb']} MB, "
        f"python {result['python_peak_rss_mb']} MB"
    )
    print(f"written to {RESULTS}")
    return 0 if speedup >= 5 else 1


if __name__ == "__main__":
    sys.exit(main())

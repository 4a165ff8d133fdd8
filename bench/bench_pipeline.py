"""A burst of submissions through the whole pipeline, against the naive path, in one run.

    .venv/bin/python bench/bench_pipeline.py [--n 1000] [--naive 5] [--workers 2]

docflow: N ZIP submissions (real small PDF evidence) land in the inbox at once; the runner
drains them as `docflow watch --once` does (parse → rules → render → warm LibreOffice →
finalize → consultant's signature → officer's signature + B-LTA → archive). The naive path does
the same work for ``--naive`` documents the obvious way: one cold `soffice` per document and one
`pyhanko sign addsig` process per signature. Prints a table and writes
bench/results/pipeline.json (drain time, documents/s, per-stage seconds, peak memory, ratio).
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

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "tests" / "workflow"))

from workflow_builders import as_zip, report, valid_iin  # noqa: E402

from docflow.config import Home  # noqa: E402
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
from docflow.workflow.cpd import Pipeline  # noqa: E402
from docflow.workflow.parts import Clock, Parts  # noqa: E402
from docflow.workflow.runner import Runner  # noqa: E402

TODAY = date(2026, 2, 10)


def _rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a live process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemoryWatch:
    """Samples the peak RSS of LibreOffice processes while the burst runs."""

    def __init__(self, parts: Parts):
        self.parts = parts
        self.soffice_peak: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            conv = self.parts.__dict__.get("converter")
            if conv is None:
                continue
            for pid in conv.soffice_pids():
                self.soffice_peak[pid] = max(self.soffice_peak.get(pid, 0.0), _rss_mb(pid))

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


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


def run_docflow(n: int, people: int, workers: int, converters: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="docflow-bench-") as tmp:
        home = Home(Path(tmp) / "home").ensure()
        (home.root / "docflow.toml").write_text(f"converters = {converters}\n", encoding="utf-8")
        burst = make_burst(home, n, people)
        staging = Path(tmp) / "staging"
        staging.mkdir()
        for name, content in burst:
            (staging / name).write_bytes(content)
        parts = Parts(home, clock=Clock(TODAY))
        runner = Runner(home, Pipeline(parts), workers=workers, settle=0)
        started_up = time.perf_counter()
        parts.converter  # noqa: B018  (start LibreOffice before the clock starts)
        parts.services  # noqa: B018
        startup = time.perf_counter() - started_up
        for path in staging.iterdir():  # the burst: every file lands at once
            os.rename(path, home.inbox / path.name)
        with MemoryWatch(parts) as memory:
            started = time.perf_counter()
            runner.run_once()
            drain = time.perf_counter() - started
        states: dict[str, int] = {}
        for e in runner.journal.entries():
            states[e.state] = states.get(e.state, 0) + 1
        stages = {k: round(v, 2) for k, v in sorted(parts.stage_seconds.items())}
        runner.close()
        parts.close()
    return {
        "submissions": n,
        "workers": workers,
        "converters": converters,
        "startup_s": round(startup, 2),
        "drain_s": round(drain, 2),
        "docs_per_s": round(n / drain, 3),
        "per_doc_s": round(drain / n, 3),
        "states": states,
        "stage_seconds_total": stages,
        "stage_ms_per_doc": {k: round(1000 * v / n, 1) for k, v in stages.items()},
        "soffice_peak_rss_mb": [round(v, 1) for v in memory.soffice_peak.values()],
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
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--converters", type=int, default=1, help="warm LibreOffice processes")
    parser.add_argument("--people", type=int, default=20, help="distinct consultants")
    args = parser.parse_args()
    if importlib.util.find_spec("pyhanko.cli") is None:
        sys.exit("the naive path needs pyHanko's CLI (pip install pyhanko-cli)")

    ours = run_docflow(args.n, args.people, args.workers, args.converters)
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
    print(f"  {ours['docs_per_s']} docs/s, {args.workers} workers; states {ours['states']}")
    print("  per-stage ms per document:", ours["stage_ms_per_doc"])
    print(f"  peak memory: python {ours['python_peak_rss_mb']} MB, "
          f"soffice {ours['soffice_peak_rss_mb']} MB")  # fmt: skip
    print(f"naive: {naive['per_doc_s']} s per document ({args.naive} documents)")
    print(f"ratio naive/docflow per document: {result['ratio_naive_over_docflow_per_doc']}x")
    print(f"written {out}")


if __name__ == "__main__":
    main()

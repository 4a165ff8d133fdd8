"""Event certificates per second for one batch, and peak memory.

For each ``--workers`` value, a fresh home (demo PKI with an issuer, loopback TSA/OCSP), the
worker processes of ``docflow watch`` and a roster of ``--count`` participants dropped into the
inbox: its certificates are issued in parallel across the workers (one flow part each). A
one-participant warm-up batch first starts LibreOffice and the TSA; its time is reported apart.
Every certificate is rendered, converted to PDF/A, signed (timestamp, DSS, document
timestamp: B-LTA) and archived, as in production.

``--via cli`` hands each batch to the worker processes the way ``docflow certificates issue
FILE`` does (``docflow.workflow.certificates.issue_submission``: a journal row, a work folder,
``WorkerPool.dispatch`` per part) instead of dropping it into the inbox; the work is the same.

``--own`` measures a batch with ``[signing] issuer = "own"`` (issue 15) phase by phase: the
worker processes prepare every certificate and record its request (no signature), the issuer
signs the whole batch as one package (``sign_batch``, the key opened once: here the demo
issuer's key stands in for the person's own), docflow checks and completes each signature
(``SignRequests.submit``, as ``sign-requests complete`` does, one process), and a second run
archives them. Writes ``bench/results/certificates-own.json``.

Writes ``bench/results/certificates.json``.
Run: ``python bench/bench_certificates.py [--count 500] [--workers 2] [--via inbox|cli]
[--own]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from docflow.bodies import ChamberRegistry
from docflow.config import Clock, Home
from docflow.iin import check_digit
from docflow.inbox.runner import Runner
from docflow.pki.testing import OTHER_IIN, make_test_pki
from docflow.workflow.certificates import issue_submission
from docflow.workflow.pool import WorkerPool
from docflow.workflow.services import build_services

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "certificates.json"
CHAMBER = "Алматы қаласының заң консультанттары палатасы"


def roster(count: int, tag: int) -> list[dict[str, str]]:
    people: list[dict[str, str]] = []
    serial = 0
    while len(people) < count:
        first = f"88{(tag % 12) + 1:02d}{(serial // 9000) % 28 + 1:02d}3{serial % 9000 + 1000:04d}"
        digit = check_digit(first)
        if digit is not None:
            people.append({"full_name": f"Қатысушы №{len(people) + 1}", "iin": f"{first}{digit}"})
        serial += 1
    return people


def batch_file(folder: Path, count: int, tag: int, locale: str = "kk") -> Path:
    data = {
        "kind": "event-certificates",
        "locale": locale,
        "event": {
            "title": f"Семинар #{tag}: азаматтық процесс",
            "form": 2,
            "organizer": CHAMBER,
            "date": "2025-03-14",
            "hours": 8,
            "place": "online",
        },
        "issuer": {
            "full_name": "Issuer DEMO",
            "position": "Палата төрағасы",
            "chamber": CHAMBER,
            "iin": OTHER_IIN,
        },
        "participants": roster(count, tag),
    }
    path = folder / f"batch-{tag}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def peak_rss_mib(pid: int | str = "self") -> float | None:
    """The peak resident set (VmHWM) of a process, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _proc_cpu(pid: int | str) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) of this process and of ``pids`` (workers, LibreOffice)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime + sum(_proc_cpu(pid) for pid in pids)


def _drop(home: Home, path: Path) -> None:
    os.rename(path, home.inbox / path.name)


def run(count: int, workers_list: list[int], via: str = "inbox") -> dict[str, Any]:
    """Each batch goes through the inbox as ``docflow watch`` runs it: the worker processes
    issue its participants' certificates in parallel, LibreOffice and the trust services stay
    in this process."""
    load_before = os.getloadavg()
    runs: list[dict[str, Any]] = []
    soffice: dict[str, float | None] = {}
    sizes: list[int] = []
    warmup_s = 0.0
    for tag, workers in enumerate(workers_list, start=1):
        with tempfile.TemporaryDirectory(prefix="docflow-bench-cert-") as tmp:
            folder = Path(tmp)
            home = Home(folder / "home").ensure()
            pki = make_test_pki(home, issuer=True)
            # Issue 13: the organising chamber, the demo issuer enrolled as its issuer.
            ChamberRegistry(home).add("almaty", kk=CHAMBER, ru="Палата ЮК города Алматы")
            pki.assign_body(pki.find(OTHER_IIN, "issuer").serial, "almaty")
            services = build_services(home, clock=Clock(date(2025, 6, 2)))
            pool = WorkerPool(services, workers=workers)
            runner = Runner(home, pool, workers=workers, settle=0)

            def issue(
                path: Path,
                total: int,
                runner: Runner = runner,
                pool: WorkerPool = pool,
                home: Home = home,
                services: Any = services,
                workers: int = workers,
            ) -> None:
                if via == "inbox":
                    _drop(home, path)
                    runner.run_once()
                    return
                _entry, outcome = issue_submission(
                    services, path, run=pool.dispatch, parallel=workers, total=total
                )
                assert outcome.state == "archived", outcome

            try:
                start = time.perf_counter()
                issue(batch_file(folder, 1, 0), 1)
                warmup_s = time.perf_counter() - start
                services.timings.clear()
                pids = services.soffice_pids() + pool.worker_pids()
                cpu_start = cpu_seconds(pids)
                path = batch_file(folder, count, tag)
                start = time.perf_counter()
                issue(path, count)
                elapsed = time.perf_counter() - start
                cpu = cpu_seconds(pids) - cpu_start
                states = [e.state for e in runner.journal.entries()]
                assert states == ["archived", "archived"], states  # inbox and cli alike
                seconds, _counts = services.timings.snapshot()
                runs.append(
                    {
                        "workers": workers,
                        "mode": "worker processes, "
                        + ("as docflow watch" if via == "inbox" else "as certificates issue"),
                        "certificates": count,
                        "seconds": round(elapsed, 2),
                        "certificates_per_s": round(count / elapsed, 3),
                        "seconds_per_certificate": round(elapsed / count, 3),
                        # CPU per certificate (docflow + workers + TSA/OCSP + LibreOffice):
                        # what the machine pays whatever else runs
                        "cpu_seconds_per_certificate": round(cpu / count, 3),
                        "stage_seconds": {k: round(v, 2) for k, v in sorted(seconds.items())},
                    }
                )
                print(
                    f"workers={workers}: {count} certificates in {elapsed:.1f} s "
                    f"= {count / elapsed:.2f}/s, {cpu / count:.3f} CPU-s each"
                )
                soffice = {str(pid): peak_rss_mib(pid) for pid in services.soffice_pids()}
                sizes = [p.stat().st_size for p in home.outbox.rglob("KZC-*.pdf")]
            finally:
                runner.close()
                pool.close()
                services.close()
    return {
        "bench": "certificates",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            # the machine is shared: a load above the core count means the numbers are low
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "via": via,
        "note": f"through the {via} and the worker processes: render (docxtpl) -> LibreOffice "
        "PDF/A-3b (warm, in the parent) -> finalize -> PAdES B-LTA signature by the issuer "
        "(loopback TSA/OCSP) -> archive, one participant per flow part",
        "warmup_seconds": round(warmup_s, 2),
        "runs": runs,
        "best_certificates_per_s": max(float(r["certificates_per_s"]) for r in runs),
        "peak_rss_mib": {"python": peak_rss_mib(), "soffice": soffice},
        "pdf_bytes": {
            "min": min(sizes),
            "max": max(sizes),
            "mean": round(sum(sizes) / len(sizes)),
        },
    }


def run_own(count: int, workers: int) -> dict[str, Any]:
    """The own-key issuer's batch, phase by phase (see the module docstring)."""
    from docflow.pki import Pki
    from docflow.signreq import (
        SignRequests,
        export_batch,
        home_services,
        home_trust,
        read_batch,
        read_signed_batch,
        sign_batch,
    )

    load_before = os.getloadavg()
    phases: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="docflow-bench-cert-own-") as tmp:
        folder = Path(tmp)
        home = Home(folder / "home").ensure()
        pki = make_test_pki(home, issuer=True)
        ChamberRegistry(home).add("almaty", kk=CHAMBER, ru="Палата ЮК города Алматы")
        pki.assign_body(pki.find(OTHER_IIN, "issuer").serial, "almaty")
        (home.root / "docflow.toml").write_text('[signing]\nissuer = "own"\n', encoding="utf-8")
        services = build_services(home, clock=Clock(date(2025, 6, 2)))
        pool = WorkerPool(services, workers=workers)
        try:
            path = batch_file(folder, count, 1)
            start = time.perf_counter()
            entry, outcome = issue_submission(
                services, path, run=pool.dispatch, parallel=workers, total=count
            )
            phases["prepare_and_request"] = time.perf_counter() - start
            assert outcome.state == "awaiting_signature", outcome
            store = SignRequests(home)
            try:
                start = time.perf_counter()
                records = store.of_batch(entry.token)
                package = export_batch([(r, store.prepared(r.id)) for r in records])
                phases["export"] = time.perf_counter() - start
                start = time.perf_counter()
                signer = Pki(home).signer_for(OTHER_IIN, "issuer").signer
                signed = sign_batch(read_batch(package), signer)
                phases["sign_package"] = time.perf_counter() - start
                start = time.perf_counter()
                trust = home_trust(home)
                with home_services(home) as endpoints:
                    for request_id, cms in read_signed_batch(signed) or []:
                        done = store.submit(request_id, cms, trust=trust, services=endpoints)
                        assert done.accepted, done.check.refusals
                phases["check_and_complete"] = time.perf_counter() - start
            finally:
                store.close()
            start = time.perf_counter()
            entry, outcome = issue_submission(
                services, path, run=pool.dispatch, parallel=workers, total=count
            )
            phases["archive"] = time.perf_counter() - start
            assert outcome.state == "archived", outcome
        finally:
            pool.close()
            services.close()
    result = {
        "bench": "certificates-own",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "certificates": count,
        "workers": workers,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "seconds": {k: round(v, 2) for k, v in phases.items()},
        "ms_per_certificate": {k: round(1000 * v / count, 1) for k, v in phases.items()},
        "note": "prepare_and_request: render, LibreOffice, finalize, prepare and request in the "
        "worker processes; sign_package: one detached CMS per request, the key opened once; "
        "check_and_complete: SignRequests.submit per signature in one process (signature "
        "timestamp, DSS, document timestamp); archive: the second run of the batch",
    }
    print(json.dumps(result["seconds"]), f"for {count} certificates")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--via", choices=("inbox", "cli"), default="inbox")
    parser.add_argument("--own", action="store_true", help="issuer = own, phase by phase")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.own:
        own = run_own(args.count, args.workers[0])
        path = RESULTS.with_name("certificates-own.json")
        path.write_text(json.dumps(own, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"written to {path}")
        return
    result = run(args.count, args.workers, args.via)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("best_certificates_per_s", "peak_rss_mib")}))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()

"""The bodies' store as a worker reads it: per-report cost of the calls made for every report.

A worker asks the bodies' store, for each report, in what capacity each signature's certificate
signs (``OfficeRegistry(home).role_of``), which chamber the report names
(``ChamberRegistry(home).resolve_chamber``) and who the chamber's live officers are
(``OfficeRegistry(home).offices(body=…, role="officer")``). Each is timed ``--n`` times over a
home with ``--chambers`` chambers and ``--offices`` offices, a new registry per call as the callers
make them, in the embedded configuration (``.docflow/bodies.sqlite``) and, with ``--postgres URL``
(or ``DOCFLOW_DATABASE_URL``), in the scaled-out one (a private schema, dropped at the end).

Reported per call: the mean, p50 and p95 wall time and the mean CPU time of this process (on a
shared machine the CPU time is the steadier number). Only the public API is used, so the same
script measures any version of ``docflow.bodies`` (``PYTHONPATH=/path/to/old/checkout``).
Run: ``python bench/bench_bodies.py [--n 1000] [--postgres URL] [--label before]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docflow.bodies import ChamberRegistry, OfficeRegistry
from docflow.config import Home


def _populate(home: Home, chambers: int, offices: int) -> list[bytes]:
    registry = ChamberRegistry(home)
    for i in range(chambers):
        registry.add(f"chamber-{i:02d}", kk=f"Палатасы {i}", ru=f"Палата номер {i}",
                     aliases=[f"Палата {i} области"])  # fmt: skip
    certificates = []
    office_registry = OfficeRegistry(home)
    for i in range(offices):
        certificate = f"certificate-{i}".encode()
        role = "officer" if i % 10 == 0 else "consultant"
        body = f"chamber-{i % chambers:02d}"
        office_registry.record(
            certificate, iin=f"{850228300000 + i}", name=f"Person {i}", role=role, body=body,
            serial=i + 1,
        )  # fmt: skip
        certificates.append(certificate)
    return certificates


def _time(n: int, call: Callable[[int], Any]) -> dict[str, float]:
    call(0)  # the first call opens (and, for a new store, migrates) the database
    samples = []
    cpu = time.process_time()
    for i in range(n):
        start = time.perf_counter()
        call(i)
        samples.append(time.perf_counter() - start)
    cpu = time.process_time() - cpu
    samples.sort()
    return {
        "cpu_us": round(cpu / n * 1e6, 1),  # this process only (not the PostgreSQL server's)
        "mean_us": round(statistics.fmean(samples) * 1e6, 1),
        "p50_us": round(samples[len(samples) // 2] * 1e6, 1),
        "p95_us": round(samples[int(len(samples) * 0.95)] * 1e6, 1),
        "total_ms": round(sum(samples) * 1e3, 1),
    }


def run(home: Home, n: int, chambers: int, offices: int) -> dict[str, Any]:
    certificates = _populate(home, chambers, offices)
    results = {
        "office role_of": _time(
            n, lambda i: OfficeRegistry(home).role_of(certificates[i % len(certificates)])
        ),
        "chamber resolve_chamber": _time(
            n,
            lambda i: ChamberRegistry(home).resolve_chamber(
                f"палата НОМЕР {i % chambers}" if i % 2 else f"chamber-{i % chambers:02d}"
            ),
        ),
        "officers of a chamber": _time(
            n,
            lambda i: OfficeRegistry(home).offices(
                body=f"chamber-{i % chambers:02d}", role="officer"
            ),
        ),
    }
    results["per report (the three)"] = {
        key: round(sum(r[key] for r in results.values()), 1) for key in ("cpu_us", "mean_us")
    }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--chambers", type=int, default=20)
    parser.add_argument("--offices", type=int, default=2000)
    parser.add_argument("--postgres", default=os.environ.get("DOCFLOW_DATABASE_URL"))
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    out: dict[str, Any] = {"label": args.label, "n": args.n, "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "embedded").ensure()
        out["sqlite"] = run(home, args.n, args.chambers, args.offices)
        if args.postgres:
            from docflow.storage import open_database

            schema = f"bench_{uuid.uuid4().hex[:10]}"
            database = open_database(args.postgres, schema=schema)
            try:
                home = Home(Path(tmp) / "scaled").ensure()
                url = f"{args.postgres}?options=-csearch_path%3D{schema}"
                (home.root / "docflow.toml").write_text(
                    f'[storage]\ndatabase = "{url}"\n', encoding="utf-8"
                )
                out["postgresql"] = run(home, args.n, args.chambers, args.offices)
            finally:
                database.drop_schema()
                database.dispose()
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

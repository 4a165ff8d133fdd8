"""The watcher's poll of waiting signatures (issue 15/18): ``SignatureArrivals`` asks the store
every second about every document ``awaiting_signature``; a certificate batch waits on hundreds
of requests at once. This times one poll (``SignatureArrivals`` over a work folder with N
request files, and the bare ``SignRequests.get_many`` of N ids) on the embedded SQLite store
and, with ``--database postgresql://…``, on PostgreSQL (a private schema, dropped afterwards).

    python bench/bench_signreq_poll.py [--n 500] [--polls 50] [--database postgresql://…]

Prints wall-clock and CPU medians in ms (the CPU time of this process is what a shared,
busy machine disturbs least) and writes bench/results/signreq-poll.json (``--no-save`` to skip).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from docflow.config import Home
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, pdf_with_fields
from docflow.sign import SignSpec
from docflow.signreq import SignRequests
from docflow.workflow.own import SignatureArrivals

RESULTS = Path(__file__).resolve().parent / "results" / "signreq-poll.json"


def _ms(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(values) * 1000, 2),
        "min_ms": round(min(values) * 1000, 2),
        "max_ms": round(max(values) * 1000, 2),
    }


def run(root: Path, n: int, polls: int, database: str | None) -> dict[str, Any]:
    home = Home(root / "home").ensure()
    schema = None
    if database:
        from docflow.storage import open_database

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        open_database(database, schema=schema).dispose()  # creates the schema
        url = f"{database}?options=-csearch_path%3D{schema}"
        (home.root / "docflow.toml").write_text(
            f'[storage]\ndatabase = "{url}"\n', encoding="utf-8"
        )
    try:
        store = SignRequests(home)
        pdf = pdf_with_fields()
        started = time.perf_counter()
        ids = [
            store.create(
                pdf,
                SignSpec("consultant", role="consultant"),
                document=f"batch:{i:04d}",
                expected_iin=CONSULTANT_IIN,
                signer_name=CONSULTANT_NAME,
            ).id
            for i in range(n)
        ]
        create_s = time.perf_counter() - started
        workdir = root / "work"
        workdir.mkdir()
        for i, request_id in enumerate(ids):
            (workdir / f"{i:04d}-request-consultant.json").write_text(
                json.dumps({"id": request_id, "product": f"{i:04d}-signed.pdf"}), encoding="utf-8"
            )
        arrivals = SignatureArrivals(store)
        assert arrivals(None, workdir) is False  # type: ignore[arg-type]  # warm: files read
        poll, many, poll_cpu, many_cpu = [], [], [], []
        for _ in range(polls):
            t0, c0 = time.perf_counter(), time.process_time()
            assert arrivals(None, workdir) is False  # type: ignore[arg-type]
            t1, c1 = time.perf_counter(), time.process_time()
            assert len(store.get_many(ids)) == n
            many.append(time.perf_counter() - t1)
            many_cpu.append(time.process_time() - c1)
            poll.append(t1 - t0)
            poll_cpu.append(c1 - c0)
        store.close()
        return {
            "backend": "postgresql" if database else "sqlite",
            "requests": n,
            "polls": polls,
            "create_ms_each": round(create_s / n * 1000, 1),
            "watcher_poll": _ms(poll),
            "watcher_poll_cpu": _ms(poll_cpu),
            "get_many": _ms(many),
            "get_many_cpu": _ms(many_cpu),
        }
    finally:
        if schema is not None and database:
            from docflow.storage import open_database

            db = open_database(database, schema=schema)
            db.drop_schema()
            db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--polls", type=int, default=50)
    parser.add_argument("--database", help="postgresql://… (default: the embedded SQLite)")
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--label", help="the key in the results file (default: the backend)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(Path(tmp), args.n, args.polls, args.database)
    result["machine"] = f"{platform.machine()} {platform.python_version()}"
    print(json.dumps(result, indent=2))
    if not args.no_save:
        RESULTS.parent.mkdir(exist_ok=True)
        saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        saved[args.label or result["backend"]] = result
        RESULTS.write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

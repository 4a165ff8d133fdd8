"""The dashboard and a registered chamber's search page over 100,000 records (issue 18):
before (the Python way: every record read, counted or filtered in Python) and after (the
index's counts and chamber id column), SQLite and PostgreSQL, in the same run.

The indexes are ``bench/bench_search.py``'s synthetic 100,000 records (17 chambers, filed
under their Kazakh names), upgraded the way a real index is:

* **SQLite**: a COPY of a kept schema-2 index (``--sqlite``, e.g. bench_search's
  ``--keep`` folder; the original is never opened for writing) becomes a home's
  ``outbox/.index/archive.sqlite`` and is upgraded to schema 3 when the archive opens it;
* **PostgreSQL**: a kept schema (``--pg-from``, bench_search's ``--pg-schema``; only read) is
  copied into a schema of our own at Alembic revision 0001, then upgraded by revision 0003 and
  by the archive's first open (chamber ids from the home's chambers). ``--pg-keep`` keeps that
  schema for the next run.

The home registers the 17 chambers (ids ``ch01``..``ch17``, the Kazakh name of each as its
``kk``, a Russian one and an alias), so that a chamber's records are found by id.

Each measurement runs in a fresh process (``--worker``) so that its peak memory (the
process's maximum resident set, over what it held after opening the archive) is its own.
Reports p50/p95 of wall and CPU time, peak memory, and the load average; writes
``bench/results/dashboard.json``.

Run: ``python bench/bench_dashboard.py --sqlite PATH [--pg-from SCHEMA] [--work DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "dashboard.json"
sys.path.insert(0, str(ROOT / "bench"))

from bench_search import CHAMBERS  # noqa: E402

from docflow.bodies import ChamberRegistry  # noqa: E402
from docflow.config import Home  # noqa: E402

GOAL_MS = 20.0
#: the chamber whose page is asked for (by its alias: the registry resolves it to its id)
ASKED = 10


def chamber_id(n: int) -> str:
    return f"ch{n + 1:02d}"


def register(home: Home) -> None:
    registry = ChamberRegistry(home)
    if registry.chambers():
        return
    for n, name in enumerate(CHAMBERS):
        place = name.split(" заң ")[0]
        registry.add(chamber_id(n), kk=name, ru=f"Палата юридических консультантов ({place})",
                     aliases=[f"{place} палатасы"])  # fmt: skip


# -- preparing the homes --------------------------------------------------------------------


def prepare_sqlite(source: Path, work: Path) -> tuple[Home, float]:
    """A home whose embedded index is a copy of ``source`` (schema 2), upgraded on opening."""
    from docflow.archive import Archive

    home = Home(work / "sqlite-home").ensure()
    register(home)
    index = home.outbox / ".index" / "archive.sqlite"
    upgraded = 0.0
    if not index.exists():
        index.parent.mkdir(parents=True, exist_ok=True)
        part = index.with_suffix(".part")
        shutil.copyfile(source, part)  # never the original: it stays as bench_search kept it
        part.rename(index)
        start = time.perf_counter()
        with Archive(home, recover=False):
            pass  # schema 2 -> 3: chamber ids, late, newest, counts
        upgraded = time.perf_counter() - start
    return home, upgraded


def prepare_postgres(url: str, source: str, schema: str, work: Path) -> tuple[Home, float, float]:
    """A home on a copy of schema ``source`` in ``schema``: copied at revision 0001, then
    upgraded (revision 0003, then the archive's chamber fill). Returns the copy and upgrade
    seconds (0 when ``schema`` already held the copy)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from docflow.archive import Archive
    from docflow.storage._database import STORES, _engine

    home = Home(work / "pg-home").ensure()
    register(home)
    (home.root / "docflow.toml").write_text(
        f'[storage]\ndatabase = "{url}?options=-csearch_path%3D{schema}"\n', encoding="utf-8"
    )
    engine = _engine(url, schema)
    copied = upgraded = 0.0
    with engine.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s "
                 "AND table_name = 'archive_records'"), {"s": schema}
        ).first()  # fmt: skip
    if exists is None:
        start = time.perf_counter()
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            conn.commit()
            config = Config()
            config.set_main_option("script_location", str(STORES["archive"]))
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")  # the index as it was
            conn.commit()
            for table in ("archive_records", "archive_bodies", "archive_log", "archive_objects"):
                columns = ", ".join(
                    r[0] for r in conn.execute(
                        text("SELECT column_name FROM information_schema.columns WHERE "
                             "table_schema = :s AND table_name = :t ORDER BY ordinal_position"),
                        {"s": source, "t": table},
                    )
                )  # fmt: skip
                conn.exec_driver_sql(
                    f'INSERT INTO "{schema}".{table} ({columns}) '
                    f'SELECT {columns} FROM "{source}".{table}'
                )
            conn.commit()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("archive_records", "archive_bodies"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
        copied = time.perf_counter() - start
        start = time.perf_counter()
        with Archive(home, recover=False):
            pass  # open_database runs revision 0003; the archive fills the chamber ids
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE archive_records")
        upgraded = time.perf_counter() - start
    engine.dispose()
    return home, copied, upgraded


# -- the measurements (in a worker process each) -----------------------------------------------


def _dashboard_before(home: Home, archive: Any) -> Callable[[], int]:
    from docflow.web.services import chamber_names, dashboard_rows

    def run() -> int:
        key_of, name_of = chamber_names(home, "ru")
        rows = dashboard_rows(archive.all_records(), [], chamber_of=key_of, name_of=name_of)
        return sum(r.counts["filed"] for r in rows)

    return run


def _dashboard_after(home: Home, archive: Any) -> Callable[[], int]:
    from docflow.web.services import chamber_names, dashboard_rows_from_counts

    def run() -> int:
        key_of, name_of = chamber_names(home, "ru")
        rows = dashboard_rows_from_counts(
            archive.dashboard_counts(), [], chamber_of=key_of, name_of=name_of
        )
        return sum(r.counts["filed"] for r in rows)

    return run


def _asked() -> str:
    return CHAMBERS[ASKED].split(" заң ")[0] + " палатасы"


def _page_before(home: Home, archive: Any) -> Callable[[], int]:
    """The web page's way before issue 18's chamber column: every record, filtered by
    ``chamber_of_record``, the page cut in Python."""

    def run() -> int:
        registry = ChamberRegistry(home)
        body = registry.find(_asked())
        assert body is not None
        linked = registry.linked_records()
        found = [r for r in archive.search()
                 if registry.chamber_of_record(r, linked=linked) == body.id]  # fmt: skip
        found.reverse()
        page = found[:50]
        assert len(page) == 50
        return len(found)

    return run


def _page_after(home: Home, archive: Any) -> Callable[[], int]:
    from docflow.web.services import ArchiveService

    service = ArchiveService(home)
    service._archive = archive  # the same open archive as the "before" way

    def run() -> int:
        page = service.search_page({"chamber": _asked()}, page=1)
        assert len(page.records) == 50
        return page.total

    return run


WAYS = {
    "dashboard/before": _dashboard_before,
    "dashboard/after": _dashboard_after,
    "chamber page/before": _page_before,
    "chamber page/after": _page_after,
}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker(home_dir: str, way: str, repeat: int) -> dict[str, Any]:
    from docflow.archive import Archive

    home = Home(Path(home_dir))
    with Archive(home, recover=False) as archive:
        run = WAYS[way](home, archive)
        base = _rss_mb()
        if repeat > 1:  # the slow ways run once, cold (their seconds dwarf any cache)
            run()  # warm the page cache and the connection
        samples, cpu = [], []
        hits = 0
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            hits = run()
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def p95(values: list[float]) -> float:
        values = sorted(values)
        return round(values[min(len(values) - 1, round(0.95 * (len(values) - 1)))], 2)

    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": p95(samples),
            "cpu_p50_ms": round(statistics.median(cpu), 2), "cpu_p95_ms": p95(cpu),
            "peak_rss_mb": round(peak, 1), "rss_after_open_mb": round(base, 1),
            "peak_over_open_mb": round(peak - base, 1), "hits": hits, "repeat": repeat,
            "load_average": os.getloadavg()[0]}  # fmt: skip


def measure(home: Home, way: str, repeat: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(home.root), way, str(repeat)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=3, metavar=("HOME", "WAY", "REPEAT"))
    parser.add_argument("--sqlite", type=Path, help="a kept schema-2 index (copied, not opened)")
    parser.add_argument("--postgres", default=os.environ.get("DOCFLOW_DATABASE_URL"))
    parser.add_argument("--pg-from", help="a kept schema holding bench_search's records (read)")
    parser.add_argument("--pg-schema", default="bench_dashboard")
    parser.add_argument("--pg-keep", action="store_true", help="keep --pg-schema afterwards")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-dashboard"))
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--repeat-before", type=int, default=1)
    parser.add_argument("--no-before", action="store_true", help="the index's ways only")
    args = parser.parse_args(argv)
    if args.worker:
        home_dir, way, repeat = args.worker
        print(json.dumps(worker(home_dir, way, int(repeat))))
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_start": os.getloadavg(),
        "prepare_seconds": {},
        "results": {},
    }
    homes: dict[str, Home] = {}
    if args.sqlite:
        home, upgraded = prepare_sqlite(args.sqlite, args.work)
        homes["sqlite"] = home
        out["prepare_seconds"]["sqlite upgrade 2->3"] = round(upgraded, 1)
    if args.postgres and args.pg_from:
        home, copied, upgraded = prepare_postgres(
            args.postgres, args.pg_from, args.pg_schema, args.work
        )
        homes["postgres"] = home
        out["prepare_seconds"]["postgres copy"] = round(copied, 1)
        out["prepare_seconds"]["postgres upgrade 0001->0003 + fill"] = round(upgraded, 1)
    try:
        for config, home in homes.items():
            for way in WAYS:
                if args.no_before and way.endswith("before"):
                    continue
                repeat = args.repeat_before if way.endswith("before") else args.repeat
                result = measure(home, way, repeat)
                out["results"].setdefault(config, {})[way] = result
                print(f"{config:<9} {way:<20} p50 {result['p50_ms']:>9} ms  p95 "
                      f"{result['p95_ms']:>9} ms  cpu p95 {result['cpu_p95_ms']:>9} ms  peak "
                      f"+{result['peak_over_open_mb']:>7} MB  hits {result['hits']}  "
                      f"load {result['load_average']:.2f}", file=sys.stderr)  # fmt: skip
    finally:
        if "postgres" in homes and not args.pg_keep:
            from docflow.storage import open_database

            database = open_database(args.postgres, schema=args.pg_schema)
            database.drop_schema()
            database.dispose()
    out["load_average_end"] = os.getloadavg()
    ok = all(r["p95_ms"] < GOAL_MS for per in out["results"].values()
             for way, r in per.items() if way.endswith("after"))  # fmt: skip
    out["goal_met"] = ok
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"goal p95 < {GOAL_MS} ms: {'met' if ok else 'NOT met'}; wrote {RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

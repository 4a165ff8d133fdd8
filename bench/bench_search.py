"""Archive search over 100,000 records: before (schema 1) and after, SQLite and PostgreSQL.

Builds the index of ``--n`` synthetic records (Kazakh and Russian names, 17 chambers, years
2022-2026; records shaped like the workflow's) three or four ways, in the same run:

* **sqlite-before**: the embedded index as it was (schema 1: ``instr`` over the folded columns,
  the record JSON in the same rows, every match returned, no paging);
* **sqlite-after**: the embedded index now (schema 2: FTS5 trigram index), one page of 50 and
  the total count, through ``Archive.search_page``'s SQL;
* **postgres-after**: the scaled-out index (``docflow.storage``: pg_trgm GIN indexes, the
  record JSON in its own table), page and count, when ``--postgres URL`` (or
  ``DOCFLOW_DATABASE_URL``) is given; the tables are created in a schema of their own, which is
  dropped at the end.

Queries, ``--repeat`` times each with a different needle: name substring (a given name, then a
common fragment), IIN, chamber substring, year + common name fragment, full text. Reports p50
and p95 per query and writes ``bench/results/search.json``. Exit code 0 when every "after"
query has p95 under 20 ms.

Run: ``python bench/bench_search.py [--n 100000] [--repeat 40] [--postgres URL]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docflow.archive import _index
from docflow.archive._layout import default_series_key, fold

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "search.json"
GOAL_MS = 20.0
PER_PAGE = 50

SURNAMES = [
    "Ахметов", "Нұрланов", "Серікбаев", "Жұмабаев", "Қасымов", "Әбдірахманов", "Төлеуов",
    "Омаров", "Сейітқалиев", "Бекмұхамбетов", "Мұқанов", "Исабеков", "Байжанов", "Оспанов",
    "Ержанов", "Тоқтаров", "Құдайбергенов", "Сәрсенбаев", "Иванов", "Петров", "Смирнов",
    "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов",
    "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Ким", "Пак", "Цой",
]  # fmt: skip
MALE = [
    "Нұрлан", "Серік", "Ерлан", "Асқар", "Бауыржан", "Данияр", "Ержан", "Қайрат", "Марат",
    "Дәурен", "Айдос", "Ілияс", "Алексей", "Дмитрий", "Сергей", "Андрей", "Владимир", "Олег",
]  # fmt: skip
FEMALE = [
    "Әсел", "Айгүл", "Гүлнара", "Динара", "Жанар", "Сәуле", "Меруерт", "Ақмарал", "Гүлмира",
    "Мадина", "Ольга", "Елена", "Наталья", "Татьяна", "Ирина", "Светлана", "Анна", "Мария",
]  # fmt: skip
CHAMBERS = [
    "Алматы қаласының заң консультанттары палатасы",
    "Астана қаласының заң консультанттары палатасы",
    "Шымкент қаласының заң консультанттары палатасы",
    "Ақмола облысының заң консультанттары палатасы",
    "Ақтөбе облысының заң консультанттары палатасы",
    "Алматы облысының заң консультанттары палатасы",
    "Атырау облысының заң консультанттары палатасы",
    "Шығыс Қазақстан облысының заң консультанттары палатасы",
    "Жамбыл облысының заң консультанттары палатасы",
    "Батыс Қазақстан облысының заң консультанттары палатасы",
    "Қарағанды облысының заң консультанттары палатасы",
    "Қостанай облысының заң консультанттары палатасы",
    "Қызылорда облысының заң консультанттары палатасы",
    "Маңғыстау облысының заң консультанттары палатасы",
    "Павлодар облысының заң консультанттары палатасы",
    "Солтүстік Қазақстан облысының заң консультанттары палатасы",
    "Түркістан облысының заң консультанттары палатасы",
]
EVENTS = ["Семинар", "Вебинар", "Тренинг", "Конференция", "Курс", "Дәріс"]
TOPICS = ["салық құқығы", "еңбек құқығы", "азаматтық процесс", "медиация", "корпоративтік құқық",
          "жер құқығы", "банкроттық", "зияткерлік меншік"]  # fmt: skip


def person(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.5:
        given, father = rng.choice(MALE), rng.choice(MALE)
        patronymic = father + ("ұлы" if rng.random() < 0.6 else "ович")
    else:
        given, father = rng.choice(FEMALE), rng.choice(MALE)
        surname = surname + "а" if not surname.endswith(("Ким", "Пак", "Цой")) else surname
        patronymic = father + ("қызы" if rng.random() < 0.6 else "овна")
    return f"{surname} {given} {patronymic}"


def records(n: int, seed: int = 18) -> Iterator[tuple[dict[str, Any], bytes, str]]:
    """``n`` archived records (the JSON as the archive writes it) with their bytes and SHA-256."""
    rng = random.Random(seed)
    for i in range(n):
        year = 2022 + i % 5
        activities = [
            {
                "form": f"A2-{rng.randint(1, 12)}",
                "title": f"{rng.choice(EVENTS)}: {rng.choice(TOPICS)}",
                "organiser": rng.choice(CHAMBERS),
                "points": rng.choice((1, 2, 3)),
            }
            for _ in range(rng.randint(2, 6))
        ]
        full: dict[str, Any] = {
            "id": f"R-{year}-{i:06d}",
            "kind": "cpd-report" if i % 10 else "certificate",
            "outcome": rng.choice(("compliant",) * 6 + ("below_norm", "exempt")),
            "full_name": person(rng),
            "iin": f"{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            f"{rng.randint(0, 999999):06d}",
            "year": year,
            "chamber": rng.choice(CHAMBERS),
            "version": 1,
            "previous": None,
            "input_sha256": hashlib.sha256(f"in{i}".encode()).hexdigest(),
            "activities": activities,
            "points": sum(a["points"] for a in activities),
            "rule_version": "appendix2@2022-01-01",
            "template_version": "report@1",
            "events": [
                {"type": "received", "at": f"{year + 1}-02-01T09:00:00Z", "actor": "watcher"},
                {"type": "archived", "at": f"{year + 1}-02-01T09:01:00Z", "actor": "workflow"},
            ],
            "sha256": hashlib.sha256(f"pdf{i}".encode()).hexdigest(),
            "archived_at": f"{year + 1}-02-01T09:01:{i % 60:02d}Z",
            "pdf": f"{year}/chamber/cpd-report/R-{year}-{i:06d}.pdf",
        }
        full["series"] = default_series_key(full)
        data = (json.dumps(full, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
        yield full, data, hashlib.sha256(data).hexdigest()


# -- the queries --------------------------------------------------------------------------------


def queries(rng: random.Random, sample: list[dict[str, Any]]) -> dict[str, Callable[[], dict]]:
    """Query name -> a function giving fresh filters each time (a different needle)."""

    def pick() -> dict[str, Any]:
        return rng.choice(sample)

    return {
        "name (surname + given name)": lambda: {"name": " ".join(pick()["full_name"].split()[:2])},
        "name (common fragment)": lambda: {"name": rng.choice(("нұрлан", "ерлан", "серік"))},
        "iin": lambda: {"iin": pick()["iin"]},
        "chamber": lambda: {"chamber": rng.choice(CHAMBERS).split()[0]},
        "year + name fragment": lambda: {
            "year": rng.randint(2022, 2026),
            "name": rng.choice(("нұрлан", "әсел", "ерлан", "гүлнара")),
        },
        "full text (rare: a hash)": lambda: {"text": pick()["input_sha256"][:16]},
        "full text (common phrase)": lambda: {"text": rng.choice(TOPICS)},
    }


def timed(
    fn: Callable[[], Any], repeat: int, server_cpu: Callable[[], float] | None = None
) -> dict[str, float]:
    """p50/p95 of wall and CPU time; ``server_cpu``: the database server's CPU seconds so far
    (PostgreSQL's backends), added to this process's own."""
    fn()  # warm the page cache
    samples, cpu = [], []
    hits = 0
    for _ in range(repeat):
        server = server_cpu() if server_cpu else 0.0
        start, start_cpu = time.perf_counter(), time.process_time()
        hits = fn()
        samples.append((time.perf_counter() - start) * 1000)
        used = time.process_time() - start_cpu
        if server_cpu:
            used += server_cpu() - server
        cpu.append(used * 1000)

    def p95(values: list[float]) -> float:
        values = sorted(values)
        return round(values[min(len(values) - 1, round(0.95 * (len(values) - 1)))], 2)

    # Wall time includes waiting for a core on a shared machine; CPU time is the query's own
    # cost: this process's (SQLite runs in it), plus the PostgreSQL backend's for PostgreSQL.
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": p95(samples),
            "cpu_p50_ms": round(statistics.median(cpu), 2), "cpu_p95_ms": p95(cpu),
            "hits_last": hits}  # fmt: skip


# -- SQLite, schema 1 and 2 ----------------------------------------------------------------------


def build_sqlite(path: Path, n: int, *, schema: int) -> float:
    start = time.perf_counter()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA recursive_triggers = ON")
    if schema == 1:  # the index as it was: schema 1's records table and indexes, no trigrams
        statements = [_index._RECORDS_V1, *_index._statements(_index._SCHEMA)[1:]]
    else:  # the index as it is now (schema 3 since the dashboard's counts)
        statements = _index._statements(_index._SCHEMA + _index._SEARCH_SCHEMA + _index._V3_SCHEMA)
    for statement in statements:
        db.execute(statement)
    db.execute(f"PRAGMA user_version = {1 if schema == 1 else _index.SCHEMA_VERSION}")
    columns = ", ".join((*_index.RECORD_COLUMNS, "state", "log_seq"))
    marks = ", ".join("?" * (len(_index.RECORD_COLUMNS) + 2))
    db.execute("BEGIN")
    for seq, (full, data, sha) in enumerate(records(n), start=1):
        values = _index.row_values(full, data, sha, full["pdf"], full["pdf"][:-3] + "json")
        if schema == 1:
            db.execute(
                f"INSERT INTO records ({columns}) VALUES ({marks})", (*values, "stored", seq)
            )
        else:
            _index.insert(db, values, "stored", seq)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - start


def sqlite_before(db: sqlite3.Connection, filters: dict[str, Any]) -> int:
    """Today's (schema 1) search, as ``Archive.search`` ran it: every match, JSON parsed."""
    where, args = ["state = 'stored'"], []
    for column, key in (("name_fold", "name"), ("chamber_fold", "chamber"), ("text_fold", "text")):
        if filters.get(key):
            where.append(f"instr({column}, ?) > 0")
            args.append(fold(filters[key]))
    for column in ("iin", "year"):
        if filters.get(column) is not None:
            where.append(f"{column} = ?")
            args.append(filters[column])
    rows = db.execute(
        f"SELECT * FROM records WHERE {' AND '.join(where)} ORDER BY log_seq", args
    ).fetchall()
    return len([json.loads(r[0]) for r in ((row["record_json"],) for row in rows)])


def sqlite_after(db: sqlite3.Connection, filters: dict[str, Any]) -> int:
    """Schema 2, as ``Archive.search_page`` runs it: one page (JSON parsed) and the count."""
    folded = {
        column: fold(filters[key])
        for column, key in (("name_fold", "name"), ("chamber_fold", "chamber"),
                            ("text_fold", "text"))
        if filters.get(key)
    }  # fmt: skip
    exact = {c: filters[c] for c in ("iin", "year") if filters.get(c) is not None}
    # page 1 is within the count cap: one pass of the index for the count and the page's rowids,
    # then the rows by rowid (as Archive.search_page)
    ids, args = _index.ids_sql(folded, exact)
    rowids = [row[0] for row in db.execute(ids, args)]
    chosen = rowids[:PER_PAGE]
    rows = db.execute(_index.rows_sql(len(chosen)), chosen).fetchall()
    [json.loads(row["record_json"]) for row in rows]
    return len(rowids)


def open_ro(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    return db


# -- PostgreSQL ---------------------------------------------------------------------------------


def postgres_run(
    url: str, n: int, repeat: int, sample: list[dict[str, Any]], keep: str | None = None
) -> tuple[float, dict[str, Any]]:
    from sqlalchemy import func, select

    from docflow.archive._sqlindex import SqlIndex
    from docflow.archive._tables import records as records_table
    from docflow.storage import open_database

    schema = keep or f"bench_search_{os.getpid()}"
    database = open_database(url, schema=schema)
    try:
        index = SqlIndex(database)
        with database.reading() as conn:
            present = conn.execute(select(func.count()).select_from(records_table)).scalar_one()
        built = 0.0
        if present != n:  # a kept schema holding the n records is searched as it is
            if present:
                raise SystemExit(f"schema {schema} holds {present} records, not {n}")
            start = time.perf_counter()
            index.bulk_load(
                (full, data, sha, full["pdf"], full["pdf"][:-3] + "json", seq)
                for seq, (full, data, sha) in enumerate(records(n), start=1)
            )
            built = time.perf_counter() - start
        server_cpu = _backend_cpu(database)
        rng = random.Random(7)
        results = {}
        for name, make in queries(rng, sample).items():

            def run(make: Callable[[], dict] = make) -> int:
                rows, total = index.search_page(page=1, per_page=PER_PAGE, **make())
                [json.loads(row["record_json"]) for row in rows]  # as the archive's results
                return total

            results[name] = timed(run, repeat, server_cpu)
        return built, results
    finally:
        if keep is None:
            database.drop_schema()
        database.dispose()


def _backend_cpu(database: Any) -> Callable[[], float] | None:
    """The CPU seconds used so far by the PostgreSQL backends of ``database``'s pool (the
    server runs on this machine: ``/proc/PID/schedstat``, nanoseconds on a CPU), or None when
    they cannot be read (a server elsewhere)."""
    from sqlalchemy import text

    pids = set()
    for _ in range(8):  # every pooled connection in turn (the pool hands them out in order)
        with database.reading() as conn:
            pids.add(int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one()))
    files = [Path(f"/proc/{pid}/schedstat") for pid in sorted(pids)]
    if not all(f.exists() for f in files):
        return None

    def used() -> float:
        return sum(int(f.read_text().split()[0]) for f in files) / 1e9

    return used


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--postgres", default=os.environ.get("DOCFLOW_DATABASE_URL"))
    parser.add_argument("--no-before", action="store_true", help="skip the schema-1 baseline")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--repeat-before", type=int, default=5, help="repeats of the slow schema-1 baseline"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="build the SQLite indexes in this folder and reuse them when they exist (iterating "
        "on the queries without a 10-minute rebuild each time)",
    )
    parser.add_argument(
        "--pg-schema",
        help="build the PostgreSQL index in this schema, keep it, and reuse it when it holds "
        "--n records (drop it yourself: DROP SCHEMA name CASCADE)",
    )
    args = parser.parse_args(argv)

    sample = [full for full, _, _ in records(min(args.n, 5000))]
    out: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": args.n,
        "per_page": PER_PAGE,
        "repeat": args.repeat,
        "sqlite": sqlite3.sqlite_version,
        "python": platform.python_version(),
        "load_average_start": os.getloadavg()[0],
        "build_seconds": {},
        "queries": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        tmp = str(args.keep or scratch)
        configs: list[tuple[str, int, Callable[[sqlite3.Connection, dict], int]]] = [
            ("sqlite-after", 2, sqlite_after)
        ]
        if not args.no_before:
            configs.insert(0, ("sqlite-before", 1, sqlite_before))
        if args.no_sqlite:
            configs = []
        for label, schema, search in configs:
            path = Path(tmp) / f"{label}-{args.n}.sqlite"
            if args.keep is None or not path.exists():
                part = path.with_suffix(".part")  # an interrupted build is never reused
                part.unlink(missing_ok=True)
                out["build_seconds"][label] = round(build_sqlite(part, args.n, schema=schema), 1)
                part.rename(path)
            else:
                out["build_seconds"][label] = 0.0  # reused
            out.setdefault("size_mb", {})[label] = round(path.stat().st_size / 1e6, 1)
            db = open_ro(path)
            rng = random.Random(7)
            for name, make in queries(rng, sample).items():
                repeat = args.repeat_before if schema == 1 else args.repeat
                out["queries"].setdefault(name, {})[label] = timed(
                    lambda make=make, db=db, search=search: search(db, make()), repeat
                )
            db.close()
            print(f"{label}: built in {out['build_seconds'][label]} s", file=sys.stderr)
    if args.postgres and not args.no_postgres:
        built, results = postgres_run(
            args.postgres, args.n, args.repeat, sample, keep=args.pg_schema
        )
        out["build_seconds"]["postgres-after"] = round(built, 1)
        for name, result in results.items():
            out["queries"].setdefault(name, {})["postgres-after"] = result
        print(f"postgres-after: built in {round(built, 1)} s", file=sys.stderr)
    out["load_average_end"] = os.getloadavg()[0]

    print(f"{'query':<30} {'config':<15} {'p50 ms':>8} {'p95 ms':>8} {'cpu p95':>8} {'hits':>7}")
    ok = True
    for name, per_config in out["queries"].items():
        for label, result in per_config.items():
            print(f"{name:<30} {label:<15} {result['p50_ms']:>8} {result['p95_ms']:>8} "
                  f"{result['cpu_p95_ms']:>8} {result['hits_last']:>7}")  # fmt: skip
            if label.endswith("after") and result["p95_ms"] >= GOAL_MS:
                ok = False
    out["goal_met"] = ok
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"goal p95 < {GOAL_MS} ms: {'met' if ok else 'NOT met'}; wrote {RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""The dashboard's counts and the chamber id column, kept in the index itself (issue 18).

The dashboard counts, per chamber and year, the outcomes of the newest version of each
cpd-report series. Counting them from every record's JSON costs seconds at 100,000 records, so
the index keeps them as they change: each row has ``newest`` (1 on the newest stored version of
its cpd-report series: the highest version, the later one in log order at equal versions, as
the page counted before) and a counts table holds one row per (chamber id, free-text chamber,
year, outcome, late) with the number of newest versions in it. A new version moves its series
from its predecessor's group to its own; a chamber linked by ``docflow chambers migrate`` moves
its records between groups.

``chamber_id`` is the record's chamber id as ``ChamberRegistry.chamber_of_record`` gives it when
the row is written: the record's own ``chamber_id``, the migration's link, or its free-text
chamber resolved against the registered chambers. Names never move between chambers, so a
resolved id stays right; a text no chamber had when it was indexed keeps ``chamber_id`` NULL and
is resolved when asked (:func:`unresolved_texts`: the few distinct texts, through an index).

The same SQL serves the embedded index (``sqlite3``) and the database by URL (SQLAlchemy
``text``): named parameters only, table names from :class:`Tables`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Executes one statement with named parameters and returns its rows (tuples).
Run = Callable[[str, Mapping[str, Any]], Sequence[Sequence[Any]]]

#: The counts table's value for "no year" (its key columns are NOT NULL: a primary key).
NO_YEAR = -1
KIND = "cpd-report"
_GROUP = ("chamber_id", "chamber", "year", "outcome", "late")


@dataclass(frozen=True)
class Tables:
    records: str
    counts: str
    #: The condition of a stored row ("" where every row is stored).
    stored: str = ""

    def only_stored(self, prefix: str = "AND") -> str:
        return f" {prefix} {self.stored}" if self.stored else ""


EMBEDDED = Tables("records", "dash_counts", "state = 'stored'")
SCALED = Tables("archive_records", "archive_dash_counts")


def counts_ddl(table: str) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {table} (chamber_id TEXT NOT NULL, chamber TEXT NOT NULL, "
        "year INTEGER NOT NULL, outcome TEXT NOT NULL, late INTEGER NOT NULL, "
        "n INTEGER NOT NULL, PRIMARY KEY (chamber_id, chamber, year, outcome, late))"
    )


def late_of(record: Mapping[str, Any]) -> int:
    """The ``late`` column: whether the record says it was filed late (as the page tested)."""
    return 1 if record.get("late") else 0


def _group(row: Mapping[str, Any]) -> dict[str, Any]:
    cid = row.get("chamber_id") or ""
    chamber = row.get("chamber")
    return {
        "chamber_id": cid,
        "chamber": "" if cid or not chamber else str(chamber),
        "year": NO_YEAR if row.get("year") is None else int(row["year"]),
        "outcome": row.get("outcome") or "",
        "late": 1 if row.get("late") else 0,
    }


def _add(run: Run, t: Tables, row: Mapping[str, Any], delta: int) -> None:
    run(
        f"INSERT INTO {t.counts} ({', '.join(_GROUP)}, n) "
        "VALUES (:chamber_id, :chamber, :year, :outcome, :late, :n) "
        f"ON CONFLICT ({', '.join(_GROUP)}) DO UPDATE SET n = {t.counts}.n + excluded.n",
        {**_group(row), "n": delta},
    )


_ROW = "id, version, chamber_id, chamber, year, outcome, late"


def _rows(run: Run, sql: str, args: Mapping[str, Any]) -> list[dict[str, Any]]:
    names = [c.strip() for c in _ROW.split(",")]
    return [dict(zip(names, row, strict=True)) for row in run(sql, args)]


def on_stored(run: Run, t: Tables, record_id: str) -> None:
    """Record ``record_id`` (just stored, the last in log order) in its series' newest version
    and the counts, in the caller's transaction."""
    found = run(
        f"SELECT {_ROW}, series, newest FROM {t.records} WHERE id = :id AND kind = :kind"
        f"{t.only_stored()}",
        {"id": record_id, "kind": KIND},
    )
    if not found or found[0][-1] == 1:  # not a stored report, or counted already
        return
    names = [c.strip() for c in _ROW.split(",")]
    new = dict(zip(names, found[0][:-2], strict=True))
    series = found[0][-2]
    current = _rows(
        run,
        f"SELECT {_ROW} FROM {t.records} WHERE series = :series AND newest = 1 AND id <> :id "
        "AND kind = :kind",
        {"series": series, "id": record_id, "kind": KIND},
    )
    if any((c["version"] or 0) > (new["version"] or 0) for c in current):
        return
    for old in current:
        run(f"UPDATE {t.records} SET newest = 0 WHERE id = :id", {"id": old["id"]})
        _add(run, t, old, -1)
    run(f"UPDATE {t.records} SET newest = 1 WHERE id = :id", {"id": record_id})
    _add(run, t, new, 1)


def forget(run: Run, t: Tables, record_id: str) -> None:
    """Take a row about to be replaced (log replay) out of the counts if it is counted."""
    for row in _rows(run, f"SELECT {_ROW} FROM {t.records} WHERE id = :id AND newest = 1",
                     {"id": record_id}):  # fmt: skip
        _add(run, t, row, -1)
        run(f"UPDATE {t.records} SET newest = 0 WHERE id = :id", {"id": record_id})


def set_chamber_ids(run: Run, t: Tables, links: Mapping[str, str]) -> int:
    """Set ``chamber_id`` of the records linked (record id -> chamber id), moving their newest
    versions between the counts' groups; the number of rows changed."""
    changed = 0
    ids = list(links)
    for start in range(0, len(ids), 400):
        chunk = ids[start : start + 400]
        marks = {f"i{n}": record_id for n, record_id in enumerate(chunk)}
        rows = run(
            f"SELECT {_ROW}, newest FROM {t.records} WHERE id IN "
            f"({', '.join(':' + k for k in marks)})",
            marks,
        )
        names = [c.strip() for c in _ROW.split(",")]
        for raw in rows:
            row = dict(zip(names, raw[:-1], strict=True))
            wanted = links[row["id"]]
            if row["chamber_id"] == wanted:
                continue
            run(
                f"UPDATE {t.records} SET chamber_id = :cid WHERE id = :id",
                {"cid": wanted, "id": row["id"]},
            )
            if raw[-1] == 1:
                _add(run, t, row, -1)
                _add(run, t, {**row, "chamber_id": wanted}, 1)
            changed += 1
    return changed


def refill(run: Run, t: Tables) -> None:
    """Work out every series' newest version and the counts anew (an upgraded index, a bulk
    load): one pass with a window function."""
    run(f"UPDATE {t.records} SET newest = 0 WHERE newest <> 0", {})
    run(
        f"UPDATE {t.records} SET newest = 1 WHERE id IN (SELECT id FROM (SELECT id, "
        "row_number() OVER (PARTITION BY series ORDER BY coalesce(version, 0) DESC, "
        f"log_seq DESC) AS place FROM {t.records} WHERE kind = :kind{t.only_stored()}) "
        "AS ranked WHERE place = 1)",
        {"kind": KIND},
    )
    run(f"DELETE FROM {t.counts}", {})
    run(
        f"INSERT INTO {t.counts} ({', '.join(_GROUP)}, n) SELECT g_chamber_id, g_chamber, "
        "g_year, g_outcome, g_late, count(*) FROM (SELECT coalesce(chamber_id, '') AS "
        "g_chamber_id, CASE WHEN chamber_id IS NULL THEN coalesce(chamber, '') ELSE '' END AS "
        f"g_chamber, coalesce(year, {NO_YEAR}) AS g_year, coalesce(outcome, '') AS g_outcome, "
        f"coalesce(late, 0) AS g_late FROM {t.records} WHERE newest = 1) AS grouped "
        "GROUP BY g_chamber_id, g_chamber, g_year, g_outcome, g_late",
        {},
    )


@dataclass(frozen=True)
class Count:
    """One group of the counts: ``chamber_id`` None when unresolved (``chamber`` its text)."""

    chamber_id: str | None
    chamber: str | None
    year: int | None
    outcome: str | None
    late: bool
    n: int


def counts(run: Run, t: Tables) -> list[Count]:
    return [
        Count(
            cid or None,
            chamber or None,
            None if year == NO_YEAR else int(year),
            outcome or None,
            bool(late),
            int(n),
        )
        for cid, chamber, year, outcome, late, n in run(
            f"SELECT {', '.join(_GROUP)}, n FROM {t.counts} WHERE n > 0", {}
        )
    ]


def unresolved_texts(run: Run, t: Tables) -> list[str]:
    """The distinct free-text chambers of rows without a chamber id: a loose scan of the
    partial index on them (one probe a text, however many rows share it)."""
    rows = run(
        "WITH RECURSIVE texts(c) AS ("
        f"SELECT min(chamber) FROM {t.records} WHERE chamber_id IS NULL "
        "UNION ALL "
        f"SELECT (SELECT min(chamber) FROM {t.records} WHERE chamber_id IS NULL "
        "AND chamber > texts.c) FROM texts WHERE texts.c IS NOT NULL) "
        "SELECT c FROM texts WHERE c IS NOT NULL",
        {},
    )
    return [str(r[0]) for r in rows]


def fill_chambers(
    run: Run,
    t: Tables,
    resolve: Callable[[str], str | None],
    links: Mapping[str, str],
    owned: Iterable[tuple[str, str]] = (),
) -> None:
    """Fill ``chamber_id`` of an upgraded index: ``owned`` (record id, own chamber id) first,
    then the migration's ``links`` where still NULL, then each free text that ``resolve``s."""
    for record_id, cid in owned:
        run(
            f"UPDATE {t.records} SET chamber_id = :cid WHERE id = :id",
            {"cid": cid, "id": record_id},
        )
    for record_id, cid in links.items():
        run(
            f"UPDATE {t.records} SET chamber_id = :cid WHERE id = :id AND chamber_id IS NULL",
            {"cid": cid, "id": record_id},
        )
    for text in unresolved_texts(run, t):
        resolved = resolve(text)
        if resolved:
            run(
                f"UPDATE {t.records} SET chamber_id = :cid WHERE chamber_id IS NULL "
                "AND chamber = :text",
                {"cid": resolved, "text": text},
            )

"""The SQLite index of the archive (``outbox/.index/archive.sqlite``): schema and connection.

The index is derived data: every row can be rebuilt from the log and the record files. It keeps
casefolded copies of names for Cyrillic-aware search (SQLite's ``lower()`` is ASCII-only) and
anchors the log's head, so a log cut short at its end is still noticed.

Searching (schema 2) never scans the rows: the casefolded name, chamber and record text each
have an FTS5 index with the trigram tokenizer (external content: it keeps the trigrams, not a
second copy of the text), kept in step with ``records`` by triggers, so a substring of three
characters or more is found through an index (issue 18).

Schema 3 adds the record's chamber id (``chamber_id``: a registered chamber's records are one
index range), ``late``, ``newest`` and the dashboard's counts (``dash_counts``), kept as rows
are written (see ``_dash``): the dashboard and a chamber's page are read without the records.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from docflow.archive import _dash
from docflow.archive._layout import default_series_key, fold

SCHEMA_VERSION = 3

#: Schema 2 keeps the two large columns (the record JSON and its folded text) in a table of their
#: own, so that filtering and sorting the matches of a search read narrow rows only.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id            TEXT PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'stored')),
    status        TEXT NOT NULL DEFAULT 'active',
    log_seq       INTEGER,
    year          INTEGER,
    kind          TEXT NOT NULL,
    outcome       TEXT,
    iin           TEXT,
    version       INTEGER,
    full_name     TEXT,
    name_fold     TEXT NOT NULL,
    chamber       TEXT,
    chamber_fold  TEXT NOT NULL,
    previous      TEXT,
    series        TEXT NOT NULL,
    sha256        TEXT NOT NULL UNIQUE,
    input_sha256  TEXT,
    archived_at   TEXT NOT NULL,
    pdf_path      TEXT NOT NULL,
    json_path     TEXT NOT NULL,
    record_sha256 TEXT NOT NULL,
    status_reason TEXT,
    status_at     TEXT,
    chamber_id    TEXT,
    late          INTEGER NOT NULL DEFAULT 0,
    newest        INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS record_bodies (
    id            TEXT PRIMARY KEY,
    record_json   TEXT NOT NULL,
    text_fold     TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS records_body_delete AFTER DELETE ON records BEGIN
    DELETE FROM record_bodies WHERE id = old.id;
END;
CREATE INDEX IF NOT EXISTS records_iin ON records (iin);
CREATE INDEX IF NOT EXISTS records_input ON records (input_sha256);
CREATE INDEX IF NOT EXISTS records_series ON records (series, version);
CREATE INDEX IF NOT EXISTS records_year ON records (year);
CREATE TABLE IF NOT EXISTS head (
    one         INTEGER PRIMARY KEY CHECK (one = 1),
    seq         INTEGER NOT NULL,
    line_sha256 TEXT NOT NULL
);
"""

#: Schema 2: the trigram index over the searchable text, and the triggers that keep it current.
#: ``UPDATE OF`` the folded columns only: a state or status change does not touch the index.
#: Schema 1's records table (same columns, large ones in the middle), for upgrading an index.
_RECORDS_V1 = """CREATE TABLE records (

    id            TEXT PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'stored')),
    kind          TEXT NOT NULL,
    outcome       TEXT,
    full_name     TEXT,
    name_fold     TEXT NOT NULL,
    iin           TEXT,
    year          INTEGER,
    chamber       TEXT,
    chamber_fold  TEXT NOT NULL,
    version       INTEGER,
    previous      TEXT,
    series        TEXT NOT NULL,
    sha256        TEXT NOT NULL UNIQUE,
    input_sha256  TEXT,
    archived_at   TEXT NOT NULL,
    pdf_path      TEXT NOT NULL,
    json_path     TEXT NOT NULL,
    record_sha256 TEXT NOT NULL,
    record_json   TEXT NOT NULL,
    text_fold     TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active',
    status_reason TEXT,
    status_at     TEXT,
    log_seq       INTEGER
);"""

#: The folded columns searched by substring; each has its own trigram index
#: (``records_name_fold``, ...), so a name search never reads the trigrams of record texts.
SEARCHED = ("name_fold", "chamber_fold", "text_fold")

#: Schema 2: a trigram index per searched column, and the triggers that keep them current.
#: ``UPDATE OF`` the folded column only: a state or status change does not touch the index.
_FTS_TEMPLATE = """
CREATE VIRTUAL TABLE IF NOT EXISTS records_{c} USING fts5(
    {c}, content='{t}', content_rowid='rowid', tokenize='trigram'
);
CREATE TRIGGER IF NOT EXISTS records_{c}_insert AFTER INSERT ON {t} BEGIN
    INSERT INTO records_{c} (rowid, {c}) VALUES (new.rowid, new.{c});
END;
CREATE TRIGGER IF NOT EXISTS records_{c}_delete AFTER DELETE ON {t} BEGIN
    INSERT INTO records_{c} (records_{c}, rowid, {c}) VALUES ('delete', old.rowid, old.{c});
END;
CREATE TRIGGER IF NOT EXISTS records_{c}_update AFTER UPDATE OF {c} ON {t} BEGIN
    INSERT INTO records_{c} (records_{c}, rowid, {c}) VALUES ('delete', old.rowid, old.{c});
    INSERT INTO records_{c} (rowid, {c}) VALUES (new.rowid, new.{c});
END;
"""
_SEARCH_SCHEMA = "CREATE INDEX IF NOT EXISTS records_seq ON records (log_seq);" + "".join(
    _FTS_TEMPLATE.format(c=c, t="record_bodies" if c == "text_fold" else "records")
    for c in SEARCHED
)

#: Schema 3: a chamber's records by id (in rowid order within it), the free texts no chamber
#: resolved (a partial index: the few distinct texts are found by a loose scan) and the counts.
_V3_SCHEMA = (
    "CREATE INDEX IF NOT EXISTS records_chamber_id ON records (chamber_id);"
    "CREATE INDEX IF NOT EXISTS records_chamber_text ON records (chamber) "
    "WHERE chamber_id IS NULL;" + _dash.counts_ddl("dash_counts") + ";"
)

#: Columns schema 3 added to ``records``.
_V3_COLUMNS = (
    "chamber_id TEXT",
    "late INTEGER NOT NULL DEFAULT 0",
    "newest INTEGER NOT NULL DEFAULT 0",
)

#: Counting stops here: a search matching more records says "at least this many" (five pages of
#: 50). Counting costs a check per row until the cap (bench/bench_search.py: a needle in 10-40%
#: of 100,000 records took 11-25 ms of CPU to count to 1,000 on PostgreSQL, 7-13 ms to 250).
COUNT_CAP = 250

#: Trigram search needs at least this many characters; shorter needles scan the folded column.
TRIGRAM = 3

#: Columns written for a record row, in order (state and log_seq are set separately).
RECORD_COLUMNS = (
    "id",
    "kind",
    "outcome",
    "full_name",
    "name_fold",
    "iin",
    "year",
    "chamber",
    "chamber_fold",
    "version",
    "previous",
    "series",
    "sha256",
    "input_sha256",
    "archived_at",
    "pdf_path",
    "json_path",
    "record_sha256",
    "record_json",
    "text_fold",
)


def connect(path: Path) -> sqlite3.Connection:
    """Open the index in WAL mode, in autocommit mode (transactions are explicit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=60.0, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA busy_timeout = 60000")
    db.execute("PRAGMA journal_mode = WAL")
    # FULL: a committed intent row must survive a power cut, or recovery could not tell our
    # own half-written files from foreign ones.
    db.execute("PRAGMA synchronous = FULL")
    # INSERT OR REPLACE (log replay) deletes the old row; only with recursive triggers does
    # that deletion reach the search index's delete trigger.
    db.execute("PRAGMA recursive_triggers = ON")
    return db


def _statements(script: str) -> list[str]:
    """The statements of a schema script (a trigger's body holds ``;`` of its own)."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    return statements


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def run_on(db: sqlite3.Connection) -> _dash.Run:
    """``_dash``'s way of running a statement, on the embedded index."""

    def run(sql: str, args: Mapping[str, Any]) -> list[Any]:
        return db.execute(sql, args).fetchall()

    return run


def ensure_schema(
    db: sqlite3.Connection,
    *,
    resolve: Callable[[str], str | None] | None = None,
    links: Callable[[], Mapping[str, str]] | None = None,
) -> None:
    """Create the tables once (the caller holds the archive lock, so no two processes race).

    An index of schema 1 or 2 is upgraded in place; schema 3's chamber ids are filled from
    each record's own ``chamber_id``, the chambers migration's ``links()`` and its free-text
    chamber through ``resolve`` (``ChamberRegistry``'s answers, handed in by the archive)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version not in (0, 1, 2, SCHEMA_VERSION):
        raise RuntimeError(f"archive index has schema {version}, this docflow knows 1 to 3")
    db.execute("BEGIN IMMEDIATE")
    try:
        if version == 1:  # split schema 1's records table: narrow rows, bodies apart
            db.execute("ALTER TABLE records RENAME TO records_v1")
            db.execute(_statements(_SCHEMA)[0])
            db.execute(_statements(_SCHEMA)[1])
            old = set(_columns(db, "records_v1"))
            columns = ", ".join(c for c in _columns(db, "records") if c in old)
            db.execute(
                f"INSERT INTO records ({columns}) SELECT {columns} FROM records_v1 ORDER BY rowid"
            )
            db.execute(
                "INSERT INTO record_bodies (rowid, id, record_json, text_fold) "
                "SELECT r.rowid, v.id, v.record_json, v.text_fold "
                "FROM records_v1 v JOIN records r ON r.id = v.id"
            )
            db.execute("DROP TABLE records_v1")
        if version == 2:
            for column in _V3_COLUMNS:
                db.execute(f"ALTER TABLE records ADD COLUMN {column}")
        # One statement at a time: executescript() would commit the open transaction first.
        for statement in _statements(_SCHEMA + _SEARCH_SCHEMA + _V3_SCHEMA):
            db.execute(statement)
        if version == 1:  # an index from before schema 2: index the rows it already holds
            for column in SEARCHED:
                db.execute(f"INSERT INTO records_{column} (records_{column}) VALUES ('rebuild')")
        if version in (1, 2):  # schema 3's columns and counts for the rows already held
            _fill_v3(db, resolve, links)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _fill_v3(
    db: sqlite3.Connection,
    resolve: Callable[[str], str | None] | None,
    links: Callable[[], Mapping[str, str]] | None,
) -> None:
    """``late``, ``chamber_id``, ``newest`` and the counts of an upgraded index's rows (from
    their JSON, SQLite's JSON functions: no record is parsed in Python)."""
    late = (
        "CASE json_type(b.record_json, '$.late') WHEN 'true' THEN 1 "
        "WHEN 'integer' THEN json_extract(b.record_json, '$.late') <> 0 "
        "WHEN 'real' THEN json_extract(b.record_json, '$.late') <> 0 "
        "WHEN 'text' THEN json_extract(b.record_json, '$.late') <> '' ELSE 0 END"
    )
    own = "json_extract(b.record_json, '$.chamber_id')"
    db.execute(
        f"UPDATE records SET late = (SELECT {late} FROM record_bodies b WHERE b.id = records.id),"
        f" chamber_id = (SELECT CASE WHEN json_type(b.record_json, '$.chamber_id') = 'text' "
        f"AND {own} <> '' THEN {own} END FROM record_bodies b WHERE b.id = records.id)"
    )
    run = run_on(db)
    _dash.fill_chambers(run, _dash.EMBEDDED, resolve or (lambda text: None),
                        links() if links else {})  # fmt: skip
    _dash.refill(run, _dash.EMBEDDED)


def row_values(
    full: Mapping[str, Any], record_bytes: bytes, record_sha: str, pdf: str, js: str
) -> tuple[Any, ...]:
    """The values of :data:`RECORD_COLUMNS` for a record as archived (``full``, its bytes)."""
    text = record_bytes.decode("utf-8")
    values = {
        "id": full["id"],
        "kind": str(full.get("kind")),
        "outcome": full.get("outcome"),
        "full_name": full.get("full_name"),
        "name_fold": fold(full.get("full_name")),
        "iin": None if full.get("iin") is None else str(full.get("iin")),
        "year": _int_or_none(full.get("year")),
        "chamber": full.get("chamber"),
        "chamber_fold": fold(full.get("chamber")),
        "version": _int_or_none(full.get("version")),
        "previous": full.get("previous"),
        "series": full.get("series") or default_series_key(full),
        "sha256": full["sha256"],
        "input_sha256": full.get("input_sha256"),
        "archived_at": full["archived_at"],
        "pdf_path": pdf,
        "json_path": js,
        "record_sha256": record_sha,
        "record_json": text,
        "text_fold": fold(text),
    }
    return tuple(values[c] for c in RECORD_COLUMNS)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


#: A record's index row with its JSON (``row["record_json"]``); add ``WHERE`` on ``r.``.
ROW_SELECT = "SELECT r.*, b.record_json FROM records r JOIN record_bodies b ON b.id = r.id"

_BODY = ("record_json", "text_fold")


def insert(
    db: sqlite3.Connection,
    values: tuple[Any, ...],
    state: str,
    log_seq: int | None,
    *,
    replace: bool = False,
    chamber_id: str | None = None,
    late: int = 0,
) -> None:
    """Insert a record's row and body (``values`` from :func:`row_values`), in the caller's
    transaction; ``replace`` overwrites a row with the same id (log replay). A stored row is
    counted at once (``_dash.on_stored``); a pending one when it is committed."""
    named = dict(zip(RECORD_COLUMNS, values, strict=True))
    narrow = [c for c in RECORD_COLUMNS if c not in _BODY]
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    if replace:
        _dash.forget(run_on(db), _dash.EMBEDDED, named["id"])
    rowid = db.execute(
        f"{verb} INTO records ({', '.join((*narrow, 'state', 'log_seq', 'chamber_id', 'late'))})"
        f" VALUES ({', '.join('?' * (len(narrow) + 4))})",
        (*(named[c] for c in narrow), state, log_seq, chamber_id, late),
    ).lastrowid
    # The body takes its row's rowid: the text index then yields records' rowids directly.
    db.execute(
        f"{verb} INTO record_bodies (rowid, id, record_json, text_fold) VALUES (?, ?, ?, ?)",
        (rowid, named["id"], named["record_json"], named["text_fold"]),
    )
    if state == "stored":
        _dash.on_stored(run_on(db), _dash.EMBEDDED, named["id"])


def fts_phrase(needle: str) -> str:
    """An FTS5 string literal for ``needle`` (a trigram phrase matches it as a substring)."""
    return '"' + needle.replace('"', '""') + '"'


#: A registered chamber's records: its id, and the free texts (of rows no chamber id was given
#: when indexed) that name it now.
ChamberFilter = tuple[str, tuple[str, ...]]


def chamber_clause(chamber: ChamberFilter, prefix: str = "r.") -> tuple[str, list[Any]]:
    """The condition (``?`` arguments) of a registered chamber's records."""
    cid, texts = chamber
    if not texts:
        return f"{prefix}chamber_id = ?", [cid]
    marks = ", ".join("?" * len(texts))
    return (
        f"({prefix}chamber_id = ? OR ({prefix}chamber_id IS NULL AND {prefix}chamber IN "
        f"({marks})))",
        [cid, *texts],
    )


def _matching(
    folded: Mapping[str, str],
    exact: Mapping[str, Any],
    newest_first: bool,
    chamber: ChamberFilter | None = None,
) -> tuple[str, str, list[Any]]:
    """``SELECT r.rowid`` of the matching stored rows, its ``ORDER BY`` and its arguments.

    ``folded`` maps a folded column (one of :data:`SEARCHED`) to a folded needle; needles of
    three characters or more go through that column's trigram index, shorter ones are matched
    with ``instr`` (a scan of that column, as before schema 2). The longest needle's index
    drives the query in rowid order, so a page of a common fragment stops after its last row
    instead of reading every match. Rowid order is log order: rows are inserted under the
    archive lock in the order their log lines are appended, and a rebuild replays the log in
    order; a record's body shares its row's rowid.
    """
    where = ["r.state = 'stored'"]
    args: list[Any] = []
    indexed = sorted(
        ((c, n) for c, n in folded.items() if len(n) >= TRIGRAM), key=lambda cn: -len(cn[1])
    )
    driver = indexed[0][0] if indexed else None
    source = "records r"
    driver_args: list[Any] = []
    for column, needle in folded.items():
        if column not in SEARCHED:
            raise ValueError(f"{column} is not a searched column")
        fts = f"records_{column}"
        if column == driver:
            source = f"{fts} f JOIN records r ON r.rowid = f.rowid"
            where.insert(0, f"f.{fts} MATCH ?")
            driver_args.append(fts_phrase(needle))
        elif len(needle) >= TRIGRAM:
            where.append(f"r.rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)")
            args.append(fts_phrase(needle))
        elif column == "text_fold":
            where.append("r.rowid IN (SELECT rowid FROM record_bodies WHERE instr(text_fold, ?))")
            args.append(needle)
        else:
            where.append(f"instr(r.{column}, ?) > 0")
            args.append(needle)
    for column, value in exact.items():
        where.append(f"r.{column} = ?")
        args.append(value)
    if chamber is not None:
        clause, values = chamber_clause(chamber)
        where.append(clause)
        args.extend(values)
    args = driver_args + args
    direction = " DESC" if newest_first else ""
    order = ("f.rowid" if driver else "r.rowid") + direction
    matching = f"SELECT r.rowid FROM {source} WHERE {' AND '.join(where)}"
    return matching, order, args


def search_sql(
    folded: Mapping[str, str],
    exact: Mapping[str, Any],
    *,
    limit: int | None,
    offset: int,
    newest_first: bool = False,
    chamber: ChamberFilter | None = None,
) -> tuple[str, str, list[Any]]:
    """``SELECT`` of matching stored rows (oldest first, one page; ``newest_first`` reverses
    the order) and its capped ``COUNT`` (see :func:`_matching`)."""
    matching, order, args = _matching(folded, exact, newest_first, chamber)
    direction = " DESC" if newest_first else ""
    page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
    select = (
        f"{ROW_SELECT} WHERE r.rowid IN ({matching} ORDER BY {order}{page}) "
        f"ORDER BY r.rowid{direction}"
    )
    count = f"SELECT count(*) FROM ({matching} LIMIT {COUNT_CAP})"
    return select, count, args


def ids_sql(
    folded: Mapping[str, str],
    exact: Mapping[str, Any],
    *,
    newest_first: bool = False,
    chamber: ChamberFilter | None = None,
) -> tuple[str, list[Any]]:
    """The rowids of the first :data:`COUNT_CAP` matching rows in order: one pass of the index
    gives both the count (capped) and any page within the cap."""
    matching, order, args = _matching(folded, exact, newest_first, chamber)
    return f"{matching} ORDER BY {order} LIMIT {COUNT_CAP}", args


def rows_sql(count: int, *, newest_first: bool = False) -> str:
    """The rows (with their JSON) of ``count`` rowids given as parameters, in order."""
    marks = ", ".join("?" * count)
    return (
        f"{ROW_SELECT} WHERE r.rowid IN ({marks}) ORDER BY r.rowid{' DESC' if newest_first else ''}"
    )

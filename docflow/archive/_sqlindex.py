"""The archive's index in a database by URL: rows, bodies, object versions, paged search.

Search never reads the record JSON of rows it does not return: filters and sorting use the
narrow ``archive_records`` table (its substring columns under pg_trgm GIN indexes on PostgreSQL,
FTS5 trigram tables on SQLite); the bodies are fetched for the page's ids only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)

from docflow.archive import _chain, _dash
from docflow.archive import _index as embedded
from docflow.archive._layout import fold
from docflow.archive._tables import bodies, index_state, objects, records
from docflow.storage._database import Database

#: Counting stops here, as in the embedded index.
COUNT_CAP = embedded.COUNT_CAP
_NARROW = [c for c in embedded.RECORD_COLUMNS if c not in ("record_json", "text_fold")]
_SUBSTRING = {"name": "name_fold", "chamber": "chamber_fold", "text": "text_fold"}
#: PostgreSQL substring searches: rows read in log order to estimate how common a needle is,
#: and at most this many rows walked to count a common one (a record's text costs ~4 µs a row
#: to check, its narrow row ~0.5 µs; bench/bench_search.py measures them).
PROBE_ROWS = 200
WALK_BUDGET = 16_000
WALK_BUDGET_TEXT = 2_000
_EXACT = ("iin", "year", "kind", "outcome", "status", "chamber_id")


def run_on(conn: Connection) -> _dash.Run:
    """``_dash``'s way of running a statement, on a connection."""

    def run(sql: str, args: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        result = conn.execute(text(sql), dict(args))
        return list(result) if result.returns_rows else []

    return run


def _like(needle: str) -> str:
    return "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SqlIndex:
    """Index operations on one :class:`Database` (every call its own short transaction unless
    a connection is handed in)."""

    def __init__(self, database: Database) -> None:
        self.db = database

    # -- writing -------------------------------------------------------------------------------

    def insert_record(
        self,
        conn: Connection,
        full: Mapping[str, Any],
        record_bytes: bytes,
        record_sha: str,
        pdf: str,
        js: str,
        log_seq: int,
        chamber_id: str | None = None,
    ) -> None:
        """Insert a stored record's row and body, and count it (``_dash``), in ``conn``'s
        transaction; ``chamber_id`` as ``ChamberIds.of`` gives it."""
        values = dict(
            zip(
                embedded.RECORD_COLUMNS,
                embedded.row_values(full, record_bytes, record_sha, pdf, js),
                strict=True,
            )
        )
        conn.execute(
            insert(records).values(
                **{c: values[c] for c in _NARROW}, log_seq=log_seq, chamber_id=chamber_id,
                late=_dash.late_of(full),
            )
        )  # fmt: skip
        conn.execute(
            insert(bodies).values(
                id=values["id"], record_json=values["record_json"], text_fold=values["text_fold"]
            )
        )
        _dash.on_stored(run_on(conn), _dash.SCALED, values["id"])

    def set_status(self, conn: Connection, entry: Mapping[str, Any]) -> None:
        conn.execute(
            update(records)
            .where(records.c.id == entry["record"])
            .values(status=entry["status"], status_reason=entry.get("reason"),
                    status_at=entry.get("at"))
        )  # fmt: skip

    def note_object(self, conn: Connection, sha256: str, key: str, version: str | None,
                    retain_until: str | None) -> None:  # fmt: skip
        exists = conn.execute(select(objects.c.sha256).where(objects.c.sha256 == sha256)).first()
        if exists is None:
            conn.execute(
                insert(objects).values(
                    sha256=sha256, key=key, version_id=version, retain_until=retain_until
                )
            )

    def object_ref(self, conn: Connection, sha256: str) -> tuple[str, str | None] | None:
        row = conn.execute(
            select(objects.c.key, objects.c.version_id).where(objects.c.sha256 == sha256)
        ).first()
        return None if row is None else (row.key, row.version_id)

    def bulk_load(
        self,
        rows: Iterable[tuple[dict[str, Any], bytes, str, str, str, int]],
        batch: int = 2000,
        chamber_of: Callable[[Mapping[str, Any]], str | None] | None = None,
    ) -> None:
        """Load many records at once (benches): (full, bytes, record sha, pdf, json, seq);
        ``chamber_of``: each record's chamber id (``ChamberIds.of``). The newest versions and
        the counts are worked out once at the end."""
        pending_r: list[dict[str, Any]] = []
        pending_b: list[dict[str, Any]] = []

        def flush() -> None:
            with self.db.engine.begin() as conn:
                conn.execute(insert(records), pending_r)
                conn.execute(insert(bodies), pending_b)
            pending_r.clear()
            pending_b.clear()

        for full, data, sha, pdf, js, seq in rows:
            values = dict(
                zip(embedded.RECORD_COLUMNS, embedded.row_values(full, data, sha, pdf, js),
                    strict=True)
            )  # fmt: skip
            pending_r.append({**{c: values[c] for c in _NARROW}, "log_seq": seq,
                              "chamber_id": chamber_of(full) if chamber_of else None,
                              "late": _dash.late_of(full)})  # fmt: skip
            pending_b.append({"id": values["id"], "record_json": values["record_json"],
                              "text_fold": values["text_fold"]})  # fmt: skip
            if len(pending_r) >= batch:
                flush()
        if pending_r:
            flush()
        with self.db.engine.begin() as conn:
            _dash.refill(run_on(conn), _dash.SCALED)
        if self.db.dialect == "postgresql":
            # VACUUM, as autovacuum soon would: it empties the GIN indexes' pending lists (which
            # every search otherwise scans whole) and sets the visibility map. Not in a
            # transaction, hence autocommit.
            autocommit = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            with autocommit as conn:
                for table in (records, bodies):
                    conn.exec_driver_sql(f"VACUUM ANALYZE {table.name}")
        else:
            with self.db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")

    # -- reading -------------------------------------------------------------------------------

    def _where(
        self, filters: Mapping[str, Any], *, walk: bool = False, rows: Any = records
    ) -> list[Any]:
        """The conditions of ``filters`` on ``rows`` (``archive_records``, or a subquery of its
        columns); ``walk``: for rows checked one by one in log order (PostgreSQL)."""
        unknown = set(filters) - set(_SUBSTRING) - set(_EXACT) - {"chamber_texts"}
        if unknown:
            raise TypeError(f"unknown search filters {sorted(unknown)}")
        sqlite = self.db.dialect == "sqlite"
        clauses: list[Any] = []
        for key, column in _SUBSTRING.items():
            value = filters.get(key)
            if not value:
                continue
            needle = fold(value)
            table = bodies if column == "text_fold" else records
            if sqlite and len(needle) >= embedded.TRIGRAM:
                fts = f"{table.name}_{column}_fts"
                # one bind name per column: two substring filters in one query must not share it
                match = f"SELECT rowid FROM {fts} WHERE {fts} MATCH :m_{column}"
                rowids = text(match).bindparams(**{f"m_{column}": embedded.fts_phrase(needle)})
                if table is records:
                    clauses.append(literal_column_rowid().in_(rowids))
                else:
                    clauses.append(
                        records.c.id.in_(
                            select(bodies.c.id).where(literal_column_rowid("archive_bodies")
                                                      .in_(rowids))
                        )
                    )  # fmt: skip
            elif sqlite:
                clauses.append(func.instr(table.c[column], needle) > 0)
                if table is bodies:
                    clauses[-1] = records.c.id.in_(select(bodies.c.id).where(clauses[-1]))
            elif walk:
                # PostgreSQL, many matches: rows are checked one by one in log order, and strpos
                # (no index can serve it, so the planner walks the log order) is cheaper per row
                # than LIKE.
                if table is records:
                    clauses.append(func.strpos(rows.c[column], needle) > 0)
                else:
                    # A correlated probe per row (OFFSET 0 keeps the planner from turning it into
                    # a join): the walk stops at the page's last row instead of checking the
                    # whole text of every match first.
                    found = func.strpos(bodies.c[column], needle) > 0
                    probe = select(literal(1)).where(bodies.c.id == rows.c.id, found).offset(0)
                    clauses.append(exists(probe))
            else:  # PostgreSQL: LIKE through the pg_trgm GIN index
                like = table.c[column].like(_like(needle), escape="\\")
                if table is records:
                    clauses.append(like)
                else:
                    clauses.append(records.c.id.in_(select(bodies.c.id).where(like)))
        for key in _EXACT:
            value = filters.get(key)
            if value is None:
                continue
            if key == "chamber_id" and filters.get("chamber_texts"):
                # a registered chamber: its id, or a free text indexed before it was registered
                texts = list(filters["chamber_texts"])
                clauses.append(
                    or_(
                        rows.c.chamber_id == str(value),
                        and_(rows.c.chamber_id.is_(None), rows.c.chamber.in_(texts)),
                    )
                )
            else:
                clauses.append(rows.c[key] == (int(value) if key == "year" else str(value)))
        return clauses

    def search(
        self,
        conn: Connection,
        *,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
        _total: Select[Any] | None = None,
        _walk: bool = False,
        **filters: Any,
    ) -> list[dict[str, Any]]:
        """Matching records (index row and record JSON), oldest first (``newest_first``: the
        other way), one page if ``limit``: one statement, the page cut on the narrow rows
        before any body is read."""
        where = self._where(filters, walk=_walk)
        order = records.c.log_seq.desc() if newest_first else records.c.log_seq
        ids: Select[Any] = select(records.c.id).where(and_(True, *where))
        ids = ids.order_by(order)
        if limit is not None:
            ids = ids.limit(limit).offset(offset)
        columns: list[Any] = [records, bodies.c.record_json]
        if _total is not None:  # a count in the same round trip (a column of every row)
            columns.append(_total.scalar_subquery().label("total"))
        query = (
            select(*columns)
            .join(bodies, bodies.c.id == records.c.id)
            .where(records.c.id.in_(ids.scalar_subquery()))
            .order_by(order)
        )
        return [dict(row._mapping) for row in conn.execute(query)]

    def _count_query(self, filters: Mapping[str, Any]) -> Select[Any]:
        capped = select(literal(1)).select_from(records).where(and_(True, *self._where(filters)))
        return select(func.count()).select_from(capped.limit(COUNT_CAP).subquery())

    def count(self, conn: Connection, **filters: Any) -> int:
        return int(conn.execute(self._count_query(filters)).scalar_one())

    def rows(self, conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
        """The index rows of ``ids`` with ``record_json``, in the order given."""
        if not ids:
            return []
        query = (
            select(records, bodies.c.record_json)
            .join(bodies, bodies.c.id == records.c.id)
            .where(records.c.id.in_(ids))
        )
        found = {row.id: dict(row._mapping) for row in conn.execute(query)}
        return [found[i] for i in ids if i in found]

    def row(self, conn: Connection, record_id: str) -> dict[str, Any] | None:
        found = self.rows(conn, [record_id])
        return found[0] if found else None

    def with_texts(
        self, conn: Connection, filters: dict[str, Any], resolve: Callable[[str], str | None]
    ) -> dict[str, Any]:
        """A ``chamber_id`` filter with the free texts (of rows indexed before the chamber was
        registered) that ``resolve`` to that chamber now (see ``_dash``)."""
        cid = filters.get("chamber_id")
        if cid is not None:
            texts = _dash.unresolved_texts(run_on(conn), _dash.SCALED)
            filters["chamber_texts"] = tuple(t for t in texts if resolve(t) == cid)
        return filters

    def search_page(
        self,
        *,
        page: int = 1,
        per_page: int = 50,
        newest_first: bool = False,
        resolve: Callable[[str], str | None] | None = None,
        **filters: Any,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of matching index rows (with ``record_json``) and the number matching,
        counted up to :data:`COUNT_CAP`; ``resolve``: a free-text chamber's id now (for a
        ``chamber_id`` filter, on the same connection)."""
        offset = (page - 1) * per_page
        page_of: dict[str, Any] = {
            "limit": per_page, "offset": offset, "newest_first": newest_first
        }  # fmt: skip
        with self.db.reading() as conn:
            if resolve is not None:
                filters = self.with_texts(conn, dict(filters), resolve)
            if self.db.dialect == "postgresql" and any(filters.get(k) for k in _SUBSTRING):
                # With an exact filter too (a year, a kind) the log's first rows say little of how
                # common the matches are (a log is in time order): the trigram index decides.
                exact = any(filters.get(k) is not None for k in _EXACT)
                if not exact and offset + per_page <= COUNT_CAP:
                    # the probe on its own (a rare needle then costs a small statement's planning,
                    # not the page's), then the page and its count in one walk; a text's probe
                    # (200 texts read) is a condition of the walk's statement instead
                    walked = None
                    merged = bool(filters.get("text"))
                    if merged or self._walk_budget(conn, filters) is not None:
                        walked = self._walked_page(conn, page_of, filters, probe=merged)
                    return walked or self._substring_page(conn, page_of, filters)
                budget = None if exact else self._walk_budget(conn, filters)
                if budget is not None:
                    # the page walked in log order, with the walk's count in the same statement
                    count = self._walk_count_query(filters, budget)
                    rows = self.search(conn, **page_of, _walk=True, _total=count, **filters)
                    walked = rows[0]["total"] if rows else conn.execute(count).scalar_one()
                    if int(walked) >= COUNT_CAP:
                        return rows, COUNT_CAP
                return self._substring_page(conn, page_of, filters)
            rows = self.search(conn, **page_of, _total=self._count_query(filters), **filters)
            if not rows:
                return [], self.count(conn, **filters)
            return rows, int(rows[0]["total"])

    def _walk_count_query(self, filters: Mapping[str, Any], rows: int) -> Select[Any]:
        """How many of the first ``rows`` records in log order match (up to the cap), each
        checked in turn (``walk``): a cost in rows read, whatever the needle."""
        first = self._walked(filters, rows)
        where = self._where(filters, walk=True, rows=first)
        hits = select(literal(1)).select_from(first).where(*where).limit(COUNT_CAP).subquery()
        return select(func.count()).select_from(hits)

    def _walked(self, filters: Mapping[str, Any], rows: int, newest_first: bool = False) -> Any:
        """The first ``rows`` records in log order (``newest_first``: the last), with only the
        columns ``filters`` check: a walk through revision 0004's covering index on ``log_seq``
        reads no heap page (an index-only scan)."""
        columns = {"id", "log_seq"}
        columns |= {c for k, c in _SUBSTRING.items() if filters.get(k) and c != "text_fold"}
        columns |= {k for k in _EXACT if filters.get(k) is not None}
        if filters.get("chamber_texts"):
            columns |= {"chamber", "chamber_id"}
        order = records.c.log_seq.desc() if newest_first else records.c.log_seq
        return (
            select(*(records.c[c] for c in sorted(columns)))
            .order_by(order)
            .limit(rows)
            .subquery("walked")
        )

    def _walked_page(
        self,
        conn: Connection,
        page_of: dict[str, Any],
        filters: Mapping[str, Any],
        probe: bool = False,
    ) -> tuple[list[dict[str, Any]], int] | None:
        """A page within the cap of a substring search on PostgreSQL by a walk in log order, in
        one statement, or None when the walk found fewer than ``COUNT_CAP`` matches (the
        trigram index then answers). The walk goes in the page's direction, so its first
        matches are the page and their number the count: nothing is walked twice (before, the
        count walked from the oldest record and the page again from its end).

        ``probe``: :meth:`_walk_budget`'s decision as a condition of the walk (its probe run
        once, before the walk, as an InitPlan): a round trip and a planning saved (~1 ms) on a
        common needle, ~1.5 ms lost on a rare one (this statement planned for nothing), so only
        for a text, whose common phrases cost the most."""
        newest_first = page_of["newest_first"]
        budget = WALK_BUDGET_TEXT if filters.get("text") else WALK_BUDGET
        walked = self._walked(filters, budget, newest_first)
        where = self._where(filters, walk=True, rows=walked)
        if probe:
            # the least probe count for which _walk_budget walks (n * budget >= 1.1 * cap * rows)
            least = next(
                (n for n in range(PROBE_ROWS + 1) if n * budget >= 1.1 * COUNT_CAP * PROBE_ROWS),
                PROBE_ROWS + 1,
            )
            # The walk's rows, each checked once (a CTE read twice is kept as it is produced):
            # its first PROBE_ROWS are the probe, read first (an InitPlan); the walk then goes
            # on from them only when the probe says so (a one-time filter).
            checked = (
                select(walked.c.id, walked.c.log_seq, and_(True, *where).label("hit"))
                .cte("checked")
                .prefix_with("MATERIALIZED")
            )
            first = select(checked.c.hit).limit(PROBE_ROWS).subquery()
            probe_count = select(func.count()).select_from(first).where(first.c.hit)
            matched = (
                select(checked.c.id, checked.c.log_seq)
                .where(probe_count.scalar_subquery() >= least, checked.c.hit)
                .limit(COUNT_CAP)
                .cte("matched")
                .prefix_with("MATERIALIZED")
            )
        else:
            seq = walked.c.log_seq.desc() if newest_first else walked.c.log_seq
            matched = (
                select(walked.c.id, walked.c.log_seq)
                .where(*where)
                .order_by(seq)
                .limit(COUNT_CAP)
                .cte("matched")
                .prefix_with("MATERIALIZED")
            )
        order = matched.c.log_seq.desc() if newest_first else matched.c.log_seq
        ids = select(matched.c.id).order_by(order).limit(page_of["limit"])
        ids = ids.offset(page_of["offset"])
        total_of = select(func.count()).select_from(matched)
        query = (
            select(records, bodies.c.record_json, total_of.scalar_subquery().label("total"))
            .join(bodies, bodies.c.id == records.c.id)
            .where(records.c.id.in_(ids.scalar_subquery()))
            .order_by(records.c.log_seq.desc() if newest_first else records.c.log_seq)
        )
        rows = [dict(row._mapping) for row in conn.execute(query)]
        if not rows or int(rows[0]["total"]) < COUNT_CAP:
            return None
        return rows, COUNT_CAP

    def _walk_budget(self, conn: Connection, filters: Mapping[str, Any]) -> int | None:
        """How many rows to walk in log order when a substring search looks common enough to
        reach ``COUNT_CAP`` matches within them (PostgreSQL), else None. Walking, its count and
        pages are cheapest, while the trigram index would first read the long lists of every
        common trigram (8-25 ms of CPU for a name or a phrase in 10-40% of 100,000 records,
        against 3-9 ms walking).

        A probe of :data:`PROBE_ROWS` rows estimates how common the needle is; a walk that then
        falls short of the cap leaves the search to the trigram index (a wasted budget at
        worst)."""
        budget = WALK_BUDGET_TEXT if filters.get("text") else WALK_BUDGET
        probe = int(conn.execute(self._walk_count_query(filters, PROBE_ROWS)).scalar_one())
        return budget if probe * budget >= 1.1 * COUNT_CAP * PROBE_ROWS else None

    def _substring_page(
        self, conn: Connection, page_of: dict[str, Any], filters: Mapping[str, Any]
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of a substring search on PostgreSQL, in at most two statements.

        First the matches, up to the cap, found once through the trigram indexes (a bitmap
        scan): their number is the total and, under the cap, they are every match, so the page
        is cut from them in the same statement (before, the page and the count each ran the
        trigram scan). Without a text filter they are the first in log order (every match's
        narrow row is read and sorted: cheap), so a page within the cap comes from them even
        past it; a text's matches are not sorted (each would be rechecked, ~6 us a text), and
        at the cap its page is asked for anew."""
        newest_first = page_of["newest_first"]
        ordered = not filters.get("text")
        first: Select[Any] = select(records.c.id, records.c.log_seq).where(
            and_(True, *self._where(filters))
        )
        if ordered:
            first = first.order_by(records.c.log_seq.desc() if newest_first else records.c.log_seq)
        matched = first.limit(COUNT_CAP).cte("matched").prefix_with("MATERIALIZED")
        seq = matched.c.log_seq.desc() if newest_first else matched.c.log_seq
        ids = select(matched.c.id).order_by(seq).limit(page_of["limit"]).offset(page_of["offset"])
        total_of = select(func.count()).select_from(matched)
        query = (
            select(records, bodies.c.record_json, total_of.scalar_subquery().label("total"))
            .join(bodies, bodies.c.id == records.c.id)
            .where(records.c.id.in_(ids.scalar_subquery()))
            .order_by(records.c.log_seq.desc() if newest_first else records.c.log_seq)
        )
        rows = [dict(row._mapping) for row in conn.execute(query)]
        if rows:
            total = int(rows[0]["total"])
        elif page_of["offset"] == 0:
            return [], 0
        else:  # past the last page
            total = int(conn.execute(total_of).scalar_one())
        if total < COUNT_CAP or (ordered and page_of["offset"] + page_of["limit"] <= COUNT_CAP):
            return rows, total
        # Many matches: the planner picks the page's way for the narrow columns (their
        # statistics estimate the matches well; sorting the matches found through the indexes
        # measured slower than its walk even for a year's records, 5-12 ms against 5-6 ms); a
        # text filter's it cannot estimate (texts are too wide for statistics), so that page
        # walks the log order.
        return self.search(conn, **page_of, _walk=bool(filters.get("text")), **filters), total

    # -- the dashboard and chamber ids (see _dash) ------------------------------------------

    def dashboard_counts(self) -> list[_dash.Count]:
        with self.db.reading() as conn:
            return _dash.counts(run_on(conn), _dash.SCALED)

    def unresolved_texts(self) -> list[str]:
        with self.db.reading() as conn:
            return _dash.unresolved_texts(run_on(conn), _dash.SCALED)

    def set_chamber_ids(self, links: Mapping[str, str]) -> int:
        with self.db.writing() as conn:
            _chain.lock_head(conn)  # stores move the counts too: one at a time
            return _dash.set_chamber_ids(run_on(conn), _dash.SCALED, links)

    def fill_chambers(
        self, resolve: Callable[[str], str | None], links: Callable[[], Mapping[str, str]]
    ) -> bool:
        """Once after revision 0003 upgraded an index holding rows: the chamber ids from the
        home's links and chamber names, then the counts anew. Whether it ran now."""
        with self.db.reading() as conn:
            done = conn.execute(select(index_state.c.chambers_filled)).scalar()
        if done is None or done:
            return False
        with self.db.writing() as conn:
            _chain.lock_head(conn)
            if conn.execute(select(index_state.c.chambers_filled)).scalar():
                return False  # another node filled them meanwhile
            run = run_on(conn)
            _dash.fill_chambers(run, _dash.SCALED, resolve, links())
            _dash.refill(run, _dash.SCALED)
            conn.execute(update(index_state).values(chambers_filled=1))
        return True


def literal_column_rowid(table: str = "archive_records") -> Any:
    from sqlalchemy import literal_column

    return literal_column(f"{table}.rowid")

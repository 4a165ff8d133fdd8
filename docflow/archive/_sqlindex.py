"""The archive's index in a database by URL: rows, bodies, object versions, paged search.

Search never reads the record JSON of rows it does not return: filters and sorting use the
narrow ``archive_records`` table (its substring columns under pg_trgm GIN indexes on PostgreSQL,
FTS5 trigram tables on SQLite); the bodies are fetched for the page's ids only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    update,
)

from docflow.archive import _index as embedded
from docflow.archive._layout import fold
from docflow.archive._tables import bodies, objects, records
from docflow.storage._database import Database

#: Counting stops here, as in the embedded index.
COUNT_CAP = embedded.COUNT_CAP
_NARROW = [c for c in embedded.RECORD_COLUMNS if c not in ("record_json", "text_fold")]
#: From this many matches of a full-text needle on, a page walks the log order (PostgreSQL).
LAZY_FROM = 200
_SUBSTRING = {"name": "name_fold", "chamber": "chamber_fold", "text": "text_fold"}
_EXACT = ("iin", "year", "kind", "outcome", "status")


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
    ) -> None:
        values = dict(
            zip(
                embedded.RECORD_COLUMNS,
                embedded.row_values(full, record_bytes, record_sha, pdf, js),
                strict=True,
            )
        )
        conn.execute(insert(records).values(**{c: values[c] for c in _NARROW}, log_seq=log_seq))
        conn.execute(
            insert(bodies).values(
                id=values["id"], record_json=values["record_json"], text_fold=values["text_fold"]
            )
        )

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
        self, rows: Iterable[tuple[dict[str, Any], bytes, str, str, str, int]], batch: int = 2000
    ) -> None:
        """Load many records at once (benches): (full, bytes, record sha, pdf, json, seq)."""
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
            pending_r.append({**{c: values[c] for c in _NARROW}, "log_seq": seq})
            pending_b.append({"id": values["id"], "record_json": values["record_json"],
                              "text_fold": values["text_fold"]})  # fmt: skip
            if len(pending_r) >= batch:
                flush()
        if pending_r:
            flush()
        with self.db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")

    # -- reading -------------------------------------------------------------------------------

    def _where(self, filters: Mapping[str, Any], *, lazy_text: bool = False) -> list[Any]:
        unknown = set(filters) - set(_SUBSTRING) - set(_EXACT)
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
            else:  # PostgreSQL: LIKE through the pg_trgm GIN index
                like = table.c[column].like(_like(needle), escape="\\")
                if table is records:
                    clauses.append(like)
                elif lazy_text:
                    # A correlated probe per row in log order (OFFSET 0 keeps the planner from
                    # turning it into a join): a page of a phrase in most records stops early
                    # instead of re-checking the whole text of every match.
                    probe = select(literal(1)).where(bodies.c.id == records.c.id, like).offset(0)
                    clauses.append(exists(probe))
                else:
                    clauses.append(records.c.id.in_(select(bodies.c.id).where(like)))
        for key in _EXACT:
            value = filters.get(key)
            if value is not None:
                clauses.append(records.c[key] == (int(value) if key == "year" else str(value)))
        return clauses

    def search(
        self,
        conn: Connection,
        *,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
        _with_total: bool = False,
        _lazy_text: bool = False,
        **filters: Any,
    ) -> list[dict[str, Any]]:
        """Matching records (index row and record JSON), oldest first (``newest_first``: the
        other way), one page if ``limit``: one statement, the page cut on the narrow rows
        before any body is read."""
        where = self._where(filters, lazy_text=_lazy_text)
        order = records.c.log_seq.desc() if newest_first else records.c.log_seq
        ids: Select[Any] = select(records.c.id).where(and_(True, *where))
        ids = ids.order_by(order)
        if limit is not None:
            ids = ids.limit(limit).offset(offset)
        columns: list[Any] = [records, bodies.c.record_json]
        if _with_total:  # the capped count in the same round trip (a column of every row)
            columns.append(self._count_query(filters).scalar_subquery().label("total"))
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

    def search_page(
        self, *, page: int = 1, per_page: int = 50, newest_first: bool = False, **filters: Any
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of matching index rows (with ``record_json``) and the number matching,
        counted up to :data:`COUNT_CAP`."""
        offset = (page - 1) * per_page
        page_of: dict[str, Any] = {
            "limit": per_page, "offset": offset, "newest_first": newest_first
        }  # fmt: skip
        with self.db.reading() as conn:
            if filters.get("text") and self.db.dialect == "postgresql":
                # The count first: few matches are best found through the trigram index, many
                # by walking the log order and stopping at the page's last row.
                total = self.count(conn, **filters)
                rows = self.search(conn, **page_of, _lazy_text=total >= LAZY_FROM, **filters)
                return rows, total
            rows = self.search(conn, **page_of, _with_total=True, **filters)
            if not rows:
                return [], self.count(conn, **filters)
            return rows, int(rows[0]["total"])


def literal_column_rowid(table: str = "archive_records") -> Any:
    from sqlalchemy import literal_column

    return literal_column(f"{table}.rowid")

"""The bodies' own store: chambers and their names, the offices held in them, and the chamber id
of archive records that predate chamber ids.

A store of its own opened by ``docflow.storage.open_database(url, store="bodies")`` with its own
migrations (``docflow/storage/migrations_bodies``, version table ``docflow_bodies_version``):
``.docflow/bodies.sqlite`` in an embedded home (a file made by an older docflow is adopted in
place, rows kept), the PostgreSQL database of ``[storage] database`` in a scaled-out one, shared
by every node (issue 18): an officer appointed on the admin's node is known at once to every
worker host that checks the officer's signature.

The archive's signed records are never rewritten: a record filed under a free-text chamber
name is tied to its chamber id here (``record_chambers``), beside the archive, not in it.

A scaled-out node that still has a ``.docflow/bodies.sqlite`` of its own (the home was embedded
before ``[storage] database`` was set, or was copied from one) moves its rows into the shared
database once, the first time the node opens the store, and renames the file
``bodies.sqlite.moved`` (:func:`_move_local_file`): no chamber or office is lost by switching.

Every report a worker processes reads this store (the capacity of each signature, the chamber
it names), so the opened store is kept per process (:func:`bodies_store`): one engine and its
pool per database, not a connection per call. Nothing is cached above the database: every answer
is read from it, so an office ended on one node is ended on all at the next read.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    Engine,
    ForeignKey,
    MetaData,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
    text,
)

from docflow.config import Home
from docflow.sqlite_open import opening
from docflow.storage import Database, StorageSettings, open_database

log = logging.getLogger(__name__)

FILE_NAME = "bodies.sqlite"

# The tables as docflow/storage/migrations_bodies creates them (``seq``: the order rows were
# added in, for the aliases' and the offices' order; SQLite's rowid in an adopted file).
_metadata = MetaData()
chambers = Table(
    "chambers",
    _metadata,
    Column("id", Text, primary_key=True),
    Column("kk", Text, nullable=False),
    Column("ru", Text, nullable=False),
    Column("en", Text),
    Column("created_at", Text, nullable=False),
)
chamber_names = Table(
    "chamber_names",
    _metadata,
    Column("fold", Text, primary_key=True),
    Column("chamber_id", Text, ForeignKey("chambers.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("seq", BigInteger),
    CheckConstraint("kind IN ('kk', 'ru', 'en', 'alias')", name="chamber_names_kind"),
)
offices = Table(
    "offices",
    _metadata,
    Column("fingerprint", Text, primary_key=True),
    Column("serial", Text, nullable=False),
    Column("iin", Text, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("body", Text),
    Column("since", Text, nullable=False),
    Column("ended_at", Text),
    Column("end_reason", Text),
    Column("seq", BigInteger),
)
record_chambers = Table(
    "record_chambers",
    _metadata,
    Column("record_id", Text, primary_key=True),
    Column("chamber_id", Text, nullable=False),  # a chamber id, or collegium
    Column("source_name", Text),
    Column("linked_at", Text, nullable=False),
)

#: pg_advisory_xact_lock key of the bodies' writes (any constant distinct from docflow's others)
_WRITE_LOCK = 3_621_873_657
#: Stores kept open per process: a worker or a web server has one home; tests make many homes.
_KEEP = 8


def bodies_db_path(home: Home | Path | str) -> Path:
    """The embedded store's file (``.docflow/bodies.sqlite``); a scaled-out home's registries
    are named by it too (:func:`bodies_store` reads the home's ``docflow.toml`` beside it)."""
    root = home.root if isinstance(home, Home) else Path(home)
    return root / ".docflow" / FILE_NAME


@dataclass
class BodiesStore:
    """The bodies' database, opened and migrated, as one process uses it."""

    db: Database
    #: SQLite: an engine for reads that never takes the write lock (``Database``'s engine
    #: begins every transaction IMMEDIATE); PostgreSQL: ``db.engine``.
    reader: Engine
    #: SQLite: the file's (device, inode) when opened, to notice a file removed or replaced.
    identity: tuple[int, int] | None
    pid: int

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads only (PostgreSQL: autocommit; SQLite: no lock held between
        statements, as SQLite's own default)."""
        if self.db.dialect == "postgresql":
            with self.db.reading() as conn:
                yield conn
            return
        with self.reader.connect() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction; writers of every node take turns (SQLite's BEGIN IMMEDIATE,
        a transaction-level advisory lock on PostgreSQL), so ``seq`` numbers never repeat."""
        with self.db.writing() as conn:
            if self.db.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK})
            yield conn

    def upsert(
        self, conn: Connection, table: Table, values: dict[str, Any], keys: list[str]
    ) -> None:
        self.db.upsert(conn, table, values, keys)

    def insert_missing(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        self.db.insert_missing(conn, table, rows)

    @staticmethod
    def next_seq(conn: Connection, table: Table) -> int:
        """The ``seq`` of a row added now (inside :meth:`writing`)."""
        return int(conn.execute(select(func.coalesce(func.max(table.c.seq), 0) + 1)).scalar_one())

    def dispose(self) -> None:
        """Close this store's connections, or, in a forked child, leave them alone for good."""
        if self.pid != os.getpid():
            # The parent's connections: closing them here (even by garbage collection) could
            # end the parent's PostgreSQL session or fold away the WAL of a SQLite file it is
            # using. They are kept referenced, untouched, for the life of this process.
            _inherited.append(self)
            return
        if self.reader is not self.db.engine:
            self.reader.dispose()
        self.db.engine.dispose()


_lock = threading.Lock()
#: database URL -> the store this process opened
_open: OrderedDict[str, BodiesStore] = OrderedDict()
#: home root -> (docflow.toml's stat, the bodies' URL)
_urls: dict[Path, tuple[tuple[int, int] | None, str]] = {}
#: Stores opened by a parent process before it forked this one (never used, never closed)
_inherited: list[BodiesStore] = []
#: (pid, embedded file) whose rows this process has moved into a shared database (or found none)
_moved: set[tuple[int, Path]] = set()


def _url_of(path: Path) -> str:
    root, state = path.parent.parent, path.parent
    toml = root / "docflow.toml"
    try:
        st = os.stat(toml)
        signature: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        signature = None
    known = _urls.get(root)
    if known is not None and known[0] == signature:
        return known[1]
    url = StorageSettings.from_home(root).store_url(state, path.name)
    _urls[root] = (signature, url)
    return url


def _identity(url: str) -> tuple[int, int] | None:
    if not url.startswith("sqlite:"):
        return None
    try:
        st = os.stat(url.removeprefix("sqlite:///"))
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


def bodies_store(path: Path) -> BodiesStore:
    """The bodies' store of the home whose ``bodies_db_path`` is ``path``, opened (and migrated)
    once per process and database; reopened when its SQLite file was removed or replaced."""
    url = _url_of(path)
    pid = os.getpid()
    store = _open.get(url)
    if store is None or not _usable(store, url, pid):
        with _lock:
            store = _open.get(url)
            if store is None or not _usable(store, url, pid):
                if store is not None:
                    store.dispose()  # a forked child's: left untouched (see dispose)
                store = _opened(url, pid)
                _open[url] = store
                while len(_open) > _KEEP:
                    _, old = _open.popitem(last=False)
                    old.dispose()
            _open.move_to_end(url)
    if store.identity is None and (pid, path) not in _moved:
        _move_local_file(path, store)
        _moved.add((pid, path))
    return store


def _usable(store: BodiesStore, url: str, pid: int) -> bool:
    """Opened by this process, and (SQLite) on the file that is there now."""
    return store.pid == pid and (store.identity is None or store.identity == _identity(url))


def _opened(url: str, pid: int) -> BodiesStore:
    db = open_database(url, store="bodies")
    if db.dialect != "sqlite":
        return BodiesStore(db, db.engine, None, pid)
    reader = create_engine(db.engine.url, connect_args={"timeout": 60})

    @event.listens_for(reader, "connect")
    def _pragmas(dbapi: Any, _record: Any) -> None:
        dbapi.execute("PRAGMA busy_timeout = 60000")
        dbapi.execute("PRAGMA query_only = ON")

    return BodiesStore(db, reader, _identity(url), pid)


def _move_local_file(path: Path, store: BodiesStore) -> int:
    """Once per node: copy the rows of the node's own ``bodies.sqlite`` (old schema or new) into
    the shared store, then rename the file ``bodies.sqlite.moved``. Returns the rows added.

    Nodes whose homes were copied from one another each bring a copy: rows are added only where
    missing (the same chamber, name, office, link from two copies is one), and what only ever
    moves one way is merged: an office ended in any copy is ended (never made live again), an
    office's body or a chamber's English name given in any copy is kept, a chamber made from one
    name gets its two names. A name that another chamber holds in the shared store is left out
    (logged): one spelling never means two chambers."""
    if not path.exists():
        return 0
    with opening(path):
        if not path.exists():  # another process of this node moved it meanwhile
            return 0
        source = sqlite3.connect(path, timeout=60)
        try:
            source.row_factory = sqlite3.Row
            try:  # the WAL folded in: one file to rename
                source.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.OperationalError:
                pass  # still open elsewhere: read through its WAL all the same
            found = {r[0] for r in source.execute("SELECT name FROM sqlite_master")}
            rows: dict[str, list[dict[str, Any]]] = {}
            for table in (chambers, chamber_names, offices, record_chambers):
                if table.name in found:
                    cursor = source.execute(f"SELECT *, rowid AS _order FROM {table.name}")
                    rows[table.name] = [dict(r) for r in cursor]
        finally:
            source.close()
        added = _merge(store, rows)
        path.rename(path.with_name(path.name + ".moved"))
    log.info("moved %d rows of %s into the shared bodies' store", added, path)
    return added


def _merge(store: BodiesStore, rows: dict[str, list[dict[str, Any]]]) -> int:
    def ordered(table: Table) -> list[dict[str, Any]]:
        found = rows.get(table.name, [])
        found.sort(key=lambda r: (r.get("seq") or 0, r["_order"]))
        return [{c.name: r.get(c.name) for c in table.columns if c.name != "seq"} for r in found]

    added = 0
    with store.writing() as conn:
        for row in ordered(chambers):
            have = conn.execute(select(chambers).where(chambers.c.id == row["id"])).first()
            if have is None:
                conn.execute(chambers.insert().values(**row))
                added += 1
                continue
            if have.kk == have.ru and row["kk"] != row["ru"]:
                conn.execute(
                    chambers.update()
                    .where(chambers.c.id == row["id"])
                    .values(kk=row["kk"], ru=row["ru"])
                )
            if row["en"] and not have.en:
                conn.execute(
                    chambers.update().where(chambers.c.id == row["id"]).values(en=row["en"])
                )
        known = set(conn.execute(select(chambers.c.id)).scalars())
        for table, key in ((chamber_names, "fold"), (offices, "fingerprint")):
            for row in ordered(table):
                have = conn.execute(select(table).where(table.c[key] == row[key])).first()
                if table is chamber_names and row["chamber_id"] not in known:
                    continue  # a name of no chamber (never written by docflow)
                if have is None:
                    conn.execute(table.insert().values(**row, seq=store.next_seq(conn, table)))
                    added += 1
                elif table is chamber_names and have.chamber_id != row["chamber_id"]:
                    log.warning(
                        "the name %r of chamber %s belongs to chamber %s in the shared store; "
                        "left out",
                        row["name"],
                        row["chamber_id"],
                        have.chamber_id,
                    )
                elif table is offices:
                    if row["ended_at"] and not have.ended_at:
                        conn.execute(
                            offices.update()
                            .where(offices.c.fingerprint == row[key])
                            .values(ended_at=row["ended_at"], end_reason=row["end_reason"])
                        )
                    if row["body"] and not have.body:
                        conn.execute(
                            offices.update()
                            .where(offices.c.fingerprint == row[key])
                            .values(body=row["body"])
                        )
        links = ordered(record_chambers)
        before = conn.execute(select(func.count()).select_from(record_chambers)).scalar_one()
        store.insert_missing(conn, record_chambers, links)
        after = conn.execute(select(func.count()).select_from(record_chambers)).scalar_one()
        added += after - before
    return added

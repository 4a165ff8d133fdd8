"""One database by URL (``sqlite:///…`` or ``postgresql://…``) with its migrations applied.

``open_database(url)`` makes the SQLAlchemy engine and runs the Alembic migrations shipped in
``docflow/storage/migrations`` up to the newest, holding a lock so that several processes (or
machines) opening a new database at once take turns: an advisory lock on PostgreSQL, an
``flock`` beside the file on SQLite.

Each store has migrations of its own (``store=``): the archive's in ``migrations/``, the web's
users and sessions in ``migrations_web/``, the summaries' rosters and sanction cases in
``migrations_summaries/``, own mode's signing requests (and their PDFs) in
``migrations_signreq/``, each with its own version table, so that the stores can share one
PostgreSQL database (``[storage] database``) or live in SQLite files of their own.
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url

from docflow.errors import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: store -> its Alembic script folder (each names its own version table in its env.py)
STORES = {
    "archive": MIGRATIONS,
    "bodies": MIGRATIONS.with_name("migrations_bodies"),  # chambers, offices, record links
    "web": MIGRATIONS.with_name("migrations_web"),
    "summaries": MIGRATIONS.with_name("migrations_summaries"),
    "signreq": MIGRATIONS.with_name("migrations_signreq"),
}
#: pg_advisory_lock key while migrating ("docflow" as digits, any constant would do)
_MIGRATION_LOCK = 3_621_873_656
_SCHEMA_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass
class Database:
    """An engine whose tables are migrated; ``schema`` (PostgreSQL) isolates benches and tests."""

    engine: Engine
    url: str
    schema: str | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction. On SQLite every transaction starts ``BEGIN IMMEDIATE`` (writers
        take turns from the start); on PostgreSQL the caller takes an advisory lock inside."""
        with self.engine.begin() as conn:
            yield conn

    def reading(self) -> Any:
        """A connection for reads only, in autocommit (no BEGIN/ROLLBACK round trips; each
        statement sees a consistent snapshot of its own)."""
        if self.dialect == "postgresql":
            return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self.engine.connect()

    def upsert(
        self, conn: Connection, table: Table, values: dict[str, Any], keys: list[str]
    ) -> None:
        """Insert ``values``, or update the row with the same ``keys`` (the primary key):
        ``INSERT … ON CONFLICT … DO UPDATE``, spelled by the dialect (SQLite and PostgreSQL)."""
        statement = _dialect_insert(self.dialect, table).values(**values)
        rest = {k: statement.excluded[k] for k in values if k not in keys}
        conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=rest))

    def insert_missing(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert the ``rows`` whose primary key is not there yet (``ON CONFLICT DO NOTHING``)."""
        if rows:
            conn.execute(_dialect_insert(self.dialect, table).on_conflict_do_nothing(), rows)

    def drop_schema(self) -> None:
        """Drop this database's private schema (PostgreSQL benches and tests only)."""
        if self.schema is None or self.dialect != "postgresql":
            raise ValueError("only a private PostgreSQL schema can be dropped")
        with self.engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def dispose(self) -> None:
        self.engine.dispose()


def _dialect_insert(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _engine(url: str, schema: str | None) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ConfigError("a sqlite:/// database URL needs a file path")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 60})

        # SQLAlchemy's recipe for pysqlite: let SQLAlchemy, not the driver, start transactions.
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi: Any, _record: Any) -> None:
            dbapi.isolation_level = None
            dbapi.execute("PRAGMA journal_mode = WAL")
            dbapi.execute("PRAGMA busy_timeout = 60000")
            dbapi.execute("PRAGMA recursive_triggers = ON")

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        args: dict[str, Any] = {}
        if schema is not None:
            args["options"] = f"-csearch_path={schema}"
        # No pre-ping: a round trip per checkout costs more than the rare reconnect it saves.
        return create_engine(parsed, connect_args=args, pool_size=4)
    raise ConfigError(f"unsupported database URL {url!r}: use sqlite:///… or postgresql://…")


def open_database(url: str, *, schema: str | None = None, store: str = "archive") -> Database:
    """The database at ``url`` with ``store``'s tables migrated to the newest schema
    (``schema``: a private PostgreSQL schema, created if missing, for benches and tests)."""
    from alembic import command
    from alembic.config import Config

    if schema is not None and not _SCHEMA_RE.fullmatch(schema):
        raise ValueError(f"bad schema name {schema!r}")
    if store not in STORES:
        raise ValueError(f"unknown store {store!r}")
    engine = _engine(url, schema)
    config = Config()
    config.set_main_option("script_location", str(STORES[store]))
    with _migration_lock(engine, url) as conn:
        if schema is not None:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            conn.commit()
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")  # one branch per store (the queue has its own)
        conn.commit()
    return Database(engine, url, schema)


@contextmanager
def _migration_lock(engine: Engine, url: str) -> Iterator[Connection]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                conn.commit()
        return
    from docflow.sqlite_open import opening

    with opening(Path(str(make_url(url).database))), engine.connect() as conn:
        yield conn


def forget_in_forked_children(database: Database) -> None:
    """SQLAlchemy's recipe for forked processes: a child (a worker process forked after the
    services were built) drops ``database``'s pooled connections without closing them, since
    closing them would end the parent's PostgreSQL sessions; it opens its own on first use."""
    ref = weakref.ref(database.engine)

    def _forget() -> None:
        engine = ref()
        if engine is not None:
            engine.dispose(close=False)

    os.register_at_fork(after_in_child=_forget)

"""A node's own SQLite store brought into the shared database when the home is scaled out
(``[storage] database = "postgresql://…"``, issue 18): the web's users and the summaries'
rosters and sanction cases an embedded home kept in ``.docflow/web.sqlite`` and
``.docflow/summaries.sqlite`` would otherwise be left behind by the switch (a chamber's summary
then finds "no roster", nobody can log in). The bodies' and the signing requests' stores do the
same with rules of their own (``docflow.bodies``, ``docflow.signreq``).

Rows are added where missing (``ON CONFLICT DO NOTHING``): nodes whose homes were copied from
one another each bring the same rows once, and a row the shared store already has (changed
there since) is never put back to the node's older copy. The file is renamed ``<name>.moved``
after the copy is committed: a crash in between copies again, harmlessly.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Table

from docflow.sqlite_open import opening
from docflow.storage._database import Database

log = logging.getLogger("docflow.storage")


def move_local_rows(path: Path, database: Database, tables: list[Table]) -> int:
    """Copy ``tables``' rows of the SQLite file ``path`` into ``database`` (rows missing there
    only), then rename the file ``<name>.moved``. Returns the rows added; 0 when there is no
    file, or ``database`` is that very file."""
    if not path.exists() or database.dialect == "sqlite":
        return 0
    with opening(path):
        if not path.exists():  # another process of this node moved it meanwhile
            return 0
        source = sqlite3.connect(path, timeout=60)
        try:
            source.row_factory = sqlite3.Row
            present = {r[0] for r in source.execute("SELECT name FROM sqlite_master")}
            rows: dict[str, list[dict[str, Any]]] = {}
            for table in tables:
                if table.name not in present:
                    continue
                columns = {c.name for c in table.columns}
                rows[table.name] = [
                    {k: r[k] for k in r.keys() if k in columns}
                    for r in source.execute(f'SELECT * FROM "{table.name}"')
                ]
        finally:
            source.close()
        added = 0
        with database.writing() as conn:
            for table in tables:
                found = rows.get(table.name, [])
                before = _count(conn, table)
                database.insert_missing(conn, table, found)
                added += _count(conn, table) - before
        path.rename(path.with_name(path.name + ".moved"))
    log.info("moved %d rows of %s into the shared database", added, path)
    return added


def _count(conn: Any, table: Table) -> int:
    from sqlalchemy import func, select

    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

"""Moving an embedded archive (SQLite index, ``outbox/`` files, ``log.jsonl``) to the scaled-out
configuration (a database by URL, S3 objects with Object Lock), issue 18.

The log moves line for line, so the chain and its head stay exactly what they were; each PDF
and record JSON is read from the outbox, checked against its logged SHA-256 and written as a
locked object. The source must pass its audit first, the target after, with the same record
count and head; otherwise nothing is claimed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import make_url

from docflow.archive import _chain, _log
from docflow.archive._archive import Archive
from docflow.archive._chamberids import ChamberIds
from docflow.archive._scaled import ScaledArchive
from docflow.config import Home
from docflow.errors import ArchiveError
from docflow.storage._database import Database, open_database
from docflow.storage._settings import StorageSettings


class _Embedded(Archive):
    """The embedded archive whatever docflow.toml says (``Archive(home)`` would follow it)."""


@dataclass(frozen=True)
class MigrationResult:
    records: int
    log_lines: int
    head: _log.Head
    database_for_toml: str  # the URL without a password


def migrate_archive(
    home: Home, *, database: str, objects: str | None, target_db: Database | None = None
) -> MigrationResult:
    current = StorageSettings.from_home(home.root)
    settings = StorageSettings(database, objects, current.retention_years)
    with _Embedded(home, recover=False) as source:
        before = source.audit()
        if not before.ok:
            raise ArchiveError(
                f"the embedded archive does not pass its audit ({len(before.problems)} "
                "problem(s)); run `docflow archive audit` and fix it before migrating"
            )
        lines = list(_log.read_lines(source.log_path))
        target = ScaledArchive(
            home, recover=False, storage=settings, database=target_db or open_database(database)
        )
        try:
            if target.head().seq != 0:
                raise ArchiveError("the target database already holds an archive log")
            chambers = ChamberIds(home, many=True)
            for line in lines:
                _move_line(source, target, line, chambers)
            after = target.audit()
            if not after.ok:
                raise ArchiveError(
                    "the migrated archive does not pass its audit: "
                    + "; ".join(str(p) for p in after.problems[:5])
                )
            if after.checked != before.checked or after.head != before.head:
                raise ArchiveError(
                    f"migrated {after.checked} record(s) up to seq {after.head.seq}, but the "
                    f"source has {before.checked} up to seq {before.head.seq}"
                )
        finally:
            target.close()
    shown = make_url(database).render_as_string(hide_password=True)
    return MigrationResult(after.checked, len(lines), after.head, shown)


def _move_line(
    source: Archive, target: ScaledArchive, line: _log.LogLine, chambers: ChamberIds
) -> None:
    entry = line.entry
    if entry is None:
        raise ArchiveError(f"log line {line.number} is unreadable")
    if entry.get("event") == "stored":
        pdf = (source.root / entry["pdf"]).read_bytes()
        record_bytes = (source.root / entry["json"]).read_bytes()
        if _log.sha256_hex(pdf) != entry["pdf_sha256"]:
            raise ArchiveError(f"record {entry['record']}: its PDF changed; not migrated")
        if _log.sha256_hex(record_bytes) != entry["record_sha256"]:
            raise ArchiveError(f"record {entry['record']}: its JSON changed; not migrated")
        full = json.loads(record_bytes)
        moment = datetime.fromisoformat(str(full["archived_at"]).replace("Z", "+00:00"))
        pdf_ref = target._put(pdf, entry["pdf_sha256"], moment)
        json_ref = target._put(record_bytes, entry["record_sha256"], moment)
        with target.db.writing() as conn:
            _chain.lock_head(conn)
            _chain.insert_line(conn, line.raw)
            target.index.insert_record(
                conn, full, record_bytes, entry["record_sha256"], entry["pdf"], entry["json"],
                entry["seq"], chambers.of(full),
            )  # fmt: skip
            target.index.note_object(conn, entry["pdf_sha256"], *pdf_ref)
            target.index.note_object(conn, entry["record_sha256"], *json_ref)
    else:
        with target.db.writing() as conn:
            _chain.lock_head(conn)
            _chain.insert_line(conn, line.raw)
            if entry.get("event") == "status":
                target.index.set_status(conn, entry)

"""The archive on the storage seams (issue 18): index and hash-chained log in a database by URL,
PDFs and record JSON in a blob store (S3 with Object Lock, or files), addressed by SHA-256.

``Archive(home)`` becomes a ``ScaledArchive`` when ``docflow.toml`` has ``[storage] database``
or ``objects``; the public methods are the same. A store writes both blobs first (content
addressed, so a retry or a crash leaves nothing that needs undoing), then, in one database
transaction holding the log's head lock, appends the ``stored`` log row and inserts the index
row: there is no intent, no recovery and no file lock, and several machines can store at once.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from docflow.archive import _chain, _dash, _log
from docflow.archive._archive import (
    Archive,
    RecoveryReport,
    StoredRecord,
    _dump_record,
    _iso,
    _utc_now,
)
from docflow.archive._audit import AuditProblem, AuditReport, Verifier, _check_index, _Logged
from docflow.archive._chamberids import ChamberIds
from docflow.archive._layout import check_record_id, check_status, default_series_key, record_paths
from docflow.archive._sqlindex import SqlIndex
from docflow.archive._tables import objects, records
from docflow.config import Home
from docflow.errors import ArchiveError, UnknownRecord
from docflow.storage._blobs import LocalBlobs, S3Blobs, sha256_key
from docflow.storage._database import Database, open_database
from docflow.storage._settings import StorageSettings

#: How many objects ``audit`` asks the store about their lock (each is one or two requests).
RETENTION_SAMPLE = 20


class ScaledArchive(Archive):
    """The archive in a database (``[storage] database``) and a blob store (``objects``)."""

    def __init__(
        self,
        home: Home,
        *,
        clock: Callable[[], datetime] = _utc_now,
        recover: bool = True,
        _after_step: Callable[[str], None] | None = None,
        storage: StorageSettings | None = None,
        database: Database | None = None,
    ) -> None:
        # Deliberately not Archive.__init__: no outbox lock file, no SQLite index.
        self.home = home
        self.root = home.outbox
        self.settings = storage or StorageSettings.from_home(home.root)
        self._clock = clock
        self._after_step = _after_step
        self._mutex = threading.RLock()
        url = self.settings.database or f"sqlite:///{home.state / 'archive.sqlite'}"
        self.db = database or open_database(url)
        self.index = SqlIndex(self.db)
        if self.settings.objects:
            self.blobs: S3Blobs | LocalBlobs = S3Blobs(self.settings.objects)
        else:
            self.blobs = LocalBlobs(home.state / "objects")
        self.log_path = self.root / ".index" / "log.jsonl"  # not used; kept for the API's shape
        self.db_path = Path(url)
        self._closed = False
        chambers = ChamberIds(home)
        self.index.fill_chambers(chambers.resolve, chambers.links)

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        with self._mutex:
            if not self._closed:
                self._closed = True
                self.db.dispose()

    @property
    def where(self) -> str:
        """Human-readable location (no credentials)."""
        from sqlalchemy.engine import make_url

        database = make_url(self.db.url).render_as_string(hide_password=True)
        return f"{database} + {self.settings.objects or self.home.state / 'objects'}"

    # -- writing -----------------------------------------------------------------------------

    def _retain_until(self, archived_at: datetime) -> datetime:
        years = self.settings.retention_years
        try:
            return archived_at.replace(year=archived_at.year + years)
        except ValueError:  # 29 February
            return archived_at + timedelta(days=365 * years + years // 4)

    def _put(self, data: bytes, sha: str, moment: datetime) -> tuple[str, str | None, str]:
        until = self._retain_until(moment)
        ref = self.blobs.put(sha256_key(sha), data, retain_until=until)
        return ref.key, ref.version_id, _iso(until)

    def store(self, record: Mapping[str, Any], pdf: bytes, *, record_id: str) -> StoredRecord:
        check_record_id(record_id)
        if not isinstance(pdf, bytes | bytearray | memoryview):
            raise ArchiveError("pdf must be bytes")
        pdf = bytes(pdf)
        sha = _log.sha256_hex(pdf)
        given = dict(record)
        if given.get("id", record_id) != record_id:
            raise ArchiveError(f"record says id {given['id']!r} but is stored as {record_id!r}")
        with self.db.reading() as conn:
            existing = self.index.row(conn, record_id)
            if existing is None:
                other = conn.execute(select(records.c.id).where(records.c.sha256 == sha)).first()
            else:
                other = None
        if existing is not None:
            if existing["sha256"] == sha:
                return self._stored_from_row(existing)
            raise ArchiveError(
                f"record {record_id} is already archived with a different PDF "
                f"(sha256 {existing['sha256']}, new {sha})"
            )
        if other is not None:
            raise ArchiveError(f"this PDF is already archived as record {other.id}")

        moment = self._clock()
        archived_at = _iso(moment)
        paths = record_paths(given, record_id, int(archived_at[:4]))
        full = {
            **given,
            "id": record_id,
            "sha256": sha,
            "archived_at": archived_at,
            "pdf": paths.pdf,
            "series": default_series_key(given),
        }
        record_bytes = _dump_record(full)
        record_sha = _log.sha256_hex(record_bytes)
        # The blobs first: content-addressed and locked, so a crash after this leaves only
        # objects that a retry reuses.
        pdf_ref = self._put(pdf, sha, moment)
        self._step("pdf")
        json_ref = self._put(record_bytes, record_sha, moment)
        self._step("json")
        fields = self._stored_fields(record_id, archived_at, sha, record_sha, paths.pdf,
                                     paths.json)  # fmt: skip
        chamber_id = ChamberIds(self.home).of(full)
        try:
            with self.db.writing() as conn:
                _chain.lock_head(conn)
                if self.index.row(conn, record_id) is not None:  # a racing store of the same id
                    raise _Raced
                entry, _ = _chain.append(conn, fields)
                self.index.insert_record(
                    conn, full, record_bytes, record_sha, paths.pdf, paths.json, entry["seq"],
                    chamber_id,
                )  # fmt: skip
                self.index.note_object(conn, sha, *pdf_ref)
                self.index.note_object(conn, record_sha, *json_ref)
        except _Raced:
            return self.store(record, pdf, record_id=record_id)
        except Exception as exc:
            if "unique" in str(exc).lower() or "duplicate" in str(exc).lower():
                raise ArchiveError(f"cannot index record {record_id}: {exc}") from exc
            raise
        self._step("commit")
        return StoredRecord(record_id, full, self.root / paths.pdf, self.root / paths.json, sha)

    def set_status(self, record_id: str, status: str, *, reason: str, at: datetime | str) -> None:
        check_status(status)
        at_text = _iso(at) if isinstance(at, datetime) else str(at)
        with self.db.writing() as conn:
            _chain.lock_head(conn)
            row = self.index.row(conn, record_id)
            if row is None:
                raise UnknownRecord(f"no archived record {record_id!r}")
            if row["status"] == status and row["status_reason"] == reason:
                return
            entry, _ = _chain.append(
                conn,
                {
                    "at": at_text,
                    "event": "status",
                    "record": record_id,
                    "pdf_sha256": row["sha256"],
                    "record_sha256": row["record_sha256"],
                    "status": status,
                    "reason": reason,
                },
            )
            self.index.set_status(conn, entry)

    def recover(self) -> RecoveryReport:
        """Nothing to recover: a store is one database transaction after its blobs."""
        return RecoveryReport()

    # -- reading -----------------------------------------------------------------------------

    def _stored_from_row(self, row: Mapping[str, Any]) -> StoredRecord:  # type: ignore[override]
        return StoredRecord(
            id=row["id"],
            record=json.loads(row["record_json"]),
            pdf_path=self.root / row["pdf_path"],
            json_path=self.root / row["json_path"],
            sha256=row["sha256"],
            status=row["status"],
            status_reason=row["status_reason"],
        )

    def _blob(self, sha: str, what: str, record_id: str) -> bytes:
        with self.db.reading() as conn:
            ref = self.index.object_ref(conn, sha)
        if ref is None:
            raise ArchiveError(f"record {record_id}: no stored object for its {what}; run audit")
        data = self.blobs.get(*ref)
        if _log.sha256_hex(data) != sha:
            raise ArchiveError(
                f"record {record_id}: the stored {what} is not the archived one (its SHA-256 "
                "changed); run `docflow archive audit`"
            )
        return data

    def _stored_row(self, record_id: str) -> dict[str, Any]:
        with self.db.reading() as conn:
            row = self.index.row(conn, record_id)
        if row is None:
            raise UnknownRecord(f"no archived record {record_id!r}")
        return row

    def get(self, record_id: str) -> StoredRecord:
        row = self._stored_row(record_id)
        data = self._blob(row["record_sha256"], "record JSON", record_id)
        stored = self._stored_from_row(row)
        return StoredRecord(stored.id, json.loads(data), stored.pdf_path, stored.json_path,
                            stored.sha256, stored.status, stored.status_reason)  # fmt: skip

    def pdf_bytes(self, record_id: str) -> bytes:
        row = self._stored_row(record_id)
        return self._blob(row["sha256"], "PDF", record_id)

    def search(
        self, *, limit: int | None = None, offset: int = 0, **filters: Any
    ) -> list[dict[str, Any]]:
        filters = _drop_none(filters)
        with self.db.reading() as conn:
            filters = self.index.with_texts(conn, filters, ChamberIds(self.home).resolve)
            rows = self.index.search(conn, limit=limit, offset=offset, **filters)
        return [self._result(row) for row in rows]  # type: ignore[arg-type]

    def dashboard_counts(self) -> list[_dash.Count]:
        return self.index.dashboard_counts()

    def link_chambers(self, links: Mapping[str, str]) -> int:
        return self.index.set_chamber_ids(links)

    def search_page(
        self, *, page: int = 1, per_page: int = 50, newest_first: bool = False, **filters: Any
    ) -> tuple[list[dict[str, Any]], int]:
        if page < 1 or per_page < 1:
            raise ArchiveError("page and per_page start at 1")
        rows, total = self.index.search_page(
            page=page, per_page=per_page, newest_first=newest_first,
            resolve=ChamberIds(self.home).resolve, **_drop_none(filters),
        )  # fmt: skip
        return [self._result(row) for row in rows], total  # type: ignore[arg-type]

    def _find_one(self, column: str, value: str) -> str | None:
        with self.db.reading() as conn:
            row = conn.execute(
                select(records.c.id)
                .where(records.c[column] == value)
                .order_by(records.c.log_seq)
                .limit(1)
            ).first()
        return None if row is None else str(row.id)

    def versions(self, series_key: str) -> list[dict[str, Any]]:
        with self.db.reading() as conn:
            ids = [
                r.id
                for r in conn.execute(
                    select(records.c.id)
                    .where(records.c.series == series_key)
                    .order_by(records.c.version, records.c.log_seq)
                )
            ]
            rows = self.index.rows(conn, ids)
        return [self._result(row) for row in rows]  # type: ignore[arg-type]

    def log_entries(self, record_id: str | None = None) -> list[dict[str, Any]]:
        with self.db.reading() as conn:
            return [json.loads(line) for _, line, _, _ in _chain.lines(conn, record_id)]

    def head(self) -> _log.Head:
        with self.db.reading() as conn:
            return _chain.head(conn)

    def _result_of(self, record_id: str) -> dict[str, Any]:
        return self._result(self._stored_row(record_id))  # type: ignore[arg-type]

    def export_bagit(
        self, dest: Path, *, ids: list[str] | None = None, organization: str | None = None
    ) -> Path:
        """The same BagIt bag as the embedded archive makes: the chosen records' objects are
        staged under their outbox paths (each checked against its SHA-256) with the log."""
        import tempfile

        from docflow.archive._bag import export_bag

        chosen = self.all_records() if ids is None else [self._result_of(i) for i in ids]
        with tempfile.TemporaryDirectory(prefix=".docflow-export-") as tmp:
            stage = _Staged(Path(tmp) / "outbox", self.head())
            for record in chosen:
                stored = self.get(str(record["id"]))
                pdf_rel = stored.pdf_path.relative_to(self.root)
                json_rel = stored.json_path.relative_to(self.root)
                for rel, data in ((pdf_rel, self.pdf_bytes(stored.id)),
                                  (json_rel, self._blob(self._stored_row(stored.id)
                                                        ["record_sha256"], "record JSON",
                                                        stored.id))):  # fmt: skip
                    (stage.root / rel).parent.mkdir(parents=True, exist_ok=True)
                    (stage.root / rel).write_bytes(data)
                stage.records[stored.id] = StoredRecord(
                    stored.id, stored.record, stage.root / pdf_rel, stage.root / json_rel,
                    stored.sha256, stored.status, stored.status_reason,
                )  # fmt: skip
            stage.log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.db.reading() as conn:
                stage.log_path.write_bytes(b"".join(line + b"\n" for _, line, _, _ in
                                                    _chain.lines(conn)))  # fmt: skip
            return export_bag(
                stage,
                Path(dest),
                chosen,
                organization=organization or self._organization(),
                bagging_date=self._clock().date(),
            )

    # -- integrity ---------------------------------------------------------------------------

    def audit(
        self, verifier: Verifier | None = None, *, expected: Mapping[str, str] | None = None
    ) -> AuditReport:
        """The chain (first bad row named), every index row and record JSON against the log,
        every object's bytes against its SHA-256, and a sample of objects' retention.
        ``expected``: record id -> where it is said to be archived (the work journal's
        archived rows); each must be in the log (the chain lives in the database, whose
        append-only table is its own witness here)."""
        report = AuditReport()
        where_log, where_db = "archive_log", "archive_records"
        with self.db.engine.connect() as conn:
            chain_problems, head = _chain.verify_chain(conn)
            report.head = head
            for p in chain_problems:
                report.problems.append(AuditProblem(p.record, f"{where_log}#{p.seq}", p.message))
            logged = self._logged(conn, report, where_log)
            for record_id, source in sorted((expected or {}).items()):
                if record_id not in logged:
                    report.problems.append(
                        AuditProblem(
                            record_id,
                            source,
                            f"{source} says record {record_id} was archived, but the archive "
                            "log does not hold it: it was deleted",
                        )
                    )
            rows = [
                dict(r._mapping) for r in conn.execute(select(records).order_by(records.c.log_seq))
            ]
            for row in rows:
                row["state"] = "stored"
            _check_index(rows, logged, report, where_db)
            self._check_bodies(conn, [r["id"] for r in rows], report)
            refs = {
                r.sha256: (r.key, r.version_id, r.retain_until)
                for r in conn.execute(select(objects))
            }
        intact = self._check_objects(logged, refs, report)
        if verifier is not None:
            for record, data in intact:
                try:
                    result = verifier(data)
                except Exception as exc:
                    result = (False, f"verification failed: {type(exc).__name__}: {exc}")
                ok, why = result if isinstance(result, tuple) else (bool(result), "")
                if not ok:
                    report.problems.append(AuditProblem(
                        record, sha256_key(_log.sha256_hex(data)),
                        f"signatures do not verify{': ' + why if why else ''}"))  # fmt: skip
        report.checked = len(logged)
        return report

    def _logged(self, conn: Any, report: AuditReport, where: str) -> dict[str, _Logged]:
        logged: dict[str, _Logged] = {}
        for seq, line, _, _ in _chain.lines(conn):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            record = entry.get("record")
            if entry.get("event") == "stored" and isinstance(record, str):
                if record in logged:
                    report.problems.append(
                        AuditProblem(record, f"{where}#{seq}", "record stored twice")
                    )
                    continue
                logged[record] = _Logged(seq, str(entry.get("pdf")), str(entry.get("json")),
                                         str(entry.get("pdf_sha256")),
                                         str(entry.get("record_sha256")))  # fmt: skip
            elif entry.get("event") == "status" and record in logged:
                logged[record].status = str(entry.get("status"))
                reason = entry.get("reason")
                logged[record].reason = None if reason is None else str(reason)
        return logged

    def _check_bodies(self, conn: Any, ids: list[str], report: AuditReport) -> None:
        """Each record JSON kept in the database against its logged SHA-256, and the index
        columns against that JSON (an UPDATE of a name or an IIN is named here)."""
        from docflow.archive import _index as embedded

        for start in range(0, len(ids), 500):
            for row in self.index.rows(conn, ids[start : start + 500]):
                data = row["record_json"].encode("utf-8")
                where = f"archive_bodies/{row['id']}"
                if _log.sha256_hex(data) != row["record_sha256"]:
                    report.problems.append(
                        AuditProblem(row["id"], where, "record JSON in the database was edited")
                    )
                    continue
                full = json.loads(data)
                expected = dict(zip(embedded.RECORD_COLUMNS, embedded.row_values(
                    full, data, row["record_sha256"], row["pdf_path"], row["json_path"]),
                    strict=True))  # fmt: skip
                changed = [
                    c for c in expected
                    if c not in ("record_json", "text_fold") and row.get(c) != expected[c]
                ]  # fmt: skip
                if changed:
                    message = f"index row edited: {', '.join(changed)} differ from the record"
                    report.problems.append(
                        AuditProblem(row["id"], f"archive_records/{row['id']}", message)
                    )

    def _check_objects(
        self,
        logged: Mapping[str, _Logged],
        refs: Mapping[str, tuple[str, str | None, str | None]],
        report: AuditReport,
    ) -> list[tuple[str, bytes]]:
        intact: list[tuple[str, bytes]] = []
        sample = set(random.sample(sorted(refs), min(RETENTION_SAMPLE, len(refs))))
        for record, item in logged.items():
            for sha, what in ((item.pdf_sha256, "PDF"), (item.record_sha256, "record JSON")):
                ref = refs.get(sha)
                where = sha256_key(sha)
                if ref is None:
                    report.problems.append(AuditProblem(record, where, f"{what}: no object"))
                    continue
                try:
                    data = self.blobs.get(ref[0], ref[1])
                except (ArchiveError, OSError) as exc:
                    report.problems.append(AuditProblem(record, where, f"{what} missing: {exc}"))
                    continue
                if _log.sha256_hex(data) != sha:
                    report.problems.append(AuditProblem(record, where, f"{what} changed"))
                    continue
                if what == "PDF":
                    intact.append((record, data))
                if sha in sample and isinstance(self.blobs, S3Blobs):
                    self._check_lock(record, where, ref, report)
        return intact

    def _check_lock(
        self, record: str, where: str, ref: tuple[str, str | None, str | None], report: AuditReport
    ) -> None:
        assert isinstance(self.blobs, S3Blobs)
        retention = self.blobs.check_retention(ref[0], ref[1])
        if retention.mode != "COMPLIANCE":
            report.problems.append(
                AuditProblem(
                    record, where, f"object not locked in COMPLIANCE mode ({retention.mode})"
                )
            )
        elif ref[2] and (retention.retain_until is None or _iso(retention.retain_until) < ref[2]):
            report.problems.append(
                AuditProblem(
                    record, where, f"object retention ends early: {retention.retain_until}"
                )
            )
        if not retention.latest:
            report.problems.append(AuditProblem(
                record, where, "a newer version or a delete marker was put over the locked "
                "object (the locked version is intact and is what docflow reads)"))  # fmt: skip


class _Raced(Exception):
    pass


class _Staged:
    """What ``export_bag`` reads of an archive, over objects staged in a temporary folder."""

    def __init__(self, root: Path, head: _log.Head) -> None:
        self.root = root
        self.log_path = root / ".index" / "log.jsonl"
        self.records: dict[str, StoredRecord] = {}
        self._head = head

    def get(self, record_id: str) -> StoredRecord:
        return self.records[record_id]

    def head(self) -> _log.Head:
        return self._head


def _drop_none(filters: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in filters.items() if v is not None}

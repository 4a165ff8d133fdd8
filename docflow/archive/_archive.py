"""``Archive``: storing, finding and recovering records in ``outbox/``.

A store is a small write-ahead protocol, all under one exclusive file lock (several processes
may share an archive):

1. an *intent* row (state ``pending``, the full record JSON) is committed to the index;
2. the PDF, then the record JSON, are written atomically (temp file, fsync, rename, fsync dir);
3. a ``stored`` line is appended to the hash-chained log and fsynced — the commit point;
4. the row becomes ``stored`` and the log head is anchored in the index.

After a crash at any step, :meth:`Archive.recover` (run on open, and by the next writer that
finds leftovers) replays log lines the index missed, completes intents whose PDF reached the
disk, removes the files of intents that did not, and deletes leftover temporary files. Files no
intent or log line accounts for are never touched: they are for :meth:`Archive.audit` to name.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from docflow.archive import _dash, _index, _log
from docflow.archive._audit import AuditReport, Verifier, check_integrity, check_signatures
from docflow.archive._bag import export_bag
from docflow.archive._chamberids import ChamberIds
from docflow.archive._layout import (
    check_record_id,
    check_status,
    default_series_key,
    fold,
    record_paths,
)
from docflow.archive._witness import KEY_NAME, Witness, check_witness, quarantine_index
from docflow.atomic import fsync_dir, is_temp_name, write_bytes_atomic
from docflow.config import Home
from docflow.errors import ArchiveError, ConfigError, UnknownRecord

#: Keys every search result carries (the ``archive search --json`` contract), ``None`` if unknown.
CONTRACT_KEYS = (
    "id",
    "kind",
    "outcome",
    "full_name",
    "iin",
    "year",
    "chamber",
    "version",
    "sha256",
    "archived_at",
)

#: Gives the scaled-out archive class; set by the package (``docflow/archive/__init__.py``), so
#: that this module does not import the one that subclasses it.
_scaled_class: Callable[[], type[Archive]] | None = None

#: The steps of a store, in order; a test hook may be called after each (crash injection).
STORE_STEPS = ("intent", "pdf", "json", "log", "commit")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ArchiveError("archive timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dump_record(record: Mapping[str, Any]) -> bytes:
    try:
        text = json.dumps(
            record, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default
        )
    except (TypeError, ValueError) as exc:
        raise ArchiveError(f"record cannot be written as JSON: {exc}") from exc
    return (text + "\n").encode("utf-8")


@dataclass(frozen=True)
class StoredRecord:
    """An archived record: its JSON (as written) and where its files are."""

    id: str
    record: dict[str, Any]
    pdf_path: Path
    json_path: Path
    sha256: str
    status: str = "active"
    status_reason: str | None = None


@dataclass
class RecoveryReport:
    """What :meth:`Archive.recover` had to do (all empty after a clean shutdown)."""

    torn_log_bytes: int = 0
    temp_files_removed: list[str] = field(default_factory=list)
    replayed: list[int] = field(default_factory=list)  # log seqs applied to the index
    completed: list[str] = field(default_factory=list)  # record ids finished from an intent
    removed: list[str] = field(default_factory=list)  # record ids whose half-store was undone

    @property
    def clean(self) -> bool:
        return not (
            self.torn_log_bytes
            or self.temp_files_removed
            or self.replayed
            or self.completed
            or self.removed
        )


class Archive:
    """The tamper-evident archive in ``home.outbox``.

    ``clock`` supplies ``archived_at`` (docflow's layers below the workflow never read the clock
    themselves). Safe to share between threads; several processes may open the same archive.

    When ``docflow.toml`` has ``[storage] database`` or ``objects`` (issue 18), ``Archive(home)``
    gives a :class:`docflow.archive._scaled.ScaledArchive` instead: the same methods on a
    database by URL and an object store, so no caller changes.
    """

    def __new__(cls, home: Home, **kwargs: Any) -> Archive:
        if cls is Archive:
            from docflow.storage._settings import StorageSettings

            if StorageSettings.from_home(home.root).scaled and _scaled_class is not None:
                return super().__new__(_scaled_class())
        return super().__new__(cls)

    def __init__(
        self,
        home: Home,
        *,
        clock: Callable[[], datetime] = _utc_now,
        recover: bool = True,
        _after_step: Callable[[str], None] | None = None,
    ) -> None:
        self.home = home
        self.root = home.outbox
        self.index_dir = self.root / ".index"
        self.log_path = self.index_dir / "log.jsonl"
        self.db_path = self.index_dir / "archive.sqlite"
        self._clock = clock
        self._after_step = _after_step
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self._mutex = threading.RLock()
        self._lock_fd = os.open(self.index_dir / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        #: The log's heads, witnessed outside the index under a key (issue 19).
        self.witness = Witness(self.index_dir / "witness.jsonl", home.certs / KEY_NAME)
        #: Where a damaged index was moved aside on opening, if it was.
        self.quarantined: Path | None = None
        try:
            with self._locked():
                # Under the lock: a brand-new index turns to WAL mode here, and two processes
                # doing that at once fail with "database is locked" (busy_timeout or not).
                try:
                    self._db = _index.connect(self.db_path)
                    chambers = ChamberIds(home)
                    _index.ensure_schema(self._db, resolve=chambers.resolve,
                                         links=chambers.links)  # fmt: skip
                    self._db.execute("SELECT 1 FROM records LIMIT 1").fetchall()
                except sqlite3.DatabaseError:
                    # Not a database (overwritten with garbage): moved aside with a timestamp
                    # and rebuilt from the log and the record files, which it only indexes.
                    self.quarantined = quarantine_index(self.db_path)
                    self._db = _index.connect(self.db_path)
                    _index.ensure_schema(self._db)
                    self._replay_after(_log.EMPTY_HEAD, RecoveryReport())
                if recover:
                    self._recover_locked()
        except BaseException:
            os.close(self._lock_fd)
            raise

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Release the index and the lock file; closing twice is harmless."""
        with self._mutex:
            if self._lock_fd < 0:
                return
            self._db.close()
            os.close(self._lock_fd)
            self._lock_fd = -1

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # The thread mutex first: flock() is per open file, so threads sharing this object
        # would not exclude each other through it.
        with self._mutex:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _step(self, name: str) -> None:
        if self._after_step is not None:
            self._after_step(name)

    # -- writing -----------------------------------------------------------------------------

    def store(self, record: Mapping[str, Any], pdf: bytes, *, record_id: str) -> StoredRecord:
        """Archive ``pdf`` with its ``record``; idempotent for the same id and the same bytes.

        Raises ``ArchiveError`` when the id is already archived with a different PDF, when the
        same PDF is archived under another id, or when the record is unusable.
        """
        check_record_id(record_id)
        if not isinstance(pdf, bytes | bytearray | memoryview):
            raise ArchiveError("pdf must be bytes")
        pdf = bytes(pdf)
        sha = _log.sha256_hex(pdf)
        given = dict(record)
        if given.get("id", record_id) != record_id:
            raise ArchiveError(f"record says id {given['id']!r} but is stored as {record_id!r}")
        with self._locked():
            head = self._prepare_write()
            existing = self._row(record_id, any_state=True)
            if existing is not None:
                if existing["sha256"] == sha:
                    return self._stored_from_row(existing)
                raise ArchiveError(
                    f"record {record_id} is already archived with a different PDF "
                    f"(sha256 {existing['sha256']}, new {sha})"
                )
            other = self._db.execute("SELECT id FROM records WHERE sha256 = ?", (sha,)).fetchone()
            if other is not None:
                raise ArchiveError(f"this PDF is already archived as record {other['id']}")

            archived_at = _iso(self._clock())
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
            pdf_file, json_file = self.root / paths.pdf, self.root / paths.json
            for target in (pdf_file, json_file):
                if target.exists():
                    raise ArchiveError(
                        f"{target.relative_to(self.home.root)} exists but is not in the archive "
                        "index; run `docflow archive audit`"
                    )

            self._insert_row(full, record_bytes, record_sha, paths.pdf, paths.json, "pending")
            self._step("intent")
            write_bytes_atomic(pdf_file, pdf, overwrite=False, sync_dir=False)
            self._step("pdf")
            write_bytes_atomic(json_file, record_bytes, overwrite=False, sync_dir=False)
            fsync_dir(json_file.parent)  # both names durable before the log line vouches for them
            self._step("json")
            entry, head = _log.append_line(
                self.log_path, self._stored_fields(record_id, archived_at, sha, record_sha,
                                                   paths.pdf, paths.json), head
            )  # fmt: skip
            self.witness.note(entry, head)
            self._step("log")
            self._commit_stored(record_id, entry["seq"], head)
            self._step("commit")
            return StoredRecord(record_id, full, pdf_file, json_file, sha)

    def set_status(self, record_id: str, status: str, *, reason: str, at: datetime | str) -> None:
        """Mark a record (e.g. ``revoked``): a log line and the index change, the JSON stays.

        Setting the status a record already has, with the same reason, changes nothing.
        """
        check_status(status)
        at_text = _iso(at) if isinstance(at, datetime) else str(at)
        with self._locked():
            head = self._prepare_write()
            row = self._row(record_id)
            if row is None:
                raise UnknownRecord(f"no archived record {record_id!r}")
            if row["status"] == status and row["status_reason"] == reason:
                return
            entry, head = _log.append_line(
                self.log_path,
                {
                    "at": at_text,
                    "event": "status",
                    "record": record_id,
                    "pdf_sha256": row["sha256"],
                    "record_sha256": row["record_sha256"],
                    "status": status,
                    "reason": reason,
                },
                head,
            )
            self.witness.note(entry, head)
            with self._transaction(durable=False):
                self._apply_status(entry)
                self._set_head(head)

    def renew(
        self, record_id: str, pdf: bytes, *, at: datetime | None = None, verdict: str | None = None
    ) -> StoredRecord:
        """Archive ``pdf`` (``record_id``'s PDF with renewed timestamps) as a new record
        ``<id>.r<n>`` naming the old one (``renewal_of``, ``renewal_of_sha256``), then mark the
        old record ``renewed``: two lines of the log's hash chain; the old PDF stays as it is.
        See ``docflow.archive._renew``."""
        from docflow.archive._renew import renew_record

        stored = renew_record(self, record_id, pdf, at=at or self._clock(), verdict=verdict)
        return self.get(stored.id)

    @staticmethod
    def _stored_fields(
        record_id: str, at: str, sha: str, record_sha: str, pdf: str, json_path: str
    ) -> dict[str, Any]:
        return {
            "at": at,
            "event": "stored",
            "record": record_id,
            "pdf_sha256": sha,
            "record_sha256": record_sha,
            "pdf": pdf,
            "json": json_path,
        }

    def _prepare_write(self) -> _log.Head:
        """Under the lock: refuse a tampered log, heal a crashed writer, return the log head."""
        needs_recovery = _log.torn_tail_length(self.log_path) > 0
        if not needs_recovery:
            anchored = self._anchored_head()
            try:
                actual = _log.read_head(self.log_path)
            except ValueError as exc:
                raise ArchiveError(
                    f"archive log damaged ({exc}); run `docflow archive audit`"
                ) from exc
            pending = self._db.execute(
                "SELECT 1 FROM records WHERE state = 'pending' LIMIT 1"
            ).fetchone()
            needs_recovery = actual != anchored or pending is not None
        if needs_recovery:
            self._recover_locked()
        return _log.read_head(self.log_path)

    @contextmanager
    def _transaction(self, *, durable: bool = True) -> Iterator[None]:
        """A write transaction; ``durable=False`` for changes the fsynced log can replay.

        An intent row must be on disk before its files are (or recovery could not tell our
        half-written files from foreign ones); a row change that follows a log line need not:
        if a power cut loses it, recovery replays the line. That saves one fsync per store.
        """
        if not durable:
            self._db.execute("PRAGMA synchronous = NORMAL")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        finally:
            if not durable:
                self._db.execute("PRAGMA synchronous = FULL")

    def _insert_row(
        self,
        full: Mapping[str, Any],
        record_bytes: bytes,
        record_sha: str,
        pdf_rel: str,
        json_rel: str,
        state: str,
        log_seq: int | None = None,
    ) -> None:
        row = self._row_values(full, record_bytes, record_sha, pdf_rel, json_rel)
        chamber_id = ChamberIds(self.home).of(full)
        try:
            with self._transaction():
                _index.insert(self._db, row, state, log_seq, chamber_id=chamber_id,
                              late=_dash.late_of(full))  # fmt: skip
        except sqlite3.IntegrityError as exc:
            raise ArchiveError(f"cannot index record {full['id']}: {exc}") from exc

    def _commit_stored(self, record_id: str, seq: int, head: _log.Head) -> None:
        with self._transaction(durable=False):
            self._db.execute(
                "UPDATE records SET state = 'stored', log_seq = ? WHERE id = ?", (seq, record_id)
            )
            _dash.on_stored(_index.run_on(self._db), _dash.EMBEDDED, record_id)
            self._set_head(head)

    def _apply_status(self, entry: Mapping[str, Any]) -> None:
        self._db.execute(
            "UPDATE records SET status = ?, status_reason = ?, status_at = ? WHERE id = ?",
            (entry["status"], entry.get("reason"), entry.get("at"), entry["record"]),
        )

    def _set_head(self, head: _log.Head) -> None:
        self._db.execute(
            "INSERT INTO head (one, seq, line_sha256) VALUES (1, ?, ?) "
            "ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, "
            "line_sha256 = excluded.line_sha256",
            (head.seq, head.line_sha256),
        )

    def _anchored_head(self) -> _log.Head:
        row = self._db.execute("SELECT seq, line_sha256 FROM head WHERE one = 1").fetchone()
        return _log.EMPTY_HEAD if row is None else _log.Head(row["seq"], row["line_sha256"])

    # -- recovery ----------------------------------------------------------------------------

    def recover(self) -> RecoveryReport:
        """Bring files, index and log back to one consistent state after a crash."""
        with self._locked():
            return self._recover_locked()

    def _recover_locked(self) -> RecoveryReport:
        report = RecoveryReport()
        report.torn_log_bytes = _log.cut_torn_tail(self.log_path)
        report.temp_files_removed = self._remove_temp_files()

        anchored = self._anchored_head()
        try:
            actual = _log.read_head(self.log_path)
        except ValueError as exc:
            raise ArchiveError(f"archive log damaged ({exc}); run `docflow archive audit`") from exc
        if actual.seq < anchored.seq:
            raise ArchiveError(
                f"archive log ends at seq {actual.seq} but the index anchored seq "
                f"{anchored.seq}: log lines were removed; run `docflow archive audit`"
            )
        self._check_witnessed_head(actual)
        if actual.seq > anchored.seq:
            self._replay_after(anchored, report)
        elif actual != anchored:
            raise ArchiveError(
                "the last archive log line differs from the anchored head: the log was "
                "edited; run `docflow archive audit`"
            )

        pending = self._db.execute(
            f"{_index.ROW_SELECT} WHERE r.state = 'pending' ORDER BY r.rowid"
        ).fetchall()
        for row in pending:
            self._finish_intent(row, report)
        return report

    def _check_witnessed_head(self, actual: _log.Head) -> None:
        """Recovery never lowers a witnessed head: refuse a log that ends before the last
        witnessed line, or whose line there is not the witnessed one (issue 19)."""
        last = self.witness.last_head()
        if last is None:
            return
        if actual.seq < last.seq or (
            actual.seq == last.seq and actual.line_sha256 != last.line_sha256
        ):
            raise ArchiveError(
                f"the archive log ends at seq {actual.seq} but seq {last.seq} (record "
                f"{last.record}) was witnessed: newest records were deleted or the log "
                "rewritten; nothing is rebuilt over it. Run `docflow archive audit`"
            )

    def _remove_temp_files(self) -> list[str]:
        removed: list[str] = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [d for d in dirs if not (folder == str(self.root) and d == ".index")]
            for name in files:
                if is_temp_name(name):
                    path = Path(folder) / name
                    path.unlink(missing_ok=True)
                    removed.append(path.relative_to(self.root).as_posix())
        return removed

    def _replay_after(self, anchored: _log.Head, report: RecoveryReport) -> None:
        """Apply log lines the index has not seen (a crash between log append and commit)."""
        self._replaying = ChamberIds(self.home, many=True)
        lines = list(_log.read_lines(self.log_path))
        new: list[dict[str, Any]] = []
        for line in lines:
            entry = line.entry
            if entry is None:
                raise ArchiveError(f"archive log line {line.number} is unreadable; run audit")
            seq = entry.get("seq")
            if isinstance(seq, int) and seq == anchored.seq and anchored.seq:
                if line.sha256 != anchored.line_sha256:
                    raise ArchiveError("archive log was edited at the anchored head; run audit")
            if isinstance(seq, int) and seq > anchored.seq:
                new.append(entry)
        last = lines[-1]
        with self._transaction():
            for entry in new:
                if entry.get("event") == "stored":
                    self._replay_stored(entry)
                elif entry.get("event") == "status":
                    self._apply_status(entry)
                report.replayed.append(entry["seq"])
            self._set_head(_log.Head(int(last.entry["seq"]), last.sha256))  # type: ignore[index]

    def _replay_stored(self, entry: Mapping[str, Any]) -> None:
        record_id = entry["record"]
        updated = self._db.execute(
            "UPDATE records SET state = 'stored', log_seq = ? WHERE id = ? AND sha256 = ?",
            (entry["seq"], record_id, entry["pdf_sha256"]),
        ).rowcount
        if updated:
            _dash.on_stored(_index.run_on(self._db), _dash.EMBEDDED, record_id)
            return
        # No intent row (the index was lost or rebuilt): the record JSON on disk is the source.
        json_file = self.root / entry["json"]
        try:
            record_bytes = json_file.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"cannot replay record {record_id}: {exc}") from exc
        if _log.sha256_hex(record_bytes) != entry["record_sha256"]:
            raise ArchiveError(f"cannot replay record {record_id}: its JSON was changed")
        full = json.loads(record_bytes)
        values = (full, record_bytes, entry["record_sha256"], entry["pdf"], entry["json"])
        row = self._row_values(*values)
        chamber_id = self._replaying.of(full)
        _index.insert(self._db, row, "stored", entry["seq"], replace=True, chamber_id=chamber_id,
                      late=_dash.late_of(full))  # fmt: skip

    def _row_values(
        self, full: Mapping[str, Any], record_bytes: bytes, record_sha: str, pdf: str, js: str
    ) -> tuple[Any, ...]:
        return _index.row_values(full, record_bytes, record_sha, pdf, js)

    def _finish_intent(self, row: sqlite3.Row, report: RecoveryReport) -> None:
        """Complete an intent whose PDF reached the disk intact; otherwise undo it."""
        record_id = row["id"]
        pdf_file = self.root / row["pdf_path"]
        json_file = self.root / row["json_path"]
        record_bytes = row["record_json"].encode("utf-8")
        pdf_ok = _file_sha(pdf_file) == row["sha256"]
        json_sha = _file_sha(json_file)
        if pdf_ok and json_sha is None:
            write_bytes_atomic(json_file, record_bytes, overwrite=False)
            json_sha = row["record_sha256"]
        if pdf_ok and json_sha == row["record_sha256"]:
            head = _log.read_head(self.log_path)
            entry, head = _log.append_line(
                self.log_path,
                self._stored_fields(record_id, row["archived_at"], row["sha256"],
                                    row["record_sha256"], row["pdf_path"], row["json_path"]),
                head,
            )  # fmt: skip
            self.witness.note(entry, head)
            self._commit_stored(record_id, entry["seq"], head)
            report.completed.append(record_id)
            return
        # Only files with exactly our bytes are removed; anything else is left for the audit.
        if pdf_ok:
            pdf_file.unlink()
        if json_sha == row["record_sha256"]:
            json_file.unlink()
        with self._transaction():
            self._db.execute("DELETE FROM records WHERE id = ? AND state = 'pending'", (record_id,))
        report.removed.append(record_id)

    # -- reading -----------------------------------------------------------------------------

    def _row(self, record_id: str, *, any_state: bool = False) -> sqlite3.Row | None:
        sql = f"{_index.ROW_SELECT} WHERE r.id = ?"
        if not any_state:
            sql += " AND r.state = 'stored'"
        row: sqlite3.Row | None = self._db.execute(sql, (record_id,)).fetchone()
        return row

    def _stored_from_row(self, row: sqlite3.Row) -> StoredRecord:
        return StoredRecord(
            id=row["id"],
            record=json.loads(row["record_json"]),
            pdf_path=self.root / row["pdf_path"],
            json_path=self.root / row["json_path"],
            sha256=row["sha256"],
            status=row["status"],
            status_reason=row["status_reason"],
        )

    @staticmethod
    def _result(row: sqlite3.Row) -> dict[str, Any]:
        record: dict[str, Any] = json.loads(row["record_json"])
        result = {key: record.get(key) for key in CONTRACT_KEYS}
        result.update(record)
        result["status"] = row["status"]
        result["status_reason"] = row["status_reason"]
        result["status_at"] = row["status_at"]
        return result

    def get(self, record_id: str) -> StoredRecord:
        """The record as archived (its JSON file, checked against its archived SHA-256) and its
        paths; ``UnknownRecord`` if there is none, ``ArchiveError`` if the file was changed."""
        with self._mutex:
            row = self._row(record_id)
        if row is None:
            raise UnknownRecord(f"no archived record {record_id!r}")
        stored = self._stored_from_row(row)
        try:
            data = stored.json_path.read_bytes()
        except OSError as exc:
            raise ArchiveError(
                f"record {record_id}: cannot read {row['json_path']} ({exc}); "
                "run `docflow archive audit`"
            ) from exc
        if _log.sha256_hex(data) != row["record_sha256"]:
            raise ArchiveError(
                f"record {record_id}: {row['json_path']} is not the archived record (its SHA-256 "
                "changed); run `docflow archive audit`"
            )
        return replace(stored, record=json.loads(data))

    def pdf_bytes(self, record_id: str) -> bytes:
        """The archived PDF, checked against its archived SHA-256 (a changed file raises)."""
        with self._mutex:
            row = self._row(record_id)
        if row is None:
            raise UnknownRecord(f"no archived record {record_id!r}")
        path: Path = self.root / row["pdf_path"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"record {record_id}: PDF unreadable ({exc})") from exc
        if _log.sha256_hex(data) != row["sha256"]:
            raise ArchiveError(
                f"record {record_id}: {row['pdf_path']} is not the archived PDF "
                "(its SHA-256 changed); run `docflow archive audit`"
            )
        return data

    def search(
        self,
        *,
        name: str | None = None,
        iin: str | None = None,
        year: int | None = None,
        chamber: str | None = None,
        kind: str | None = None,
        outcome: str | None = None,
        text: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        chamber_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Records matching every filter given, oldest first (``limit``/``offset``: one page).

        ``name``, ``chamber`` and ``text`` (anywhere in the record) match case-insensitive
        substrings, Cyrillic included, through the trigram index; the others match exactly.
        ``chamber_id``: a registered chamber's records (by the index's chamber id, see
        ``_dash``), as ``ChamberRegistry.chamber_of_record`` would find them.
        """
        select, _, args = self._search_sql(
            name, iin, year, chamber, kind, outcome, text, status, limit, offset,
            body=self._chamber_filter(chamber_id),
        )  # fmt: skip
        with self._mutex:
            rows = self._db.execute(select, args).fetchall()
        return [self._result(row) for row in rows]

    def search_page(
        self, *, page: int = 1, per_page: int = 50, newest_first: bool = False, **filters: Any
    ) -> tuple[list[dict[str, Any]], int]:
        """Page ``page`` (from 1) of :meth:`search` with ``per_page`` records, and the number of
        records matching in all (for "page N of M" in the CLI and on the web page), counted up
        to ``COUNT_CAP`` (a total of ``COUNT_CAP`` means "at least"). ``newest_first``: the
        pages run from the newest record back."""
        if page < 1 or per_page < 1:
            raise ArchiveError("page and per_page start at 1")
        offset = (page - 1) * per_page
        chamber = self._chamber_filter(filters.pop("chamber_id", None))
        if offset + per_page <= _index.COUNT_CAP:
            # One pass of the index gives the count (up to the cap) and the page's rowids; the
            # rows are then read by rowid (issue 18: a rare name's trigram lists are read once).
            ids, args = _index.ids_sql(
                *self._folded_exact(**filters), newest_first=newest_first, chamber=chamber
            )
            with self._mutex:
                rowids = [row[0] for row in self._db.execute(ids, args)]
                chosen = rowids[offset : offset + per_page]
                rows = self._db.execute(
                    _index.rows_sql(len(chosen), newest_first=newest_first), chosen
                ).fetchall()
            return [self._result(row) for row in rows], len(rowids)
        filters.update(limit=per_page, offset=offset)
        select, count, args = self._search_sql(**filters, newest_first=newest_first, body=chamber)
        with self._mutex:
            rows = self._db.execute(select, args).fetchall()
            if rows and len(rows) < per_page:  # the last page: the total is known
                total = offset + len(rows)
            else:
                total = int(self._db.execute(count, args).fetchone()[0])
        return [self._result(row) for row in rows], total

    @staticmethod
    def _folded_exact(
        name: str | None = None,
        iin: str | None = None,
        year: int | None = None,
        chamber: str | None = None,
        kind: str | None = None,
        outcome: str | None = None,
        text: str | None = None,
        status: str | None = None,
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """The searched columns' folded needles and the exact columns' values of a search."""
        folded = {
            column: fold(value)
            for column, value in (("name_fold", name), ("chamber_fold", chamber),
                                  ("text_fold", text))
            if value
        }  # fmt: skip
        exact = {
            column: int(value) if column == "year" else str(value)
            for column, value in (("iin", iin), ("year", year), ("kind", kind),
                                  ("outcome", outcome), ("status", status))
            if value is not None
        }  # fmt: skip
        return folded, exact

    @staticmethod
    def _search_sql(
        name: str | None = None,
        iin: str | None = None,
        year: int | None = None,
        chamber: str | None = None,
        kind: str | None = None,
        outcome: str | None = None,
        text: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
        *,
        body: _index.ChamberFilter | None = None,
    ) -> tuple[str, str, list[Any]]:
        folded, exact = Archive._folded_exact(name, iin, year, chamber, kind, outcome, text,
                                              status)  # fmt: skip
        return _index.search_sql(
            folded, exact, limit=limit, offset=offset, newest_first=newest_first, chamber=body
        )

    def _chamber_filter(self, chamber_id: str | None) -> _index.ChamberFilter | None:
        """A registered chamber's filter: its id, and the free texts of rows indexed before
        it was registered that name it now (few: one probe of an index each)."""
        if chamber_id is None:
            return None
        with self._mutex:
            texts = _dash.unresolved_texts(_index.run_on(self._db), _dash.EMBEDDED)
        resolver = ChamberIds(self.home)
        return chamber_id, tuple(t for t in texts if resolver.resolve(t) == chamber_id)

    def dashboard_counts(self) -> list[_dash.Count]:
        """The dashboard's counts (see ``_dash``): newest cpd-report versions per chamber id
        (or unresolved free-text chamber), year, outcome and lateness."""
        with self._mutex:
            return _dash.counts(_index.run_on(self._db), _dash.EMBEDDED)

    def link_chambers(self, links: Mapping[str, str]) -> int:
        """Give records the chamber id ``docflow chambers migrate`` linked them to (record id
        -> chamber id) in the index; the number of rows changed."""
        # durable: unlike a stored row, a link is not in the log for recovery to replay (a
        # rebuilt index reads the links again from the chambers' own database)
        with self._locked(), self._transaction():
            return _dash.set_chamber_ids(_index.run_on(self._db), _dash.EMBEDDED, links)

    def all_records(self) -> list[dict[str, Any]]:
        return self.search()

    def _find_one(self, column: str, value: str) -> str | None:
        with self._mutex:
            row = self._db.execute(
                f"SELECT id FROM records WHERE {column} = ? AND state = 'stored' "
                "ORDER BY log_seq LIMIT 1",
                (value,),
            ).fetchone()
        return None if row is None else str(row["id"])

    def find_by_pdf_sha256(self, sha256: str) -> str | None:
        return self._find_one("sha256", sha256.lower())

    def find_by_input_sha256(self, sha256: str) -> str | None:
        """The first record made from this input (a certificate batch makes several)."""
        return self._find_one("input_sha256", sha256.lower())

    def versions(self, series_key: str) -> list[dict[str, Any]]:
        """A report's version chain (records sharing ``series``), oldest version first.

        The series is ``kind:iin:year`` unless the record gave its own ``series``; each record
        names its predecessor in ``previous``.
        """
        with self._mutex:
            rows = self._db.execute(
                f"{_index.ROW_SELECT} WHERE r.series = ? AND r.state = 'stored' "
                "ORDER BY r.version, r.log_seq",
                (series_key,),
            ).fetchall()
        return [self._result(row) for row in rows]

    def log_entries(self, record_id: str | None = None) -> list[dict[str, Any]]:
        """Log entries (of one record, or all), in order."""
        entries = [line.entry for line in _log.read_lines(self.log_path) if line.entry]
        if record_id is not None:
            entries = [e for e in entries if e.get("record") == record_id]
        return entries

    def head(self) -> _log.Head:
        """The chain head (seq and SHA-256 of the last log line); worth noting down elsewhere."""
        return _log.read_head(self.log_path)

    # -- integrity and transfer --------------------------------------------------------------

    def audit(
        self, verifier: Verifier | None = None, *, expected: Mapping[str, str] | None = None
    ) -> AuditReport:
        """Check log chain, files, index, the witness and (with ``verifier``) every PDF's
        signatures. ``expected``: record id -> where it is said to be archived (the work
        journal's archived rows); each must be in the log.

        The integrity part holds the archive lock, so a store in progress in another process is
        never mistaken for tampering; the slow signature checks run after it is released.
        """
        with self._locked():
            rows = [dict(r) for r in self._db.execute("SELECT * FROM records ORDER BY rowid")]
            anchored = self._anchored_head()
            report, intact = check_integrity(self.root, self.log_path, rows, anchored)
            check_witness(self.witness, self.log_path, report, expected or {})
        if verifier is not None:
            check_signatures(self.root, intact, report, verifier)
        return report

    def export_bagit(
        self, dest: Path, *, ids: list[str] | None = None, organization: str | None = None
    ) -> Path:
        """Write a BagIt bag (sha256 + sha512) of the chosen records (default all) and the log."""
        chosen = self.all_records() if ids is None else [self._result_of(i) for i in ids]
        return export_bag(
            self,
            Path(dest),
            chosen,
            organization=organization or self._organization(),
            bagging_date=self._clock().date(),
        )

    def _result_of(self, record_id: str) -> dict[str, Any]:
        with self._mutex:
            row = self._row(record_id)
        if row is None:
            raise UnknownRecord(f"no archived record {record_id!r}")
        return self._result(row)

    def _organization(self) -> str:
        try:
            raw = self.home.settings().raw
        except Exception:  # an unreadable docflow.toml must not stop an export
            raw = {}
        value = raw.get("organization") or raw.get("chamber")
        return str(value) if value else "docflow"


def has_archive(home: Home) -> bool:
    """Whether ``home`` holds an archive, without creating one: the embedded index file, or
    a ``[storage]`` configuration (a scaled-out home's records are in its database and object
    store, and its ``outbox/`` may hold nothing)."""
    from docflow.storage._settings import StorageSettings

    if (home.outbox / ".index" / "archive.sqlite").exists():
        return True
    try:
        return StorageSettings.from_home(home.root).scaled
    except ConfigError:
        return False


def pdf_lookup(home: Home) -> Callable[[str], str | None] | None:
    """``verify``'s question to the archive: which record, if any, holds a PDF with this SHA-256.
    ``None`` when the home keeps no archive; never creates one, never recovers one."""
    if not has_archive(home):
        return None

    def lookup(sha256: str) -> str | None:
        with Archive(home, recover=False) as archive:
            return archive.find_by_pdf_sha256(sha256)

    return lookup


def _file_sha(path: Path) -> str | None:
    try:
        return _log.sha256_hex(path.read_bytes())
    except FileNotFoundError:
        return None

"""BagIt export of archived records, for transfer to a state archive (RFC 8493).

The bag holds each chosen record's PDF and JSON under their outbox paths, the whole hash-chained
log (``log.jsonl``, so the receiver can re-check the chain) and ``records.json`` listing the
records, with sha256 and sha512 manifests. It is built in a temporary folder beside ``dest`` and
renamed into place, so an interrupted export never leaves a half bag under the final name.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from docflow.archive import _log
from docflow.errors import ArchiveError


class _StoredFiles(Protocol):
    @property
    def pdf_path(self) -> Path: ...
    @property
    def json_path(self) -> Path: ...
    @property
    def sha256(self) -> str: ...


class BagSource(Protocol):
    """What an export reads of the archive (``Archive`` is one); a protocol, so that this
    module does not import the archive that imports it."""

    root: Path
    log_path: Path

    def get(self, record_id: str) -> _StoredFiles: ...
    def head(self) -> _log.Head: ...


def export_bag(
    archive: BagSource,
    dest: Path,
    records: list[dict[str, Any]],
    *,
    organization: str,
    bagging_date: date,
) -> Path:
    dest = dest.resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ArchiveError(f"{dest} already exists and is not an empty folder")
    if dest == archive.root or archive.root in dest.parents:
        raise ArchiveError("export the bag outside outbox/, or the audit will flag it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        for record in records:
            record_id = str(record["id"])
            row = archive.get(record_id)  # raises UnknownRecord / ArchiveError
            for source, expected in (
                (row.pdf_path, row.sha256),
                (row.json_path, None),
            ):
                data = source.read_bytes()
                if expected is not None and _log.sha256_hex(data) != expected:
                    raise ArchiveError(
                        f"record {record_id}: {source.name} does not match its archived "
                        "SHA-256; run `docflow archive audit` before exporting"
                    )
                target = work / source.relative_to(archive.root)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        if archive.log_path.exists():
            shutil.copyfile(archive.log_path, work / "log.jsonl")
        listing = [
            {key: r.get(key) for key in ("id", "kind", "outcome", "full_name", "iin", "year",
                                         "chamber", "version", "sha256", "archived_at", "pdf",
                                         "status")}
            for r in records
        ]  # fmt: skip
        (work / "records.json").write_text(
            json.dumps(listing, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        head = archive.head()
        bag_info = {
            "Source-Organization": organization,
            "Bagging-Date": bagging_date.isoformat(),
            "External-Description": f"docflow archive export: {len(records)} record(s)",
            "Internal-Sender-Identifier": f"log-head seq={head.seq} sha256={head.line_sha256}",
            "Bag-Software-Agent": "docflow",
        }
        # Imported here, not at the top: bagit costs ~120 ms to import (it reads package metadata)
        # and only an export needs it, while every command that opens the archive imports us.
        import bagit

        # bagit computes Payload-Oxum itself. It changes the process's working directory while
        # it works (and restores it), so do not run exports in threads beside path-relative code.
        bagit.make_bag(str(work), bag_info=bag_info, checksums=["sha256", "sha512"])
        if dest.exists():
            dest.rmdir()
        os.replace(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return dest

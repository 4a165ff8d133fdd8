"""Storage seams (issue 18): a database by URL with its migrations, and blob stores (the
outbox's files, or S3 with Object Lock). What the archive keeps in them (its tables, the
hash-chained log, the index) is the archive's own (``docflow.archive._tables``, ``_chain``,
``_sqlindex``); this package knows nothing of records.

The embedded default needs none of this (SQLite file and ``outbox/``); ``[storage]`` in
``docflow.toml`` switches the archive to these seams (see ``StorageSettings``).
"""

from docflow.storage._adopt import move_local_rows
from docflow.storage._blobs import (
    BlobRef,
    BlobStore,
    LocalBlobs,
    ObjectLockMissing,
    Retention,
    S3Blobs,
    parse_s3_url,
    s3_client,
    sha256_key,
)
from docflow.storage._database import Database, forget_in_forked_children, open_database
from docflow.storage._settings import DEFAULT_RETENTION_YEARS, QueueSettings, StorageSettings

__all__ = [
    "DEFAULT_RETENTION_YEARS",
    "BlobRef",
    "BlobStore",
    "Database",
    "LocalBlobs",
    "ObjectLockMissing",
    "QueueSettings",
    "Retention",
    "S3Blobs",
    "StorageSettings",
    "forget_in_forked_children",
    "move_local_rows",
    "open_database",
    "parse_s3_url",
    "s3_client",
    "sha256_key",
]

"""Storage seams of the archive (issue 18): a database by URL with its migrations, blob stores
(the outbox's files, or S3 with Object Lock) and the hash-chained log in a table.

The embedded default needs none of this (SQLite file and ``outbox/``); ``[storage]`` in
``docflow.toml`` switches the archive to these seams (see ``StorageSettings``).
"""

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
from docflow.storage._chain import ChainProblem, verify_chain
from docflow.storage._database import Database, open_database
from docflow.storage._index import SqlIndex
from docflow.storage._settings import DEFAULT_RETENTION_YEARS, StorageSettings

__all__ = [
    "DEFAULT_RETENTION_YEARS",
    "BlobRef",
    "BlobStore",
    "ChainProblem",
    "Database",
    "LocalBlobs",
    "ObjectLockMissing",
    "Retention",
    "S3Blobs",
    "SqlIndex",
    "StorageSettings",
    "open_database",
    "parse_s3_url",
    "s3_client",
    "sha256_key",
    "verify_chain",
]

"""Where archived bytes live: the outbox's files (``LocalBlobs``) or an S3 bucket with Object
Lock (``S3Blobs``), behind one small interface (``BlobStore``).

In S3 every object is addressed by its SHA-256 (``sha256/ab/abcd…``) and written once with an
Object Lock retention in COMPLIANCE mode: no one, the bucket's owner included, can delete or
shorten the locked version before the retention ends. S3 still lets anyone with write access put
a *newer* version over the key, or a delete marker; the locked version stays, and docflow reads
that version (by its id, kept in the database) and checks its SHA-256.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from docflow.atomic import write_bytes_atomic
from docflow.errors import ArchiveError, ConfigError, ObjectLockMissing


@dataclass(frozen=True)
class BlobRef:
    """Where a blob was written: its key and, in a versioned bucket, the version id."""

    key: str
    version_id: str | None = None
    retain_until: datetime | None = None


@dataclass(frozen=True)
class Retention:
    """What the store says about a blob's lock (``check_retention``)."""

    mode: str | None  # "COMPLIANCE", "GOVERNANCE" or None
    retain_until: datetime | None
    latest: bool  # the locked version is still the key's newest version (nothing put over it)


class BlobStore(Protocol):
    def put(self, key: str, data: bytes, *, retain_until: datetime | None = None) -> BlobRef: ...

    def get(self, key: str, version_id: str | None = None) -> bytes: ...


def sha256_key(sha256: str) -> str:
    """The object key of content with this SHA-256."""
    return f"sha256/{sha256[:2]}/{sha256}"


class LocalBlobs:
    """Files under ``root`` (the outbox as today): written atomically, never overwritten."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key

    def put(
        self, key: str, data: bytes, *, retain_until: datetime | None = None, sync_dir: bool = True
    ) -> BlobRef:
        write_bytes_atomic(self.root / key, data, overwrite=False, sync_dir=sync_dir)
        return BlobRef(key)

    def get(self, key: str, version_id: str | None = None) -> bytes:
        return (self.root / key).read_bytes()


def s3_client() -> Any:
    """A boto3 S3 client for ``DOCFLOW_S3_ENDPOINT`` (credentials: the usual AWS variables)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=os.environ.get("DOCFLOW_S3_ENDPOINT") or None,
        region_name=os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        config=Config(retries={"max_attempts": 3, "mode": "standard"}),
    )


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket[/prefix]`` -> (bucket, prefix with a trailing slash or empty)."""
    if not url.startswith("s3://") or not url[5:].split("/", 1)[0]:
        raise ConfigError(f"objects must be s3://bucket[/prefix], not {url!r}")
    bucket, _, prefix = url[5:].partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


class S3Blobs:
    """Blobs in an S3 bucket with Object Lock; refuses a bucket without a lock configuration."""

    def __init__(self, url: str, *, client: Any | None = None) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        self.url = url
        self.bucket, self.prefix = parse_s3_url(url)
        self.client = client or s3_client()
        endpoint = os.environ.get("DOCFLOW_S3_ENDPOINT") or "AWS"
        try:
            config = self.client.get_object_lock_configuration(Bucket=self.bucket)
            enabled = config.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled")
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code not in (
                "ObjectLockConfigurationNotFoundError",
                "NoSuchObjectLockConfiguration",
            ):
                raise ConfigError(
                    f"S3 бакеті {self.bucket} қолжетімсіз / бакет S3 {self.bucket} недоступен / "
                    f"bucket {self.bucket} at {endpoint} is unusable: {code or exc}"
                ) from exc
            enabled = None
        except BotoCoreError as exc:
            raise ConfigError(
                f"S3 ({endpoint}) жауап бермейді / S3 ({endpoint}) не отвечает / "
                f"S3 at {endpoint} does not answer: {exc}"
            ) from exc
        if enabled != "Enabled":
            raise ObjectLockMissing(
                f"S3 бакетінде {self.bucket} Object Lock қосылмаған: мұрағатты өзгертуге болмайтын "
                "етіп сақтау мүмкін емес, docflow іске қосылмайды / "
                f"в бакете S3 {self.bucket} не включена блокировка объектов (Object Lock): "
                "архив нельзя хранить неизменяемым, docflow не запускается / "
                f"bucket {self.bucket} has no Object Lock configuration; create it with "
                "Object Lock enabled (it cannot be switched on later)"
            )

    def key(self, key: str) -> str:
        return self.prefix + key

    def put(self, key: str, data: bytes, *, retain_until: datetime | None = None) -> BlobRef:
        """Write ``data`` once under ``key`` with a COMPLIANCE retention until ``retain_until``;
        an existing object with the same bytes (a retried store) is reused, not rewritten."""
        from botocore.exceptions import ClientError

        if retain_until is None:
            raise ArchiveError("an archived object needs a retention date")
        full = self.key(key)
        sha = hashlib.sha256(data).hexdigest()
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=full)
            if head.get("Metadata", {}).get("sha256") == sha and head.get("ObjectLockMode"):
                version, until = head.get("VersionId"), head.get("ObjectLockRetainUntilDate")
                if until is None or until < retain_until:
                    # The same bytes archived again later (another record's evidence, a
                    # renewal): each record's objects are kept its full retention, so the
                    # lock is extended (COMPLIANCE allows extending, never shortening).
                    until = self._extend(full, version, retain_until)
                return BlobRef(key, version, until)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise ArchiveError(f"S3 {full}: {exc}") from exc
        try:
            answer = self.client.put_object(
                Bucket=self.bucket,
                Key=full,
                Body=data,
                Metadata={"sha256": sha},
                ObjectLockMode="COMPLIANCE",
                ObjectLockRetainUntilDate=retain_until,
            )
        except ClientError as exc:
            raise ArchiveError(f"S3 refused to store {full}: {exc}") from exc
        return BlobRef(key, answer.get("VersionId"), retain_until)

    def _extend(self, full: str, version_id: str | None, retain_until: datetime) -> datetime:
        from botocore.exceptions import ClientError

        args: dict[str, Any] = {"Bucket": self.bucket, "Key": full}
        if version_id:
            args["VersionId"] = version_id
        try:
            self.client.put_object_retention(
                **args, Retention={"Mode": "COMPLIANCE", "RetainUntilDate": retain_until}
            )
        except ClientError as exc:
            raise ArchiveError(f"S3 refused to extend the retention of {full}: {exc}") from exc
        return retain_until

    def get(self, key: str, version_id: str | None = None) -> bytes:
        from botocore.exceptions import ClientError

        args: dict[str, Any] = {"Bucket": self.bucket, "Key": self.key(key)}
        if version_id:
            args["VersionId"] = version_id
        try:
            body: bytes = self.client.get_object(**args)["Body"].read()
        except ClientError as exc:
            raise ArchiveError(f"S3 {self.key(key)} ({version_id}): {exc}") from exc
        return body

    def check_retention(self, key: str, version_id: str | None = None) -> Retention:
        """The lock on ``key`` (that version, default the newest) and whether that version is
        still the newest one (for the audit: a version put over it is worth naming)."""
        from botocore.exceptions import ClientError

        full = self.key(key)
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": full}
        if version_id:
            args["VersionId"] = version_id
        try:
            retention = self.client.get_object_retention(**args).get("Retention", {})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in (
                "NoSuchObjectLockConfiguration",
                "ObjectLockConfigurationNotFoundError",
            ):
                raise ArchiveError(f"S3 {full}: {exc}") from exc
            retention = {}
        latest = True
        if version_id:
            try:
                newest = self.client.head_object(Bucket=self.bucket, Key=full)
                # Two machines storing the same bytes at once may both write a (locked) version;
                # a newer version with the same bytes (ETag) is that, not something put over it.
                latest = newest.get("VersionId") == version_id or (
                    newest.get("ETag") == self.client.head_object(**args).get("ETag")
                    and newest.get("ObjectLockMode") == "COMPLIANCE"
                )
            except ClientError:
                latest = False  # a delete marker on top
        until = retention.get("RetainUntilDate")
        if isinstance(until, datetime) and until.tzinfo is not None:
            until = until.astimezone(UTC)
        return Retention(retention.get("Mode"), until, latest)

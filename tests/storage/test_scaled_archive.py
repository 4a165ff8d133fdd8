"""The scaled-out archive against the real servers (issue 18): PostgreSQL index and hash-chained
log, SeaweedFS S3 objects under Object Lock COMPLIANCE."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import boto3
import pytest
from archive_helpers import FixedClock, make_pdf, make_record
from botocore.exceptions import ClientError
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from docflow.archive import Archive
from docflow.archive._scaled import ScaledArchive
from docflow.cli import main
from docflow.config import Home
from docflow.storage import ObjectLockMissing, S3Blobs, sha256_key

pytestmark = pytest.mark.scale


def _clock() -> FixedClock:
    return FixedClock(datetime(2026, 2, 10, 9, 30, tzinfo=UTC))


def _fill(home: Home, n: int = 3) -> tuple[Archive, str]:
    salt = uuid.uuid4().hex  # fresh bytes: the bucket is shared by every test run
    arch = Archive(home, clock=_clock())
    for i in range(n):
        arch.store(make_record(i), make_pdf(i, salt), record_id=f"R-2025-{i:04d}")
    return arch, salt


def _s3() -> object:
    import os

    return boto3.client("s3", endpoint_url=os.environ["DOCFLOW_S3_ENDPOINT"])


def test_a_record_is_stored_in_postgres_and_a_locked_s3_object(scaled_home: Home) -> None:
    arch, salt = _fill(scaled_home)
    try:
        assert isinstance(arch, ScaledArchive)
        assert arch.pdf_bytes("R-2025-0001") == make_pdf(1, salt)
        assert arch.get("R-2025-0002").record["full_name"].endswith("2")
        # idempotent for the same id and bytes, refused for other bytes
        again = arch.store(make_record(0), make_pdf(0, salt), record_id="R-2025-0000")
        assert again.sha256 == arch.get("R-2025-0000").sha256
        page, total = arch.search_page(name="нұрланқызы", page=2, per_page=2)
        assert total == 3 and [r["id"] for r in page] == ["R-2025-0002"]
        assert [r["id"] for r in arch.search(iin="900415400001")] == ["R-2025-0001"]
        found, total = arch.search_page(text="900415400002")  # full text, through pg_trgm
        assert total == 1 and [r["id"] for r in found] == ["R-2025-0002"]
        report = arch.audit()
        assert report.ok, report.problems
        assert report.checked == 3 and report.head.seq == 3
        assert isinstance(arch.blobs, S3Blobs)
        key = arch.blobs.key(sha256_key(arch.get("R-2025-0000").sha256))
        retention = _s3().get_object_retention(Bucket=arch.blobs.bucket, Key=key)["Retention"]
        assert retention["Mode"] == "COMPLIANCE"
        assert retention["RetainUntilDate"].year == 2026 + 50  # docflow.toml default
    finally:
        arch.close()


def test_deleting_or_overwriting_an_archived_object_is_refused_or_harmless(
    scaled_home: Home,
) -> None:
    arch, salt = _fill(scaled_home, 1)
    try:
        assert isinstance(arch.blobs, S3Blobs)
        sha = arch.get("R-2025-0000").sha256
        bucket, key = arch.blobs.bucket, arch.blobs.key(sha256_key(sha))
        s3 = _s3()
        [version] = [
            v["VersionId"]
            for v in s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]  # type: ignore[attr-defined]
            if v["Key"] == key
        ]
        with pytest.raises(ClientError) as refused:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version)  # type: ignore[attr-defined]
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
        with pytest.raises(ClientError):
            s3.delete_object(  # type: ignore[attr-defined]
                Bucket=bucket, Key=key, VersionId=version, BypassGovernanceRetention=True
            )
        with pytest.raises(ClientError):  # shortening a COMPLIANCE retention
            s3.put_object_retention(  # type: ignore[attr-defined]
                Bucket=bucket, Key=key, VersionId=version,
                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": datetime(2027, 1, 1)},
            )  # fmt: skip
        # S3 semantics: a PUT over the key makes a NEWER version; the locked one stays, docflow
        # reads the locked version and the audit names what was put over it.
        s3.put_object(Bucket=bucket, Key=key, Body=b"%PDF-1.7 forged")  # type: ignore[attr-defined]
        assert arch.pdf_bytes("R-2025-0000") == make_pdf(0, salt)
        problems = arch.audit().problems
        assert any("newer version" in p.message and p.record == "R-2025-0000" for p in problems)
    finally:
        arch.close()


def test_the_same_bytes_archived_later_extend_the_objects_lock(scaled_home: Home) -> None:
    """Records share an object when they hold the same bytes (the same evidence file filed
    with two reports a year apart): the object is kept the full retention from the later
    record too, so its lock is extended (COMPLIANCE allows that), never left to end early."""
    import os

    blobs = S3Blobs(f"s3://{os.environ['DOCFLOW_S3_BUCKET']}")
    data = f"evidence {uuid.uuid4().hex}".encode()
    key = sha256_key(hashlib.sha256(data).hexdigest())
    first = blobs.put(key, data, retain_until=datetime(2076, 2, 10, tzinfo=UTC))
    again = blobs.put(key, data, retain_until=datetime(2077, 3, 1, tzinfo=UTC))
    assert again.version_id == first.version_id  # the same object, not a second copy
    retention = _s3().get_object_retention(Bucket=blobs.bucket, Key=blobs.key(key))["Retention"]
    assert retention["Mode"] == "COMPLIANCE"
    assert retention["RetainUntilDate"] == datetime(2077, 3, 1, tzinfo=UTC)
    assert blobs.check_retention(key).retain_until == datetime(2077, 3, 1, tzinfo=UTC)
    # an earlier date asked later (a retried store) leaves the longer lock as it is
    blobs.put(key, data, retain_until=datetime(2076, 2, 10, tzinfo=UTC))
    retention = _s3().get_object_retention(Bucket=blobs.bucket, Key=blobs.key(key))["Retention"]
    assert retention["RetainUntilDate"] == datetime(2077, 3, 1, tzinfo=UTC)


def test_seaweedfs_own_filer_api_cannot_delete_or_write_around_the_s3_lock(
    scaled_home: Home, scale_env: dict[str, str]
) -> None:
    """Object Lock lives in SeaweedFS's S3 gateway; scale-up.sh signs the filer's HTTP API with
    a JWT key so that the back door (an unauthenticated DELETE of the version file) is shut."""
    import urllib.error
    import urllib.request

    arch, salt = _fill(scaled_home, 1)
    try:
        assert isinstance(arch.blobs, S3Blobs)
        key = arch.blobs.key(sha256_key(arch.get("R-2025-0000").sha256))
        filer = scale_env["DOCFLOW_SEAWEEDFS_FILER"]
        folder = f"{filer}/buckets/{arch.blobs.bucket}/{key}.versions/"
        listing = urllib.request.Request(folder, headers={"Accept": "application/json"})
        entries = json.loads(urllib.request.urlopen(listing, timeout=10).read())["Entries"]
        for entry in entries:
            request = urllib.request.Request(filer + entry["FullPath"], method="DELETE")
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            assert refused.value.code == 401
        forged = urllib.request.Request(filer + f"/buckets/{arch.blobs.bucket}/{key}",
                                        data=b"forged", method="PUT")  # fmt: skip
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(forged, timeout=10)
        assert arch.pdf_bytes("R-2025-0000") == make_pdf(0, salt)
        assert arch.audit().ok
    finally:
        arch.close()


def test_a_record_edited_in_postgres_is_named_by_the_audit(scaled_home: Home, pg_url: str) -> None:
    arch, _ = _fill(scaled_home)
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE archive_records SET full_name = 'Басқа Адам' WHERE id = 'R-2025-0001'")
            )
        [problem] = arch.audit().problems
        assert problem.record == "R-2025-0001" and "full_name" in problem.message

        # The log refuses UPDATE outright; an owner who drops the guard is caught by the chain.
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE archive_log SET line = line WHERE seq = 2"))
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE archive_log DISABLE TRIGGER archive_log_append_only"))
            conn.execute(
                text("UPDATE archive_log SET line = replace(line, '\"at\":\"2026', "
                     "'\"at\":\"2025') WHERE seq = 2")
            )  # fmt: skip
        problems = arch.audit().problems
        chain = [p for p in problems if p.path and p.path.startswith("archive_log")]
        assert chain and chain[0].path == "archive_log#2" and chain[0].record == "R-2025-0001"
    finally:
        engine.dispose()
        arch.close()


def test_a_bucket_without_object_lock_is_refused_at_start(
    scaled_home: Home, pg_url: str, scale_env: dict[str, str]
) -> None:
    bucket = f"unlocked-{uuid.uuid4().hex[:10]}"
    _s3().create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
    (scaled_home.root / "docflow.toml").write_text(
        f'[storage]\ndatabase = "{pg_url}"\nobjects = "s3://{bucket}"\n', encoding="utf-8"
    )
    with pytest.raises(ObjectLockMissing, match="Object Lock"):
        Archive(scaled_home)
    done = subprocess.run(
        [sys.executable, "-m", "docflow", "--home", str(scaled_home.root), "archive", "search"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0 and "Object Lock" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_migrate_moves_an_embedded_archive_with_the_same_chain(
    home: Home, pg_url: str, scale_env: dict[str, str]
) -> None:
    salt = uuid.uuid4().hex
    with Archive(home, clock=_clock()) as arch:
        for i in range(4):
            arch.store(make_record(i), make_pdf(i, salt), record_id=f"R-2025-{i:04d}")
        arch.set_status("R-2025-0003", "revoked", reason="тест", at="2026-03-01T00:00:00Z")
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        done = runner.invoke(main, ["--home", str(home.root), "archive", *args])
        return done.exit_code, done.output

    code, out = cli("audit", "--no-signatures", "--json")
    before = json.loads(out)
    assert code == 0 and before["checked"] == 4
    bucket = f"s3://{scale_env['DOCFLOW_S3_BUCKET']}"
    code, out = cli("migrate", "--to-database", pg_url, "--to-objects", bucket)
    assert code == 0, out
    (home.root / "docflow.toml").write_text(
        f'[storage]\ndatabase = "{pg_url}"\nobjects = "{bucket}"\n', encoding="utf-8"
    )
    code, out = cli("audit", "--no-signatures", "--json")
    after = json.loads(out)
    assert code == 0, out
    assert after["checked"] == before["checked"] and after["head"] == before["head"]
    code, out = cli("search", "--name", "нұрланқызы", "--page", "1", "--per-page", "2")
    assert code == 0 and "1/2" in out and "R-2025-0001" in out
    with Archive(home) as scaled:
        assert scaled.pdf_bytes("R-2025-0002") == make_pdf(2, salt)
        assert scaled.search(status="revoked")[0]["id"] == "R-2025-0003"

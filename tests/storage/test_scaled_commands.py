"""Issue 18, the commands on a scaled-out home: ``docflow verify`` finds a document in an
archive that lives in PostgreSQL and S3 (``has_archive``), and ``docflow watch`` / ``docflow
serve`` refuse a bucket without Object Lock when they start, in the reader's language, with a
non-zero exit and the inbox untouched, against the real SeaweedFS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from archive_helpers import FixedClock, make_record
from click.testing import CliRunner

from docflow.archive import Archive, has_archive
from docflow.cli import main
from docflow.config import Home
from tests.support.pdfs import blank_pdf


def _run(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docflow", "--home", str(home.root), *args],
        capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def _verify_json(home: Home, pdf: Path) -> dict:
    result = CliRunner().invoke(main, ["--home", str(home.root), "verify", "--json", str(pdf)])
    assert result.exit_code in (0, 1), result.output  # unsigned: judged, not unreadable
    return json.loads(result.stdout)


@pytest.mark.parametrize("where", ["embedded", pytest.param("scaled", marks=pytest.mark.scale)])
def test_verify_finds_an_archived_pdf_in_either_configuration(
    where: str, home: Home, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if where == "scaled":
        home = request.getfixturevalue("scaled_home")
    assert has_archive(home) is (where == "scaled")  # nothing archived yet in the embedded one
    pdf = blank_pdf(f"verify {uuid.uuid4().hex}")  # fresh bytes: the bucket is shared
    archive = Archive(home, clock=FixedClock(datetime(2026, 2, 10, 9, 30, tzinfo=UTC)))
    try:
        archive.store(make_record(1), pdf, record_id="R-2025-0001")
    finally:
        archive.close()
    assert has_archive(home)
    if where == "scaled":  # the records are in PostgreSQL and S3, not in outbox/
        assert not (home.outbox / ".index" / "archive.sqlite").exists()
    known, unknown = tmp_path / "known.pdf", tmp_path / "unknown.pdf"
    known.write_bytes(pdf)
    unknown.write_bytes(blank_pdf("never archived"))
    assert _verify_json(home, known)["archive"] == {"registered": True, "record": "R-2025-0001"}
    assert _verify_json(home, unknown)["archive"] == {"registered": False, "record": None}


@pytest.fixture
def unlocked_home(home: Home, pg_url: str, scale_env: dict[str, str]) -> tuple[Home, str]:
    """A scaled-out home whose bucket is a real SeaweedFS bucket made without Object Lock."""
    bucket = f"unlocked-{uuid.uuid4().hex[:10]}"
    s3 = boto3.client("s3", endpoint_url=os.environ["DOCFLOW_S3_ENDPOINT"])
    s3.create_bucket(Bucket=bucket)
    (home.root / "docflow.toml").write_text(
        f'[storage]\ndatabase = "{pg_url}"\nobjects = "s3://{bucket}"\n', encoding="utf-8"
    )
    (home.inbox / "report.json").write_text('{"kind": "cpd-report"}', encoding="utf-8")
    return home, bucket


@pytest.mark.scale
@pytest.mark.parametrize(
    ("lang", "words"),
    [("kk", "іске қосылмайды"), ("ru", "не запускается"), ("en", "does not start")],
)
def test_watch_refuses_a_bucket_without_object_lock_at_start(
    unlocked_home: tuple[Home, str], lang: str, words: str
) -> None:
    home, bucket = unlocked_home
    done = _run(home, "--lang", lang, "watch", "--once")
    assert done.returncode != 0
    assert words in done.stderr and bucket in done.stderr and "Object Lock" in done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    # refused before any work: the submission is still waiting, nothing was journaled
    assert (home.inbox / "report.json").exists()
    assert not (home.state / "journal.sqlite").exists()


@pytest.mark.scale
def test_serve_refuses_a_bucket_without_object_lock_at_start(
    unlocked_home: tuple[Home, str],
) -> None:
    home, bucket = unlocked_home
    # Had it started, uvicorn would serve until the timeout and fail the test.
    done = _run(home, "--lang", "ru", "serve", "--port", "0")
    assert done.returncode != 0
    assert "не запускается" in done.stderr and bucket in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "serving" not in done.stderr

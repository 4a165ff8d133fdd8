"""The archive's timestamps renewed in the scaled-out configuration (issues 16 and 18): no
``docflow watch`` runs the embedded daily thread there, so the ``docflow worker`` hosts share a
periodic job of the queue (``[queue] renew_cron``): once per tick for all of them together,
not once per worker. Real PostgreSQL, S3 with Object Lock, two worker "hosts"."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from docflow.archive import Archive
from docflow.config import Home
from docflow.pki import Pki, TrustServices, shared_services
from docflow.pki.testing import CONSULTANT_IIN, make_test_pki
from docflow.verify import verify_pdf
from tests.archive.test_archive_renew import reissue_tsa
from tests.storage.test_queue import STALLED_AFTER, WorkerHost, _docflow, _env
from tests.verify.conftest import SigningKit

pytestmark = [pytest.mark.scale, pytest.mark.slow]

RECORD = "R-2026-0001"


def _tick_a_minute_ago() -> str:
    """A daily cron line whose last tick was a minute ago (host time): a worker starting now
    defers that tick (it is younger than ``MAX_DELAY``), and the next is a day away."""
    then = datetime.now() - timedelta(minutes=1)
    return f"{then.minute} {then.hour} * * *"


def _renew_jobs(pg_url: str) -> list[tuple[str, str]]:
    import psycopg

    from docflow.queue import RENEW_TASK, conninfo_of

    with psycopg.connect(conninfo_of(pg_url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT status::text, task_name FROM procrastinate_jobs WHERE task_name = %s",
            (RENEW_TASK,),
        ).fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def test_worker_hosts_renew_the_archives_timestamps_once_per_tick_between_them(
    tmp_path: Path, pg_url: str, scale_env: dict[str, str]
) -> None:
    home = Home(tmp_path / "watch").ensure()
    now = datetime.now(UTC)
    pki = make_test_pki(home)
    reissue_tsa(pki, days=30, now=now)  # the record's timestamp ends within the margin
    with TrustServices(home, reuse_running=False) as services:
        pdf = SigningKit(home, pki, services).sign_both()
    (home.root / "docflow.toml").write_text(
        "workers = 1\nconverters = 1\n"
        f'[storage]\ndatabase = "{pg_url}"\nobjects = "s3://{scale_env["DOCFLOW_S3_BUCKET"]}"\n'
        f'[queue]\nbackend = "postgres"\nstalled_after = {STALLED_AFTER}\n'
        f'renew_cron = "{_tick_a_minute_ago()}"\n',
        encoding="utf-8",
    )
    with Archive(home) as archive:  # the scaled archive: PostgreSQL + the locked bucket
        assert "s3://" in archive.where  # the scaled archive, not outbox/
        archive.store(
            {"kind": "cpd-report", "iin": CONSULTANT_IIN, "year": 2026, "version": 1},
            pdf,
            record_id=RECORD,
        )
    reissue_tsa(pki, days=3650, now=datetime.now(UTC))  # the authority renewal timestamps with
    shared_services(home)
    hosts = [WorkerHost(name, home.root, tmp_path) for name in ("host-a", "host-b")]
    try:
        for host in hosts:
            host.start()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with Archive(home, recover=False) as archive:
                if archive.get(RECORD).status == "renewed":
                    break
            for host in hosts:
                assert host.proc is not None and host.proc.poll() is None, f"{host.name} died"
            time.sleep(1)
        else:
            raise AssertionError(f"not renewed in 180 s: {_renew_jobs(pg_url)}")
        # Both workers ran the periodic deferrer for the same tick: one job, one renewal.
        time.sleep(2 * STALLED_AFTER)
        assert [status for status, _ in _renew_jobs(pg_url)] == ["succeeded"]
        with Archive(home, recover=False) as archive:
            renewed = archive.pdf_bytes(f"{RECORD}.r1")
            assert not any(r["id"] == f"{RECORD}.r2" for r in archive.search())
            trust = Pki(home).trust_roots()
            audit = archive.audit(lambda pdf: verify_pdf(pdf, trust_roots=trust).verdict == "valid")
            assert audit.ok, audit.to_json()
        later = now + timedelta(days=60)  # the first TSA's certificate has ended by then
        assert verify_pdf(renewed, trust_roots=trust, at=later).verdict == "valid"
        assert verify_pdf(pdf, trust_roots=trust, at=later).verdict != "valid"
        status = subprocess.run(
            _docflow(home.root, "archive", "audit"), env=_env(tmp_path / "t"),
            capture_output=True, text=True,
        )  # fmt: skip
        assert status.returncode == 0, status.stdout + status.stderr
    finally:
        for host in hosts:
            host.stop()
        for host in hosts:
            if host.log.exists():
                print(f"--- {host.name} log (tail)\n", host.log.read_text()[-3000:])

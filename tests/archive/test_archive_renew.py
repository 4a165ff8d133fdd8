"""Renewing archived records' timestamps (``docflow archive renew``): a B-LTA report whose demo
TSA certificate lives 30 days is due; renewed with a long-lived TSA it verifies VALID 60 days on,
and without renewal it does not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.archive import Archive, due_records, newest_timestamp
from docflow.cli import main
from docflow.config import Home
from docflow.pki import Pki, TrustServices, _x509
from docflow.pki._pki import _pem, _write_public
from docflow.pki.testing import CONSULTANT_IIN, make_test_pki
from docflow.verify import verify_pdf
from tests.verify.conftest import SigningKit

RECORD = "R-2026-0001"


def reissue_tsa(pki: Pki, days: int, now: datetime) -> None:
    """Give the demo TSA a new key and a certificate ending ``days`` from ``now``; the old
    certificate stays known to the OCSP responder (its timestamps are still being renewed)."""
    issuer = pki._load_issuer("issuing-ca")
    key = _x509.new_key(2048)
    cert = _x509.make_leaf(
        key.public_key(), _x509.demo_name("docflow DEMO TSA"), issuer, pki.urls, now,
        purpose="tsa", days=days,
    )  # fmt: skip
    pki._save_key(pki.certs / "tsa.p12", key, cert, pki._ca_passphrase())
    _write_public(pki.certs / "tsa.pem", _pem(cert))
    with pki._editing() as registry:
        services = registry["services"]
        services[f"tsa-until-{services['tsa']}"] = services["tsa"]
        services["tsa"] = str(cert.serial_number)


@dataclass
class World:
    home: Home
    pki: Pki
    original: bytes
    now: datetime

    def roots(self) -> list:
        return self.pki.trust_roots()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = Home(tmp_path_factory.mktemp("renew-home")).ensure()
    now = datetime.now(UTC)
    pki = make_test_pki(home)
    reissue_tsa(pki, days=30, now=now)  # the short-lived TSA
    with TrustServices(home, reuse_running=False) as services:
        pdf = SigningKit(home, pki, services).sign_both()
    with Archive(home) as archive:
        archive.store(
            {"kind": "cpd-report", "iin": CONSULTANT_IIN, "year": 2026, "version": 1},
            pdf,
            record_id=RECORD,
        )
    yield World(home, pki, pdf, now)


def _verdict(world: World, pdf: bytes, at: datetime | None) -> str:
    return verify_pdf(pdf, trust_roots=world.roots(), at=at).verdict


@pytest.mark.slow
def test_a_record_whose_tsa_certificate_ends_within_the_margin_is_due(world: World) -> None:
    newest = newest_timestamp(world.original)
    assert newest is not None and newest.document_timestamp
    assert newest.tsa_not_after < world.now + timedelta(days=31)
    today = world.now.date()
    with Archive(world.home, recover=False) as archive:
        due = due_records(archive, today, today + timedelta(days=365))
        assert [d.record for d in due] == [RECORD]
        assert not due[0].overdue
        assert "certificate ends" in due[0].reason
        # a horizon before the TSA certificate ends: nothing due yet
        assert due_records(archive, today, today + timedelta(days=10)) == []
    result = CliRunner().invoke(
        main, ["--home", str(world.home.root), "archive", "audit", "--no-signatures", "--json"]
    )
    audit = json.loads(result.output)
    assert [d["record"] for d in audit["renewal_due"]] == [RECORD]


@pytest.mark.slow
def test_renewed_record_is_valid_after_the_old_tsa_expired_and_the_unrenewed_is_not(
    world: World,
) -> None:
    later = world.now + timedelta(days=60)  # 30 days past the old TSA certificate's end
    assert _verdict(world, world.original, None) == "valid"  # today
    assert _verdict(world, world.original, later) != "valid"

    reissue_tsa(world.pki, days=3650, now=datetime.now(UTC))  # the TSA got a new certificate
    result = CliRunner().invoke(
        main, ["--home", str(world.home.root), "archive", "renew", "--json"]
    )
    assert result.exit_code == 0, result.output
    (renewal,) = json.loads(result.output)["renewed"]
    assert renewal["record"] == RECORD and renewal["verdict"] == "valid"
    new_id = renewal["renewed_as"]
    assert new_id == f"{RECORD}.r1"

    with Archive(world.home, recover=False) as archive:
        renewed = archive.pdf_bytes(new_id)
        old = archive.get(RECORD)
        assert old.status == "renewed"
        assert archive.pdf_bytes(RECORD) == world.original  # the old bytes stay
        new_record = archive.get(new_id).record
        assert new_record["renewal_of"] == RECORD
        assert new_record["renewal_of_sha256"] == old.sha256
        log = archive.log_entries()
        assert [e["event"] for e in log[-2:]] == ["stored", "status"]
        assert log[-1]["pdf_sha256"] == old.sha256  # the old hash, in the hash chain
        assert archive.audit().ok
        assert due_records(archive, date.today(), date.today() + timedelta(days=365)) == []

    assert renewed.startswith(world.original)  # incremental: the signed revisions untouched
    assert _verdict(world, renewed, later) == "valid"
    assert _verdict(world, world.original, later) != "valid"
    tampered = bytearray(renewed)
    at = renewed.index(b"CPD report 2025")
    tampered[at] ^= 0x01
    assert _verdict(world, bytes(tampered), later) == "invalid"


def test_renew_margin_comes_from_docflow_toml(tmp_path: Path) -> None:
    from docflow.archive import renew_margin
    from docflow.errors import ConfigError

    home = Home(tmp_path)
    assert renew_margin(home) == timedelta(days=365)
    (tmp_path / "docflow.toml").write_text('[archive]\nrenew_margin = "18m"\n')
    assert renew_margin(home) == timedelta(days=540)
    (tmp_path / "docflow.toml").write_text("[archive]\nrenew_margin = 90\n")
    assert renew_margin(home) == timedelta(days=90)
    (tmp_path / "docflow.toml").write_text('[archive]\nrenew_margin = "soon"\n')
    with pytest.raises(ConfigError):
        renew_margin(home)


@pytest.mark.slow
def test_the_watcher_renews_due_records_once_a_day(tmp_path: Path) -> None:
    """Issue 16: `watch` runs the renewal itself (once at start, then daily): a record whose
    TSA certificate ends within the margin is renewed by the watcher's daily task."""
    import threading

    from docflow.cli.watch import _renew_daily
    from docflow.workflow.services import build_services

    home = Home(tmp_path / "home").ensure()
    now = datetime.now(UTC)
    pki = make_test_pki(home)
    reissue_tsa(pki, days=30, now=now)
    with TrustServices(home, reuse_running=False) as services:
        pdf = SigningKit(home, pki, services).sign_both()
    with Archive(home) as archive:
        archive.store(
            {"kind": "cpd-report", "iin": CONSULTANT_IIN, "year": 2026, "version": 1},
            pdf,
            record_id=RECORD,
        )
    reissue_tsa(pki, days=3650, now=datetime.now(UTC))
    stop = threading.Event()
    stop.set()  # one round, then the task ends as the watcher stops
    with build_services(home) as flow_services:
        _renew_daily(home, flow_services, stop)
    with Archive(home, recover=False) as archive:
        assert archive.get(RECORD).status == "renewed"
        renewed = archive.pdf_bytes(f"{RECORD}.r1")
    later = now + timedelta(days=60)
    assert verify_pdf(renewed, trust_roots=pki.trust_roots(), at=later).verdict == "valid"

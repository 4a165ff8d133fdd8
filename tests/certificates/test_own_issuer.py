"""Issue 15, the issuer's own key: with ``[signing] issuer = "own"`` docflow holds no issuer
key; a batch's certificates wait (one signing request each), the issuer signs the whole batch
offline as one package with their PKCS#12 (one passphrase), docflow checks each signature as a
single one, completes and archives each certificate, and each verifies VALID by the issuer.

A batch package is not atomic (docs/OWN-SIGNING.md): a signature over other bytes is refused
with its reason, its request stays open, and the others are completed."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docflow.archive import Archive
from docflow.bodies import ChamberRegistry
from docflow.certificates import describe
from docflow.cli import main
from docflow.config import Clock, Home
from docflow.inbox.journal import Journal
from docflow.pki import Pki, load_pkcs12
from docflow.pki.testing import make_test_pki
from docflow.sign._cmsmake import detached_cms
from docflow.signreq import SignRequests, read_batch
from docflow.verify import verify_pdf

from .conftest import (
    BASE_URL,
    CHAMBER,
    CHAMBER_RU,
    ISSUE_DAY,
    batch,
    decode_qr,
    make_iins,
    yaml_bytes,
)

pytestmark = pytest.mark.slow

ISSUER_IIN = make_iins(1, born="780707")[0]
ISSUER_NAME = "Own Issuer DEMO"
PASSPHRASE = "issuer-own-key-test-passphrase"  # a throw-away test key's passphrase
ENV = {"DOCFLOW_KEY_PASSPHRASE": PASSPHRASE}


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    err = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        err += "".join(traceback.format_exception(result.exception))
    return result.exit_code, result.stdout, err


@dataclass
class OwnHome:
    home: Home
    key: Path  # the issuer's own PKCS#12, outside the home

    def run(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        return cli("--home", str(self.home.root), *args, env=env)


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnHome]:
    root = tmp_path_factory.mktemp("own-issuer")
    home = Home(root / "home").ensure()
    (home.root / "docflow.toml").write_text(
        f'base_url = "{BASE_URL}/"\n\n[signing]\nissuer = "own"\n', encoding="utf-8"
    )
    make_test_pki(home)  # officer and consultant; no issuer key
    ChamberRegistry(home).add("almaty", kk=CHAMBER, ru=CHAMBER_RU)
    key = root / "issuer.p12"
    code, out, err = cli("--home", str(home.root), "pki", "enroll", "--iin", ISSUER_IIN,
                         "--name", ISSUER_NAME, "--role", "issuer", "--chamber", "almaty",
                         "--out", str(key), env=ENV)  # fmt: skip
    assert code == 0, out + err
    yield OwnHome(home, key)


def people(count: int, born: str) -> list[dict[str, str]]:
    return [
        {"full_name": f"Қатысушы {i + 1}", "iin": iin}
        for i, iin in enumerate(make_iins(count, born=born))
    ]


def own_batch(folder: Path, name: str, count: int, born: str, title: str) -> Path:
    data = batch("kk", people(count, born), title=title, on="2025-04-10")
    data["issuer"].update(full_name=ISSUER_NAME, iin=ISSUER_IIN)
    path = folder / name
    path.write_bytes(yaml_bytes(data))
    return path


def requests_of(home: Home, *, state: str | None = "open") -> list[Any]:
    store = SignRequests(home)
    try:
        return store.list(iin=ISSUER_IIN, state=state)
    finally:
        store.close()


def batch_token(home: Home, source: str) -> str:
    journal = Journal(home.state / "journal.sqlite")
    try:
        (entry,) = [e for e in journal.entries() if e.source == source]
    finally:
        journal.close()
    return entry.token


def entry_state(home: Home, token: str) -> str:
    journal = Journal(home.state / "journal.sqlite")
    try:
        return journal.get(token).state
    finally:
        journal.close()


def test_issue_15_own_issuer_signs_a_batch_as_one_package(own: OwnHome, tmp_path: Path) -> None:
    home = own.home
    # docflow holds no issuer key: only the certificate
    enrolment = Pki(home).find(ISSUER_IIN, "issuer")
    assert not enrolment.p12_path.exists() and enrolment.passphrase_path is None
    assert not [p for p in home.root.rglob("*.p12") if ISSUER_IIN in p.name]

    source = own_batch(tmp_path, "seminar-own.yaml", 3, "880808", "Семинар: өз кілті")
    code, out, err = own.run("certificates", "issue", str(source), "--json",
                             "--today", ISSUE_DAY.isoformat())  # fmt: skip
    assert code == 0, err
    waiting = json.loads(out)
    assert [c["state"] for c in waiting] == ["awaiting_signature"] * 3
    assert not any(c["new"] for c in waiting)
    token = batch_token(home, source.name)
    assert entry_state(home, token) == "awaiting_signature"
    open_requests = requests_of(home)
    assert sorted(r.id for r in open_requests) == sorted(c["request"] for c in waiting)
    assert {r.role for r in open_requests} == {"issuer"}
    code, out, err = cli("--home", str(home.root), "--lang", "en", "status")
    line = next(x for x in out.splitlines() if source.name in x)
    assert line.count(ISSUER_IIN) == 1 and "(+2)" in line, line  # one line for the batch
    with Archive(home, recover=False) as archive:
        assert archive.search(kind="certificate") == []  # nothing signed, nothing archived

    package = tmp_path / "batch.zip"
    code, out, err = own.run("sign-requests", "export", "--batch", token, "-o", str(package))
    assert code == 0, err
    assert len(read_batch(package.read_bytes())) == 3

    # On the issuer's machine, no docflow home: one passphrase for the whole batch.
    nowhere = tmp_path / "no-home"
    signed = tmp_path / "signed.zip"
    code, out, err = cli("--home", str(nowhere), "sign-package", str(package), "--p12",
                         str(own.key), "-o", str(signed), env=ENV)  # fmt: skip
    assert code == 0, out + err
    assert not nowhere.exists()

    code, out, err = own.run("sign-requests", "complete", str(signed))
    assert code == 0, err
    assert out.count("signed by") == 3
    assert requests_of(home) == []

    # The next run (here the CLI again; the watcher's resume_waiting alike) archives them.
    code, out, err = own.run("certificates", "issue", str(source), "--json")
    assert code == 0, err
    issued = json.loads(out)
    assert [c["serial"] for c in issued] == [c["serial"] for c in waiting]
    assert [c["state"] for c in issued] == ["issued"] * 3, (
        err,
        [e.to_json() for e in Journal(home.state / "journal.sqlite").entries()],
        [r.to_json() for r in requests_of(home, state=None)],
    )
    assert all(c["new"] for c in issued)
    assert entry_state(home, token) == "archived"
    assert not (home.state / "work" / token).exists()
    trust = Pki(home).trust_roots()
    with Archive(home, recover=False) as archive:
        for c in issued:
            pdf = archive.pdf_bytes(c["serial"])
            report = verify_pdf(pdf, trust_roots=trust)
            assert report.verdict == "valid", report.to_json()
            (issuer,) = [s for s in report.signatures if s.field == "issuer"]
            assert issuer.role == "issuer" and issuer.iin == ISSUER_IIN
            assert issuer.timestamp is not None and len(report.signatures) >= 2  # B-LTA
            info = describe(pdf, archive)
            assert info is not None and info["serial"] == c["serial"] and info["matches_archive"]
        # the QR code carries the verification address, as in held mode
        first = archive.pdf_bytes(issued[0]["serial"])
    assert decode_qr(first, tmp_path) == [f"{BASE_URL}/v/{issued[0]['serial']}"]


def test_issue_15_a_signature_over_other_bytes_is_refused_the_others_complete(
    own: OwnHome, tmp_path: Path
) -> None:
    """Through the inbox: the batch, then its signed package, dropped in; one signature of the
    package is over other bytes."""
    from docflow.inbox.runner import Runner
    from docflow.workflow.build import build_flow
    from docflow.workflow.own import SignatureArrivals
    from docflow.workflow.services import build_services

    home = own.home
    source = own_batch(tmp_path, "course-own.yaml", 3, "890909", "Курс: өз кілті")
    (home.inbox / source.name).write_bytes(source.read_bytes())
    services = build_services(home, clock=Clock(ISSUE_DAY))
    arrivals = SignatureArrivals(services.sign_requests)
    runner = Runner(home, build_flow(services), workers=1, settle=0, ready=arrivals)
    try:
        runner.run_once()
        token = batch_token(home, source.name)
        assert entry_state(home, token) == "awaiting_signature"
        mine = [r for r in requests_of(home) if r.document.startswith(f"{token}:")]
        assert len(mine) == 3

        package = tmp_path / "batch.zip"
        assert own.run("sign-requests", "export", "--batch", token, "-o", str(package))[0] == 0
        handle = load_pkcs12(own.key, PASSPHRASE.encode())
        moment = datetime.now(UTC).replace(microsecond=0)
        packages = read_batch(package.read_bytes())
        victim = packages[1].id
        signed = tmp_path / "signed-tampered.zip"
        with zipfile.ZipFile(signed, "w") as zf:
            zf.writestr("batch.json", json.dumps({"format": "docflow-signature-batch/1",
                                                  "ids": [p.id for p in packages]}))  # fmt: skip
            for p in packages:
                data = p.prepared.signed_bytes()
                if p.id == victim:
                    data += b"%% other bytes"
                cms = detached_cms(handle.signer, data, signing_time=moment)
                zf.writestr(f"requests/{p.id}/request.json", json.dumps(p.meta))
                zf.writestr(f"requests/{p.id}/signature.p7s", cms)
        (home.inbox / "signed-tampered.zip").write_bytes(signed.read_bytes())
        runner.run_once()  # the signed batch: two accepted, one refused
        dropped = [e for e in runner.journal.entries() if e.source == "signed-tampered.zip"]
        assert [e.state for e in dropped] == ["signed"], dropped[0].reason
        assert "2 of 3" in (dropped[0].reason or "") and victim in (dropped[0].reason or "")
        store = SignRequests(home)
        try:
            refused = store.get(victim)
            assert refused.state == "open"
            assert refused.last_refusal and refused.last_refusal[0]["code"] == "other_bytes"
            assert {store.get(p.id).state for p in packages if p.id != victim} == {"signed"}
        finally:
            store.close()

        runner.run_once()  # the batch resumes: two archived, one still waiting
        assert entry_state(home, token) == "awaiting_signature"
        with Archive(home, recover=False) as archive:
            archived = [
                r for r in archive.search(kind="certificate") if r.get("source") == source.name
            ]
        assert len(archived) == 2

        # The refused one, signed again properly on its own, completes the batch.
        single = tmp_path / "one.zip"
        assert own.run("sign-requests", "export", victim, "-o", str(single))[0] == 0
        answer = tmp_path / "one-signed.zip"
        code, out, err = cli("sign-package", str(single), "--p12", str(own.key), "-o",
                             str(answer), env=ENV)  # fmt: skip
        assert code == 0, out + err
        code, out, err = own.run("sign-requests", "complete", victim, str(answer))
        assert code == 0, err
        runner.run_once()
        assert entry_state(home, token) == "archived"
    finally:
        runner.close()
        services.close()
    with Archive(home, recover=False) as archive:
        records = [r for r in archive.search(kind="certificate") if r.get("source") == source.name]
        assert len(records) == 3
        for record in records:
            pdf = archive.pdf_bytes(record["serial"])
            report = verify_pdf(pdf, trust_roots=Pki(home).trust_roots())
            assert report.verdict == "valid", report.to_json()

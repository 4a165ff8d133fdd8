"""Issue 12 and issue 15 in the summaries: ``docflow summary`` and ``docflow sanctions`` make
their documents through the generic flow in the worker processes (never in the command's own
process), and with ``[signing] chair = "own"`` docflow holds no key of the chair and never
signs as her: the summary waits for her own signature, which she makes offline with her
PKCS#12 (``pki enroll --out``, ``sign-requests export``, ``sign-package``, ``sign-requests
complete``), and the watcher's resume path archives it, VALID, B-LTA.

Real parts throughout: LibreOffice, pyHanko, the loopback TSA/OCSP, the journal, the pool."""

from __future__ import annotations

import io
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader
from summaries_data import CHAMBER, YEAR, chamber_records, chamber_roster, make_iin, record_for
from summaries_support import (
    CHAIR_IIN,
    CHAIR_NAME,
    COLLEGIUM_CHAIR_IIN,
    store_records,
    summaries_home,
    verified,
)

from docflow.archive import Archive
from docflow.cli import main
from docflow.config import Clock, Home
from docflow.inbox.journal import Entry, Journal
from docflow.signreq import SignRequests
from docflow.summaries import Member, Roster, SummaryStore
from docflow.summaries.jobs import job_bytes
from docflow.summaries.service import SummaryService
from docflow.workflow.services import build_services
from tests.workflow.own_signing_support import key_files_of

pytestmark = pytest.mark.slow

PASSPHRASE = "the-chairs-own-passphrase"  # a throw-away test key's
TODAY = "2026-03-05"
SUMMARY = ["summary", "chamber", "--chamber", "almaty", "--year", str(YEAR), "--today", TODAY]


def _cli(home: Home | Path, *args: str, env: dict[str, str] | None = None) -> Result:
    root = home.root if isinstance(home, Home) else home
    result = CliRunner().invoke(main, ["--home", str(root), *args], env=env)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result


def _entries(home: Home, kind: str) -> list[Entry]:
    journal = Journal(home.state / "journal.sqlite")
    try:
        return [e for e in journal.entries() if e.kind == kind]
    finally:
        journal.close()


def _made_by(entry: Entry) -> int:
    """The process that ran the document's stages (the journal's note of it)."""
    assert entry.details is not None, entry
    return int(json.loads(entry.details)["process"])


def _home_with_roster(root: Path, *, chair_key: Path | None = None) -> Home:
    home = summaries_home(root, chair_key=chair_key)
    with SummaryStore(home) as store:
        store.save_roster(chamber_roster(), source="test", imported_at="2026-01-05T00:00:00Z")
    store_records(home, chamber_records())
    return home


def _summaries(home: Home) -> list[dict[str, Any]]:
    with Archive(home) as archive:
        return archive.search(kind="chamber-summary")


def test_issue12_r47_the_chamber_summary_is_made_in_a_worker_process(tmp_path: Path) -> None:
    home = _home_with_roster(tmp_path / "home")
    data = json.loads(_cli(home, *SUMMARY, "--json").stdout)
    record_id = data["record"]
    assert record_id == "chamber-summary-2025-almaty-qalasynyn-zan-konsultanttary-palatasy-v1"
    assert data["request"] is None

    # It went through the journal and the runner like any inbox file, as a chamber summary,
    # and its stages (render, convert, the chair's signature) ran in another process.
    (entry,) = _entries(home, "chamber-summary")
    assert (entry.state, entry.record, entry.chamber) == ("archived", record_id, "almaty")
    worker = _made_by(entry)
    assert worker != os.getpid()

    with Archive(home) as archive:
        stored = archive.get(record_id)
        pdf, record = stored.pdf_path.read_bytes(), stored.record
    assert record["signers"] == [{"role": "chair", "name": CHAIR_NAME, "iin": CHAIR_IIN}]
    assert [e["type"] for e in record["events"]] == ["received", "rendered", "signed", "archived"]
    assert record["input_sha256"] == entry.sha256
    verified(home, pdf, role="chair")
    shown = json.loads(_cli(home, "verify", str(stored.pdf_path), "--json").stdout)
    assert shown["verdict"] == "valid" and shown["archive"]["record"] == record_id

    # The same command again on the same day decides the same summary: not archived twice.
    again = json.loads(_cli(home, *SUMMARY, "--json").stdout)
    assert again["record"] == record_id
    assert [r["id"] for r in _summaries(home)] == [record_id]
    assert [e.state for e in _entries(home, "chamber-summary")] == ["archived"]


def test_issue15_r47_the_chair_signs_the_summary_with_her_own_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``[signing] chair = "own"``: the summary waits for the chair (kk/ru/en message with the
    request's id), no key of hers is in the home; she signs offline, the request is completed,
    and the watcher's resume path archives it: VALID, in her role, B-LTA."""
    her_key = tmp_path / "chair-laptop" / "chair.p12"
    her_key.parent.mkdir()
    monkeypatch.setenv("DOCFLOW_KEY_PASSPHRASE", PASSPHRASE)
    home = _home_with_roster(tmp_path / "home", chair_key=her_key)
    monkeypatch.delenv("DOCFLOW_KEY_PASSPHRASE")
    with (home.root / "docflow.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[signing]\nchair = "own"\n')
    assert her_key.exists() and key_files_of(home, CHAIR_IIN) == []

    said = _cli(home, "--lang", "kk", *SUMMARY).output
    store = SignRequests(home)
    try:
        (request,) = store.list(iin=CHAIR_IIN)
    finally:
        store.close()
    assert f"төрағаның өз қолын күтуде: қол қою сұрауы {request.id}" in said, said
    assert "archived:" not in said
    assert request.role == "chair" and request.field == "head"
    (entry,) = _entries(home, "chamber-summary")
    assert entry.state == "awaiting_signature" and request.document == entry.token
    assert _made_by(entry) != os.getpid()
    assert _summaries(home) == []
    assert key_files_of(home, CHAIR_IIN) == []  # docflow never held her key

    # Asked again before she signed: the same request (the journal's duplicate), no second one.
    again = json.loads(_cli(home, "--lang", "ru", *SUMMARY, "--json").stdout)
    assert (again["record"], again["request"]) == (None, request.id)
    ru = _cli(home, "--lang", "ru", *SUMMARY).output
    assert f"ожидает собственной подписи председателя: запрос на подпись {request.id}" in ru
    store = SignRequests(home)
    try:
        assert [r.id for r in store.list(iin=CHAIR_IIN)] == [request.id]
    finally:
        store.close()

    # Offline, on her own machine (no docflow home there), with her PKCS#12.
    package, signed = tmp_path / "request.zip", tmp_path / "signed.zip"
    _cli(home, "sign-requests", "export", request.id, "-o", str(package))
    nowhere = tmp_path / "no-home"
    _cli(nowhere, "sign-package", str(package), "--p12", str(her_key), "-o", str(signed),
         env={"DOCFLOW_KEY_PASSPHRASE": PASSPHRASE})  # fmt: skip
    assert not nowhere.exists()
    _cli(home, "sign-requests", "complete", request.id, str(signed))
    assert _summaries(home) == []  # completed, not yet archived: the runner resumes it

    _cli(home, "watch", "--once")
    (entry,) = [e for e in _entries(home, "chamber-summary") if e.token == request.document]
    assert entry.state == "archived", entry
    (record,) = _summaries(home)
    assert record["id"] == entry.record and record["signers"][0]["iin"] == CHAIR_IIN
    with Archive(home) as archive:
        pdf = archive.get(entry.record).pdf_path.read_bytes()
    report = verified(home, pdf, role="chair")
    assert report.signatures[0].iin == CHAIR_IIN
    # B-LTA: the revocation data in the DSS and a document timestamp over it all.
    assert "/DSS" in PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert report.signatures[-1].role == "timestamp"
    assert key_files_of(home, CHAIR_IIN) == []


def test_issue12_r91a_the_warning_notice_is_made_in_a_worker_process(tmp_path: Path) -> None:
    home = summaries_home(tmp_path / "home")
    below = make_iin(date(1981, 2, 2))
    roster = Roster(CHAMBER, (Member("Нормасыз Бекзат", below, date(2015, 1, 1)),))
    with SummaryStore(home) as store:
        store.save_roster(roster, source="test", imported_at="2026-01-05T00:00:00Z")
    report = record_for(below, "Нормасыз Бекзат", version=1, outcome="below_norm",
                        submitted_on=date(2026, 2, 10), points_by_form={"2": 6})  # fmt: skip
    store_records(home, [report])
    run = ["sanctions", "run", "--chamber", "almaty", "--year", str(YEAR)]
    warned = _cli(home, *run, "--today", "2026-02-20").output
    record_id = f"warning-{YEAR}-{below}"
    assert f"warn     {below}" in warned and record_id in warned

    (entry,) = _entries(home, "warning-notice")
    assert (entry.state, entry.record, entry.iin) == ("archived", record_id, below)
    assert _made_by(entry) != os.getpid()
    with Archive(home) as archive:
        stored = archive.get(record_id)
        pdf, record = stored.pdf_path.read_bytes(), stored.record
    assert record["kind"] == "warning" and record["clause"] == "R-9.1a"
    assert (record["warned_on"], record["due_on"]) == ("2026-02-20", "2026-03-20")
    assert record["signers"] == [{"role": "chair", "name": CHAIR_NAME, "iin": CHAIR_IIN}]
    verified(home, pdf, role="chair")
    with SummaryStore(home) as store:
        (case,) = store.cases()
    assert case.warning_record == record_id
    # Idempotent: nothing more to do, nothing made again.
    assert "nothing to do" in _cli(home, *run, "--today", "2026-02-21").output
    assert len(_entries(home, "warning-notice")) == 1


def test_issue15_r55_the_collegiums_chair_signs_as_chair_own_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``chair = "own"`` covers the Collegium's chair too: its summary waits for her request,
    and docflow holds no key of hers."""
    monkeypatch.setenv("DOCFLOW_KEY_PASSPHRASE", PASSPHRASE)
    home = summaries_home(tmp_path / "home", collegium_key=tmp_path / "collegium-chair.p12")
    monkeypatch.delenv("DOCFLOW_KEY_PASSPHRASE")
    store_records(home, chamber_records())
    with (home.root / "docflow.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[signing]\nchair = "own"\n')
    done = _cli(home, "--lang", "en", "summary", "collegium", "--year", str(YEAR), "--today",
                "2026-03-20", "--json")  # fmt: skip
    data = json.loads(done.stdout)
    assert data["record"] is None and data["request"]
    assert f"awaiting the chair's own signature: signing request {data['request']}" in done.stderr
    store = SignRequests(home)
    try:
        (request,) = store.list(iin=COLLEGIUM_CHAIR_IIN)
    finally:
        store.close()
    assert (request.id, request.role, request.field) == (data["request"], "collegium_chair", "head")
    (entry,) = _entries(home, "collegium-summary")
    assert entry.state == "awaiting_signature" and _made_by(entry) != os.getpid()
    assert key_files_of(home, COLLEGIUM_CHAIR_IIN) == []
    with Archive(home) as archive:
        assert archive.search(kind="collegium-summary") == []


def test_issue15_r91a_a_warning_waits_for_the_chairs_own_signature_and_is_not_asked_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    her_key = tmp_path / "chair.p12"
    monkeypatch.setenv("DOCFLOW_KEY_PASSPHRASE", PASSPHRASE)
    home = summaries_home(tmp_path / "home", chair_key=her_key)
    monkeypatch.delenv("DOCFLOW_KEY_PASSPHRASE")
    with (home.root / "docflow.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[signing]\nchair = "own"\n')
    silent = make_iin(date(1982, 3, 3))
    roster = Roster(CHAMBER, (Member("Үнсіз Серік", silent, date(2016, 1, 1)),))
    with SummaryStore(home) as store:
        store.save_roster(roster, source="test", imported_at="2026-01-05T00:00:00Z")
    run = ["--lang", "ru", "sanctions", "run", "--chamber", "almaty", "--year", str(YEAR)]

    said = _cli(home, *run, "--today", "2026-02-20").output
    store = SignRequests(home)
    try:
        (request,) = store.list(iin=CHAIR_IIN)
    finally:
        store.close()
    assert f"предупреждение   {silent}" in said and f"→ {request.id}" in said
    assert f"запрос на подпись {request.id}" in said
    # The case is open from the day the chair was asked; the notice's id is the one it will
    # be archived under, so the next run neither warns again nor asks her twice.
    record_id = f"warning-{YEAR}-{silent}"
    with SummaryStore(home) as store:
        (case,) = store.cases()
    assert (case.state, case.warning_record, case.warned_on) == (
        "open", record_id, date(2026, 2, 20)
    )  # fmt: skip
    assert "делать нечего" in _cli(home, *run, "--today", "2026-02-21").output
    assert len(_entries(home, "warning-notice")) == 1

    package, signed = tmp_path / "request.zip", tmp_path / "signed.zip"
    _cli(home, "sign-requests", "export", request.id, "-o", str(package))
    _cli(tmp_path / "no-home", "sign-package", str(package), "--p12", str(her_key),
         "-o", str(signed), env={"DOCFLOW_KEY_PASSPHRASE": PASSPHRASE})  # fmt: skip
    _cli(home, "sign-requests", "complete", request.id, str(signed))
    _cli(home, "watch", "--once")
    (entry,) = _entries(home, "warning-notice")
    assert (entry.state, entry.record) == ("archived", record_id)
    with Archive(home) as archive:
        pdf = archive.get(record_id).pdf_path.read_bytes()
    assert verified(home, pdf, role="chair").signatures[0].iin == CHAIR_IIN
    assert key_files_of(home, CHAIR_IIN) == []


def test_issue12_a_summary_job_dropped_into_the_inbox_is_refused_unsigned(tmp_path: Path) -> None:
    """The summaries' kinds are made by their commands only (``inbox = false``): numbers of
    one's own dropped into the inbox never get the chair's signature."""
    home = _home_with_roster(tmp_path / "home")
    with build_services(home, clock=Clock(date(2026, 3, 5))) as services:
        service = SummaryService(services)
        try:
            summary = service.chamber_summary("almaty", YEAR, today=date(2026, 3, 5))
            job = service.chamber_job(summary, locale="kk")
        finally:
            service.close()
    forged = job.model_copy(update={"summary": {**job.summary, "required_points": 1}})
    (home.inbox / "summary.json").write_bytes(job_bytes(forged))
    _cli(home, "watch", "--once", "--settle", "0")
    journal = Journal(home.state / "journal.sqlite")
    try:
        (entry,) = journal.entries()
    finally:
        journal.close()
    assert entry.state == "rejected" and entry.kind is None
    assert "chamber-summary" in (home.inbox / "rejected" / "summary.json.error.txt").read_text()
    assert _summaries(home) == []
    store = SignRequests(home)
    try:
        assert store.list() == []
    finally:
        store.close()

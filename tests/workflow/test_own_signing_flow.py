"""Own-key signing inside the flow (issue 15): a ``sign:ROLE`` of an ``own`` role waits in
``awaiting_signature`` with a signing request, and the document goes on from that step when
the person's signature arrives; the officer's comment becomes a new request to the
consultant (docflow never signs as a person in own mode)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.archive import Archive
from docflow.cli import main
from docflow.config import Clock, Home
from docflow.inbox.runner import Runner
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, OFFICER_IIN
from docflow.signreq import SignRequests
from docflow.verify import verify_pdf
from docflow.workflow.build import build_flow
from docflow.workflow.flow import WorkItem
from docflow.workflow.own import SignatureArrivals, consultant_signed_on
from docflow.workflow.review import ReviewQueue
from docflow.workflow.services import Services, build_services
from tests.workflow.own_signing_support import (
    OwnHome,
    assert_no_held_keys,
    own_home,
    sign_request,
)
from tests.workflow.workflow_builders import activity, as_zip, report

TODAY = date(2026, 2, 10)


class Watch:
    """An in-process watcher of the home that can be stopped and started again (a restart:
    nothing but the journal, the work folders and the request store carries over)."""

    def __init__(self, home: Home):
        self.home = home
        self.services: Services | None = None
        self.runner: Runner | None = None
        self.start()

    def start(self) -> None:
        self.services = build_services(self.home, clock=Clock(TODAY))
        self.runner = Runner(
            self.home,
            build_flow(self.services),
            workers=1,
            settle=0,
            ready=SignatureArrivals(self.services.sign_requests),
        )

    def stop(self) -> None:
        assert self.runner is not None and self.services is not None
        self.runner.close()
        self.services.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def step(self) -> None:
        assert self.runner is not None
        self.runner.run_once()
        self.runner.resume_waiting()
        self.runner.drain()

    def entry(self, source: str) -> object:
        assert self.runner is not None
        (found,) = [e for e in self.runner.journal.entries() if e.source == source]
        return found


@pytest.fixture
def own(home: Home, tmp_path: Path) -> OwnHome:
    return own_home(home, tmp_path / "people", auto_countersign=False)


@pytest.fixture
def watch(own: OwnHome) -> Iterator[Watch]:
    w = Watch(own.home)
    try:
        yield w
    finally:
        w.stop()


def _one_open(home: Home, iin: str) -> str:
    store = SignRequests(home)
    try:
        records = store.list(iin=iin)
    finally:
        store.close()
    assert len(records) == 1, [r.to_json() for r in records]
    return records[0].id


@pytest.mark.slow
def test_own_mode_waits_for_each_signer_and_a_comment_asks_the_consultant_again(
    own: OwnHome, watch: Watch
) -> None:
    """R-3.3 / R-4.6 with own keys: consultant → review → the officer's comment (A1) → a new
    request to the consultant for the updated form → the officer → archived."""
    home = own.home
    data = report(
        [
            activity(2, "Семинар: азаматтық процесс", "2025-03-14"),
            activity(4, "Баяндама: медиация", "2025-05-22"),
            activity(3, "Курс: салық құқығы", "2025-09-08"),
            activity(9, "Жұмыс тобы: заң жобасы", "2025-10-15"),
        ]
    )
    (home.inbox / "own.zip").write_bytes(as_zip(data))
    watch.step()

    entry = watch.entry("own.zip")
    assert entry.state == "awaiting_signature"  # type: ignore[attr-defined]
    assert CONSULTANT_NAME in entry.reason and CONSULTANT_IIN in entry.reason  # type: ignore[attr-defined]
    first = _one_open(home, CONSULTANT_IIN)
    assert_no_held_keys(home)

    # A restart while she has not signed: nothing runs, the request stays the only one.
    watch.restart()
    watch.step()
    assert watch.entry("own.zip").state == "awaiting_signature"  # type: ignore[attr-defined]
    assert _one_open(home, CONSULTANT_IIN) == first

    assert sign_request(home, first, own.consultant).accepted
    watch.step()
    entry = watch.entry("own.zip")
    assert entry.state == "review", entry  # type: ignore[attr-defined]
    token = entry.token  # type: ignore[attr-defined]

    assert watch.services is not None
    flow = build_flow(watch.services)
    # R-3.2d: the day of her own signature, for the filing day (UTC+5)
    item = WorkItem(
        entry=entry,  # type: ignore[arg-type]
        workdir=home.state / "work" / token,
        kind=flow.kinds.get("cpd-report"),
    )
    store = SignRequests(home)
    completed = store.get(first).completed
    store.close()
    assert completed is not None
    signed_on = consultant_signed_on(item, watch.services)
    assert signed_on == (completed + timedelta(hours=5)).date()
    queue = ReviewQueue(flow)
    outcome = queue.approve(token, comment="Ескертпелермен келіспеймін: 3-іс-шара расталған.")
    assert outcome.state == "awaiting_signature"
    # A1 in own mode: the updated form goes back to the consultant; docflow signs as nobody.
    second = _one_open(home, CONSULTANT_IIN)
    assert second != first
    store = SignRequests(home)
    try:
        assert store.get(second).document == f"{token}-commented"
        assert store.list(iin=OFFICER_IIN) == []
    finally:
        store.close()

    watch.restart()  # the saved decision survives it
    assert sign_request(home, second, own.consultant).accepted
    watch.step()
    assert watch.entry("own.zip").state == "awaiting_signature"  # type: ignore[attr-defined]
    officer_request = _one_open(home, OFFICER_IIN)

    assert sign_request(home, officer_request, own.officer).accepted
    watch.step()
    entry = watch.entry("own.zip")
    assert entry.state == "archived", entry  # type: ignore[attr-defined]

    with Archive(home) as archive:
        stored = archive.get(entry.record)  # type: ignore[attr-defined]
        record, pdf = stored.record, stored.pdf_path.read_bytes()
    types = [e["type"] for e in record["events"]]
    assert "commented" in types and "approved" in types
    verdict = verify_pdf(pdf, trust_roots=own.pki.trust_roots())
    assert verdict.verdict == "valid", verdict.to_json()
    people = [(s.field, s.iin) for s in verdict.signatures if s.iin]
    assert people == [("consultant", CONSULTANT_IIN), ("officer", OFFICER_IIN)]
    assert sum(1 for s in verdict.signatures if s.role == "timestamp") >= 2
    assert_no_held_keys(home)
    assert not list((home.state / "work").iterdir())


@pytest.mark.slow
def test_a_signed_package_dropped_into_the_inbox_completes_the_request(
    own: OwnHome, watch: Watch
) -> None:
    """Way 2 back through the inbox; a renewed (closed) request is asked again; another
    person's signature is rejected with its reason and the request stays open."""
    from docflow.signreq import export_package, read_package, sign_package

    home = own.home
    (home.inbox / "own.zip").write_bytes(as_zip(report()))
    watch.step()
    first = _one_open(home, CONSULTANT_IIN)

    store = SignRequests(home)
    store.cancel(first)  # `sign-requests renew`
    store.close()
    watch.step()
    assert watch.entry("own.zip").state == "awaiting_signature"  # type: ignore[attr-defined]
    second = _one_open(home, CONSULTANT_IIN)
    assert second != first

    store = SignRequests(home)
    try:
        package = read_package(export_package(store.get(second), store.prepared(second)))
    finally:
        store.close()
    (home.inbox / "wrong.zip").write_bytes(sign_package(package, own.officer.signer))
    watch.step()
    assert watch.entry("wrong.zip").state == "rejected"  # type: ignore[attr-defined]
    explanation = (home.inbox / "rejected" / "wrong.zip.error.txt").read_text(encoding="utf-8")
    assert "wrong_person" in watch.entry("wrong.zip").reason  # type: ignore[attr-defined]
    assert "Қол қойған адам күтілген адам емес" in explanation
    assert _one_open(home, CONSULTANT_IIN) == second

    (home.inbox / "signed.zip").write_bytes(sign_package(package, own.consultant.signer))
    watch.step()
    signed = watch.entry("signed.zip")
    assert signed.state == "signed" and second in signed.reason  # type: ignore[attr-defined]
    # this chamber reviews every report: after her signature, the officer's queue
    assert watch.entry("own.zip").state == "review"  # type: ignore[attr-defined]
    store = SignRequests(home)
    try:
        assert store.get(second).state == "signed"
        assert store.list(iin=OFFICER_IIN) == []
    finally:
        store.close()


@pytest.mark.slow
def test_the_remarks_letter_waits_for_the_officers_own_signature_R_3_2e(
    own: OwnHome, watch: Watch
) -> None:
    """A returnable report (R-7.5 evidence missing) in own mode: the consultant signs, the
    report is returned, and the remarks letter waits for the officer's own signature."""
    home = own.home
    data = report()
    missing = data["activities"][1]["evidence"][0]
    (home.inbox / "defective.zip").write_bytes(as_zip(data, omit=(missing,)))
    watch.step()
    assert sign_request(home, _one_open(home, CONSULTANT_IIN), own.consultant).accepted
    watch.step()
    entry = watch.entry("defective.zip")
    assert entry.state == "awaiting_signature", entry  # type: ignore[attr-defined]
    letter_request = _one_open(home, OFFICER_IIN)
    # `docflow status` says on whom the document waits, in the reader's language.
    for lang, role in (("kk", "жауапты қызметкер"), ("ru", "ответственный сотрудник")):
        shown = CliRunner().invoke(main, ["--home", str(home.root), "--lang", lang, "status"])
        line = next(x for x in shown.output.splitlines() if "defective.zip" in x)
        assert letter_request in line and OFFICER_IIN in line and role in line, line
    assert sign_request(home, letter_request, own.officer).accepted
    watch.step()
    entry = watch.entry("defective.zip")
    assert entry.state == "returned", entry  # type: ignore[attr-defined]
    with Archive(home) as archive:
        (letter,) = archive.search(kind="remarks")
        pdf = archive.get(letter["id"]).pdf_path.read_bytes()
    verdict = verify_pdf(pdf, trust_roots=own.pki.trust_roots())
    assert verdict.verdict == "valid", verdict.to_json()
    assert [(s.field, s.iin) for s in verdict.signatures if s.iin] == [("officer", OFFICER_IIN)]
    assert_no_held_keys(home)


def test_the_watch_notes_a_request_that_became_due_once(
    home: Home, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Older than request_days: remind the signer; older than twice that: flag it to the
    officer; each said once, and an open request never makes the document go on."""
    import json
    import logging
    from datetime import UTC, datetime

    from docflow.inbox.journal import Journal
    from docflow.pki.testing import make_test_pki, pdf_with_fields
    from docflow.sign import SignSpec

    make_test_pki(home)
    store = SignRequests(home)
    journal = Journal(home.state / "journal.sqlite")
    try:
        entry = journal.add("S20260101000000-00000001", "late.zip", "0" * 64)
        workdir = tmp_path / "work"
        workdir.mkdir()
        record = store.create(
            pdf_with_fields(), SignSpec("consultant", role="consultant"), document=entry.token,
            expected_iin=CONSULTANT_IIN, signer_name=CONSULTANT_NAME, days=60,
            now=datetime.now(UTC) - timedelta(days=15),
        )  # fmt: skip
        (workdir / "request-consultant.json").write_text(
            json.dumps({"id": record.id, "product": "signed-consultant.pdf"})
        )
        arrivals = SignatureArrivals(store, request_days=14)
        with caplog.at_level(logging.WARNING, logger="docflow.watch"):
            assert arrivals(entry, workdir) is False
            assert arrivals(entry, workdir) is False
        notes = [r.getMessage() for r in caplog.records]
        assert len(notes) == 1 and "remind the signer" in notes[0] and record.id in notes[0]
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="docflow.watch"):
            assert SignatureArrivals(store, request_days=7)(entry, workdir) is False
        assert ["flagged to the officer" in r.getMessage() for r in caplog.records] == [True]
        store.cancel(record.id)
        assert arrivals(entry, workdir) is True  # renewed: the flow asks again
    finally:
        journal.close()
        store.close()


def test_bytes_already_archived_are_that_record_even_with_a_new_journal(
    home: Home, tmp_path: Path
) -> None:
    """Issue 18: after `archive migrate` the shared journal starts empty; the same report
    dropped again is the archived record, and nobody is asked to sign it a second time."""
    own = own_home(home, tmp_path / "people")
    blob = as_zip(report())  # the very same bytes, twice
    watch = Watch(own.home)
    try:
        (home.inbox / "first.zip").write_bytes(blob)
        watch.step()
        assert sign_request(home, _one_open(home, CONSULTANT_IIN), own.consultant).accepted
        watch.step()
        assert sign_request(home, _one_open(home, OFFICER_IIN), own.officer).accepted
        watch.step()
        first = watch.entry("first.zip")
        assert first.state == "archived", first  # type: ignore[attr-defined]
    finally:
        watch.stop()
    # A journal that never saw first.zip (as a node's after the archive moved to PostgreSQL).
    for path in home.state.glob("journal.sqlite*"):
        path.unlink()
    watch = Watch(own.home)
    try:
        (home.inbox / "again.zip").write_bytes(blob)
        watch.step()
        again = watch.entry("again.zip")
        assert (again.state, again.record) == ("archived", first.record), again  # type: ignore[attr-defined]
    finally:
        watch.stop()
    store = SignRequests(home)
    try:
        assert store.list(state="open") == []  # she was not asked again
        assert len(store.list(iin=CONSULTANT_IIN, state=None)) == 1  # signed once, in all
    finally:
        store.close()
    with Archive(home) as archive:
        assert len(archive.search(kind="cpd-report")) == 1

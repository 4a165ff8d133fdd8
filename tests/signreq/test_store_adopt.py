"""Issue 18: the signing requests' store is opened through ``docflow.storage.open_database``
with migrations of its own. The ``.docflow/sign-requests.sqlite`` an older docflow made
(without migrations, its PDFs in ``.docflow/sign-requests/<id>/``) is adopted in place: its
requests, tokens and IINs keep working and its PDFs move into the store."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from docflow.config import Home
from docflow.pki import Pki
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec
from docflow.signreq import SignRequests, home_services, home_trust
from docflow.verify import verify_pdf

from .old_store import old_request, old_store, old_token
from .support import consultant_cms, race

OPEN_ID, SIGNED_ID, STRAY_ID = "0123456789abcdef", "fedcba9876543210", "00000000000000aa"
SIGNED_BEFORE = b"%PDF-1.7 signed before the store moved"


def older_home(root: Path) -> Home:
    """A home whose signing requests an older docflow wrote: one open request and one signed,
    with their PDFs on disk, an API token and a person's IIN."""
    make_test_pki(root)
    home = Home(root)
    db = old_store(home.state)
    old_request(db, home.state, pdf_with_fields(), request_id=OPEN_ID, iin=CONSULTANT_IIN,
                name=CONSULTANT_NAME)  # fmt: skip
    old_request(db, home.state, pdf_with_fields(text="signed one"), request_id=SIGNED_ID,
                iin=CONSULTANT_IIN, name=CONSULTANT_NAME, signed_pdf=SIGNED_BEFORE)  # fmt: skip
    old_token(db, "dft_made-before", "oleg")
    db.execute("INSERT INTO user_iins VALUES ('oleg', ?)", (CONSULTANT_IIN,))
    db.close()
    (home.state / "sign-requests" / STRAY_ID).mkdir()  # a crash left a folder without a row
    return home


def test_issue_18_an_older_sqlite_store_is_adopted_in_place(tmp_path: Path) -> None:
    home = older_home(tmp_path / "home")
    store = SignRequests(home)
    try:
        assert [r.id for r in store.list()] == [OPEN_ID]
        assert store.get(SIGNED_ID).state == "signed"
        assert store.signed_pdf(SIGNED_ID) == SIGNED_BEFORE
        assert store.token_user("dft_made-before") == "oleg"
        assert store.user_iin("oleg") == CONSULTANT_IIN
        # the PDFs moved into the store; a folder the store does not know stays
        assert [p.name for p in (home.state / "sign-requests").iterdir()] == [STRAY_ID]
        prepared = store.prepared(OPEN_ID)
        with home_services(home) as services:
            result = store.submit(OPEN_ID, consultant_cms(home.root, prepared),
                                  trust=home_trust(home), services=services)  # fmt: skip
        assert result.accepted and result.pdf is not None
        assert store.signed_pdf(OPEN_ID) == result.pdf
        assert store.get(OPEN_ID).signed_sha256 == hashlib.sha256(result.pdf).hexdigest()
    finally:
        store.close()
    report = verify_pdf(result.pdf, trust_roots=Pki(home.root).trust_roots())
    assert report.valid_so_far and report.signatures[0].iin == CONSULTANT_IIN
    # the same file, now with the store's tables and its version table
    with sqlite3.connect(home.state / "sign-requests.sqlite") as db:
        assert db.execute("SELECT version_num FROM docflow_signreq_version").fetchall() == [
            ("sreq0001",)
        ]
        sql = "SELECT name FROM sign_request_files WHERE request_id = ? ORDER BY name"
        names = [r[0] for r in db.execute(sql, (OPEN_ID,))]
    assert names == ["prepared.json", "prepared.pdf", "signed.pdf"]


def test_issue_18_opening_the_adopted_store_again_changes_nothing(tmp_path: Path) -> None:
    home = older_home(tmp_path / "home")
    SignRequests(home).close()
    store = SignRequests(home)
    try:
        assert [r.id for r in store.list(state=None)] == [OPEN_ID, SIGNED_ID]
        assert store.prepared(OPEN_ID).signer_name == CONSULTANT_NAME
    finally:
        store.close()


def test_issue_18_a_new_request_keeps_nothing_on_disk(tmp_path: Path) -> None:
    make_test_pki(tmp_path / "home")
    home = Home(tmp_path / "home")
    store = SignRequests(home)
    try:
        record = store.create(pdf_with_fields(), SignSpec("consultant", role="consultant"),
                              document="report", expected_iin=CONSULTANT_IIN,
                              signer_name=CONSULTANT_NAME)  # fmt: skip
        assert store.prepared(record.id).field == "consultant"
    finally:
        store.close()
    kept = {p.name for p in home.state.iterdir() if p.name.startswith("sign-req")}
    assert "sign-requests.sqlite" in kept and not (home.state / "sign-requests").exists()
    assert kept <= {"sign-requests.sqlite", "sign-requests.sqlite-shm", "sign-requests.sqlite-wal",
                    "sign-requests.sqlite.lock"}  # fmt: skip


def test_issue_18_two_answers_at_once_complete_a_request_once_on_sqlite(tmp_path: Path) -> None:
    """Two processes' stores on one embedded home (two objects, two engines), two good
    answers released together: one completes the request, the other finds it signed."""
    make_test_pki(tmp_path / "home")
    home = Home(tmp_path / "home")
    stores = [SignRequests(home), SignRequests(home)]
    try:
        record = stores[0].create(pdf_with_fields(), SignSpec("consultant", role="consultant"),
                                  document="report", expected_iin=CONSULTANT_IIN,
                                  signer_name=CONSULTANT_NAME)  # fmt: skip
        prepared = stores[1].prepared(record.id)
        answers = [consultant_cms(home.root, prepared, second=s) for s in (1, 2)]
        results, errors = race(home, stores, record.id, answers)
        assert len(results) == 1 and results[0].accepted, (results, errors)
        assert len(errors) == 1 and "signed" in str(errors[0]), errors
        pdf = results[0].pdf
        assert pdf is not None
        assert stores[1].get(record.id).signed_sha256 == hashlib.sha256(pdf).hexdigest()
        assert stores[0].signed_pdf(record.id) == pdf
    finally:
        for store in stores:
            store.close()

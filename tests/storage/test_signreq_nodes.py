"""Issue 18: a document waiting for a person does not stay on the machine that made it. The
signing requests, their prepared and signed PDFs, API tokens and login nonces live in the
``[storage] database`` (real PostgreSQL, a private schema per test): a request made on one node
(two homes, two stores: two machines sharing only the database) is listed, completed and its
signed PDF read on the other, two answers at two nodes complete it once, a token made on one
is honoured and revoked on every node, and a node's older SQLite store moves in."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from docflow.config import Home
from docflow.pki import Pki
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec
from docflow.signreq import SignRequests, home_services, home_trust
from docflow.verify import verify_pdf
from tests.signreq.support import consultant_cms, race
from tests.signreq.test_store_adopt import OPEN_ID, SIGNED_BEFORE, SIGNED_ID, older_home


def _scaled(root: Path, pg_url: str) -> Home:
    (root / "docflow.toml").write_text(f'[storage]\ndatabase = "{pg_url}"\n', encoding="utf-8")
    return Home(root)


@pytest.fixture
def nodes(tmp_path: Path, pg_url: str) -> tuple[Home, Home]:
    """Two homes configured alike (the same CA certificates and TSA, as a deployment copies
    its configuration to every node), sharing only the PostgreSQL database."""
    make_test_pki(tmp_path / "a")
    shutil.copytree(tmp_path / "a" / "certs", tmp_path / "b" / "certs")
    return _scaled(tmp_path / "a", pg_url), _scaled(tmp_path / "b", pg_url)


def _request(store: SignRequests, text: str = "waiting on a person") -> str:
    return store.create(pdf_with_fields(text=text), SignSpec("consultant", role="consultant"),
                        document="report-2026-0001", expected_iin=CONSULTANT_IIN,
                        signer_name=CONSULTANT_NAME).id  # fmt: skip


def test_issue_18_a_request_made_on_one_node_is_completed_and_read_on_another(
    nodes: tuple[Home, Home],
) -> None:
    a, b = nodes
    worker, web = SignRequests(a), SignRequests(b)
    try:
        assert worker.db.dialect == web.db.dialect == "postgresql"
        request_id = _request(worker)
        assert [r.id for r in web.list(iin=CONSULTANT_IIN)] == [request_id]
        assert web.get_many([request_id])[request_id].state == "open"
        assert worker.get_many([request_id])[request_id].state == "open"  # the watcher's poll
        prepared = web.prepared(request_id)
        assert prepared == worker.prepared(request_id)
        with home_services(b) as services:
            result = web.submit(request_id, consultant_cms(b.root, prepared),
                                trust=home_trust(b), services=services)  # fmt: skip
        assert result.accepted and result.pdf is not None
        assert worker.get_many([request_id])[request_id].state == "signed"
        record = worker.get(request_id)
        assert record.state == "signed"
        assert record.signed_sha256 == hashlib.sha256(result.pdf).hexdigest()
        assert worker.signed_pdf(request_id) == result.pdf  # read where it was made
    finally:
        worker.close()
        web.close()
    report = verify_pdf(result.pdf, trust_roots=Pki(a.root).trust_roots())
    assert report.valid_so_far and report.signatures[0].iin == CONSULTANT_IIN
    for home in nodes:  # nothing of the request on either machine's disk
        on_disk = list(home.state.glob("sign-request*")) if home.state.exists() else []
        assert on_disk == []


def test_issue_18_two_answers_at_two_nodes_complete_a_request_once(
    nodes: tuple[Home, Home],
) -> None:
    a, b = nodes
    stores = [SignRequests(a), SignRequests(b)]
    try:
        request_id = _request(stores[0])
        prepared = stores[1].prepared(request_id)
        answers = [consultant_cms(a.root, prepared, second=s) for s in (1, 2)]
        results, errors = race(a, stores, request_id, answers)
        assert len(results) == 1 and results[0].accepted, (results, errors)
        assert len(errors) == 1 and f"request {request_id} is signed" in str(errors[0]), errors
        pdf = results[0].pdf
        assert pdf is not None
        for store in stores:
            assert store.get(request_id).signed_sha256 == hashlib.sha256(pdf).hexdigest()
            assert store.signed_pdf(request_id) == pdf
    finally:
        for store in stores:
            store.close()


def test_issue_18_the_row_lock_makes_another_nodes_answer_wait(nodes: tuple[Home, Home]) -> None:
    """While one node holds a request (checking and completing its answer), another node's
    ``submit`` of the same request waits for it; other requests do not."""
    import threading

    a, b = nodes
    first, second = SignRequests(a), SignRequests(b)
    try:
        held_id, other_id = _request(first), _request(first, "another")
        finished = threading.Event()
        with first._held(held_id) as conn:
            assert conn is not None
            waiter = threading.Thread(
                target=lambda: (second.cancel(held_id), finished.set()), daemon=True
            )
            waiter.start()
            assert not finished.wait(1.5)  # blocked by the row lock
            second.cancel(other_id)  # another request is not held
            assert second.get(other_id).state == "cancelled"
        assert finished.wait(30)
        assert first.get(held_id).state == "cancelled"
    finally:
        first.close()
        second.close()


def test_issue_18_a_token_made_on_one_node_works_and_is_revoked_everywhere(
    nodes: tuple[Home, Home],
) -> None:
    a, b = nodes
    one, two = SignRequests(a), SignRequests(b)
    try:
        token = one.new_token("oleg")
        assert two.token_user(token) == "oleg"
        one.set_user_iin("oleg", CONSULTANT_IIN)
        assert two.user_iin("oleg") == CONSULTANT_IIN
        assert two.user_for_iin(CONSULTANT_IIN) == "oleg"
        assert two.revoke_tokens("oleg") == 1
        assert one.token_user(token) is None and two.token_user(token) is None
        nonce = one.new_login_nonce()  # the login page came from one node …
        assert two.use_login_nonce(nonce)  # … its signature reached the other
        assert not one.use_login_nonce(nonce)  # used once, on every node
    finally:
        one.close()
        two.close()
    engine = create_engine(_url(a))
    try:
        with engine.connect() as conn:
            kept = [r[0] for r in conn.execute(text("SELECT token_sha256 FROM api_tokens"))]
    finally:
        engine.dispose()
    assert token not in kept and hashlib.sha256(token.encode()).hexdigest() in kept


def _url(home: Home) -> str:
    from docflow.storage import StorageSettings

    url = StorageSettings.from_home(home.root).database
    assert url is not None
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def test_issue_18_a_nodes_older_sqlite_store_moves_into_the_database(
    tmp_path: Path, pg_url: str
) -> None:
    """A worker host scaled out with requests still waiting in its own SQLite file (made by an
    older docflow, PDFs on disk): opening the store moves them into PostgreSQL, where another
    node completes and reads them; the file is set aside."""
    a = older_home(tmp_path / "a")
    shutil.copytree(a.certs, tmp_path / "b" / "certs")
    a, b = _scaled(a.root, pg_url), _scaled(tmp_path / "b", pg_url)
    SignRequests(a).close()
    assert not (a.state / "sign-requests.sqlite").exists()
    assert (a.state / "sign-requests.sqlite.moved").exists()
    assert not (a.state / "sign-requests").joinpath(OPEN_ID).exists()
    store = SignRequests(b)
    try:
        assert [r.id for r in store.list()] == [OPEN_ID]
        assert store.signed_pdf(SIGNED_ID) == SIGNED_BEFORE
        assert store.token_user("dft_made-before") == "oleg"
        with home_services(b) as services:
            result = store.submit(OPEN_ID, consultant_cms(b.root, store.prepared(OPEN_ID)),
                                  trust=home_trust(b), services=services)  # fmt: skip
        assert result.accepted
    finally:
        store.close()
    with sqlite3.connect(a.state / "sign-requests.sqlite.moved") as db:  # kept as it was
        assert db.execute("SELECT count(*) FROM sign_requests").fetchone() == (2,)


def _backend_pid(store: SignRequests) -> int:
    with store.db.reading() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _state_in_child(store: SignRequests, request_id: str, out: Any) -> None:
    out.put((store.get(request_id).state, _backend_pid(store)))


def test_issue_18_a_forked_worker_process_uses_connections_of_its_own(
    nodes: tuple[Home, Home],
) -> None:
    """The services (and their store) are built before the worker processes are forked: a
    child must not share the parent's PostgreSQL connection (SQLAlchemy's fork recipe)."""
    import multiprocessing

    a, _ = nodes
    store = SignRequests(a)
    try:
        request_id = _request(store)
        assert store.get(request_id).state == "open"  # the parent's pooled connection is live
        parent = _backend_pid(store)
        context = multiprocessing.get_context("fork")
        out = context.Queue()
        children = [
            context.Process(target=_state_in_child, args=(store, request_id, out)) for _ in range(2)
        ]
        for child in children:
            child.start()
        states = [out.get(timeout=60) for _ in children]
        for child in children:
            child.join(timeout=60)
            assert child.exitcode == 0
        assert [state for state, _ in states] == ["open", "open"]
        assert parent not in {pid for _, pid in states}  # never the parent's session
        store.cancel(request_id)  # the parent's connections still work
        assert store.get(request_id).state == "cancelled"
    finally:
        store.close()

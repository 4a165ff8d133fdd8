"""Quick edge cases through Starlette's TestClient: CSRF, sessions, roles, throttling, upload
limits, escaping, headers, and ``docflow users add``. No browser, no signatures."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from docflow.archive import Archive
from docflow.config import Home
from docflow.web import create_app
from docflow.web.auth import AuthStore, CsrfTokens, LoginThrottle, User
from docflow.web.i18n import _TEXT, LOCALES, translate
from docflow.web.services import MAX_UPLOAD_BYTES, dashboard_rows, mask_iin

PASSWORD = "correct-horse-1"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(home: Home, clock: FakeClock) -> Iterator[AuthStore]:
    s = AuthStore.for_home(home, clock=clock, idle_seconds=600, absolute_seconds=3600)
    s.add_user("anna", "archivist", PASSWORD)
    s.add_user("oleg", "officer", PASSWORD)
    yield s
    s.close()


@pytest.fixture
def client(home: Home, store: AuthStore) -> Iterator[TestClient]:
    app = create_app(home, auth=store, throttle=LoginThrottle(limit=3, window=60))
    with TestClient(app) as c:
        yield c


def csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def log_in(client: TestClient, name: str = "anna", password: str = PASSWORD) -> Any:
    return client.post(
        "/login",
        data={"csrf": csrf(client), "name": name, "password": password},
        follow_redirects=False,
    )


def test_every_page_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/verify", "/login", "/v/NOPE", "/static/style.css"):
        r = client.get(path)
        assert "default-src 'self'" in r.headers["content-security-policy"], path
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"


def test_passwords_are_stored_as_argon2id(home: Home, store: AuthStore) -> None:
    db = sqlite3.connect(home.outbox / ".index" / "archive.sqlite")
    hashed = db.execute("SELECT password_hash FROM web_users WHERE name='anna'").fetchone()[0]
    db.close()
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed


def test_the_users_table_lives_beside_the_archive_index(home: Home, store: AuthStore) -> None:
    with Archive(home) as archive:
        archive.store({"kind": "cpd-report", "year": 2025, "full_name": "X"}, b"%PDF-x",
                      record_id="R1")  # fmt: skip
        assert [r["id"] for r in archive.search()] == ["R1"]
    assert store.authenticate("anna", PASSWORD) is not None


def test_wrong_password_and_unknown_user_are_refused(client: TestClient) -> None:
    r = log_in(client, password="wrong-password")
    assert r.status_code == 401
    assert "docflow_session" not in r.headers.get("set-cookie", "")
    assert log_in(client, name="nobody").status_code == 401
    assert log_in(client).status_code == 303


def test_login_is_throttled_after_repeated_failures(client: TestClient) -> None:
    for _ in range(3):
        assert log_in(client, password="wrong-password").status_code == 401
    # Even the right password is refused while the name is blocked.
    assert log_in(client).status_code == 429


def test_missing_session_redirects_to_login(client: TestClient) -> None:
    for path in ("/archive", "/archive/R1", "/review", "/dashboard"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?next="), path


def test_session_expires_when_idle(client: TestClient, clock: FakeClock) -> None:
    assert log_in(client).status_code == 303
    assert client.get("/archive", follow_redirects=False).status_code == 200
    clock.now += 601
    r = client.get("/archive", follow_redirects=False)
    assert r.status_code == 303 and "expired=1" in r.headers["location"]


def _session_rows(home: Home) -> set[str]:
    db = sqlite3.connect(home.outbox / ".index" / "archive.sqlite")
    try:
        return {r[0] for r in db.execute("SELECT token_sha256 FROM web_sessions")}
    finally:
        db.close()


def test_expired_sessions_are_purged_from_the_database(
    home: Home, store: AuthStore, clock: FakeClock
) -> None:
    anna, oleg = User("anna", "archivist"), User("oleg", "officer")
    abandoned = store.open_session(anna)  # the browser was closed without logging out
    clock.now += 300
    live = store.open_session(oleg)
    clock.now += 301  # anna's session has been idle 601 s (> 600), oleg's 301 s
    fresh = store.open_session(anna)
    sha = {t: hashlib.sha256(t.encode()).hexdigest() for t in (abandoned, live, fresh)}
    assert _session_rows(home) == {sha[live], sha[fresh]}
    assert store.session_user(live) == oleg
    clock.now += 3600  # past the absolute limit of both
    assert store.purge_expired() == 2
    assert _session_rows(home) == set()


def test_session_cookie_is_httponly_and_lax(client: TestClient) -> None:
    cookie = log_in(client).headers["set-cookie"]
    assert "docflow_session=" in cookie
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()


def test_roles_are_enforced(client: TestClient) -> None:
    log_in(client, "anna")
    assert client.get("/review").status_code == 403
    assert client.get("/archive").status_code == 200
    client.cookies.clear()
    log_in(client, "oleg")
    assert client.get("/archive").status_code == 403
    assert client.get("/review").status_code == 200


def test_post_without_or_with_forged_csrf_token_is_refused(client: TestClient) -> None:
    csrf(client)  # the browser has its CSRF cookie
    forged = {"name": "anna", "password": PASSWORD, "csrf": "0" * 64}
    assert client.post("/login", data=forged).status_code == 403
    assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 403
    files = {"file": ("a.pdf", b"%PDF-1.4\n", "application/pdf")}
    assert client.post("/verify", data={"csrf": "f" * 64}, files=files).status_code == 403
    log_in(client, "oleg")
    r = client.post("/review/X/approve", data={"csrf": "forged"})
    assert r.status_code == 403
    assert client.post("/logout", data={}).status_code == 403


def test_a_token_from_another_browser_is_refused(home: Home, store: AuthStore) -> None:
    app = create_app(home, auth=store)
    with TestClient(app) as a, TestClient(app) as b:
        token_of_a = csrf(a)
        csrf(b)
        r = b.post("/login", data={"csrf": token_of_a, "name": "anna", "password": PASSWORD})
        assert r.status_code == 403


def test_csrf_tokens_compare_against_the_cookie() -> None:
    tokens = CsrfTokens(b"k" * 32)
    cookie = tokens.new_cookie()
    assert tokens.valid(cookie, tokens.token_for(cookie))
    assert not tokens.valid(cookie, tokens.token_for(cookie + "x"))
    assert not tokens.valid(None, tokens.token_for(cookie))


def test_logout_ends_the_session(client: TestClient) -> None:
    log_in(client)
    token = csrf(client, "/archive")
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert client.get("/archive", follow_redirects=False).status_code == 303


def test_no_open_redirect_after_login(client: TestClient) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil"):
        r = client.post(
            "/login",
            data={"csrf": csrf(client), "name": "anna", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert r.headers["location"] == "/archive", target
    r = client.get("/lang/ru?next=//evil.example", follow_redirects=False)
    assert r.headers["location"] == "/verify"


def test_upload_over_20_mb_is_refused(client: TestClient) -> None:
    token = csrf(client, "/verify")
    big = b"%PDF-1.4\n" + b"0" * (MAX_UPLOAD_BYTES + 10)
    r = client.post("/verify", data={"csrf": token}, files={"file": ("big.pdf", big)})
    assert r.status_code == 413


def test_unreadable_upload_is_explained_not_crashed(client: TestClient) -> None:
    token = csrf(client, "/verify")
    r = client.post("/verify", data={"csrf": token}, files={"file": ("x.pdf", b"not a pdf")})
    assert r.status_code in (200, 422)
    assert "<html" in r.text


def test_upload_is_never_written_under_the_client_name(client: TestClient, home: Home) -> None:
    token = csrf(client, "/verify")
    name = "../../evil-name.pdf"
    r = client.post("/verify", data={"csrf": token}, files={"file": (name, b"%PDF-1.4\n%%EOF")})
    assert r.status_code in (200, 422)
    for folder in (home.root, home.root.parent, Path.cwd()):
        assert not list(folder.rglob("evil-name.pdf")), folder


def test_record_data_is_escaped(client: TestClient, home: Home) -> None:
    with Archive(home) as archive:
        record = {
            "kind": "cpd-report",
            "outcome": "compliant",
            "year": 2025,
            "full_name": "<script>alert(1)</script>",
            "iin": "900415400127",
        }
        archive.store(record, b"%PDF-escape", record_id="ESC-1")  # fmt: skip
    log_in(client)
    r = client.get("/archive?name=script")
    assert "<script>alert" not in r.text
    assert "&lt;script&gt;" in r.text
    assert "<script>alert" not in client.get("/archive/ESC-1").text


def test_unknown_record_and_certificate_are_404(client: TestClient) -> None:
    assert client.get("/v/NO-SUCH-SERIAL").status_code == 404
    log_in(client)
    assert client.get("/archive/NOPE").status_code == 404
    assert client.get("/archive/..%2F..%2Fetc/pdf").status_code == 404


def test_language_is_remembered_in_a_cookie(client: TestClient) -> None:
    assert 'lang="kk"' in client.get("/verify").text
    client.get("/lang/ru?next=/verify")
    assert 'lang="ru"' in client.get("/verify").text
    assert "Проверка документа" in client.get("/verify").text


def test_every_text_has_all_three_languages() -> None:
    for key, row in _TEXT.items():
        assert len(row) == len(LOCALES) and all(row), key
    assert translate("kk", "nav.verify") == "Тексеру"
    assert translate("xx", "nav.verify") == "Тексеру"  # unknown locale: Kazakh


def test_iin_is_masked() -> None:
    assert mask_iin("900415400127") == "9004******27"
    assert mask_iin(None) is None


def test_dashboard_counts_the_newest_version_of_each_report() -> None:
    base = {"kind": "cpd-report", "chamber": "A", "year": 2025}
    records = [
        {**base, "id": "1", "series": "s1", "version": 1, "outcome": "returned"},
        {**base, "id": "2", "series": "s1", "version": 2, "outcome": "compliant", "late": True},
        {**base, "id": "3", "series": "s2", "version": 1, "outcome": "below_norm"},
        {**base, "id": "4", "series": "s3", "version": 1, "outcome": "exempt", "year": 2024},
        {"kind": "certificate", "id": "5", "chamber": "A", "year": 2025, "outcome": "issued"},
    ]
    rows = dashboard_rows(records, [("A", 2025), ("B", 2025)])
    by_key = {(r.chamber, r.year): r.counts for r in rows}
    assert by_key[("A", 2025)] == {"filed": 3, "compliant": 1, "below_norm": 1, "exempt": 0,
                                   "returned": 0, "late": 1, "waiting": 1}  # fmt: skip
    assert by_key[("A", 2024)]["exempt"] == 1
    assert by_key[("B", 2025)]["waiting"] == 1


def test_users_add_reads_the_password_from_the_environment(home: Home) -> None:
    from docflow.cli import main

    runner = CliRunner()
    result = runner.invoke(
        main,
        ["--home", str(home.root), "users", "add", "--name", "zhan", "--role", "officer"],
        env={"DOCFLOW_PASSWORD": "from-the-env-1"},
    )
    assert result.exit_code == 0, result.output
    store = AuthStore.for_home(home)
    try:
        assert store.authenticate("zhan", "from-the-env-1") is not None
    finally:
        store.close()
    # There is no --password option: a password on the command line is refused.
    bad = runner.invoke(main, ["--home", str(home.root), "users", "add", "--name", "x",
                               "--role", "officer", "--password", "p"])  # fmt: skip
    assert bad.exit_code != 0


def test_users_add_prompts_for_the_password(home: Home) -> None:
    from docflow.cli import main

    result = CliRunner().invoke(
        main,
        ["--home", str(home.root), "users", "add", "--name", "dana", "--role", "archivist"],
        input="prompted-pw-1\nprompted-pw-1\n",
        env={"DOCFLOW_PASSWORD": ""},
    )
    assert result.exit_code == 0, result.output
    assert "prompted-pw-1" not in result.output
    store = AuthStore.for_home(home)
    try:
        assert store.authenticate("dana", "prompted-pw-1") is not None
    finally:
        store.close()


def test_an_unsigned_pdf_is_invalid_with_the_reason_in_kazakh(client: TestClient) -> None:
    from tests.support.pdfs import blank_pdf

    token = csrf(client, "/verify")
    r = client.post("/verify", data={"csrf": token}, files={"file": ("u.pdf", blank_pdf("x"))})
    assert r.status_code == 200
    assert 'data-verdict="invalid"' in r.text
    assert "құжатқа қол қойылмаған" in r.text


def test_known_verify_reasons_are_translated_and_others_kept() -> None:
    from docflow.web.i18n import reason

    text = "the signed bytes were changed after signing (the digest does not match)"
    assert reason("ru", text).startswith("подписанные байты изменены")
    assert reason("kk", f"consultant: {text}").startswith("consultant: қол қойылған байттар")
    assert reason("kk", "something new") == "something new"
    assert reason("en", text) == text


def test_a_failing_approval_is_shown_and_the_server_lives_on(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextlib import contextmanager

    from docflow.errors import PkiError
    from docflow.web.services import ReviewService
    from docflow.workflow.review import ReviewItem

    item = ReviewItem(
        id="S1", full_name="Тест", iin="900415400127", year=2025, reasons=["R-3.1b: x"],
        source="a.zip", received_at="2026-02-10T09:00:00+00:00",
        verdict={"total_points": 7, "required_points": 10, "activities": [], "findings": []},
    )  # fmt: skip

    class FailingQueue:
        def get(self, item_id: str) -> ReviewItem:
            return item

        def evidence(self, item_id: str) -> dict[str, bytes]:
            return {}

        def approve(self, item_id: str, **kwargs: Any) -> None:
            # what the trust services raise when their port is taken
            raise PkiError("cannot listen on http://127.0.0.1:8088: Address already in use")

    @contextmanager
    def fake_queue(self: ReviewService) -> Iterator[FailingQueue]:
        yield FailingQueue()

    monkeypatch.setattr(ReviewService, "_queue", fake_queue)
    log_in(client, "oleg")
    token = csrf(client, "/review/S1")
    r = client.post("/review/S1/approve", data={"csrf": token, "points-0": "2"})
    assert r.status_code == 400
    assert 'id="error"' in r.text and "cannot listen on" in r.text
    assert client.get("/verify").status_code == 200
    bad_points = client.post("/review/S1/approve", data={"csrf": token, "points-0": "-1"})
    assert bad_points.status_code == 400

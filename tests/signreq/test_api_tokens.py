"""API tokens (issue 15): each expires (`users token NAME --days N`, default 90) and can be
revoked (`users token NAME --revoke`); only the token's SHA-256 is kept."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from docflow.cli import main
from docflow.config import Home
from docflow.signreq import SignRequests
from docflow.web.auth import AuthStore
from tests.signreq.old_store import old_store


def test_a_token_expires_after_its_days(tmp_path: Path) -> None:
    store = SignRequests(Home(tmp_path / "home").ensure())
    try:
        made = datetime(2026, 12, 1, tzinfo=UTC)
        token = store.new_token("oleg", days=2, now=made)
        assert store.token_user(token, now=made + timedelta(days=1)) == "oleg"
        assert store.token_user(token, now=made + timedelta(days=2, seconds=1)) is None
        assert store.token_user("dft_not-a-token", now=made) is None
    finally:
        store.close()


def test_revoking_ends_every_token_of_the_user(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    auth = AuthStore.for_home(home)
    auth.add_user("oleg", "officer", "officer-pw-12")
    auth.add_user("anna", "archivist", "archivist-pw-1")
    auth.close()
    runner = CliRunner()
    users = ["--home", str(home.root), "users", "token"]
    first = runner.invoke(main, [*users, "oleg"])
    second = runner.invoke(main, [*users, "oleg", "--days", "1"])
    other = runner.invoke(main, [*users, "anna"])
    assert first.exit_code == second.exit_code == other.exit_code == 0
    tokens = [r.stdout.strip() for r in (first, second, other)]
    store = SignRequests(home)
    try:
        assert [store.token_user(t) for t in tokens] == ["oleg", "oleg", "anna"]
        revoked = runner.invoke(main, [*users, "oleg", "--revoke"])
        assert revoked.exit_code == 0 and revoked.stdout.startswith("oleg: 2")
        assert [store.token_user(t) for t in tokens] == [None, None, "anna"]
    finally:
        store.close()
    with sqlite3.connect(home.state / "sign-requests.sqlite") as db:
        kept = [r[0] for r in db.execute("SELECT token_sha256 FROM api_tokens")]
    assert not any(t in kept for t in tokens)  # only digests are stored


def test_a_token_made_before_expiry_existed_still_expires(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    db = old_store(home.state, token_columns=False)  # the first api_tokens' shape
    old = "dft_old-token"
    made = datetime.now(UTC) - timedelta(days=100)
    db.execute(
        "INSERT INTO api_tokens VALUES (?, ?, ?)",
        (hashlib.sha256(old.encode()).hexdigest(), "oleg", made.isoformat()),
    )
    db.close()
    store = SignRequests(home)  # adds the columns
    try:
        assert store.token_user(old) is None  # older than the default 90 days
        assert store.token_user(old, now=made + timedelta(days=10)) == "oleg"
    finally:
        store.close()

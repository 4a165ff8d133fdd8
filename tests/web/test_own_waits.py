"""Issue 15: how many signatures wait, on whom, for how long — on the dashboard, in
`sign-requests list/waiting`; a request older than `request_days` is reminded (the person's
/sign page says so), older than twice that it is flagged to the officer, who may renew it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docflow.cli import main
from docflow.config import Home
from docflow.pki.testing import CONSULTANT_IIN, OFFICER_IIN, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec
from docflow.signreq import SignRequests

REQUEST_DAYS = 10


@pytest.fixture
def waits(tmp_path: Path) -> tuple[Home, dict[str, str]]:
    home = Home(tmp_path / "home").ensure()
    make_test_pki(home)
    (home.root / "docflow.toml").write_text(
        f'[signing]\nconsultant = "own"\nofficer = "own"\nrequest_days = {REQUEST_DAYS}\n',
        encoding="utf-8",
    )
    now = datetime.now(UTC)
    store = SignRequests(home)
    made = {}
    try:
        for name, iin, role, age in (
            ("fresh", CONSULTANT_IIN, "consultant", 1),
            ("reminded", CONSULTANT_IIN, "consultant", REQUEST_DAYS + 2),
            ("flagged", OFFICER_IIN, "officer", 2 * REQUEST_DAYS + 3),
        ):
            made[name] = store.create(
                pdf_with_fields(text=f"waits {name}"),
                SignSpec(role, role=role, lock=role == "officer"),
                document=f"S-{name}",
                expected_iin=iin,
                signer_name=f"{role} DEMO",
                days=3 * REQUEST_DAYS,
                now=now - timedelta(days=age),
            ).id
    finally:
        store.close()
    return home, made


def _login(client: Any, name: str, password: str) -> None:
    page = client.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    client.post("/login", data={"name": name, "password": password, "csrf": found.group(1)})


def test_list_and_waiting_say_what_is_due(waits: tuple[Home, dict[str, str]]) -> None:
    home, made = waits
    runner = CliRunner()
    out = runner.invoke(main, ["--home", str(home.root), "sign-requests", "list", "--json"])
    assert out.exit_code == 0, out.output
    due = {r["document"]: r["due"] for r in json.loads(out.stdout)}
    assert due == {"S-fresh": None, "S-reminded": "remind", "S-flagged": "flag"}
    out = runner.invoke(
        main,
        ["--home", str(home.root), "sign-requests", "list", "--iin", CONSULTANT_IIN, "--json"],
    )
    assert {r["id"] for r in json.loads(out.stdout)} == {made["fresh"], made["reminded"]}
    out = runner.invoke(main, ["--home", str(home.root), "sign-requests", "waiting", "--json"])
    people = {w["iin"]: w for w in json.loads(out.stdout)}
    assert people[CONSULTANT_IIN]["count"] == 2 and people[CONSULTANT_IIN]["overdue"] == 1
    assert people[CONSULTANT_IIN]["flagged"] == 0
    assert people[OFFICER_IIN]["flagged"] == 1 and people[OFFICER_IIN]["roles"] == ["officer"]

    # The officer renews the flagged request: it closes, and the flow will ask again.
    out = runner.invoke(main, ["--home", str(home.root), "sign-requests", "renew", made["flagged"]])
    assert out.exit_code == 0, out.output
    store = SignRequests(home)
    try:
        assert store.get(made["flagged"]).state == "cancelled"
    finally:
        store.close()


def test_dashboard_shows_whom_signatures_wait_on(waits: tuple[Home, dict[str, str]]) -> None:
    from fastapi.testclient import TestClient

    from docflow.web import create_app
    from docflow.web.auth import AuthStore

    home, made = waits
    auth = AuthStore.for_home(home)
    try:
        auth.add_user("root", "admin", "admin-pw-123")
        auth.add_user("dana", "archivist", "archivist-pw-1")
    finally:
        auth.close()
    store = SignRequests(home)
    store.set_user_iin("dana", CONSULTANT_IIN)
    store.close()
    with TestClient(create_app(home)) as client:
        _login(client, "root", "admin-pw-123")
        page = client.get("/dashboard", headers={"accept-language": "ru"})
        assert page.status_code == 200
        html = page.text
        assert 'id="signature-waits"' in html
        rows = dict(re.findall(r'<tr data-iin="(\d{12})" class="([a-z]*)"', html))
        assert rows == {CONSULTANT_IIN: "overdue", OFFICER_IIN: "flagged"}
        days = re.search(rf'data-iin="{OFFICER_IIN}".*?data-col="days">(\d+)<', html, flags=re.S)
        assert days is not None and int(days.group(1)) == 2 * REQUEST_DAYS + 3
    with TestClient(create_app(home)) as client:
        _login(client, "dana", "archivist-pw-1")
        page = client.get("/sign")
        marks = dict(re.findall(r'<tr data-id="([0-9a-f]{16})">.*?(?:data-due="(\w+)"|</tr>)',
                                page.text, flags=re.S))  # fmt: skip
        assert marks == {made["fresh"]: "", made["reminded"]: "remind"}

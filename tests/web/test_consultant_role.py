"""Issue 15: the `consultant` web role sees her own reports and signing requests only; a key
login maps an IIN to an enrolled officer or a consultant of an imported roster."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from docflow.archive import Archive
from docflow.config import Home
from docflow.pki.testing import CONSULTANT_IIN, OFFICER_IIN, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec
from docflow.signreq import SignRequests
from docflow.summaries.roster import Member, Roster
from docflow.summaries.store import SummaryStore
from docflow.web.people import person_for_iin, web_user_for
from tests.web.conftest import _report_record

OTHER_CONSULTANT = "750505400007"
ROSTER_IIN = "820130409335"
PASSWORD = "consultant-pw-1"


@dataclass
class Site:
    home: Home
    mine: str
    theirs: str
    my_request: str
    their_request: str


@pytest.fixture
def site(tmp_path: Path) -> Site:
    from docflow.web.auth import AuthStore

    home = Home(tmp_path / "home").ensure()
    make_test_pki(home)
    pdf = pdf_with_fields(text="consultant role")
    mine, theirs = "CPD-2025-MINE00000001", "CPD-2025-THEIRS000001"
    with Archive(home) as archive:
        archive.store(_report_record(1, "compliant", None), pdf, record_id=mine)
        other = {
            **_report_record(1, "compliant", None),
            "iin": OTHER_CONSULTANT,
            "full_name": "Басқа Консультант",
            "series": f"cpd-report/{OTHER_CONSULTANT}/2025",
        }
        archive.store(other, pdf_with_fields(text="another's report"), record_id=theirs)
    auth = AuthStore.for_home(home)
    store = SignRequests(home)
    try:
        auth.add_user("aigul", "consultant", PASSWORD)
        auth.add_user("bolat", "consultant", PASSWORD)
        store.set_user_iin("aigul", CONSULTANT_IIN)
        store.set_user_iin("bolat", OTHER_CONSULTANT)
        requests = [
            store.create(
                pdf, SignSpec("consultant", role="consultant"), document=f"S-{iin}",
                expected_iin=iin, signer_name=iin,
            ).id
            for iin in (CONSULTANT_IIN, OTHER_CONSULTANT)
        ]  # fmt: skip
    finally:
        store.close()
        auth.close()
    return Site(home, mine, theirs, *requests)


@pytest.fixture
def client_of(site: Site) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from docflow.web import create_app

    clients: list[Any] = []

    def login(name: str) -> Any:
        client = TestClient(create_app(site.home))
        client.__enter__()
        clients.append(client)
        page = client.get("/login")
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None
        form = {"name": name, "password": PASSWORD, "csrf": found.group(1)}
        landed = client.post("/login", data=form, follow_redirects=False)
        assert landed.status_code == 303 and landed.headers["location"] == "/sign"
        return client

    yield login
    for client in clients:
        client.__exit__(None, None, None)


def test_a_consultant_sees_her_own_reports_and_requests_only(site: Site, client_of: Any) -> None:
    aigul = client_of("aigul")
    listing = aigul.get(f"/archive?iin={OTHER_CONSULTANT}").text  # asking for another's
    assert site.mine in listing and site.theirs not in listing
    assert aigul.get(f"/archive/{site.mine}").status_code == 200
    assert aigul.get(f"/archive/{site.mine}/pdf").status_code == 200
    assert aigul.get(f"/archive/{site.theirs}").status_code == 404
    assert aigul.get(f"/archive/{site.theirs}/pdf").status_code == 404
    signing = aigul.get("/sign").text
    assert site.my_request in signing and site.their_request not in signing
    assert aigul.get(f"/sign/{site.their_request}").status_code == 404
    assert aigul.get("/dashboard").status_code == 403  # every chamber's numbers
    assert aigul.get("/review").status_code == 403

    bolat = client_of("bolat")
    assert bolat.get(f"/archive/{site.mine}").status_code == 404
    assert bolat.get(f"/sign/{site.my_request}").status_code == 404
    assert site.theirs in bolat.get("/archive").text


def test_key_login_maps_an_iin_to_an_officer_or_a_roster_consultant(site: Site) -> None:
    from docflow.web.auth import AuthStore

    with SummaryStore(site.home) as summaries:
        roster = Roster(
            "Алматы қаласының заң консультанттары палатасы",
            (Member("Әбенова Гүлнар Серікқызы", ROSTER_IIN, date(2019, 3, 1)),),
        )
        summaries.save_roster(roster, source="roster.yaml", imported_at="2026-01-10T09:00:00")
    officer = person_for_iin(site.home, OFFICER_IIN)
    assert officer is not None and officer.role == "officer"
    member = person_for_iin(site.home, ROSTER_IIN)
    assert member is not None and member.role == "consultant"
    assert member.name == "Әбенова Гүлнар Серікқызы"
    # enrolled as a consultant but in no roster: not a person the page knows
    assert person_for_iin(site.home, CONSULTANT_IIN) is None
    assert person_for_iin(site.home, "900101300001") is None

    auth, store = AuthStore.for_home(site.home), SignRequests(site.home)
    try:
        name = web_user_for(member, auth, store)
        assert web_user_for(member, auth, store) == name  # once
        assert {u.name: u.role for u in auth.users()}[name] == "consultant"
        assert store.user_iin(name) == ROSTER_IIN
        assert auth.authenticate(name, "") is None  # no password to log in with
    finally:
        auth.close()
        store.close()

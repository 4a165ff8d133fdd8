"""Issue 18: the web archive page, the JSON API's archive listing and ``archive search --page``
go through ``Archive.search_page``: the database cuts each page. With 120 records, page 2
differs from page 1 and the total is right, in the embedded and the scaled-out configuration
(real PostgreSQL and SeaweedFS S3)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from archive_helpers import FixedClock, make_pdf, make_record
from click.testing import CliRunner
from fastapi.testclient import TestClient

from docflow.archive import Archive
from docflow.cli import main
from docflow.config import Home
from docflow.signreq import SignRequests
from docflow.web import create_app
from docflow.web.auth import AuthStore

N = 120
PASSWORD = "archivist-pw-1"
NAME = "нұрланқызы"  # in every record's name (make_record)


@dataclass
class Site:
    home: Home
    client: TestClient
    token: str
    consultant_token: str


def _fill(home: Home) -> None:
    salt = uuid.uuid4().hex  # fresh bytes: the bucket is shared by every test run
    with Archive(home, clock=FixedClock(datetime(2026, 2, 10, 9, 30, tzinfo=UTC))) as arch:
        for i in range(N):
            arch.store(make_record(i), make_pdf(i, salt), record_id=f"R-2025-{i:04d}")


@pytest.fixture(params=["embedded", pytest.param("scaled", marks=pytest.mark.scale)])
def site(request: pytest.FixtureRequest, home: Home) -> Iterator[Site]:
    if request.param == "scaled":
        home = request.getfixturevalue("scaled_home")
    _fill(home)
    auth = AuthStore.for_home(home)
    auth.add_user("anna", "archivist", PASSWORD)
    auth.add_user("aigul", "consultant", PASSWORD)
    auth.close()
    requests = SignRequests(home)
    requests.set_user_iin("aigul", make_record(7)["iin"])
    tokens = requests.new_token("anna"), requests.new_token("aigul")
    requests.close()
    with TestClient(create_app(home)) as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert csrf is not None
        r = client.post("/login", data={"csrf": csrf.group(1), "name": "anna",
                                        "password": PASSWORD}, follow_redirects=False)  # fmt: skip
        assert r.status_code == 303
        yield Site(home, client, *tokens)


def _web_page(site: Site, query: str) -> tuple[list[str], str]:
    html = site.client.get(f"/archive?{query}").text
    ids = re.findall(r'<a href="/archive/(R-2025-\d{4})">', html)
    count = re.search(r'<span id="result-count">([^<]*)</span>', html)
    return ids, count.group(1) if count else ""


def test_the_web_archive_pages_newest_first_with_the_right_total(site: Site) -> None:
    first, total = _web_page(site, f"name={NAME}")
    second, total_2 = _web_page(site, f"name={NAME}&page=2")
    third, _ = _web_page(site, f"name={NAME}&page=3")
    assert total == total_2 == str(N)
    assert first == [f"R-2025-{i:04d}" for i in range(N - 1, N - 51, -1)]  # the newest first
    assert second == [f"R-2025-{i:04d}" for i in range(N - 51, N - 101, -1)]
    assert len(third) == N - 100 and not set(first) & set(second) & set(third)
    html = site.client.get(f"/archive?name={NAME}&page=2").text
    assert "page=3" in html and "page=1" in html  # next and previous links
    recent, _ = _web_page(site, "")  # no query: every record, the newest page first
    assert recent == first
    one, count = _web_page(site, "iin=900415400007")
    assert one == ["R-2025-0007"] and count == "1"


def test_the_api_archive_listing_pages_in_log_order(site: Site) -> None:
    auth = {"authorization": f"Bearer {site.token}"}
    pages = [
        site.client.get("/api/v1/archive", params={"name": NAME, "page": p, "per_page": 50},
                        headers=auth).json()
        for p in (1, 2, 3)
    ]  # fmt: skip
    ids = [[r["id"] for r in page["records"]] for page in pages]
    assert [p["total"] for p in pages] == [N, N, N] and not pages[0]["capped"]
    assert ids[0] == [f"R-2025-{i:04d}" for i in range(50)]
    assert ids[1] == [f"R-2025-{i:04d}" for i in range(50, 100)]
    assert len(ids[2]) == N - 100 and pages[0]["pages"] == 3
    assert pages[0]["next"] and "page=2" in pages[0]["next"] and pages[2]["next"] is None
    follow = site.client.get(pages[0]["next"], headers=auth).json()
    assert [r["id"] for r in follow["records"]] == ids[1]
    assert site.client.get("/api/v1/archive").status_code == 401
    # a consultant sees her own records only, whatever she asks for
    own = site.client.get(
        "/api/v1/archive", params={"iin": "900415400001"},
        headers={"authorization": f"Bearer {site.consultant_token}"},
    ).json()  # fmt: skip
    assert own["total"] == 1 and [r["id"] for r in own["records"]] == ["R-2025-0007"]


def test_the_cli_search_pages(site: Site) -> None:
    def page(n: int) -> list[str]:
        result = CliRunner().invoke(
            main,
            ["--home", str(site.home.root), "archive", "search", "--name", NAME, "--page",
             str(n), "--per-page", "50", "--json"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return [r["id"] for r in json.loads(result.stdout)]

    assert page(2) == [f"R-2025-{i:04d}" for i in range(50, 100)]
    assert page(1) != page(2) and len(page(3)) == N - 100
    shown = CliRunner().invoke(
        main,
        ["--home", str(site.home.root), "archive", "search", "--name", NAME, "--page", "2",
         "--per-page", "50"],
    )  # fmt: skip
    assert "Page 2/3 (120)" in shown.stdout


def test_embedded_pages_within_and_past_the_count_cap(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within the cap a page comes from one pass of the index (rowids, then rows); past it, from
    the paged query; the total stops at the cap either way."""
    from docflow.archive import _index

    monkeypatch.setattr(_index, "COUNT_CAP", 5)
    with Archive(home, clock=FixedClock(datetime(2026, 2, 10, 9, 30, tzinfo=UTC))) as arch:
        for i in range(12):
            arch.store(make_record(i), make_pdf(i), record_id=f"R-2025-{i:04d}")
        ids = [f"R-2025-{i:04d}" for i in range(12)]
        for page, expected in ((1, ids[:4]), (2, ids[4:8]), (3, ids[8:])):
            found, total = arch.search_page(name=NAME, page=page, per_page=4)
            assert [r["id"] for r in found] == expected and total == 5
        newest, total = arch.search_page(name=NAME, per_page=3, newest_first=True)
        assert [r["id"] for r in newest] == ids[::-1][:3] and total == 5
        one, total = arch.search_page(iin="900415400003", per_page=4)
        assert [r["id"] for r in one] == ["R-2025-0003"] and total == 1
        assert arch.search_page(name="жоқ", page=1) == ([], 0)

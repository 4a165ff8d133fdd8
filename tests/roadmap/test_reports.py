"""M-qr: quarterly reports of a direction for two quarters and the consolidated report, in
Kazakh and Russian, signed by the responsible Presidium member and the coordinator (M-org),
archived and verifiable; a report filed after its quarter is flagged late, not refused."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docflow.archive import Archive
from docflow.cli import main
from docflow.config import Home
from docflow.roadmap.directions import load_roadmap
from docflow.roadmap.status import roadmap_status
from docflow.verify import verify_pdf
from tests.roadmap.conftest import person, to_png, trust_roots

pytestmark = pytest.mark.slow

PNG_DIR = Path("/tmp/roadmap-png")


def quarterly(locale: str, quarter: int, submitted: str, **ind: Any) -> dict[str, Any]:
    d = load_roadmap().direction("M-2.6")
    assert d is not None
    return {
        "kind": "roadmap-quarterly",
        "locale": locale,
        "direction": "M-2.6",
        "year": 2026,
        "quarter": quarter,
        "submitted_on": submitted,
        "indicators": {
            "readiness": ind.get("readiness", "drafting"),
            "proposals_ready": ind.get("ready", 1),
            "proposals_total": 3,
            "consultations_held": ind.get("consultations", 2),
            "agreed_share": ind.get("agreed", 20),
        },
        "documents_prepared": ind.get("documents", 3),
        "notes": "",
        "responsible": person(d.responsible),
        "coordinator": person(d.coordinator),
    }


def consolidated(locale: str) -> dict[str, Any]:
    d = load_roadmap().direction("M-2.6")
    assert d is not None
    return {
        "kind": "roadmap-consolidated",
        "locale": locale,
        "year": 2026,
        "quarter": 2,
        "submitted_on": "2026-07-03",
        "rows": [
            {"direction": "M-2.1", "documents_prepared": 5, "consultations_held": 4,
             "positions_agreed": 2, "drafts_submitted": 2, "drafts_considered": 1},
            {"direction": "M-2.6", "documents_prepared": 6, "consultations_held": 5,
             "positions_agreed": 3, "drafts_submitted": 1, "drafts_considered": 1},
        ],
        "responsible": person(d.responsible),
        "coordinator": person(d.coordinator),
    }  # fmt: skip


def test_mqr_quarterly_two_quarters_and_consolidated_kk_ru_signed_archived_valid(
    roadmap_home: Home, desk_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = desk_factory(date(2026, 7, 10))
    desk.drop(quarterly("kk", 1, "2026-03-27", consultations=1, agreed=0, documents=2))
    desk.drop(quarterly("ru", 1, "2026-03-27", consultations=1, agreed=0, documents=2))
    # Q2 ended on 30 June: filed on 5 July it is late (flagged, still signed and archived).
    desk.drop(quarterly("kk", 2, "2026-07-05", readiness="under_consultation", ready=2,
                        consultations=4, agreed=40, documents=5))  # fmt: skip
    desk.drop(quarterly("ru", 2, "2026-07-05", readiness="under_consultation", ready=2,
                        consultations=4, agreed=40, documents=5))  # fmt: skip
    desk.drop(consolidated("kk"))
    desk.drop(consolidated("ru"))
    entries = desk.run()
    assert [e.state for e in entries] == ["archived"] * 6, [e.reason for e in entries]

    roots = trust_roots(roadmap_home)
    with Archive(roadmap_home) as archive:
        reports = archive.search(kind="roadmap-quarterly")
        summaries = archive.search(kind="roadmap-consolidated")
        assert len(reports) == 4 and len(summaries) == 2
        for record in [*reports, *summaries]:
            assert [s["role"] for s in record["signers"]] == ["presidium_member", "coordinator"]
            pdf = archive.pdf_bytes(record["id"])
            result = verify_pdf(pdf, trust_roots=roots).to_json()
            assert result["verdict"] == "valid", result
            assert record["roadmap"]["signed_as"] == {
                "responsible": ["presidium_member", "rba"],
                "coordinator": ["coordinator", "rba"],
            }
            data = record["data"]
            name = f"{record['kind'][8:]}_q{data['quarter']}_{data['locale']}.png"
            to_png(pdf, PNG_DIR / name)
        # `docflow verify` on one of them, as a reader would: VALID, both roles named.
        one = PNG_DIR / "verify-me.pdf"
        one.write_bytes(archive.pdf_bytes(reports[-1]["id"]))
        late = {(r["data"]["quarter"], r["late"]) for r in reports}
        assert late == {(1, False), (2, True)}
        assert {r["roadmap"]["verdict"]["facts"]["considered_share"] for r in summaries} == {66.7}
    verified = CliRunner().invoke(
        main, ["--home", str(roadmap_home.root), "verify", str(one), "--json"]
    )
    assert verified.exit_code == 0, verified.output
    doc = json.loads(verified.output[verified.output.index("{") :])
    assert doc["verdict"] == "valid"
    assert [s["role"] for s in doc["signatures"]][:2] == ["presidium_member", "coordinator"]
    with Archive(roadmap_home) as archive:
        [status] = [
            s
            for s in roadmap_status(archive, roadmap_home, today=date(2026, 9, 25))
            if s.direction.id == "M-2.6"
        ]
    assert [(q.quarter, q.consultations, q.agreed_share, q.late) for q in status.quarters] == [
        (1, 1, 0.0, False),
        (2, 4, 40.0, True),
    ]

    from docflow.roadmap.charts import indicators_chart

    chart = indicators_chart(status, "kk")
    assert chart.startswith(b"\x89PNG")
    (PNG_DIR / "chart_m26_kk.png").write_bytes(chart)

    # The /roadmap page: the chart of M-2.6's two quarters, M-2.1's missed first decision in
    # red, M-2.6's support count, in Kazakh and Russian (English third).
    from fastapi.testclient import TestClient

    from docflow.web import create_app

    monkeypatch.setenv("DOCFLOW_TODAY", "2026-07-10")
    client = TestClient(create_app(roadmap_home))
    pages = {}
    for locale in ("kk", "ru", "en"):
        client.cookies.set("docflow_lang", locale)
        response = client.get("/roadmap")
        assert response.status_code == 200
        pages[locale] = response.text
    assert "Жол картасы" in pages["kk"] and "Дорожная карта" in pages["ru"]
    assert '<a href="/roadmap" class="active">Дорожная карта</a>' in pages["ru"]
    assert 'alt="Тоқсандық көрсеткіштер M-2.6"' in pages["kk"]
    assert 'src="data:image/png;base64,' in pages["ru"]
    m21 = pages["ru"].split('id="dir-M-2.1"')[1].split("</tr>")[0]
    assert 'class="deadline overdue"' in m21 and "просрочено" in m21
    m26 = pages["ru"].split('id="dir-M-2.6"')[1].split("</tr>")[0]
    assert "0 из 20 (нужно не менее 14)" in m26
    assert "0 of 20 (need 14)" in pages["en"]

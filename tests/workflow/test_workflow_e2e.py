"""End to end through the real parts: every state of the contract is reached, the PDFs verify,
the review and return loops work, and the archive audit passes afterwards."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from workflow_builders import activity, as_zip, report, valid_iin

from docflow.archive import Archive
from docflow.config import Home
from docflow.pki import Pki
from docflow.verify import verify_pdf
from docflow.workflow.review import ReviewQueue

pytestmark = pytest.mark.slow


def states(runner: Any) -> dict[str, Any]:
    return {e.source: e for e in runner.journal.entries()}


def by_source(archive: Archive, source: str) -> dict[str, Any]:
    return next(r for r in archive.search(kind="cpd-report") if r["source"] == source)


def test_every_outcome_of_the_contract(
    pki_home: Home, drop: Callable[[str, bytes], Path], workflow: Any
) -> None:
    compliant = as_zip(report())
    drop("compliant.zip", compliant)
    drop("compliant-again.zip", compliant)  # the same bytes twice: one record
    below = report([activity(2, "Семинар", "2025-03-14"), activity(11, "Мақала", "2025-06-01")])
    drop("below.zip", as_zip(below))
    other = report(
        [
            *report()["activities"][:4],
            activity("other", "Тегін заң көмегі күні", "2025-10-01",
                     justification="Азаматтарға тегін кеңес, 6 сағат", claimed_points=2),
        ]
    )  # fmt: skip
    drop("other.zip", as_zip(other))
    # A second consultant, so that this report's version chain is its own (R-3.2e).
    Pki(pki_home).enroll(valid_iin(7), "Екінші Консультант", "consultant")
    missing = report(iin=valid_iin(7), full_name="Екінші Консультант")
    drop("missing.zip", as_zip(missing, omit=(missing["activities"][1]["evidence"][0],)))
    exempt = report([], exemption={"reason": "maternity_leave", "from": "2025-03-01", "to": None})
    drop("exempt.yaml", yaml.safe_dump(exempt, allow_unicode=True).encode())
    bad = report()
    bad["consultant"]["iin"] = "900415400128"
    bad["activities"][0]["date"] = "2025-02-30"
    drop("bad.yaml", yaml.safe_dump(bad, allow_unicode=True).encode())
    stranger = report(iin="750505400007", full_name="Белгісіз Адам")
    drop("stranger.zip", as_zip(stranger))

    workflow.run_once()
    got = states(workflow)

    got_states = {k: v.state for k, v in got.items()}
    # Which of two identical files wins is a race; exactly one is archived, one a duplicate.
    twins = sorted([got_states.pop("compliant.zip"), got_states.pop("compliant-again.zip")])
    assert twins == ["archived", "duplicate"]
    assert got_states == {
        "below.zip": "archived",
        "other.zip": "review",
        "missing.zip": "returned",
        # a self-declared exemption the roster does not confirm is the officer's call.
        "exempt.yaml": "review",
        "bad.yaml": "rejected",
        "stranger.zip": "rejected",
    }

    archive = Archive(pki_home)
    outcomes = {r["source"]: r["outcome"] for r in archive.search(kind="cpd-report")}
    assert outcomes.pop("compliant.zip", None) or outcomes.pop("compliant-again.zip") == "compliant"
    assert outcomes == {
        "below.zip": "below_norm",
        "missing.zip": "returned",
    }

    # Rejections are explained beside the file, every problem named (IIN and date).
    error = (pki_home.inbox / "rejected" / "bad.yaml.error.txt").read_text(encoding="utf-8")
    assert "consultant.iin" in error and "activities[0].date" in error
    enroll = (pki_home.inbox / "rejected" / "stranger.zip.error.txt").read_text(encoding="utf-8")
    assert "enroll first" in enroll
    assert sorted(p.name for p in pki_home.inbox.iterdir()) == ["rejected"]

    # The archived report is signed by consultant and officer and verifies.
    trust = Pki(pki_home).trust_roots()
    record = archive.search(outcome="compliant")[0]
    result = verify_pdf(archive.pdf_bytes(record["id"]), trust_roots=trust).to_json()
    assert result["verdict"] == "valid", json.dumps(result, ensure_ascii=False)
    roles = [s["role"] for s in result["signatures"]]
    assert roles[:2] == ["consultant", "officer"]

    # The officer approves the "other" activity (R-3.1b): countersigned and archived.
    queue = ReviewQueue(workflow.process)
    item = next(i for i in queue.items() if i.source == "other.zip")
    assert item.reasons and "R-3.1b" in item.reasons[0]
    # With a comment for the A1 comment section: it is in the form both parties signed.
    comment = "Тегін кеңес беру 2 балл ретінде есептелді; <b>&"
    outcome = queue.approve(item.id, decided_points={5: 2}, comment=comment)  # activity 5
    assert outcome.state == "archived"
    approved = archive.get(outcome.record).record  # type: ignore[arg-type]
    assert approved["outcome"] == "compliant" and approved["total_points"] == 12
    assert [e["type"] for e in approved["events"]].count("commented") == 1
    assert any(e["type"] == "approved" for e in approved["events"])
    commented_pdf = archive.pdf_bytes(outcome.record)  # type: ignore[arg-type]
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=commented_pdf, capture_output=True, check=True
    ).stdout.decode()
    assert comment in " ".join(text.split())
    judged = verify_pdf(commented_pdf, trust_roots=trust).to_json()
    assert judged["verdict"] == "valid", judged

    # The returned report (R-3.2e) comes with a remarks document the officer signed.
    [remarks] = archive.search(kind="remarks")
    assert remarks["report"] == by_source(archive, "missing.zip")["id"]
    remarks_pdf = archive.pdf_bytes(remarks["id"])
    assert verify_pdf(remarks_pdf, trust_roots=trust).verdict == "valid"
    remarks_text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=remarks_pdf, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(remarks_text.split())
    assert "Екінші Консультант" in flat
    assert "2-іс-шара («Баяндама: медиация»): растайтын құжат қоса берілмеген" in flat

    # The returned report (R-3.2e) corrected: version 2 of the same series, linked to v1.
    drop("missing-fixed.zip", as_zip(missing))
    workflow.run_once()
    v2 = by_source(archive, "missing-fixed.zip")
    v1 = by_source(archive, "missing.zip")
    full_v2 = archive.get(v2["id"]).record
    assert full_v2["version"] == 2 and full_v2["previous"] == v1["id"]

    report_audit = archive.audit(lambda pdf: verify_pdf(pdf, trust_roots=trust).verdict == "valid")
    assert report_audit.ok, report_audit.to_json()


def test_a_roster_dropped_into_the_inbox_is_imported_for_the_summaries(
    pki_home: Home, drop: Callable[[str, bytes], Path], workflow: Any
) -> None:
    from docflow.summaries.store import SummaryStore

    roster = {
        "kind": "chamber-roster",
        "chamber": "Алматы қаласының заң консультанттары палатасы",
        "members": [
            {"full_name": "Сейітқали Әсел", "iin": "900415400127",
             "member_since": "2019-03-01", "status": "active"},
            {"full_name": "Екінші Консультант", "iin": valid_iin(7),
             "member_since": "2020-01-10", "status": "on_leave",
             "status_from": "2025-03-01", "status_to": None},
        ],
    }  # fmt: skip
    drop("roster.yaml", yaml.safe_dump(roster, allow_unicode=True).encode())
    workflow.run_once()
    [entry] = workflow.journal.entries()
    assert entry.state == "archived" and "2 member(s)" in (entry.reason or "")
    store = SummaryStore(pki_home)
    try:
        saved = store.roster("Алматы қаласының заң консультанттары палатасы")
    finally:
        store.close()
    assert saved is not None and {m.iin for m in saved.members} == {"900415400127", valid_iin(7)}

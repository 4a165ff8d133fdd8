"""M-2.6 from the package to confirmed support, through the inbox and the generic flow
(M-pkg, M-dec, M-10-15, M-2.6q): the Presidium approves, the chair writes to the 20
territorial collegia, 13 chair-signed supporting decisions are not yet two thirds, the 14th
(ceil(2/3 · 20) = 14) confirms — a forged decision (signed by a non-chair) and a second
decision of the same collegium are not counted twice."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from docflow.archive import Archive
from docflow.config import Home
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME
from docflow.roadmap.directions import load_roadmap
from docflow.roadmap.inputs import support_letters
from docflow.roadmap.status import roadmap_status
from docflow.roadmap.support import support_state
from docflow.verify import verify_pdf
from tests.roadmap.conftest import CHAIR_IINS, material_pdf, person, to_png, trust_roots

pytestmark = pytest.mark.slow

PNG_DIR = Path("/tmp/roadmap-png")


def _support(collegium: str, chair: dict[str, str], no: str, on: date) -> dict[str, object]:
    return {
        "kind": "roadmap-support",
        "locale": "kk",
        "direction": "M-2.6",
        "collegium": collegium,
        "decision_no": no,
        "decided_on": on.isoformat(),
        "organ": "presidium",
        "position": "supports",
        "reasons": "Тікелей мандат аумақтық алқалардың өкілдігін күшейтеді.",
        "chair": chair,
    }


def test_m26q_package_to_confirmed_support_two_thirds_of_20_chair_signed(
    roadmap_home: Home, desk_factory: object
) -> None:
    roadmap = load_roadmap()
    m26 = roadmap.direction("M-2.6")
    assert m26 is not None and m26.support
    desk = desk_factory(date(2026, 5, 25))  # type: ignore[operator]

    # M-pkg: the package, its materials embedded; M-dec: the Presidium approves.
    package = {
        "kind": "roadmap-package",
        "locale": "kk",
        "direction": "M-2.6",
        "package_no": "2026/6",
        "submitted_on": "2026-04-01",
        "legal_justification": "«Адвокаттық қызмет және заң көмегі туралы» Заңның 2-бабы.",
        "draft_concepts": ["Тікелей мандат", "Кері шақыру құқығы"],
        "working_group": [{"full_name": "Әлия Серікова", "position": "адвокат, Алматы"}],
        "calendar_plan": [{"due": "2026-06-30", "what": "Заң жобасының редакциясы"}],
        "materials": [
            {"title": "Түсіндірме жазба", "file": "materials/note.pdf"},
            {"title": "Салыстырмалы кесте", "file": "materials/table.pdf"},
        ],
        "consultations_format": "Әділет министрлігімен және Мәжіліс комитетімен кеңесулер",
        "responsible": person(m26.responsible),
    }
    desk.drop_zip(
        package,
        {
            "materials/note.pdf": material_pdf("explanatory note"),
            "materials/table.pdf": material_pdf("comparative table"),
        },
        "package-m26.zip",
    )
    decision = {
        "kind": "roadmap-decision",
        "locale": "ru",
        "direction": "M-2.6",
        "decision_no": "П-14",
        "decided_on": "2026-04-10",
        "outcome": "approve",
        "working_group": package["working_group"],
        "calendar_plan": package["calendar_plan"],
        "responsible": person(m26.responsible),
        "coordinator": person(m26.coordinator),
        "chair": person(roadmap.chair),
    }
    desk.drop(decision)
    entries = desk.run()
    assert [e.state for e in entries] == ["archived", "archived"], [e.reason for e in entries]

    with Archive(roadmap_home) as archive:
        [pkg] = archive.search(kind="roadmap-package")
        [dec] = archive.search(kind="roadmap-decision")
        pkg_pdf = archive.pdf_bytes(pkg["id"])
        dec_pdf = archive.pdf_bytes(dec["id"])
    embedded = set(PdfReader(io.BytesIO(pkg_pdf)).attachments)
    assert {"materials/note.pdf", "materials/table.pdf"} <= embedded, embedded
    # M-10-15: 10-15 working days after Friday 10 April 2026: weekends and 1 May skipped.
    due = dec["roadmap"]["verdict"]["facts"]["accompanying_file_due"]
    assert due == {"earliest": "2026-04-24", "latest": "2026-05-04"}, due
    assert dec["roadmap"]["signed_as"]["chair"] == ["chair", "rba"]
    for pdf in (pkg_pdf, dec_pdf):
        assert verify_pdf(pdf, trust_roots=trust_roots(roadmap_home)).to_json()["verdict"] == (
            "valid"
        )

    # The chair's letters to all 20 collegia.
    for letter in support_letters(
        "M-2.6", decision_no="П-14", sent_on=date(2026, 4, 15), answer_by=date(2026, 5, 15)
    ):
        desk.drop(letter)
    entries = desk.run()
    assert len(entries) == 20 and {e.state for e in entries} == {"archived"}

    chairs = {c.id: {"full_name": f"Төраға {c.id}", "iin": iin}
              for c, iin in zip(roadmap.collegia, CHAIR_IINS, strict=True)}  # fmt: skip
    ids = [c.id for c in roadmap.collegia]
    # 13 supporting decisions signed by their chairs ...
    for i, collegium in enumerate(ids[:13]):
        desk.drop(_support(collegium, chairs[collegium], f"{i + 1}", date(2026, 4, 20)))
    # ... the same first collegium decides again (the latest replaces, not adds) ...
    desk.drop(_support(ids[0], chairs[ids[0]], "1-bis", date(2026, 4, 28)))
    # ... and a "decision" of the 14th collegium signed by a consultant, not its chair.
    desk.drop(
        _support(
            ids[13], {"full_name": CONSULTANT_NAME, "iin": CONSULTANT_IIN}, "F", date(2026, 4, 21)
        )
    )
    entries = desk.run()
    # Issue 13: a key signs only in its own capacity, so docflow never puts a consultant's
    # signature in a chair's field: the forged decision is refused at intake, not counted.
    states = sorted((e.state, e.reason or "") for e in entries)
    assert len(entries) == 15, states
    assert [s for s, _ in states].count("archived") == 14, states
    [forged] = [e for e in entries if e.state != "archived"]
    assert forged.state == "rejected" and "chair" in (forged.reason or ""), forged
    with Archive(roadmap_home) as archive:
        state = support_state(archive, roadmap_home, "M-2.6")
        assert (state.count, state.total, state.needed, state.confirmed) == (13, 20, 14, False)
        reasons = sorted((d.collegium, why) for d, why in state.ignored)
        assert reasons == [(ids[0], "replaced")], reasons
        assert archive.search(kind="roadmap-support-confirmation") == []

    # The 14th, by that collegium's chair, after the answer date: counts, flagged late.
    desk.drop(_support(ids[13], chairs[ids[13]], "14", date(2026, 5, 20)))
    [entry] = desk.run()
    assert entry.state == "archived", entry.reason
    with Archive(roadmap_home) as archive:
        state = support_state(archive, roadmap_home, "M-2.6")
        assert (state.count, state.confirmed) == (14, True)
        assert [d.collegium for d in state.supporting if d.late] == [ids[13]]
        [conf] = archive.search(kind="roadmap-support-confirmation")
        conf_pdf = archive.pdf_bytes(conf["id"])
        [status] = [
            s
            for s in roadmap_status(archive, roadmap_home, today=date(2026, 5, 25))
            if s.direction.id == "M-2.6"
        ]
    listed = sorted(e["collegium"] for e in conf["data"]["supporting"])
    assert listed == sorted(ids[:14])
    assert conf["signers"][0]["iin"] == roadmap.chair.iin
    assert conf["roadmap"]["signed_as"]["chair"] == ["chair", "rba"]
    result = verify_pdf(conf_pdf, trust_roots=trust_roots(roadmap_home)).to_json()
    assert result["verdict"] == "valid", result
    assert status.stage == "support_confirmed"
    assert status.support is not None and status.support.text("en") == "14 of 20 (need 14)"
    to_png(conf_pdf, PNG_DIR / "confirmation_kk.png")
    to_png(dec_pdf, PNG_DIR / "decision_ru.png")
    to_png(pkg_pdf, PNG_DIR / "package_kk.png")


def test_m26q_decisions_filed_at_once_confirm_exactly_once(
    roadmap_home: Home, desk_factory: object
) -> None:
    """The quorum is seen once: 12 decisions, then three more taken in parallel (the 13th, 14th
    and 15th) make exactly one confirmation, listing the first 14 that supported."""
    roadmap = load_roadmap()
    ids = [c.id for c in roadmap.collegia]
    chairs = {c.id: {"full_name": f"Төраға {c.id}", "iin": iin}
              for c, iin in zip(roadmap.collegia, CHAIR_IINS, strict=True)}  # fmt: skip
    first = desk_factory(date(2026, 5, 25))  # type: ignore[operator]
    for i, collegium in enumerate(ids[:12]):
        first.drop(_support(collegium, chairs[collegium], f"{i + 1}", date(2026, 4, 20)))
    assert {e.state for e in first.run()} == {"archived"}
    first.close()
    together = desk_factory(date(2026, 5, 25), workers=3)  # type: ignore[operator]
    for i, collegium in enumerate(ids[12:15], start=13):
        together.drop(_support(collegium, chairs[collegium], f"{i}", date(2026, 4, 22)))
    entries = together.run()
    assert len(entries) == 3 and {e.state for e in entries} == {"archived"}
    with Archive(roadmap_home) as archive:
        confirmations = archive.search(kind="roadmap-support-confirmation")
        state = support_state(archive, roadmap_home, "M-2.6")
    assert len(confirmations) == 1
    assert len(confirmations[0]["data"]["supporting"]) == 14
    assert (state.count, state.confirmed) == (15, True)

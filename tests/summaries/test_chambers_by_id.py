"""Issue 13 in the summaries: chambers grouped by id (the Karaganda chamber filed under its
Kazakh and its Russian name is ONE chamber in the Collegium's summary, shown in the reader's
language) and who signs (R-4.7, R-5.5, R-9.1: never a notice to oneself)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from summaries_data import YEAR, make_iin, record_for

from docflow.archive import Archive
from docflow.bodies import ChamberRegistry
from docflow.config import Clock, Home
from docflow.errors import AuthorityRefused
from docflow.pki.testing import make_test_pki, minimal_pdf
from docflow.summaries import Member, Roster, SummaryStore
from docflow.summaries.service import SummaryService
from docflow.workflow.services import build_services

KARAGANDA_KK = "Қарағанды облысының заң консультанттары палатасы"
KARAGANDA_RU = "Палата юридических консультантов Карагандинской области"
ALMATY_KK = "Алматы қаласының заң консультанттары палатасы"
ALMATY_RU = "Палата юридических консультантов города Алматы"
CHAIR = (make_iin(date(1966, 11, 11)), "Ли Наталья")


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home").ensure()
    pki = make_test_pki(home, consultant=False)
    chambers = ChamberRegistry(home)
    chambers.add("karaganda", kk=KARAGANDA_KK, ru=KARAGANDA_RU)
    chambers.add("almaty", kk=ALMATY_KK, ru=ALMATY_RU)
    pki.enroll(*CHAIR, "chair", chamber="karaganda")
    return home


@pytest.fixture
def service(home: Home) -> Iterator[SummaryService]:
    parts = build_services(home, clock=Clock(date(2026, 3, 20)))
    svc = SummaryService(parts)
    try:
        yield svc
    finally:
        svc.close()
        parts.close()


def _store(home: Home, records: list[dict[str, object]]) -> None:
    with Archive(home) as archive:
        for r in records:
            archive.store(r, minimal_pdf(f"report {r['id']}"), record_id=str(r["id"]))


def test_issue13_r55_the_karaganda_kk_and_ru_names_are_one_chamber_in_the_collegium_summary(
    home: Home, service: SummaryService
) -> None:
    def one(i: int, chamber: str) -> dict[str, object]:
        return record_for(make_iin(date(1981, 1, 1 + i)), f"Қарағандылық {i}", version=1,
                          outcome="compliant", submitted_on=date(2026, 2, 3),
                          points_by_form={"2": 6, "4": 4}, chamber=chamber)  # fmt: skip

    records = [one(0, KARAGANDA_KK), one(1, KARAGANDA_RU), one(2, " палата юридических "
               "консультантов  карагандинской области"), one(3, ALMATY_KK)]  # fmt: skip
    # A record made since issue 13 names its chamber by id as well.
    records[0]["chamber_id"] = "karaganda"
    _store(home, records)

    summary = service.collegium_summary(YEAR, compare=0)
    assert summary.chambers == (ALMATY_KK, KARAGANDA_KK)
    assert summary.chamber_year(KARAGANDA_KK, YEAR).reports == 3
    # The Russian reader sees the same chamber under its Russian name.
    in_ru = service.collegium_summary(YEAR, compare=0, locale="ru")
    assert in_ru.chambers == (ALMATY_RU, KARAGANDA_RU)
    assert in_ru.chamber_year(KARAGANDA_RU, YEAR).reports == 3


def test_issue13_r47_r55_summaries_are_signed_by_their_own_bodys_chair(
    home: Home, service: SummaryService
) -> None:
    """The chamber's summary by its chair, named by any of the chamber's names; the
    Collegium's summary never by a chamber's chair: nobody holds that office yet."""
    for name in ("karaganda", KARAGANDA_RU, KARAGANDA_KK.upper()):
        signer = service.head(name)
        assert (signer.iin, signer.role, signer.body) == (CHAIR[0], "chair", "karaganda")
    with pytest.raises(AuthorityRefused) as refused:
        service.head("almaty")  # Almaty has no chair: the Karaganda one does not stand in
    assert refused.value.code == "no_holder" and "--chamber almaty" in str(refused.value)
    with pytest.raises(AuthorityRefused, match="collegium_chair"):
        service.head(None)


def test_issue13_r91_a_chair_cannot_sign_a_notice_to_himself(
    home: Home, service: SummaryService
) -> None:
    """The Karaganda chair is himself a member who did not report: the R-9.1 warning to him
    is refused (nobody else may sign it), before anything is rendered or archived."""
    iin, name = CHAIR
    with SummaryStore(home) as store:
        roster = Roster(KARAGANDA_KK, (Member(name, iin, date(2015, 1, 1)),))
        store.save_roster(roster, source="test", imported_at="2026-01-05T00:00:00Z")
    made: list[object] = []  # the notices handed to the flow: none may be
    with pytest.raises(AuthorityRefused) as refused:
        service.run_sanctions("karaganda", YEAR, today=date(2026, 2, 20), issue=made.extend)
    assert made == []
    assert refused.value.code == "self"
    assert "never signed by the member himself" in str(refused.value)
    assert "не может подписать он сам" in str(refused.value)
    assert service.parts.archive.search(kind="warning") == []

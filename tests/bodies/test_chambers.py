"""Chambers as entities (issue 13): one id for every spelling of a chamber's names, unknown
chambers rejected with the list of known ones, the Collegium its own body."""

from __future__ import annotations

import pytest

from docflow.bodies import COLLEGIUM_ID, ChamberRegistry, fold_name, resolve_body
from docflow.config import Home
from docflow.errors import ChamberError, SubmissionInvalid, UnknownChamber

from .conftest import ALMATY_KK, KARAGANDA_KK, KARAGANDA_RU


def test_karaganda_kk_and_ru_names_resolve_to_one_id(chambers: ChamberRegistry) -> None:
    assert chambers.resolve_chamber(KARAGANDA_KK).id == "karaganda"
    assert chambers.resolve_chamber(KARAGANDA_RU).id == "karaganda"
    assert chambers.resolve_chamber("karaganda").id == "karaganda"
    assert chambers.resolve_chamber("KARAGANDA").id == "karaganda"


@pytest.mark.parametrize(
    "spelling",
    [
        "ПАЛАТА ЮРИДИЧЕСКИХ КОНСУЛЬТАНТОВ КАРАГАНДИНСКОЙ ОБЛАСТИ",
        "  Палата   юридических консультантов\tКарагандинской области ",
        "«Палата юридических консультантов Карагандинской области»",
        '"Палата юридических консультантов Карагандинской области"',
        # Kazakh letters typed on a Russian keyboard, Latin look-alikes (a, o, K):
        "Караганды облысынын зан консультанттары палатасы",
        "Қaрағанды облысының заң кoнсультанттары палатасы",
    ],
)
def test_loose_spellings_resolve(chambers: ChamberRegistry, spelling: str) -> None:
    assert chambers.resolve_chamber(spelling).id == "karaganda"


def test_yo_and_ye_are_one_letter() -> None:
    assert fold_name("Пётр Семёнов") == fold_name("ПЕТР  СЕМЕНОВ")


def test_alias_resolves(chambers: ChamberRegistry) -> None:
    assert chambers.resolve_chamber("алматинская палата").id == "almaty"


def test_unknown_chamber_rejected_with_the_list_in_kk_ru_en(chambers: ChamberRegistry) -> None:
    with pytest.raises(UnknownChamber) as caught:
        chambers.resolve_chamber("Палата юридических консультантов Атырауской области")
    err = caught.value
    assert isinstance(err, SubmissionInvalid)  # the workflow's rejection path takes it as is
    assert err.known == ("almaty", "karaganda")
    text = str(err)
    assert "белгісіз" in text and "неизвестна" in text and "unknown chamber" in text
    assert "karaganda" in text and "almaty" in text and KARAGANDA_KK in text
    assert text.index("белгісіз") < text.index("неизвестна") < text.index("unknown")


def test_unknown_chamber_with_none_registered_says_how_to_add(home: Home) -> None:
    with pytest.raises(UnknownChamber, match="chambers add"):
        ChamberRegistry(home).resolve_chamber("karaganda")


def test_collegium_is_its_own_body_not_a_chamber(chambers: ChamberRegistry) -> None:
    assert [b.id for b in chambers.bodies()] == ["almaty", "karaganda", COLLEGIUM_ID]
    collegium = chambers.resolve("Республикалық заң консультанттары алқасы")
    assert collegium.id == COLLEGIUM_ID and collegium.kind == "collegium"
    with pytest.raises(UnknownChamber, match="Republican Collegium, not a chamber"):
        chambers.resolve_chamber("Республиканская коллегия юридических консультантов")
    with pytest.raises(ChamberError):
        chambers.add("collegium", kk="x", ru="y")
    with pytest.raises(ChamberError, match="Collegium"):
        chambers.add("rklc", kk="Республикалық заң консультанттары алқасы", ru="РЗКА")


def test_collegium_present_in_a_fresh_home(home: Home) -> None:
    assert [b.id for b in ChamberRegistry(home).bodies()] == [COLLEGIUM_ID]


def test_display_name_in_the_readers_language(chambers: ChamberRegistry) -> None:
    assert chambers.display_name("karaganda", "kk") == KARAGANDA_KK
    assert chambers.display_name("karaganda", "ru") == KARAGANDA_RU
    assert chambers.display_name("karaganda", "en") == KARAGANDA_RU  # no English name given
    assert chambers.display_name("collegium", "en") == "Republican Collegium of Legal Consultants"
    assert chambers.display_name("nowhere", "kk") == "nowhere"


def test_one_name_never_means_two_chambers(chambers: ChamberRegistry) -> None:
    with pytest.raises(ChamberError, match="already belongs to chamber karaganda"):
        chambers.add("karaganda-2", kk="Қарағанды 2", ru="Караганда 2", aliases=[KARAGANDA_RU])
    with pytest.raises(ChamberError, match="already registered"):
        chambers.add("karaganda", kk=ALMATY_KK, ru="Другое имя")


def test_add_is_idempotent_and_adds_aliases(chambers: ChamberRegistry) -> None:
    again = chambers.add(
        "karaganda", kk=KARAGANDA_KK, ru=KARAGANDA_RU, aliases=["Карагандинская палата"]
    )
    assert again.aliases == ("Карагандинская палата",)
    assert [c.id for c in chambers.chambers()] == ["almaty", "karaganda"]
    assert chambers.resolve_chamber("карагандинская палата").id == "karaganda"


@pytest.mark.parametrize("bad", ["K", "1abc", "kara ganda", "карагандa", "x" * 40])
def test_chamber_ids_are_short_ascii_slugs(home: Home, bad: str) -> None:
    with pytest.raises(ChamberError, match="chamber id"):
        ChamberRegistry(home).add(bad, kk="А", ru="Б")


def test_resolve_body_is_pure(chambers: ChamberRegistry) -> None:
    bodies = chambers.bodies()
    assert resolve_body("", bodies) is None
    assert resolve_body("«»", bodies) is None
    assert resolve_body("ALMATY", bodies).id == "almaty"  # type: ignore[union-attr]


def test_record_chamber_id_from_side_table_or_name(chambers: ChamberRegistry) -> None:
    record = {"id": "R-1", "chamber": "Караганда (old spelling)"}
    assert chambers.chamber_of_record(record) is None
    chambers.link_record("R-1", "karaganda", source_name=record["chamber"])
    assert chambers.chamber_of_record(record) == "karaganda"
    assert chambers.chamber_of_record({"id": "R-2", "chamber": KARAGANDA_RU}) == "karaganda"
    assert chambers.chamber_of_record({"id": "R-3", "chamber_id": "almaty"}) == "almaty"

"""Rosters keyed by chamber id (issue 13): a roster file naming its chamber by either
language's name is the same chamber's roster."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from docflow.bodies import ChamberRegistry
from docflow.errors import UnknownChamber
from docflow.summaries.roster import Member, Roster, load_roster, rosters_by_chamber

from .conftest import KARAGANDA_KK, KARAGANDA_RU, valid_iin

CSV = (
    "full_name,iin,member_since,status,status_from,status_to\n"
    "Иванов Пётр,{iin},2020-01-01,active,,\n"
)


def test_csv_roster_named_by_russian_name_is_keyed_by_id(
    chambers: ChamberRegistry, tmp_path: Path
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(CSV.format(iin=valid_iin(1)), encoding="utf-8")
    roster = load_roster(path, today=date(2026, 2, 10), chamber=KARAGANDA_RU, chambers=chambers)
    assert roster.chamber_id == "karaganda" and roster.key == "karaganda"
    assert roster.chamber == KARAGANDA_RU  # the name as given is kept
    again = Roster.from_json(roster.to_json())
    assert again == roster


def test_roster_of_unknown_chamber_is_rejected(chambers: ChamberRegistry, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(CSV.format(iin=valid_iin(1)), encoding="utf-8")
    with pytest.raises(UnknownChamber, match="karaganda"):
        load_roster(path, today=date(2026, 2, 10), chamber="Атырау", chambers=chambers)


def test_rosters_stored_under_kk_and_ru_names_are_one_chambers() -> None:
    kk = Roster(KARAGANDA_KK, (Member("А", valid_iin(1), date(2020, 1, 1)),))
    ru = Roster(KARAGANDA_RU, (Member("Б", valid_iin(2), date(2020, 1, 1)),))
    other = Roster("Неизвестная палата")
    names = {KARAGANDA_KK: "karaganda", KARAGANDA_RU: "karaganda"}
    keyed = rosters_by_chamber([kk, ru, other], names.get)
    assert list(keyed) == ["karaganda"]
    assert keyed["karaganda"].members == ru.members

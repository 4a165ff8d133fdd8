"""Appendix 2 as versioned data: contents, version choice (R-10.1, R-10.2)."""

from __future__ import annotations

import copy
import re
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from docflow.rules import load_versions, parse_versions, table_for_year

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_8c3981aae3648dbb.txt"
EXPECTED_POINTS = {1: 2, 2: 2, 3: 2, 4: 3, 5: 2, 6: 2, 7: 3, 8: 6, 9: 3, 10: 5, 11: 1, 12: 1}


def _shipped() -> dict[str, Any]:
    text = resources.files("docflow").joinpath("data/appendix2.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def test_A2_table_has_twelve_rows_with_the_points_of_the_rules() -> None:
    table = table_for_year(2025)
    assert {n: r.points for n, r in table.rows.items()} == EXPECTED_POINTS
    assert table.required_points == 10


def test_A2_kazakh_names_are_verbatim_from_the_seed() -> None:
    seed = SEED.read_text(encoding="utf-8")
    appendix = seed[seed.index("жүйесі мыналарды қамтиды") :]
    table = table_for_year(2025)
    for number, row in table.rows.items():
        line = re.search(rf"^{number}\t(.+)\t\d+$", appendix, re.MULTILINE)
        assert line is not None, number
        # Only the trailing list punctuation of the original is dropped.
        assert line.group(1).rstrip(" ;.") == row.kk, number
        assert row.ru and row.ru != row.kk


def test_R_10_1_first_version_in_force_from_2022() -> None:
    first = load_versions()[0]
    assert first.effective == date(2022, 1, 1)
    assert first.adopted == date(2021, 1, 28)
    assert "No. 3" in first.decision
    assert table_for_year(2022).id == "appendix2@2022-01-01"
    with pytest.raises(ValueError, match=r"R-10\.1"):
        table_for_year(2021)


def test_R_10_2_amendment_takes_effect_on_1_january_after_adoption() -> None:
    data = _shipped()
    amended = copy.deepcopy(data["versions"][0])
    amended["adopted"] = date(2025, 6, 1)
    amended["effective"] = date(2026, 1, 1)
    amended["rows"][11]["points"] = 2
    versions = parse_versions({"versions": [*data["versions"], amended]})
    assert table_for_year(2025, versions).rows[11].points == 1  # adopted in 2025: not yet
    assert table_for_year(2026, versions).rows[11].points == 2
    assert table_for_year(2026, versions).id == "appendix2@2026-01-01"


def test_R_10_2_an_amendment_effective_in_its_own_year_is_refused() -> None:
    data = _shipped()
    amended = copy.deepcopy(data["versions"][0])
    amended["adopted"] = date(2025, 6, 1)
    amended["effective"] = date(2025, 7, 1)
    with pytest.raises(ValueError, match=r"R-10\.2"):
        parse_versions({"versions": [amended]})


def test_A2_form_names_in_both_languages() -> None:
    table = table_for_year(2025)
    assert table.form_name(8)["ru"].startswith("Присуждение учёных степеней")
    assert table.form_name("other")["ru"].startswith("Мероприятие")

"""Every message exists in Kazakh, Russian and English, with the same placeholders."""

from __future__ import annotations

from datetime import date

import pytest

from docflow.i18n import LOCALES, catalogue, cli_locale, field_label, message, placeholders


def test_no_key_is_missing_in_any_language() -> None:
    keys = {locale: set(catalogue(locale)) for locale in LOCALES}
    every = set().union(*keys.values())
    for locale in LOCALES:
        assert every - keys[locale] == set(), f"{locale} lacks these keys"


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_every_placeholder_matches_the_english(locale: str) -> None:
    english = catalogue("en")
    for key, text in catalogue(locale).items():
        assert placeholders(text) == placeholders(english[key]), key


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_chambers_languages_are_not_english(locale: str) -> None:
    import re

    english = catalogue("en")
    words = re.compile(r"[a-z]{3,}")
    copied = [
        k
        for k, v in catalogue(locale).items()
        if v == english[k] and words.search(re.sub(r"\{[a-z_]+\}", "", v))
    ]
    assert copied == []


def test_every_key_used_by_the_rules_exists() -> None:
    import re
    from pathlib import Path

    import docflow

    root = Path(docflow.__file__).parent
    used: set[str] = set()
    for path in [*root.joinpath("rules").glob("*.py"), *root.joinpath("cli").glob("*.py")]:
        used |= set(
            re.findall(
                r"\"((?:rules|review|check|rejection|evidence|form|remarks)\.[a-z0-9_]+)\"",
                path.read_text(),
            )
        )
    assert used - set(catalogue("en")) == set()


def test_dates_and_grounds_are_shown_in_words() -> None:
    text = message(
        "rules.r74_roster", "ru", ground="childcare_leave", start=date(2024, 3, 1), end=None,
        year=2025,
    )  # fmt: skip
    assert text == (
        "освобождён за 2025 год: отпуск по уходу за ребёнком с 01.03.2024, "
        "подтверждено реестром палаты"
    )


def test_field_paths_name_what_a_person_sees() -> None:
    assert field_label("activities[2].date", "kk") == "3-іс-шара, күні"
    assert field_label("activities[2].date", "ru") == "мероприятие 3, дата"
    assert field_label("activities[2].date", "en") == "activity 3, date"
    assert field_label("consultant.iin", "ru") == "консультант, ИИН"
    assert field_label("report.zip: evidence/a.pdf", "kk") == "report.zip: evidence/a.pdf"


def test_the_cli_language_comes_from_the_option_the_environment_or_the_system() -> None:
    assert cli_locale("ru", {}) == "ru"
    assert cli_locale(None, {"DOCFLOW_LANG": "kk"}) == "kk"
    assert cli_locale(None, {"LANG": "ru_RU.UTF-8"}) == "ru"
    assert cli_locale(None, {"LC_ALL": "kk_KZ.UTF-8", "LANG": "ru_RU.UTF-8"}) == "kk"
    assert cli_locale(None, {"LANG": "C.UTF-8"}) == "en"
    assert cli_locale(None, {}) == "en"


def test_a_stored_finding_is_shown_in_each_language() -> None:
    from docflow.i18n import Msg, finding_text
    from docflow.rules import Finding

    finding = Finding(
        "R-7.5",
        "rules.r75_not_valid",
        {"number": 2, "title": "Семинар", "name": "e/c.pdf",
         "issue": Msg("evidence.revoked", {"serial": "S-1", "when": "2026-01-05", "why": "x"})},
    )  # fmt: skip
    stored = finding.to_json()
    assert finding_text(stored, "ru").startswith("мероприятие 2 («Семинар») не подтверждено")
    assert "сертификат S-1 отозван (05.01.2026): x" in finding_text(stored, "ru")
    days = {"filed": date(2026, 2, 17), "deadline": date(2026, 2, 16)}
    late = Finding("R-3.2d", "rules.r32d_late", days).to_json()
    assert "17.02.2026" in finding_text(late, "kk")
    assert finding_text({"clause": "R-7.3", "message": "old text"}, "kk") == "old text"

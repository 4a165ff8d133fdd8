"""``docflow summary roster import`` lists every problem of a CSV roster in the CLI's language
(issue 14): kk, ru, en, each naming the line and column as a person sees them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.cli import main
from docflow.config import Home

CSV = (
    "full_name,iin,member_since,status,status_from,status_to\n"
    "Сейітқали Әсел,900415400127,2019-03-01,active,,\n"
    ",123,2019-13-01,holiday,,\n"
    "Иванова Мария,900415400127,2020-01-01,active,2025-01-01,\n"
)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ru", ["проблем — 6", "не заполнено", "«2019-13-01» — не дата", "«holiday» — не статус",
                "уже есть в", "у действующего члена палаты не бывает дат статуса"]),
        ("kk", ["6 мәселе", "толтырылмаған", "«2019-13-01» — күн емес", "«holiday» — мәртебе емес",
                "бұрыннан бар", "белсенді мүшеде мәртебе күндері болмайды"]),
        ("en", ["6 problem(s)", "is empty", "is not a date", "is not a status",
                "already appears at", "an active member has no status dates"]),
    ],
)  # fmt: skip
def test_roster_csv_problems_in_the_cli_language(
    tmp_path: Path, lang: str, words: list[str]
) -> None:
    home = Home(tmp_path / "home").ensure()
    path = tmp_path / "roster.csv"
    path.write_text(CSV, encoding="utf-8")
    args = ["--home", str(home.root), "--lang", lang, "roster", "import", str(path),
            "--chamber", "Алматы қаласының заң консультанттары палатасы"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.output, (word, result.output)
    if lang != "en":
        assert "is empty" not in result.output and "not a date" not in result.output


@pytest.mark.parametrize(
    ("lang", "words", "english"),
    [
        ("kk", ["1 мүше", "2019-03-01 бастап", "белсенді", "тізілімде", "барлық балл",
                "тәртіптік істер жоқ"], ["member(s)", "roster_total", "active"]),
        ("ru", ["членов — 1", "с 2019-03-01", "действующий", "в реестре", "всего баллов",
                "дел о взысканиях нет"], ["member(s)", "roster_total", "active"]),
    ],
)  # fmt: skip
def test_roster_summary_and_sanctions_speak_the_cli_language(
    tmp_path: Path, lang: str, words: list[str], english: list[str]
) -> None:
    """What ``roster show``, ``summary chamber --no-sign`` and ``sanctions list`` print is in
    the reader's language (R-4.7's counts by name, not by their JSON keys)."""
    home = Home(tmp_path / "home").ensure()
    path = tmp_path / "roster.csv"
    path.write_text(CSV.splitlines()[0] + "\n" + CSV.splitlines()[1] + "\n", encoding="utf-8")
    base = ["--home", str(home.root), "--lang", lang]
    runner = CliRunner()
    imported = runner.invoke(main, [*base, "roster", "import", str(path), "--chamber", "almaty"])
    assert imported.exit_code == 0, imported.output
    output = ""
    for args in (
        ["roster", "show", "--chamber", "almaty"],
        ["summary", "chamber", "--chamber", "almaty", "--year", "2025", "--no-sign",
         "--today", "2026-03-01"],
        ["sanctions", "list"],
    ):  # fmt: skip
        result = runner.invoke(main, [*base, *args])
        assert result.exit_code == 0, result.output
        output += result.output
    for word in words:
        assert word in output, (word, output)
    for word in english:
        assert word not in output, (word, output)

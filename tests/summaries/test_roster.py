"""Rosters: CSV and YAML import, every problem reported at once, ``docflow roster``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from summaries_data import CHAMBER, SPECS

from docflow.cli import main
from docflow.config import Home
from docflow.errors import SubmissionInvalid
from docflow.summaries import SummaryStore, load_roster, parse_roster_csv

TODAY = date(2026, 2, 10)
HEADER = "full_name,iin,member_since,status,status_from,status_to\n"


def _csv(specs: list = SPECS) -> str:  # type: ignore[type-arg]
    rows = [
        f"{s.name},{s.iin},{s.member_since},{s.status},{s.status_from or ''},{s.status_to or ''}"
        for s in specs
    ]
    return HEADER + "\n".join(rows) + "\n"


def test_csv_roster_reads_every_member() -> None:
    roster = parse_roster_csv("\ufeff" + _csv(), chamber=CHAMBER)
    assert roster.chamber == CHAMBER and len(roster.members) == len(SPECS)
    leave = next(m for m in roster.members if m.full_name == "Қайтарова Гүлнар")
    assert (leave.status, leave.status_from, leave.status_to) == (
        "on_leave", date(2023, 9, 1), date(2025, 8, 31)
    )  # fmt: skip


def test_csv_reports_every_problem_at_once() -> None:
    text = HEADER + (
        f"Дұрыс Адам,{SPECS[0].iin},2019-03-01,active,,\n"
        "Қате ЖСН,900415400128,2019-03-01,active,,\n"
        "Күні жоқ,900415400127,2019-13-01,sleeping,,\n"
        ",123,2019-01-01,on_leave,2025-02-01,2025-01-01\n"
        f"Қайталанған,{SPECS[0].iin},2020-01-01,active,2020-01-01,\n"
        "Қысқа жол,1\n"
    )
    with pytest.raises(SubmissionInvalid) as caught:
        parse_roster_csv(text, chamber=CHAMBER, source="r.csv")
    fields = [p.field for p in caught.value.problems]
    assert fields == [
        "r.csv:3.iin",  # check digit
        "r.csv:4.member_since",
        "r.csv:4.status",
        "r.csv:5.full_name",
        "r.csv:5.iin",
        "r.csv:5.status_to",  # ends before it starts
        "r.csv:6.status_from",  # an active member with status dates
        "r.csv:7",  # too few values
        "r.csv:6.iin",  # duplicate IIN
    ]
    assert "check digit" in caught.value.problems[0].message


def test_csv_needs_the_header_and_a_chamber() -> None:
    with pytest.raises(SubmissionInvalid, match="missing columns status"):
        parse_roster_csv("full_name,iin,member_since\n", chamber=CHAMBER)
    with pytest.raises(SubmissionInvalid, match="--chamber"):
        parse_roster_csv(_csv(SPECS[:1]), chamber="")


def test_yaml_roster_through_the_intake(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    members = [
        {"full_name": s.name, "iin": s.iin, "member_since": s.member_since.isoformat(),
         "status": s.status, "status_from": s.status_from, "status_to": s.status_to}
        for s in SPECS[:5]
    ]  # fmt: skip
    data = {"kind": "chamber-roster", "chamber": CHAMBER, "members": members}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    roster = load_roster(path, today=TODAY)
    assert [m.iin for m in roster.members] == [s.iin for s in SPECS[:5]]
    members[1]["iin"] = "900415400128"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SubmissionInvalid) as caught:
        load_roster(path, today=TODAY)
    assert any("iin" in p.field for p in caught.value.problems)


def test_cli_import_and_show(home: Home, tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text(_csv(), encoding="utf-8")
    runner = CliRunner()
    home_arg = ["--home", str(home.root)]
    result = runner.invoke(main, [*home_arg, "roster", "import", str(path), "--chamber", CHAMBER])
    assert result.exit_code == 0, result.output
    assert f"{len(SPECS)} member(s) imported" in result.output
    with SummaryStore(home) as store:
        stored = store.roster(CHAMBER.upper())  # the chamber is found whatever its case
    assert stored is not None and len(stored.members) == len(SPECS)
    shown = runner.invoke(main, [*home_arg, "roster", "show", "--chamber", CHAMBER, "--json"])
    assert shown.exit_code == 0
    assert [m["iin"] for m in json.loads(shown.output)["members"]] == [s.iin for s in SPECS]

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "X,123,2019-01-01,active,,\nY,1,nope,active,,\n", encoding="utf-8")
    failed = runner.invoke(main, [*home_arg, "roster", "import", str(bad), "--chamber", CHAMBER])
    assert failed.exit_code == 2
    assert "3 problem(s)" in failed.output
    missing = runner.invoke(main, [*home_arg, "roster", "show", "--chamber", "Жоқ палата"])
    assert missing.exit_code != 0

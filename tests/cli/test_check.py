"""`docflow check`: verdicts, exit codes, the --json shape, readable errors, no traceback."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from docflow.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "inbox"
TODAY = "2026-02-10"


def run(*args: str, lang: str = "en") -> Result:
    return CliRunner().invoke(main, ["check", *args, "--today", TODAY, "--lang", lang])


def report(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "cpd-report",
        "year": 2025,
        "locale": "kk",
        "submitted_on": "2026-02-05",
        "consultant": {
            "full_name": "Сейітқали Әсел Нұрланқызы",
            "iin": "900415400127",
            "chamber": "Алматы қаласының заң консультанттары палатасы",
            "member_since": "2019-03-01",
        },
        "activities": [
            {
                "form": 8,
                "title": "PhD",
                "organizer": "ҚазҰУ",
                "date": "2025-06-01",
                "evidence": ["diploma.pdf"],
            }
        ],
    }
    data.update(changes)
    return data


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# --------------------------------------------------------------------------- the sample inbox


@pytest.mark.parametrize(
    ("sample", "verdict", "code"),
    [
        ("01-seitkali-2025.zip", "compliant", 0),
        ("02-ivanova-2025.zip", "compliant", 0),
        ("03-nurlanov-2025.zip", "non_compliant", 1),
        ("04-abenova-2025.zip", "needs_review", 1),
        ("05-kim-2025.yaml", "non_compliant", 1),
        # a self-declared exemption without the roster's confirmation is the officer's.
        ("06-zhaksylykova-2025.yaml", "needs_review", 1),
        ("07-omarov-2025.json", "invalid", 2),
    ],
)
def test_samples_give_their_verdicts(sample: str, verdict: str, code: int) -> None:
    result = run(str(SAMPLES / sample), "--json")
    assert result.exit_code == code, result.output
    assert json.loads(result.stdout)["verdict"] == verdict


def test_missing_evidence_sample_has_R_7_5_defects() -> None:
    doc = json.loads(run(str(SAMPLES / "05-kim-2025.yaml"), "--json").stdout)
    assert doc["defects"] and {d["clause"] for d in doc["defects"]} == {"R-7.5"}


def test_check_json_shape() -> None:
    result = run(str(SAMPLES / "01-seitkali-2025.zip"), "--json")
    doc = json.loads(result.stdout)
    assert {"verdict", "total_points", "required_points", "late", "findings", "activities"} <= set(
        doc
    )
    assert {"rule_version", "deadline", "defects", "exemption"} <= set(doc)
    assert doc["total_points"] == 11 and doc["required_points"] == 10 and doc["late"] is False
    assert all({"clause", "message"} <= set(f) for f in doc["findings"])
    first = doc["activities"][0]
    assert {"form", "points", "index", "title", "organizer", "date", "counted"} <= set(first)
    assert {"evidence", "claimed_points", "form_name"} <= set(first)
    assert set(first["form_name"]) == {"kk", "ru"}
    assert first["evidence"] == ["evidence/seminar-2025-03.pdf"]


def test_human_output_lists_points_activities_and_clauses() -> None:
    result = run(str(SAMPLES / "03-nurlanov-2025.zip"))
    assert result.exit_code == 1
    assert "NON-COMPLIANT" in result.stdout
    assert "6 of 10 required" in result.stdout
    assert "[A2-2]" in result.stdout and "R-3.2c" in result.stdout and "R-7.3" in result.stdout


def test_R_3_2d_late_flag_via_today(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report(submitted_on=None)), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--json", "--today", "2026-02-17"])
    assert json.loads(result.stdout)["late"] is True


def test_bad_today_option_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "x.json", "--today", "2026-02-30"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


# --------------------------------------------------------------------------- malformed input


def _zip_escape() -> bytes:
    return zipped({"submission.json": json.dumps(report()).encode(), "../../evil.sh": b"x"})


MALFORMED: dict[str, tuple[str, bytes | str | dict[str, Any], str]] = {
    "broken_json": ("r.json", '{"kind": "cpd-report", "year": }', "broken JSON at line 1"),
    "broken_yaml": ("r.yaml", "kind: cpd-report\n  year: : 2025\n", "broken YAML at line"),
    "not_a_mapping": ("r.yaml", "42\n", "not a set of named fields"),
    "missing_fields": ("r.json", {"kind": "cpd-report"}, "consultant: this field is required"),
    "wrong_types": ("r.json", report(year="2025x"), "reporting year: expected a whole number"),
    "unknown_form": (
        "r.json",
        report(activities=[{**report()["activities"][0], "form": 99}]),
        "activity 1, form: unknown form 99",
    ),
    "impossible_date": (
        "r.json",
        report(activities=[{**report()["activities"][0], "date": "2025-13-01"}]),
        "activity 1, date: '2025-13-01' is not a real date",
    ),
    "bad_iin": (
        "r.json",
        report(consultant={**report()["consultant"], "iin": "900415400120"}),
        "consultant, IIN: the last digit",
    ),
    "year_before_rules": ("r.json", report(year=2021), "R-10.1"),
    "year_in_future": ("r.json", report(year=2030), "reporting year: the reporting year 2030"),
    "activity_after_filing": (
        "r.json",
        report(submitted_on="2025-05-01"),
        "after the report was filed",
    ),
    "other_without_justification": (
        "r.json",
        report(activities=[{**report()["activities"][0], "form": "other"}]),
        "R-3.1b",
    ),
    "unknown_field": ("r.json", report(colour="blue"), "colour: unknown field"),
    "zip_without_submission": ("r.zip", zipped({"a.pdf": b"%PDF"}), "no submission file"),
    "zip_escape": ("r.zip", _zip_escape(), "leaves the archive's folder"),
    "evidence_escape": (
        "r.json",
        report(activities=[{**report()["activities"][0], "evidence": ["../../etc/passwd"]}]),
        "activity 1, document 1",
    ),
    "not_utf8": ("r.yaml", "kind: cpd-report\n".encode("utf-16"), "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_exits_2_with_a_readable_message(tmp_path: Path, case: str) -> None:
    name, content, expected = MALFORMED[case]
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    as_json = run(str(path), "--json")
    assert as_json.exit_code == 2
    doc = json.loads(as_json.stdout)
    assert doc["verdict"] == "invalid" and doc["problems"]
    assert all({"field", "label", "message", "expected"} <= set(p) for p in doc["problems"])


def test_every_problem_printed_one_per_line(tmp_path: Path) -> None:
    bad = report(locale="en", year="x")
    bad["consultant"]["iin"] = "12"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = run(str(path))
    lines = [line for line in result.output.splitlines() if line.startswith("  ")]
    assert [line.split(":")[0].strip() for line in lines] == [
        "reporting year",
        "language",
        "consultant, IIN",
    ]


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope.json"), "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["verdict"] == "invalid"


# --------------------------------------------------------------------------- issue 14


def test_R_3_2d_the_arrival_decides_not_the_typed_submitted_on(tmp_path: Path) -> None:
    # A 2024 report arriving 22 months late, claiming to have been submitted on time.
    path = tmp_path / "r.json"
    data = report(year=2024, submitted_on="2025-02-14")
    data["activities"][0]["date"] = "2024-06-01"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--json", "--today", "2026-12-10"])
    doc = json.loads(result.stdout)
    assert doc["late"] is True and doc["filed_on"] == "2026-12-10"


def test_R_3_2d_DOCFLOW_TODAY_replays_a_past_season(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report(submitted_on=None)), encoding="utf-8")
    runner = CliRunner()
    on_time = runner.invoke(
        main, ["check", str(path), "--json"], env={"DOCFLOW_TODAY": "2026-02-16"}
    )
    late = runner.invoke(main, ["check", str(path), "--json"], env={"DOCFLOW_TODAY": "2026-02-17"})
    assert json.loads(on_time.stdout)["late"] is False
    assert json.loads(late.stdout)["late"] is True


def test_check_speaks_kazakh_and_russian() -> None:
    kk = run(str(SAMPLES / "03-nurlanov-2025.zip"), lang="kk").stdout
    ru = run(str(SAMPLES / "03-nurlanov-2025.zip"), lang="ru").stdout
    assert "СӘЙКЕС ЕМЕС" in kk and "іс-шаралар:" in kk and "талап етілетін 10 баллдың 6" in kk
    assert "НЕ СООТВЕТСТВУЕТ" in ru and "мероприятия:" in ru and "6 из 10 требуемых" in ru
    for text in (kk, ru):
        assert "activity" not in text and "points" not in text


def test_check_language_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report(year="x")), encoding="utf-8")
    runner = CliRunner()
    ru = runner.invoke(main, ["check", str(path), "--today", TODAY], env={"DOCFLOW_LANG": "ru"})
    kk = runner.invoke(main, ["check", str(path), "--today", TODAY], env={"LANG": "kk_KZ.UTF-8"})
    assert "отчётный год: ожидается целое число" in ru.output
    assert "есепті жыл: бүтін сан күтіледі" in kk.output


def test_invalid_input_field_paths_name_what_a_person_sees(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    data = report(activities=[{**report()["activities"][0]}] * 2)
    data["activities"][2 - 1] = {**data["activities"][0], "date": "2025-02-30"}
    path.write_text(json.dumps(data), encoding="utf-8")
    assert "2-іс-шара, күні: '2025-02-30' нақты күн емес" in run(str(path), lang="kk").output
    assert (
        "мероприятие 2, дата: '2025-02-30' не является существующей датой"
        in run(str(path), lang="ru").output
    )

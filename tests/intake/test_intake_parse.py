"""Safe intake: JSON, YAML, ZIP; every problem reported at once, in plain words."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from docflow.errors import Problem, SubmissionInvalid
from docflow.intake import parse
from docflow.intake.parse import load_submission, load_submission_bytes
from docflow.model import CpdReport, EventCertificates

TODAY = date(2026, 2, 10)
PDF = b"%PDF-1.4\n% tiny\n%%EOF\n"
Write = Callable[[str, Any], Path]


def problems_of(path: Path, today: date = TODAY) -> list[Problem]:
    with pytest.raises(SubmissionInvalid) as caught:
        load_submission(path, today=today)
    return caught.value.problems


def fields(problems: list[Problem]) -> list[str]:
    return [p.field for p in problems]


# --------------------------------------------------------------------------- happy paths


def test_json_report_loads_with_evidence_beside_it(write: Write, report: dict[str, Any]) -> None:
    path = write("in/report.json", report)
    write("in/evidence/seminar.pdf", PDF)
    loaded = load_submission(path, today=TODAY)
    assert isinstance(loaded.model, CpdReport)
    assert loaded.model.activities[0].date == date(2025, 3, 14)
    assert loaded.evidence == {"evidence/seminar.pdf": PDF}
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.source_name == "report.json"


def test_yaml_dates_become_dates(write: Write) -> None:
    text = (
        "kind: cpd-report\nyear: 2025\nlocale: ru\nsubmitted_on: 2026-02-01\n"
        "consultant: {full_name: Ким Виктор, iin: '900415400127', chamber: ПЮК,"
        " member_since: 2019-03-01}\nactivities: []\n"
    )
    loaded = load_submission(write("r.yaml", text), today=TODAY)
    assert loaded.data["submitted_on"] == date(2026, 2, 1)
    assert isinstance(loaded.model, CpdReport) and loaded.model.locale == "ru"


def test_absent_evidence_is_not_an_input_problem(write: Write, report: dict[str, Any]) -> None:
    loaded = load_submission(write("r.json", report), today=TODAY)
    assert loaded.evidence == {}  # R-7.5 is the rules' business


def test_zip_with_submission_at_root(
    write: Write, report: dict[str, Any], make_zip: Callable[..., bytes]
) -> None:
    raw = make_zip(
        {
            "submission.yaml": yaml.safe_dump(report, allow_unicode=True).encode(),
            "evidence/seminar.pdf": PDF,
            "evidence/unused.pdf": PDF,
        }
    )
    loaded = load_submission(write("r.zip", raw), today=TODAY)
    assert loaded.evidence == {"evidence/seminar.pdf": PDF}


def test_zip_with_a_single_top_folder(
    report: dict[str, Any], make_zip: Callable[..., bytes]
) -> None:
    raw = make_zip(
        {
            "kim/submission.json": json.dumps(report).encode(),
            "kim/evidence/seminar.pdf": PDF,
        }
    )
    loaded = load_submission_bytes("kim.zip", raw, base_dir=None, today=TODAY)
    assert loaded.evidence == {"evidence/seminar.pdf": PDF}


def test_zip_made_on_a_mac_keeps_its_single_top_folder(
    report: dict[str, Any], make_zip: Callable[..., bytes]
) -> None:
    raw = make_zip(
        {
            "kim/submission.json": json.dumps(report).encode(),
            "kim/evidence/seminar.pdf": PDF,
            "__MACOSX/kim/._submission.json": b"\0\5\26\7",
            "kim/.DS_Store": b"\0",
        }
    )
    loaded = load_submission_bytes("kim.zip", raw, base_dir=None, today=TODAY)
    assert loaded.evidence == {"evidence/seminar.pdf": PDF}


def test_event_certificates_dispatch_on_kind(write: Write) -> None:
    data = {
        "kind": "event-certificates",
        "locale": "kk",
        "event": {
            "title": "Семинар",
            "form": 2,
            "organizer": "ЗКП",
            "date": "2025-03-14",
            "hours": 8,
            "place": "online",
        },
        "issuer": {"full_name": "Ахметов Б.", "position": "Төраға", "chamber": "ЗКП"},
        "participants": [{"full_name": "Сейітқали Ә.", "iin": "900415400127"}],
    }
    loaded = load_submission(write("c.json", data), today=TODAY)
    assert isinstance(loaded.model, EventCertificates)


def test_samples_inbox_reads() -> None:
    inbox = Path(__file__).resolve().parents[2] / "samples" / "inbox"
    names = sorted(p.name for p in inbox.iterdir())
    assert len(names) >= 7
    for path in sorted(inbox.iterdir()):
        if "omarov" in path.name:
            assert {"consultant.iin", "activities[0].date"} <= set(fields(problems_of(path)))
        else:
            load_submission(path, today=TODAY)


# --------------------------------------------------------------------------- broken files


def test_broken_json_gives_line_and_column(write: Write) -> None:
    (problem,) = problems_of(write("r.json", '{"kind": "cpd-report",\n  "year": 2025,,\n}'))
    assert "broken JSON at line 2, column" in problem.message


def test_broken_yaml_gives_line_and_column(write: Write) -> None:
    (problem,) = problems_of(write("r.yaml", "kind: cpd-report\nyear: [2025\nlocale: kk\n"))
    assert "broken YAML at line" in problem.message


def test_not_a_mapping(write: Write) -> None:
    (problem,) = problems_of(write("r.yaml", "- just\n- a list\n"))
    assert "not a set of named fields" in problem.message


def test_not_utf8(write: Write) -> None:
    (problem,) = problems_of(write("r.yaml", "kind: cpd-report\nname: Қ\n".encode("utf-16")))
    assert "UTF-8" in problem.message


def test_yaml_aliases_are_refused(write: Write) -> None:
    (problem,) = problems_of(write("r.yaml", "a: &x [1, 2]\nb: *x\n"))
    assert "aliases" in problem.message


def test_json_duplicate_field(write: Write) -> None:
    (problem,) = problems_of(write("r.json", '{"kind": "cpd-report", "kind": "x"}'))
    assert "twice" in problem.message


def test_unknown_or_missing_kind(write: Write, report: dict[str, Any]) -> None:
    (problem,) = problems_of(write("r.json", {**report, "kind": "invoice"}))
    assert problem.field == "kind" and "cpd-report" in (problem.expected or "")
    del report["kind"]
    (problem,) = problems_of(write("r2.json", report))
    assert problem.field == "kind" and "missing" in problem.message


# --------------------------------------------------------------------------- every problem at once


def test_every_problem_is_reported_at_once(write: Write, report: dict[str, Any]) -> None:
    report["locale"] = "en"
    report["consultant"]["iin"] = "900415400128"
    del report["consultant"]["chamber"]
    report["activities"][0]["form"] = 13
    report["activities"][0]["date"] = "2025-02-30"
    report["activities"].append({"form": "other", "title": "x", "organizer": "y", "date": 5})
    report["activities"].append({"form": "two"})
    report["color"] = "blue"
    found = problems_of(write("r.json", report))
    assert set(fields(found)) >= {
        "locale",
        "consultant.iin",
        "consultant.chamber",
        "activities[0].form",
        "activities[0].date",
        "activities[1].justification",
        "activities[1].date",
        "activities[2].form",
        "activities[2].title",
        "color",
    }
    for problem in found:
        assert "Traceback" not in problem.message and "pydantic" not in problem.message.lower()
        assert "Input should" not in problem.message


def test_missing_field_says_what_would_be_right(write: Write, report: dict[str, Any]) -> None:
    del report["consultant"]["member_since"]
    (problem,) = problems_of(write("r.json", report))
    assert problem.field == "consultant.member_since"
    assert problem.message == "this field is required but missing"
    assert problem.expected == "a date YYYY-MM-DD"


def test_wrong_type_names_what_was_found(write: Write, report: dict[str, Any]) -> None:
    report["year"] = "twenty"
    report["activities"] = {"form": 2}
    found = problems_of(write("r.json", report))
    by_field = {p.field: p for p in found}
    assert "found the text 'twenty'" in by_field["year"].message
    assert "expected a list" in by_field["activities"].message


def test_unknown_field_lists_the_known_ones(write: Write, report: dict[str, Any]) -> None:
    report["activities"][0]["pionts"] = 2
    (problem,) = problems_of(write("r.json", report))
    assert problem.field == "activities[0].pionts"
    assert "points" in (problem.expected or "")


def test_unknown_form(write: Write, report: dict[str, Any]) -> None:
    report["activities"][0]["form"] = 0
    (problem,) = problems_of(write("r.json", report))
    assert problem.message == "unknown form 0"
    assert "1 to 12" in (problem.expected or "")


def test_impossible_date_in_yaml_is_reported_not_crashed(write: Write) -> None:
    text = (
        "kind: cpd-report\nyear: 2025\nlocale: kk\n"
        "consultant: {full_name: A, iin: '900415400127', chamber: B, member_since: 2019-02-29}\n"
    )
    (problem,) = problems_of(write("r.yaml", text))
    assert problem.field == "consultant.member_since"
    assert "not a real date" in problem.message


def test_iin_problems(write: Write, report: dict[str, Any]) -> None:
    report["consultant"]["iin"] = 900415400127
    (problem,) = problems_of(write("r.yaml", report))
    assert "in quotes" in problem.message
    report["consultant"]["iin"] = "990230300017"
    (problem,) = problems_of(write("r.json", report))
    assert problem.field == "consultant.iin" and "990230" in problem.message


def test_R_10_1_year_before_2022_is_invalid(write: Write, report: dict[str, Any]) -> None:
    report["year"] = 2021
    (problem,) = problems_of(write("r.json", report))
    assert problem.field == "year" and "R-10.1" in problem.message


def test_year_after_this_year_is_invalid(write: Write, report: dict[str, Any]) -> None:
    report["year"] = 2027
    found = problems_of(write("r.json", report))
    assert "year" in fields(found)


def test_R_3_1c_activity_after_the_submission_date_is_invalid(
    write: Write, report: dict[str, Any]
) -> None:
    report["submitted_on"] = "2025-03-01"
    (problem,) = problems_of(write("r.json", report))
    assert problem.field == "activities[0].date" and "R-3.1c" in problem.message


def test_R_3_1c_activity_after_today_without_submission_date(
    write: Write, report: dict[str, Any]
) -> None:
    del report["submitted_on"]
    (problem,) = problems_of(write("r.json", report), today=date(2025, 3, 1))
    assert problem.field == "activities[0].date"


def test_submission_date_in_the_future_is_invalid(write: Write, report: dict[str, Any]) -> None:
    report["submitted_on"] = "2026-03-01"
    assert fields(problems_of(write("r.json", report))) == ["submitted_on"]


def test_R_3_1b_other_without_justification_is_invalid(
    write: Write, report: dict[str, Any]
) -> None:
    report["activities"][0]["form"] = "other"
    (problem,) = problems_of(write("r.json", report))
    assert problem.field == "activities[0].justification" and "R-3.1b" in problem.message


# --------------------------------------------------------------------------- hostile ZIPs and paths


def test_zip_without_a_submission(write: Write, make_zip: Callable[..., bytes]) -> None:
    (problem,) = problems_of(write("r.zip", make_zip({"evidence/a.pdf": PDF})))
    assert "no submission file" in problem.message


def test_zip_with_two_submissions(
    write: Write, report: dict[str, Any], make_zip: Callable[..., bytes]
) -> None:
    body = json.dumps(report).encode()
    raw = make_zip({"submission.json": body, "submission.yaml": body})
    (problem,) = problems_of(write("r.zip", raw))
    assert "more than one" in problem.message


@pytest.mark.parametrize("entry", ["../evil.txt", "/etc/passwd", "a/../../evil", "C:/x.txt"])
def test_zip_entries_escaping_the_folder(
    write: Write, report: dict[str, Any], make_zip: Callable[..., bytes], entry: str
) -> None:
    raw = make_zip({"submission.json": json.dumps(report).encode(), entry: b"x"})
    (problem,) = problems_of(write("r.zip", raw))
    assert "leaves the archive's folder" in problem.message
    assert entry in problem.field


def test_zip_symlink_entry(
    write: Write, report: dict[str, Any], make_zip: Callable[..., bytes]
) -> None:
    raw = make_zip(
        {"submission.json": json.dumps(report).encode(), "evidence/seminar.pdf": b"/etc/passwd"},
        symlinks=("evidence/seminar.pdf",),
    )
    (problem,) = problems_of(write("r.zip", raw))
    assert "symbolic link" in problem.message


def test_zip_bomb_total_size_is_capped(
    write: Write,
    report: dict[str, Any],
    make_zip: Callable[..., bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parse, "MAX_ZIP_TOTAL_BYTES", 10_000)
    raw = make_zip({"submission.json": json.dumps(report).encode(), "big.bin": b"\0" * 20_000})
    (problem,) = problems_of(write("r.zip", raw))
    assert "unpack" in problem.message


def test_zip_entry_count_is_capped(
    write: Write,
    report: dict[str, Any],
    make_zip: Callable[..., bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parse, "MAX_ZIP_ENTRIES", 5)
    entries = {f"e/{i}.pdf": PDF for i in range(10)}
    raw = make_zip({"submission.json": json.dumps(report).encode(), **entries})
    (problem,) = problems_of(write("r.zip", raw))
    assert "entries" in problem.message


def test_not_a_zip_at_all(write: Write) -> None:
    (problem,) = problems_of(write("r.zip", b"PK\x03\x04 truncated"))
    assert "not a readable ZIP" in problem.message


def test_evidence_path_escaping_the_folder(write: Write, report: dict[str, Any]) -> None:
    report["activities"][0]["evidence"] = ["../../etc/passwd", "/etc/passwd"]
    found = problems_of(write("r.json", report))
    assert fields(found) == ["activities[0].evidence[0]", "activities[0].evidence[1]"]


def test_evidence_symlink_leading_outside_is_refused(
    write: Write, report: dict[str, Any], tmp_path: Path
) -> None:
    secret = write("secret.txt", "top secret")
    path = write("in/r.json", report)
    (tmp_path / "in" / "evidence").mkdir()
    (tmp_path / "in" / "evidence" / "seminar.pdf").symlink_to(secret)
    (problem,) = problems_of(path)
    assert problem.field == "activities[0].evidence[0]"
    assert "outside" in problem.message

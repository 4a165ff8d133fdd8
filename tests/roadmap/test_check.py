"""``docflow check`` accepts and judges every roadmap kind filed through the inbox; bad input
gets the same field-by-field problems as a report (exit 2), a rule broken exit 1."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docflow.cli import main
from docflow.cli.check import run_check
from docflow.roadmap.directions import load_roadmap
from tests.roadmap.test_reports import consolidated, quarterly

TODAY = date(2026, 7, 10)
R = load_roadmap()
M26 = R.direction("M-2.6")
assert M26 is not None


def _person(owner: Any) -> dict[str, str]:
    return {"full_name": owner.full_name, "iin": owner.iin}


def _write(tmp_path: Path, data: dict[str, Any], name: str = "input.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _check(tmp_path: Path, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    code, doc, _ = run_check(_write(tmp_path, data), today=TODAY)
    return code, doc


def decision(**over: Any) -> dict[str, Any]:
    assert M26 is not None
    return {
        "kind": "roadmap-decision", "locale": "kk", "direction": "M-2.6", "decision_no": "П-1",
        "decided_on": "2026-04-10", "outcome": "approve",
        "working_group": [{"full_name": "А. Б.", "position": "адвокат"}],
        "calendar_plan": [{"due": "2026-06-30", "what": "жоба"}],
        "responsible": _person(M26.responsible), "coordinator": _person(M26.coordinator),
        "chair": _person(R.chair), **over,
    }  # fmt: skip


def support(**over: Any) -> dict[str, Any]:
    return {
        "kind": "roadmap-support", "locale": "ru", "direction": "M-2.6",
        "collegium": "bar-almaty", "decision_no": "7", "decided_on": "2026-05-01",
        "organ": "conference", "position": "supports",
        "chair": {"full_name": "Төраға", "iin": "750714400152"}, **over,
    }  # fmt: skip


def letter(**over: Any) -> dict[str, Any]:
    return {
        "kind": "roadmap-support-letter", "locale": "kk", "direction": "M-2.6",
        "letter_no": "1", "sent_on": "2026-04-15", "collegium": "bar-astana",
        "answer_by": "2026-05-15", "decision": "П-1", "chair": _person(R.chair), **over,
    }  # fmt: skip


def test_check_judges_every_roadmap_kind_valid_inputs_exit_0(tmp_path: Path) -> None:
    for data in (decision(), support(), letter(), quarterly("kk", 1, "2026-03-30"),
                 consolidated("ru")):  # fmt: skip
        code, doc = _check(tmp_path, data)
        assert (code, doc["verdict"], doc["kind"]) == (0, "valid", data["kind"]), doc


def test_mdec_approval_sets_the_accompanying_file_due_in_working_days_m_10_15(
    tmp_path: Path,
) -> None:
    code, doc = _check(tmp_path, decision(decided_on="2026-02-02"))
    assert code == 0
    # Monday 2 February 2026: ten and fifteen working days later, weekends skipped (the
    # holidays of May are in the M-2.6 test).
    assert doc["facts"]["accompanying_file_due"] == {
        "earliest": "2026-02-16",
        "latest": "2026-02-23",
    }


@pytest.mark.parametrize(
    ("data", "clause", "field"),
    [
        (decision(outcome="rework"), "M-dec", "rework_reasons"),
        (decision(working_group=[]), "M-dec", "working_group"),
        (decision(chair={"full_name": "X", "iin": "900415400127"}), "M-dec", "chair.iin"),
        (support(collegium="bar-atlantis"), "M-2.6q", "collegium"),
        (support(direction="M-2.1"), "M-2.6q", "direction"),
        (letter(answer_by="2026-04-01"), "M-2.6q", "answer_by"),
        (
            consolidated("kk") | {"rows": consolidated("kk")["rows"] * 2},
            "M-qr",
            "rows[2].direction",
        ),
    ],
)
def test_check_a_broken_roadmap_rule_is_non_compliant_exit_1(
    tmp_path: Path, data: dict[str, Any], clause: str, field: str
) -> None:
    code, doc = _check(tmp_path, data)
    assert code == 1 and doc["verdict"] == "non_compliant", doc
    assert (clause, field) in {(f["clause"], f["field"]) for f in doc["findings"]}, doc


def test_morg_a_quarterly_signed_by_another_than_the_directions_owner_is_non_compliant(
    tmp_path: Path,
) -> None:
    data = quarterly("ru", 2, "2026-06-30")
    data["responsible"] = {"full_name": "Иной Член", "iin": "900415400127"}
    code, doc = _check(tmp_path, data)
    assert code == 1
    [finding] = [f for f in doc["findings"] if f["field"] == "responsible.iin"]
    assert finding["clause"] == "M-org" and "Серік Жанұлы Оспанов" in finding["message"]


def test_mqr_a_quarterly_filed_after_its_quarter_is_late_not_refused(tmp_path: Path) -> None:
    code, doc = _check(tmp_path, quarterly("kk", 2, "2026-07-02"))
    assert (code, doc["verdict"], doc["late"]) == (0, "valid", True)
    assert any(f["clause"] == "M-qr" and f["severity"] == "warning" for f in doc["findings"])


def test_check_bad_roadmap_input_lists_every_problem_by_field_exit_2(tmp_path: Path) -> None:
    data = quarterly("kk", 5, "2026-07-02")
    data["indicators"]["agreed_share"] = 120
    data["responsible"]["iin"] = "123"
    del data["coordinator"]
    data["direction"] = "M-9.9"
    code, doc = _check(tmp_path, data)
    assert code == 2 and doc["verdict"] == "invalid"
    fields = {p["field"] for p in doc["problems"]}
    assert {"quarter", "indicators.agreed_share", "responsible.iin", "coordinator",
            "direction"} <= fields, doc["problems"]  # fmt: skip


def test_mpkg_a_package_whose_material_is_missing_from_the_zip_is_non_compliant(
    tmp_path: Path,
) -> None:
    assert M26 is not None
    package = {
        "kind": "roadmap-package", "locale": "ru", "direction": "M-2.6", "package_no": "1",
        "submitted_on": "2026-04-01", "legal_justification": "…", "draft_concepts": ["…"],
        "working_group": [{"full_name": "А. Б.", "position": "адвокат"}],
        "calendar_plan": [{"due": "2026-06-30", "what": "…"}],
        "materials": [{"title": "Записка", "file": "materials/note.pdf"},
                      {"title": "Таблица", "file": "materials/table.pdf"}],
        "consultations_format": "…", "responsible": _person(M26.responsible),
    }  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("submission.json", json.dumps(package, ensure_ascii=False))
        z.writestr("materials/note.pdf", b"%PDF-1.7\n")
    path = tmp_path / "package.zip"
    path.write_bytes(out.getvalue())
    code, doc, _ = run_check(path, today=TODAY)
    assert code == 1
    [finding] = doc["findings"]
    assert (finding["clause"], finding["field"]) == ("M-pkg", "materials[1].file")


def test_check_cli_prints_the_roadmap_findings_in_kazakh_and_russian(tmp_path: Path) -> None:
    path = _write(tmp_path, support(collegium="bar-atlantis"))
    result = CliRunner().invoke(main, ["check", str(path), "--today", "2026-07-10"])
    assert result.exit_code == 1
    assert "аумақтық алқасы белгісіз" in result.output
    assert "территориальная коллегия «bar-atlantis» неизвестна" in result.output


def test_m_10_15_counts_with_kazakhstans_days_off_nauryz(tmp_path: Path) -> None:
    # Friday 13 March 2026: Nauryz (21-23 March) and the days off moved for it are skipped.
    code, doc = _check(tmp_path, decision(decided_on="2026-03-13"))
    assert code == 0
    assert doc["facts"]["accompanying_file_due"] == {
        "earliest": "2026-04-01",
        "latest": "2026-04-08",
    }

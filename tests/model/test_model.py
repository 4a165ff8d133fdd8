"""The pydantic models of CONTRACT.md: what they accept and refuse on their own (no clock)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from docflow.model import ChamberRoster, CpdReport, EventCertificates, evidence_key


def base() -> dict[str, Any]:
    return {
        "kind": "cpd-report",
        "year": 2025,
        "locale": "ru",
        "consultant": {
            "full_name": "Иванова Елена Сергеевна",
            "iin": "900415400127",
            "chamber": "Палата юридических консультантов города Астаны",
            "member_since": date(2016, 9, 15),
        },
        "activities": [
            {
                "form": "2",
                "title": "Вебинар",
                "organizer": "ПЮК",
                "date": "2025-04-17",
                "evidence": ["a.pdf"],
                "online": True,
            }
        ],
    }


def error_locs(data: dict[str, Any], model: type[BaseModel] = CpdReport) -> set[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return {tuple(e["loc"]) for e in caught.value.errors()}


def test_a_valid_report_and_its_defaults() -> None:
    report = CpdReport.model_validate(base())
    assert report.activities[0].form == 2  # "2" read as Appendix 2 row 2
    assert report.exemption is None and report.submitted_on is None
    assert report.activities[0].points is None


def test_exemption_uses_from_and_to() -> None:
    data = base() | {"exemption": {"reason": "maternity_leave", "from": "2025-03-01", "to": None}}
    report = CpdReport.model_validate(data)
    assert report.exemption is not None and report.exemption.from_ == date(2025, 3, 1)
    data["exemption"] = {"reason": "vacation", "from": "2025-03-01"}
    assert ("exemption", "reason") in error_locs(data)


def test_exemption_ending_before_it_starts() -> None:
    data = base() | {"exemption": {"reason": "suspended", "from": "2025-03-01", "to": "2025-01-01"}}
    assert ("exemption",) in error_locs(data)


def test_extra_fields_are_forbidden_everywhere() -> None:
    data = base()
    data["extra"] = 1
    data["consultant"]["phone"] = "+7"
    data["activities"][0]["hours"] = 8
    assert {("extra",), ("consultant", "phone"), ("activities", 0, "hours")} <= error_locs(data)


@pytest.mark.parametrize("form", [0, 13, -1, "13", "seminar", True, 2.5, None])
def test_unknown_forms(form: Any) -> None:
    data = base()
    data["activities"][0]["form"] = form
    assert ("activities", 0, "form") in error_locs(data)


def test_R_3_1b_other_requires_justification_in_the_model() -> None:
    data = base()
    data["activities"][0]["form"] = "other"
    assert ("activities", 0, "justification") in error_locs(data)
    data["activities"][0]["justification"] = "Почему это развивает квалификацию."
    assert CpdReport.model_validate(data).activities[0].form == "other"


def test_R_10_1_no_report_before_2022() -> None:
    assert ("year",) in error_locs(base() | {"year": 2021})
    assert CpdReport.model_validate(base() | {"year": 2022}).year == 2022


def test_iin_checked_in_every_model() -> None:
    data = base()
    data["consultant"]["iin"] = "900415400128"
    assert ("consultant", "iin") in error_locs(data)
    roster = {
        "kind": "chamber-roster",
        "chamber": "ЗКП",
        "members": [{"full_name": "A", "iin": "123", "member_since": "2020-01-01"}],
    }
    assert ("members", 0, "iin") in error_locs(roster, ChamberRoster)


def test_event_certificates_need_participants() -> None:
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
        "participants": [],
    }
    assert ("participants",) in error_locs(data, EventCertificates)


def test_roster_statuses() -> None:
    roster = ChamberRoster.model_validate(
        {
            "kind": "chamber-roster",
            "chamber": "ЗКП",
            "members": [
                {
                    "full_name": "Жақсылықова Д.",
                    "iin": "900415400127",
                    "member_since": "2020-06-01",
                    "status": "on_leave",
                    "status_from": "2025-03-01",
                }
            ],
        }
    )
    assert roster.members[0].status == "on_leave"


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("evidence/a.pdf", "evidence/a.pdf"),
        ("./evidence//a.pdf", "evidence/a.pdf"),
        ("evidence\\a.pdf", "evidence/a.pdf"),
        ("a/../b.pdf", "b.pdf"),
        ("../b.pdf", None),
        ("/etc/passwd", None),
        ("C:/x.pdf", None),
        ("", None),
        (".", None),
    ],
)
def test_evidence_key_normalises_and_confines(path: str, key: str | None) -> None:
    assert evidence_key(path) == key

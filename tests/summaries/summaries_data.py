"""Test data for the summaries: a chamber of 38 members with every kind of outcome, as a roster
and as archive records shaped like those the workflow writes (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from docflow.iin import check_digit
from docflow.summaries import Member, Roster

CHAMBER = "Алматы қаласының заң консультанттары палатасы"
OTHER_CHAMBER = "Астана қаласының заң консультанттары палатасы"
YEAR = 2025

_serials = itertools.count(101)


def make_iin(born: date, female: bool = False) -> str:
    """A valid IIN (birth date, century/sex digit, serial, check digit)."""
    century = "4" if female else "3"
    while True:
        first = f"{born:%y%m%d}{century}{next(_serials):04d}"
        digit = check_digit(first)
        if digit is not None:
            return first + str(digit)


@dataclass
class Spec:
    """One member of the test chamber, with what the summary must say about them."""

    name: str
    expect: str  # MemberLine.state
    ground: str | None = None
    late: bool | None = None
    member_since: date = date(2018, 5, 1)
    status: str = "active"
    status_from: date | None = None
    status_to: date | None = None
    # versions: (outcome, submitted_on, points_by_form, exemption reason)
    versions: list[tuple[str, date, dict[str, int], str | None]] = field(default_factory=list)
    iin: str = ""


def _specs() -> list[Spec]:
    d = date
    ok, feb10, feb20 = "compliant", d(2026, 2, 10), d(2026, 2, 20)
    specs = [
        # 10 compliant on time, with various forms (A2-2 seminars 2 points each, A2-4 talks 3...)
        *(
            Spec(f"Сәтбаев Ерлан {i}", ok, late=False,
                 versions=[(ok, d(2026, 1, 10 + i), pts, None)])
            for i, pts in enumerate([
                {"2": 10}, {"2": 6, "4": 6}, {"1": 2, "2": 4, "11": 4}, {"8": 6, "2": 4},
                {"7": 3, "9": 3, "2": 4}, {"10": 5, "12": 5}, {"3": 10}, {"5": 4, "6": 6},
                {"2": 8, "other": 2}, {"4": 9, "11": 1},
            ])
        ),
        # 3 compliant, filed late (R-3.2d)
        *(Spec(f"Кешікқали Айгүл {i}", ok, late=True, versions=[(ok, feb20, {"2": 10}, None)])
          for i in range(3)),
        # returned on time, corrected later: compliant and on time (R-3.2e)
        Spec("Түзетов Марат", ok, late=False,
             versions=[("returned", d(2026, 2, 5), {"2": 10}, None),
                       (ok, d(2026, 2, 25), {"2": 10, "4": 3}, None)]),
        # below the norm (R-3.2c)
        *(Spec(f"Аздаұпай Бекзат {p}", "below_norm", late=False,
               versions=[("below_norm", feb10, {"2": p}, None)]) for p in (4, 6, 8)),
        Spec("Аздаұпай Нұрлан", "below_norm", late=False,
             versions=[("below_norm", feb10, {"4": 6, "11": 3}, None)]),
        Spec("Кешауыз Дана", "below_norm", late=True,
             versions=[("below_norm", d(2026, 3, 3), {"2": 2}, None)]),
        # exempt by the report's ground
        *(Spec(f"Аналықова Жанар {i}", "exempt", ground="maternity_leave", late=False,
               versions=[("exempt", feb10, {}, "maternity_leave")]) for i in range(2)),
        *(Spec(f"Бәбекова Сауле {i}", "exempt", ground="childcare_leave", late=False,
               versions=[("exempt", feb10, {}, "childcare_leave")]) for i in range(2)),
        # exempt by the roster: suspended during the year, on leave (kind not given)
        Spec("Тоқтатов Асқар", "exempt", ground="suspended", status="suspended",
             status_from=d(2025, 4, 1), status_to=d(2025, 6, 30)),
        Spec("Тоқтатов Ғалым", "exempt", ground="suspended", status="suspended",
             status_from=d(2024, 11, 1), status_to=None),
        Spec("Демалысова Әйгерім", "exempt", ground="on_leave", status="on_leave",
             status_from=d(2024, 3, 1), status_to=None),
        # restored in the middle of the year: owes nothing for it
        Spec("Қайтарова Гүлнар", "exempt", ground="on_leave", status="on_leave",
             status_from=d(2023, 9, 1), status_to=d(2025, 8, 31)),
        # leave that ended before the year: owes a report, filed it
        Spec("Оралова Меруерт", ok, late=False, status="on_leave",
             status_from=d(2022, 1, 1), status_to=d(2024, 12, 31),
             versions=[(ok, feb10, {"1": 6, "2": 4}, None)]),
        # not filed at all (the roster is what catches them)
        *(Spec(f"Жоқбаев Серік {i}", "not_filed") for i in range(4)),
        # returned with remarks, never corrected (R-3.2e)
        *(Spec(f"Қайтбаев Арман {i}", "returned", late=False,
               versions=[("returned", feb10, {"2": 10}, None)]) for i in range(2)),
        # joined after the year: not subject
        *(Spec(f"Жаңаев Ілияс {i}", "not_subject", member_since=d(2026, 1, 15))
          for i in range(2)),
        # joined during the year: subject (only leave or suspension exempts, R-7.4)
        Spec("Жылортасы Қанат", ok, late=False, member_since=d(2025, 6, 1),
             versions=[(ok, feb10, {"2": 10, "12": 1}, None)]),
    ]  # fmt: skip
    for i, spec in enumerate(specs):
        spec.iin = make_iin(date(1970 + i % 30, 1 + i % 12, 1 + i % 27), female=i % 2 == 1)
    return specs


SPECS = _specs()
_record_ids = itertools.count(1)


def record_for(
    iin: str,
    name: str,
    *,
    version: int,
    outcome: str,
    submitted_on: date,
    points_by_form: dict[str, int],
    exemption: str | None = None,
    year: int = YEAR,
    chamber: str = CHAMBER,
    member_since: date = date(2018, 5, 1),
) -> dict[str, Any]:
    total = sum(points_by_form.values())
    deadline = date(year + 1, 2, 15)
    return {
        "id": f"r{next(_record_ids):05d}",
        "kind": "cpd-report",
        "outcome": outcome,
        "full_name": name,
        "iin": iin,
        "year": year,
        "chamber": chamber,
        "member_since": member_since.isoformat(),
        "locale": "kk",
        "series": f"cpd-report/{iin}/{year}",
        "version": version,
        "previous": None,
        "submitted_on": submitted_on.isoformat(),
        "deadline": deadline.isoformat(),
        "late": submitted_on > deadline,
        "total_points": total,
        "required_points": 10,
        "points_by_form": points_by_form,
        "exemption": {"reason": exemption, "from": "2025-01-01", "to": None} if exemption else None,
        "archived_at": f"{submitted_on.isoformat()}T12:00:00Z",
        "signers": [],
        "events": [],
    }


def chamber_records() -> list[dict[str, Any]]:
    records = []
    for spec in SPECS:
        for n, (outcome, on, points, exemption) in enumerate(spec.versions, start=1):
            records.append(
                record_for(
                    spec.iin,
                    spec.name,
                    version=n,
                    outcome=outcome,
                    submitted_on=on,
                    points_by_form=points,
                    exemption=exemption,
                    member_since=spec.member_since,
                )
            )
    # Noise that must not count: a report of another year, another chamber, not on the roster.
    first = SPECS[0]
    records.append(
        record_for(first.iin, first.name, version=1, outcome="compliant",
                   submitted_on=date(2025, 2, 1), points_by_form={"2": 12}, year=2024)
    )  # fmt: skip
    records.append(
        record_for(make_iin(date(1980, 1, 1)), "Басқа Палатасы", version=1, outcome="compliant",
                   submitted_on=date(2026, 2, 1), points_by_form={"2": 10},
                   chamber=OTHER_CHAMBER)
    )  # fmt: skip
    records.append(
        record_for(UNKNOWN_IIN, "Тізімсіз Адам", version=1, outcome="compliant",
                   submitted_on=date(2026, 2, 1), points_by_form={"3": 10})
    )  # fmt: skip
    return records


UNKNOWN_IIN = make_iin(date(1985, 5, 5))


def chamber_roster() -> Roster:
    return Roster(
        chamber=CHAMBER,
        members=tuple(
            Member(s.name, s.iin, s.member_since, s.status, s.status_from, s.status_to)
            for s in SPECS
        ),
    )

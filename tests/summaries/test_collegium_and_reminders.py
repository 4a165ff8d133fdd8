"""The Collegium's summary (R-5.5, R-5.6), its charts, and the reminder list (R-3.2d)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from PIL import Image
from summaries_data import CHAMBER, OTHER_CHAMBER, SPECS, YEAR, record_for

from docflow.summaries import FORM_KEYS, Roster, collegium_summary, pending_members
from docflow.summaries.charts import CHARTS, collegium_charts


def _two_chambers(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    ours = [r for r in records if r["chamber"] == CHAMBER]
    earlier = [
        record_for(s.iin, s.name, version=1, outcome="compliant", submitted_on=date(2025, 2, 1),
                   points_by_form={"2": 6, "11": 4}, year=2024)
        for s in SPECS[:12]
    ]  # fmt: skip
    theirs = [
        record_for(s.iin, s.name, version=1, outcome="below_norm" if i % 3 else "compliant",
                   submitted_on=date(2026, 2, 20 if i == 0 else 1), points_by_form={"4": 3 + i},
                   year=YEAR, chamber=OTHER_CHAMBER)
        for i, s in enumerate(SPECS[20:26])
    ]  # fmt: skip
    return {CHAMBER: ours + earlier, OTHER_CHAMBER: theirs}


def test_collegium_numbers_per_chamber_and_form_R_5_5_R_5_6(
    records: list[dict[str, Any]],
) -> None:
    summary = collegium_summary(_two_chambers(records), years=[2024, YEAR])
    assert summary.years == (2024, 2025) and summary.year == YEAR
    ours = summary.chamber_year(CHAMBER, YEAR)
    # The same records, judged per chamber: 16 compliant + 5 below the norm accepted; the
    # report from outside the roster counts for the Collegium (it is the chamber's record).
    assert (ours.compliant, ours.below_norm, ours.exempt, ours.returned) == (17, 5, 4, 2)
    assert ours.late == 4
    theirs = summary.chamber_year(OTHER_CHAMBER, YEAR)
    assert (theirs.reports, theirs.compliant, theirs.late) == (6, 2, 1)
    assert theirs.points_by_form["4"] == sum(3 + i for i in range(6))
    total = summary.totals(YEAR)
    assert total.reports == ours.reports + theirs.reports
    form2 = summary.form_year("2", YEAR)
    assert form2.points == ours.points_by_form["2"] + theirs.points_by_form["2"]
    assert form2.participants == ours.participants_by_form["2"]
    assert round(form2.share, 4) == round(form2.participants / total.reports, 4)
    before = summary.form_year("11", 2024)
    assert (before.participants, before.points) == (12, 48)
    assert summary.chamber_year(OTHER_CHAMBER, 2024).reports == 0  # no data: zero, not missing
    assert [f["form"] for f in summary.to_json()["forms"]][:: len(summary.years)] == list(FORM_KEYS)


def test_charts_are_readable_pngs(records: list[dict[str, Any]]) -> None:
    summary = collegium_summary(_two_chambers(records), years=[2024, YEAR])
    for locale in ("kk", "ru"):
        charts = collegium_charts(summary, locale)
        assert set(charts) == set(CHARTS)
        for png in charts.values():
            with Image.open(io.BytesIO(png)) as image:
                assert image.format == "PNG"
                assert image.width >= 1000  # 7.2 in at 150 dpi: legible when placed at 160 mm
        # Same numbers, same bytes (no dates in the PNG metadata).
        assert collegium_charts(summary, locale) == charts


def test_reminders_list_who_has_not_filed_R_3_2d(
    roster: Roster, records: list[dict[str, Any]]
) -> None:
    early = date(2026, 2, 1)
    filed_by_then = [r for r in records if r["submitted_on"] <= early.isoformat()]
    pending = pending_members(roster, filed_by_then, year=YEAR, today=early)
    pending_iins = {m.iin for m in pending}
    # Owing unless the roster says leave/suspension: an exemption claimed in a report
    # only counts once that report is filed.
    roster_exempt = {s.iin for s in SPECS if s.expect == "exempt" and s.status != "active"}
    owing = {s.iin for s in SPECS if s.expect != "not_subject"} - roster_exempt
    filed = {r["iin"] for r in filed_by_then if r["outcome"] != "returned"}
    assert pending_iins == owing - filed
    assert {s.iin for s in SPECS if s.expect == "not_filed"} <= pending_iins
    # After the deadline a reminder is no use: takes over.
    assert pending_members(roster, records, year=YEAR, today=date(2026, 2, 16)) == []

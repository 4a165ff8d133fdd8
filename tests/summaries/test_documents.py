"""The summaries' documents end to end: real archive, LibreOffice, PAdES signatures by the
chamber head, verification; and the R-9.1 commands with a moving ``--today``.

Set ``DOCFLOW_TEST_PNG_DIR`` to keep the pages as PNG (pdftoppm -r 60) for looking at them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from summaries_data import (
    CHAMBER,
    OTHER_CHAMBER,
    SPECS,
    YEAR,
    chamber_records,
    chamber_roster,
    make_iin,
    record_for,
)
from summaries_support import (
    CHAIR_IIN,
    CHAIR_NAME,
    COLLEGIUM_CHAIR_IIN,
    store_records,
    summaries_home,
    verified,
)

from docflow.archive import Archive
from docflow.cli import main
from docflow.config import Clock, Home
from docflow.summaries import (
    CollegiumSummary,
    Member,
    Roster,
    SummaryStore,
    chamber_summary,
    summary_csv,
)
from docflow.summaries.jobs import job_bytes, job_name
from docflow.summaries.service import SummaryService
from docflow.workflow.local import LocalJob, Made, make_documents
from docflow.workflow.services import build_services

pytestmark = pytest.mark.slow

PRODUCED = date(2026, 3, 5)  # after 1 March: the warning shows


def _home(root: Path) -> Home:
    return summaries_home(root)


def _text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                         check=True, timeout=60)  # fmt: skip
    return " ".join(out.stdout.decode("utf-8").split())


def _pages_png(pdf: bytes, folder: Path, stem: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{stem}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(source), str(folder / stem)],
                   check=True, timeout=120)  # fmt: skip
    pages = sorted(folder.glob(f"{stem}-*.png"))
    keep = os.environ.get("DOCFLOW_TEST_PNG_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for page in pages:
            shutil.copy(page, Path(keep) / page.name)
    return pages


@pytest.fixture(scope="module")
def chamber_home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    home = _home(tmp_path_factory.mktemp("summaries") / "home")
    with SummaryStore(home) as store:
        store.save_roster(chamber_roster(), source="test", imported_at="2026-01-05T00:00:00Z")
    store_records(home, chamber_records())
    return home


@pytest.fixture(scope="module")
def service(chamber_home: Home) -> Iterator[SummaryService]:
    parts = build_services(chamber_home, clock=Clock(PRODUCED))
    svc = SummaryService(parts)
    try:
        yield svc
    finally:
        svc.close()
        parts.close()


def _make(home: Home, jobs: list[Any], today: date = PRODUCED) -> list[Made]:
    """The documents of ``jobs`` made by the flow in worker processes (issue 12)."""
    with build_services(home, clock=Clock(today)) as services:
        return make_documents(services, [LocalJob(j.kind, job_name(j), job_bytes(j)) for j in jobs])


def test_chamber_summary_signed_and_archived_R_4_7(
    chamber_home: Home, service: SummaryService, tmp_path: Path
) -> None:
    summary = service.chamber_summary(CHAMBER, YEAR, today=PRODUCED)
    # The archive's records give the same numbers as the records handed over directly.
    direct = chamber_summary(chamber_roster(), chamber_records(), year=YEAR, today=PRODUCED)
    assert summary.counts() == direct.counts()
    assert summary.counts()["roster_total"] == 37 and summary.counts()["total_points"] == 195
    assert "R-4.7" in [n.clause for n in summary.warnings]

    jobs = {loc: service.chamber_job(summary, locale=loc) for loc in ("kk", "ru")}
    made = dict(zip(jobs, _make(chamber_home, list(jobs.values())), strict=True))
    archive = service.parts.archive
    for locale, done in made.items():
        assert done.state == "archived", done.entry
        assert done.record is not None
        stored = archive.get(done.record)
        record = stored.record
        assert record["kind"] == "chamber-summary" and record["locale"] == locale
        assert record["counts"] == summary.counts() and record["late"] is True
        assert record["signers"] == [{"role": "chair", "name": CHAIR_NAME, "iin": CHAIR_IIN}]
        pdf = stored.pdf_path.read_bytes()
        verified(chamber_home, pdf)
        text = _text(pdf)
        assert CHAMBER in text and CHAIR_NAME in text
        for m in summary.deficient:
            assert m.full_name in text and m.iin in text
        # The machine-readable copies travel inside the PDF.
        files = PdfReader(io.BytesIO(pdf)).attachments
        assert files["summary.csv"][0].decode("utf-8") == summary_csv(summary)
        assert json.loads(files["summary.json"][0])["counts"] == summary.counts()
        assert _pages_png(pdf, tmp_path, f"chamber_summary_{locale}")
    kk = made["kk"].record
    assert kk is not None and "1 наурыздан кейін" in _text(archive.get(kk).pdf_path.read_bytes())
    # Made together, the two languages are two versions of the series, never one twice.
    series = archive.get(kk).record["series"]
    assert sorted(v["version"] for v in archive.versions(series)) == [1, 2]
    # The same summary again is the same input: a duplicate of the first, not archived twice.
    (again,) = _make(chamber_home, [jobs["kk"]])
    assert (again.state, again.record) == ("duplicate", kk)
    # A summary made a day later supersedes it as the next version of the same series.
    later = service.chamber_summary(CHAMBER, YEAR, today=date(2026, 3, 6))
    (newer,) = _make(chamber_home, [service.chamber_job(later, locale="kk")], date(2026, 3, 6))
    assert newer.state == "archived" and newer.record is not None
    versions = archive.versions(series)
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[-1]["id"] == newer.record and newer.record.endswith("-v3")
    assert archive.get(newer.record).record["previous"] == versions[1]["id"]


def test_collegium_summary_with_charts_R_5_5_R_5_6(
    chamber_home: Home, service: SummaryService, tmp_path: Path
) -> None:
    extra = [
        record_for(make_iin(date(1979, 4, 4 + i)), f"Астаналық {i}", version=1,
                   outcome="compliant" if i % 2 else "below_norm",
                   submitted_on=date(2026, 2, 3), points_by_form={"4": 6, "11": 2 + 2 * i},
                   chamber=OTHER_CHAMBER)
        for i in range(5)
    ] + [
        record_for(s.iin, s.name, version=1, outcome="compliant", submitted_on=date(2025, 2, 1),
                   points_by_form={"2": 6, "11": 4}, year=2024)
        for s in SPECS[1:12]
    ]  # fmt: skip
    store_records(chamber_home, extra)
    summary = service.collegium_summary(YEAR, compare=1)
    assert summary.years == (2024, 2025)
    assert summary.chambers == tuple(sorted((CHAMBER, OTHER_CHAMBER), key=str.casefold))
    assert summary.chamber_year(OTHER_CHAMBER, YEAR).reports == 6  # 5 + the fixture's one
    # What travels to the worker is the same summary.
    assert CollegiumSummary.from_json(summary.to_json()) == summary
    charts_dir = tmp_path / "charts"
    for locale in ("kk", "ru"):
        job, pngs = service.collegium_job(
            summary, locale=locale, today=date(2026, 3, 20), charts_dir=charts_dir
        )
        assert set(pngs) == {"participation", "points", "compliance"}
        for path in pngs.values():
            assert path.read_bytes().startswith(b"\x89PNG")
        (done,) = _make(chamber_home, [job], date(2026, 3, 20))
        assert done.state == "archived" and done.record is not None
        stored = service.parts.archive.get(done.record)
        assert stored.record["kind"] == "collegium-summary"
        pdf = stored.pdf_path.read_bytes()
        verified(chamber_home, pdf, role="collegium_chair")
        assert stored.record["signers"][0]["iin"] == COLLEGIUM_CHAIR_IIN
        # LibreOffice shares one resource dictionary between pages: count distinct images.
        images = {im.name for page in PdfReader(io.BytesIO(pdf)).pages for im in page.images}
        assert len(images) == 3
        text = _text(pdf)
        # The chambers' names wrap inside their table cells: look for their first words.
        assert "Алматы қаласының" in text and "Астана қаласының" in text
        assert _pages_png(pdf, tmp_path, f"collegium_summary_{locale}")
        keep = os.environ.get("DOCFLOW_TEST_PNG_DIR")
        if keep:
            for path in pngs.values():
                shutil.copy(path, Path(keep) / path.name)


def test_reminder_letters_before_15_february_R_3_2d(
    service: SummaryService, tmp_path: Path
) -> None:
    pending, letters = service.reminders(
        CHAMBER, YEAR, today=date(2026, 2, 1), locale="ru", out_dir=tmp_path / "letters"
    )
    expected = {s.iin for s in SPECS if s.expect in ("not_filed", "returned")}
    assert {m.iin for m in pending} == expected
    assert len(letters) == len(expected)
    for path in letters:
        line = next(m for m in pending if m.iin in path.name)
        text = _text(path.read_bytes())
        assert line.full_name in text and "15.02.2026" in text
    _pages_png(letters[0].read_bytes(), tmp_path, "reminder_ru")
    none, _ = service.reminders(CHAMBER, YEAR, today=date(2026, 2, 16), locale="kk",
                                out_dir=None)  # fmt: skip
    assert none == []


# ---------------------------------------------------------------------------- via the CLI


def _cli(home: Home, *args: str) -> Any:
    result = CliRunner().invoke(main, ["--home", str(home.root), *args])
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result


def test_sanctions_warning_cure_and_suspension_with_moving_today(
    tmp_path: Path,
) -> None:
    home = _home(tmp_path / "home")
    below, silent, fine, away = (make_iin(date(1980 + i, 2, 2)) for i in range(4))
    roster = Roster(CHAMBER, (
        Member("Нормасыз Бекзат", below, date(2015, 1, 1)),
        Member("Үнсіз Серік", silent, date(2016, 1, 1)),
        Member("Тиянақты Айгүл", fine, date(2017, 1, 1)),
        Member("Демалыстағы Жанар", away, date(2018, 1, 1), "on_leave", date(2025, 5, 1)),
    ))  # fmt: skip
    roster_file = tmp_path / "roster.json"
    roster_file.write_text(json.dumps(roster.to_json(), ensure_ascii=False), encoding="utf-8")
    _cli(home, "roster", "import", str(roster_file))
    store_records(home, [
        record_for(below, "Нормасыз Бекзат", version=1, outcome="below_norm",
                   submitted_on=date(2026, 2, 10), points_by_form={"2": 6}),
        record_for(fine, "Тиянақты Айгүл", version=1, outcome="compliant",
                   submitted_on=date(2026, 2, 10), points_by_form={"2": 10}),
    ])  # fmt: skip
    run = ["sanctions", "run", "--chamber", CHAMBER, "--year", str(YEAR)]

    # Before 15 February: who still owes a report (the one on leave does not, R-7.4).
    remind = ["reminders", "--chamber", CHAMBER, "--year", str(YEAR), "--json"]
    pending = json.loads(_cli(home, *remind, "--today", "2026-02-14", "--no-letters").output)
    assert [m["iin"] for m in pending["members"]] == [silent] and pending["letters"] == []

    assert "nothing to do" in _cli(home, *run, "--today", "2026-02-15").output
    warned = _cli(home, *run, "--today", "2026-02-20").output
    assert f"warn     {below}" in warned and f"warn     {silent}" in warned
    assert fine not in warned and away not in warned
    assert "nothing to do" in _cli(home, *run, "--today", "2026-02-20").output  # idempotent

    # A run that stopped after archiving a notice but before saving its case: the next run
    # adopts the archived notice (same record, its own dates) instead of issuing a second one.
    with sqlite3.connect(home.state / "summaries.sqlite") as db:
        db.execute("DELETE FROM sanctions WHERE iin = ?", (below,))
    db.close()
    readopted = _cli(home, *run, "--today", "2026-02-25").output
    assert f"warn     {below}" in readopted and f"warning-{YEAR}-{below}" in readopted
    with SummaryStore(home) as store:
        case = next(c for c in store.cases() if c.iin == below)
    assert (case.warned_on, case.due_on) == (date(2026, 2, 20), date(2026, 3, 20))

    # The corrected report reaches the norm on 10 March, within the month (R-9.1a).
    store_records(home, [
        record_for(below, "Нормасыз Бекзат", version=2, outcome="compliant",
                   submitted_on=date(2026, 3, 10), points_by_form={"2": 6, "4": 6}),
    ])  # fmt: skip
    cured = _cli(home, *run, "--today", "2026-03-15").output
    assert f"cure     {below}" in cured and silent not in cured
    suspended = _cli(home, *run, "--today", "2026-03-21", "--locale", "ru").output
    assert f"suspend  {silent}" in suspended and below not in suspended
    assert "nothing to do" in _cli(home, *run, "--today", "2026-04-01").output

    cases = {c["iin"]: c for c in json.loads(_cli(home, "sanctions", "list", "--json").output)}
    assert cases[below]["state"] == "cured" and cases[below]["cured_on"] == "2026-03-10"
    assert cases[silent]["state"] == "suspended"
    assert (cases[silent]["suspended_from"], cases[silent]["suspended_to"]) == (
        "2026-03-21", "2026-06-20"
    )  # fmt: skip
    assert set(cases) == {below, silent}

    archive = Archive(home)
    try:
        notices = {
            r["id"]: r for r in archive.all_records() if r["kind"] in ("warning", "suspension")
        }
        assert set(notices) == {f"warning-{YEAR}-{below}", f"warning-{YEAR}-{silent}",
                                f"suspension-{YEAR}-{silent}"}  # fmt: skip
        for record_id in notices:
            pdf = archive.pdf_bytes(record_id)
            verified(home, pdf)
            text = _text(pdf)
            assert notices[record_id]["full_name"] in text
        assert "20.03.2026" in _text(archive.pdf_bytes(f"warning-{YEAR}-{silent}"))
        suspension = _text(archive.pdf_bytes(f"suspension-{YEAR}-{silent}"))
        assert "21.03.2026 — 20.06.2026" in suspension and "7.4" in suspension
        _pages_png(archive.pdf_bytes(f"warning-{YEAR}-{silent}"), tmp_path, "warning_kk")
        _pages_png(archive.pdf_bytes(f"suspension-{YEAR}-{silent}"), tmp_path, "suspension_ru")
    finally:
        archive.close()

    # R-9.1b: suspended "with the duty to reach the norm": 2026 is owed like 2027.
    args = ["summary", "chamber", "--chamber", CHAMBER, "--no-sign", "--json"]
    for year, state in ((2026, "not_filed"), (2027, "not_filed")):
        data = json.loads(_cli(home, *args, "--year", str(year), "--today", f"{year + 1}-02-20")
                          .output)  # fmt: skip
        line = next(m for m in data["members"] if m["iin"] == silent)
        assert line["state"] == state

    # The CSV export of the command matches its JSON.
    out = tmp_path / "summary.csv"
    data = json.loads(_cli(home, *args, "--year", str(YEAR), "--today", "2026-03-25",
                           "--csv", str(out)).output)  # fmt: skip
    rows = {r["iin"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert {i: r["state"] for i, r in rows.items()} == {
        m["iin"]: m["state"] for m in data["members"]
    }
    totals = dict(csv.reader((tmp_path / "summary_totals.csv").open(encoding="utf-8")))
    assert int(totals["compliant"]) == data["counts"]["compliant"] == 2
    assert int(totals["not_filed"]) == data["counts"]["not_filed"] == 1

    # The Collegium's summary through the command: charts as PNG files beside the PDF.
    done = json.loads(_cli(home, "summary", "collegium", "--year", str(YEAR), "--today",
                           "2026-03-25", "--locale", "ru", "--json").output)  # fmt: skip
    assert done["record"] == f"collegium-summary-{YEAR}-v1"
    assert sorted(Path(p).name for p in done["charts"].values()) == [
        f"collegium-{YEAR}-{c}-ru.png" for c in ("compliance", "participation", "points")
    ]
    assert all(Path(p).parent == home.root / "summaries" / str(YEAR)
               for p in done["charts"].values())  # fmt: skip

"""Issue 14 through the real inbox: files dropped into ``inbox/``, claimed by the runner and taken
through the flow (LibreOffice, pyHanko, the loopback TSA/OCSP), each test named after the
clause it proves. Each fails on the flow before issue 14's wiring."""

from __future__ import annotations

import io
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import yaml
from workflow_builders import report, samples

from docflow.archive import Archive
from docflow.config import Clock, Home
from docflow.errors import DocflowError
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Runner
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME
from docflow.summaries.roster import Member, Roster
from docflow.summaries.store import SummaryStore
from docflow.workflow.build import build_flow
from docflow.workflow.review import ReviewQueue
from docflow.workflow.services import build_services
from docflow.workflow.stages import filed_on

pytestmark = pytest.mark.slow

CHAMBER = report()["consultant"]["chamber"]


def _zip(data: dict[str, Any]) -> bytes:
    """A ZIP submission with a real small PDF for every evidence path (activities and the
    exemption's supporting documents)."""
    paths = [p for a in data.get("activities", []) for p in a.get("evidence", [])]
    paths += list((data.get("exemption") or {}).get("evidence", []))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("submission.yaml", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        for path in paths:
            zf.writestr(path, samples.tiny_pdf([f"Document {path}"]))
    return buffer.getvalue()


class Inbox:
    """A home's inbox and a runner over the real flow with a replayed day (DOCFLOW_TODAY)."""

    def __init__(self, home: Home, day: date):
        self.home = home
        self.services = build_services(home, clock=Clock(day))
        self.flow = build_flow(self.services)
        self.runner = Runner(home, self.flow, workers=1, settle=0)

    def drop(self, name: str, content: bytes) -> Entry:
        temp = self.home.inbox / f".{name}.part"
        temp.write_bytes(content)
        temp.rename(self.home.inbox / name)
        self.runner.run_once()
        [entry] = [e for e in self.runner.journal.entries() if e.source == name]
        return entry

    def record(self, entry: Entry) -> dict[str, Any]:
        assert entry.record, (entry.state, entry.reason)
        with Archive(self.home) as archive:
            return dict(archive.get(entry.record).record)

    def pdf_text(self, entry: Entry) -> str:
        with Archive(self.home) as archive:
            pdf = bytes(archive.pdf_bytes(entry.record))
        done = subprocess.run(
            ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
        )
        return done.stdout.decode("utf-8")

    def close(self) -> None:
        self.runner.close()
        self.services.close()


@pytest.fixture
def inbox(pki_home: Home) -> Iterator[Callable[[date], Inbox]]:
    made: list[Inbox] = []

    def open_(day: date) -> Inbox:
        made.append(Inbox(pki_home, day))
        return made[-1]

    yield open_
    for box in made:
        box.close()


# ---------------------------------------------------------------------- R-3.2d


def test_R_3_2d_the_filing_day_is_the_arrival_not_the_typed_submitted_on(
    inbox: Callable[[date], Inbox],
) -> None:
    """A report typed as submitted on 14 February that arrives on Tuesday 17 February 2026 is
    late: 15 February is a Sunday, so Monday the 16th was the last day."""
    box = inbox(date(2026, 2, 17))
    entry = box.drop("late.zip", _zip(report(submitted_on="2026-02-14")))
    assert entry.state == "archived", entry.reason
    record = box.record(entry)
    assert record["late"] is True
    assert record["deadline"] == "2026-02-16"  # moved off Sunday (calendar_kz.yaml)
    assert record["submitted_on"] == "2026-02-17"  # the filing day, not the typed 14th
    assert record["verdict"]["filed_on"] == "2026-02-17"
    assert "2026 жылғы «17» ақпан" in box.pdf_text(entry)  # the form's date of filling


def test_R_3_2d_a_report_arriving_on_the_moved_deadline_is_on_time(
    inbox: Callable[[date], Inbox],
) -> None:
    box = inbox(date(2026, 2, 16))
    entry = box.drop("monday.zip", _zip(report(submitted_on=None)))
    assert entry.state == "archived", entry.reason
    record = box.record(entry)
    assert record["late"] is False and record["submitted_on"] == "2026-02-16"


def test_R_3_2d_the_arrival_is_the_day_in_Kazakhstan_of_received_at(pki_home: Home) -> None:
    """Without a replayed day, the journal's ``received_at`` (UTC) decides, as a date in
    Kazakhstan (UTC+5): 20:00 UTC on 16 February is already the 17th in Almaty."""
    from docflow.kinds import load_kind
    from docflow.workflow.flow import WorkItem

    services = build_services(pki_home, clock=Clock())
    try:
        received = datetime(2026, 2, 16, 20, 0, tzinfo=UTC).isoformat()
        entry = Entry(token="S1", source="r.zip", sha256="0" * 64, received_at=received,
                      updated_at=received, state="processing", stage="", kind=None, record=None,
                      reason=None, full_name=None, iin=None, year=None, details=None)  # fmt: skip
        item = WorkItem(entry=entry, workdir=pki_home.root, kind=load_kind("cpd-report"))
        assert filed_on(item, services) == date(2026, 2, 17)
    finally:
        services.close()


# ----------------------------------------------------------------------


def _exempt_report(**exemption: Any) -> dict[str, Any]:
    ground = {"reason": "maternity_leave", "from": "2024-11-01", "to": "2026-05-01",
              "evidence": ["evidence/leave-order.pdf"], **exemption}  # fmt: skip
    return report(activities=[], exemption=ground)


def _roster(home: Home, status: str, start: str, end: str) -> None:
    member = Member(
        full_name=CONSULTANT_NAME,
        iin=CONSULTANT_IIN,
        member_since=date(2019, 3, 1),
        status=status,
        status_from=date.fromisoformat(start),
        status_to=date.fromisoformat(end),
    )
    with SummaryStore(home) as store:
        # Issue 13: a roster is kept under its chamber id (the fixture registered "almaty").
        store.save_roster(
            Roster("almaty", (member,)), source="roster.csv", imported_at="2026-01-05"
        )


def test_R_7_4_an_exemption_the_roster_confirms_is_applied_and_stated_on_the_form(
    inbox: Callable[[date], Inbox], pki_home: Home
) -> None:
    _roster(pki_home, "maternity_leave", "2024-11-01", "2026-05-01")
    box = inbox(date(2026, 2, 10))
    entry = box.drop("exempt.zip", _zip(_exempt_report()))
    assert entry.state == "archived", entry.reason  # no officer's look needed
    record = box.record(entry)
    assert record["outcome"] == "exempt"
    assert record["verdict"]["exemption"]["confirmed_by"] == "roster"
    text = box.pdf_text(entry)
    # The signed form says why it shows 0 points: the ground and the period.
    assert "7.4" in text and "жүктілігі және босануы" in text, text


def test_R_7_4_a_roster_on_leave_is_no_ground_and_the_claim_waits_for_the_officer(
    inbox: Callable[[date], Inbox], pki_home: Home
) -> None:
    _roster(pki_home, "on_leave", "2024-11-01", "2026-05-01")
    box = inbox(date(2026, 2, 10))
    entry = box.drop("leave.zip", _zip(_exempt_report()))
    assert entry.state == "review"


def test_R_7_4_the_officer_decides_an_unconfirmed_exemption(
    inbox: Callable[[date], Inbox],
) -> None:
    box = inbox(date(2026, 2, 10))
    entry = box.drop("claim.zip", _zip(_exempt_report(reason="childcare_leave")))
    assert entry.state == "review"
    queue = ReviewQueue(box.flow)
    [item] = queue.items()
    # The reasons are findings (key and parameters), shown in each reader's language.
    assert [r["key"] for r in item.reasons if r["clause"] == "R-7.4"] == ["rules.r74_not_in_roster"]
    with pytest.raises(DocflowError, match=r"R-7\.4"):
        queue.approve(item.id)  # undecided: cannot be approved as anything
    outcome = queue.approve(item.id, exemption_accepted=True)
    assert outcome.state == "archived"
    done = next(e for e in box.runner.journal.entries() if e.token == entry.token)
    record = box.record(done)
    assert record["outcome"] == "exempt"
    assert record["verdict"]["exemption"]["confirmed_by"] == "officer"
    assert "бала күтімі" in box.pdf_text(done).casefold()


def test_R_7_4_an_exemption_the_officer_refuses_leaves_the_duty(
    inbox: Callable[[date], Inbox],
) -> None:
    box = inbox(date(2026, 2, 10))
    box.drop("claim.zip", _zip(_exempt_report()))
    queue = ReviewQueue(box.flow)
    [item] = queue.items()
    queue.approve(item.id, exemption_accepted=False)
    [entry] = box.runner.journal.entries()
    record = box.record(entry)
    assert record["outcome"] == "below_norm" and record["verdict"]["exemption"] is None


# ---------------------------------------------------------------------- rejections


def _error_text(home: Home, name: str) -> str:
    return (home.inbox / "rejected" / f"{name}.error.txt").read_text(encoding="utf-8")


def test_rejection_text_is_in_the_submissions_language_ru(
    inbox: Callable[[date], Inbox], pki_home: Home
) -> None:
    data = report(locale="ru")
    data["consultant"]["iin"] = "123"
    entry = inbox(date(2026, 2, 10)).drop("bad-ru.yaml", yaml.safe_dump(data).encode())
    assert entry.state == "rejected"
    text = _error_text(pki_home, "bad-ru.yaml")
    assert "docflow не может принять bad-ru.yaml" in text
    assert "Исправьте файл" in text and "ИИН" in text
    assert "could not accept" not in text and "docflow қабылдай алмайды" not in text


def test_rejection_text_of_an_unreadable_file_is_in_kazakh_and_russian(
    inbox: Callable[[date], Inbox], pki_home: Home
) -> None:
    entry = inbox(date(2026, 2, 10)).drop("broken.json", b'{"kind": "cpd-report", ')
    assert entry.state == "rejected"
    text = _error_text(pki_home, "broken.json")
    assert "docflow не может принять broken.json" in text, text
    assert "docflow broken.json файлын қабылдай алмады" in text, text
    assert "broken, json" not in text  # the file's name is not a field path


def test_enroll_first_is_not_the_consultants_mistake(
    inbox: Callable[[date], Inbox], pki_home: Home
) -> None:
    data = report(locale="ru", iin=str(samples.iin("850228", 3, "0420")), full_name="Новиков Пётр")
    entry = inbox(date(2026, 2, 10)).drop("new.zip", _zip(data))
    assert entry.state == "rejected"
    text = _error_text(pki_home, "new.zip")
    assert "Новиков Пётр" in text and "Файл составлен верно" in text
    assert "Исправьте файл" not in text  # nothing to correct in the file


# ---------------------------------------------------------------------- attachments


def test_R_7_6_the_form_lists_each_attachment_by_the_activity_it_proves_in_order(
    inbox: Callable[[date], Inbox],
) -> None:
    acts = [
        {"form": 2, "title": f"Семинар {n}", "organizer": CHAMBER, "date": f"2025-0{n}-10",
         "evidence": [f"evidence/doc{10 - n}.pdf"]}
        for n in range(1, 7)
    ]  # fmt: skip
    box = inbox(date(2026, 2, 10))
    entry = box.drop("six.zip", _zip(report(activities=acts)))
    assert entry.state == "archived", entry.reason
    text = box.pdf_text(entry)
    lines = [line for line in text.splitlines() if "қатысуды растайтын құжат:" in line]
    assert [line.split(". ", 1)[0] for line in lines] == ["1", "2", "3", "4", "5", "6"], lines
    assert "1-іс-шараға («Семинар 1»)" in lines[0] and "doc9.pdf" in lines[0]
    assert "6-іс-шараға («Семинар 6»)" in lines[5] and "doc4.pdf" in lines[5]
    assert "submission.json" in text.split(lines[5], 1)[1]  # the data last

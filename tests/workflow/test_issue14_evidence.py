"""R-7.5 / R-3.2e through the real inbox: a report whose evidence is a genuine docflow
certificate issued to another person goes back with remarks that say so, in the report's
language (not "not attached", and not an English reason inside a Kazakh letter)."""

from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import date

import pytest
import yaml

from docflow.archive import Archive
from docflow.config import Clock
from docflow.inbox.runner import Runner
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME
from docflow.workflow.build import build_flow
from docflow.workflow.services import build_services
from tests.certificates.conftest import (  # noqa: F401  (session fixtures used by name)
    CHAMBER,
    KkBatch,
    World,
    kk_batch,
    world,
)

pytestmark = pytest.mark.slow


def _report_zip(locale: str, certificate: bytes) -> bytes:
    data = {
        "kind": "cpd-report",
        "year": 2025,
        "locale": locale,
        "consultant": {"full_name": CONSULTANT_NAME, "iin": CONSULTANT_IIN,
                       "chamber": CHAMBER, "member_since": "2019-03-01"},
        "activities": [{"form": 2, "title": "Семинар", "organizer": CHAMBER,
                        "date": "2025-03-14", "evidence": ["evidence/seminar.pdf"]}],
    }  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("submission.yaml", yaml.safe_dump(data, allow_unicode=True))
        zf.writestr("evidence/seminar.pdf", certificate)
    return buffer.getvalue()


def _almaty_takes_reports(world: World) -> None:  # noqa: F811
    """Issue 13: the certificates' home also takes reports: the demo officer is Almaty's
    officer and the consultant is on Almaty's roster."""
    from docflow.pki import Pki
    from tests.workflow.workflow_builders import join_roster

    pki = Pki(world.home)
    for e in pki.live_enrolments():
        if e.role == "officer" and e.body is None:
            pki.assign_body(e.serial, "almaty")
    join_roster(world.home, "almaty", [(CONSULTANT_IIN, CONSULTANT_NAME)])


@pytest.mark.parametrize(
    ("locale", "words"),
    [("kk", "басқа адамға"), ("ru", "выдан другому лицу")],
)
def test_R_7_5_R_3_2e_remarks_say_the_certificate_was_issued_to_another_person(
    world: World,  # noqa: F811
    kk_batch: KkBatch,  # noqa: F811
    locale: str,
    words: str,
) -> None:
    other = bytes(world.archive.pdf_bytes(kk_batch.records[1]["id"]))  # Жұмабаев's
    _almaty_takes_reports(world)
    services = build_services(world.home, clock=Clock(date(2026, 2, 10)))
    runner = Runner(world.home, build_flow(services), workers=1, settle=0)
    name = f"borrowed-{locale}.zip"
    try:
        temp = world.home.inbox / f".{name}.part"
        temp.write_bytes(_report_zip(locale, other))
        temp.rename(world.home.inbox / name)
        runner.run_once()
        [entry] = [e for e in runner.journal.entries() if e.source == name]
    finally:
        runner.close()
        services.close()
    assert entry.state == "returned", entry.reason
    assert entry.reason and words in entry.reason
    assert "not attached" not in entry.reason and "issued to another person" not in entry.reason
    with Archive(world.home) as archive:
        [letter] = [r for r in archive.search(kind="remarks") if r.get("report") == entry.record]
        pdf = bytes(archive.pdf_bytes(letter["id"]))
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert words in " ".join(text.split())  # the signed letter gives the real reason

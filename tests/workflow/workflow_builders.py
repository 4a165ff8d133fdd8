"""Builders of submissions for the workflow tests: ZIPs with real small PDF evidence; and
what the tests that run a real `docflow watch` share (its command line, enrolled bursts,
waiting, and the check that a burst was archived exactly once)."""

from __future__ import annotations

import importlib.util
import io
import os
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from docflow.archive import Archive
from docflow.config import Home
from docflow.inbox.journal import Journal
from docflow.pki import Pki
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, make_test_pki
from docflow.verify import verify_pdf

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_samples", REPO / "samples/make_samples.py")
assert _spec and _spec.loader
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)

CHAMBER = "Алматы қаласының заң консультанттары палатасы"


def report(
    activities: list[dict[str, Any]] | None = None,
    *,
    iin: str = CONSULTANT_IIN,
    full_name: str = CONSULTANT_NAME,
    locale: str = "kk",
    submitted_on: str = "2026-02-05",
    **extra: Any,
) -> dict[str, Any]:
    """A cpd-report mapping; by default five activities worth 12 points, evidence named."""
    if activities is None:
        activities = [
            activity(2, "Семинар: азаматтық процесс", "2025-03-14"),
            activity(4, "Баяндама: медиация", "2025-05-22"),
            activity(3, "Курс: салық құқығы", "2025-09-08"),
            activity(9, "Жұмыс тобы: заң жобасы", "2025-10-15"),
            activity(2, "Вебинар: арбитраж", "2025-11-20"),
        ]
    data: dict[str, Any] = {
        "kind": "cpd-report",
        "year": 2025,
        "locale": locale,
        "submitted_on": submitted_on,
        "consultant": {
            "full_name": full_name,
            "iin": iin,
            "chamber": CHAMBER,
            "member_since": "2019-03-01",
        },
        "exemption": None,
        "activities": activities,
    }
    data.update(extra)
    return data


def activity(form: int | str, title: str, date: str, **extra: Any) -> dict[str, Any]:
    slug = f"evidence/{date}-{form}.pdf"
    data: dict[str, Any] = {
        "form": form,
        "title": title,
        "organizer": CHAMBER,
        "date": date,
        "evidence": [slug],
    }
    data.update(extra)
    return data


def as_zip(data: dict[str, Any], *, omit: tuple[str, ...] = ()) -> bytes:
    """A ZIP submission with a real small PDF for every evidence path not in ``omit``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("submission.yaml", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        for act in data.get("activities", []):
            for path in act.get("evidence", []):
                if path not in omit:
                    zf.writestr(path, samples.tiny_pdf([f"Certificate {path}"]))
    return buffer.getvalue()


def valid_iin(n: int) -> str:
    """A distinct valid IIN per ``n`` (people born 1985-2-28 with different serials)."""
    return str(samples.iin("850228", 3, f"{n:04d}"))


# ---------------------------------------------------------------------- a real `docflow watch`

TODAY = date(2026, 2, 10)


def docflow(home: Home, *args: str) -> list[str]:
    return [sys.executable, "-m", "docflow", "--home", str(home.root), *args]


def env() -> dict[str, str]:
    return {**os.environ, "DOCFLOW_TODAY": TODAY.isoformat()}


def enrolled_burst(home: Home, n: int) -> list[tuple[str, bytes]]:
    """``n`` report ZIPs of ``n`` enrolled consultants (a demo PKI is made in ``home``)."""
    pki = make_test_pki(home, consultant=False)
    files = []
    for i in range(n):
        iin = valid_iin(i + 1)
        pki.enroll(iin, f"Тестов Консультант {i}", "consultant")
        files.append((f"report-{i:02d}.zip", as_zip(report(iin=iin, full_name=f"Тестов {i}"))))
    return files


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    raise AssertionError("timed out")


def journal_states(home: Home) -> dict[str, str]:
    journal = Journal(home.state / "journal.sqlite")
    try:
        return {e.source: e.state for e in journal.entries()}
    finally:
        journal.close()


def assert_archived_exactly_once(
    home: Home, files: list[tuple[str, bytes]], *, others: dict[str, str] | None = None
) -> None:
    """Every file archived, one record per input, the PDFs valid, the log intact."""
    assert journal_states(home) == {**{name: "archived" for name, _ in files}, **(others or {})}
    with Archive(home) as archive:
        records = archive.search(kind="cpd-report")
        assert len(records) == len(files)
        assert len({r["input_sha256"] for r in records}) == len(files)
        trust = Pki(home).trust_roots()
        audit = archive.audit(lambda pdf: verify_pdf(pdf, trust_roots=trust).verdict == "valid")
        assert audit.ok, audit.to_json()
    assert not list((home.state / "work").iterdir())

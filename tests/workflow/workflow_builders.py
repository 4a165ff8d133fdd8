"""Builders of submissions for the workflow tests: ZIPs with real small PDF evidence."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path
from typing import Any

import yaml

from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME

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

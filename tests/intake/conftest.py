"""Fixtures for intake tests: a valid report as data, and writers for JSON/YAML/ZIP inputs."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml


def valid_report() -> dict[str, Any]:
    return {
        "kind": "cpd-report",
        "year": 2025,
        "locale": "kk",
        "submitted_on": "2026-02-05",
        "consultant": {
            "full_name": "Сейітқали Әсел Нұрланқызы",
            "iin": "900415400127",
            "chamber": "Алматы қаласының заң консультанттары палатасы",
            "member_since": "2019-03-01",
        },
        "exemption": None,
        "activities": [
            {
                "form": 2,
                "title": "Азаматтық процестегі соңғы өзгерістер",
                "organizer": "Алматы қаласының заң консультанттары палатасы",
                "date": "2025-03-14",
                "evidence": ["evidence/seminar.pdf"],
            }
        ],
    }


def zip_bytes(entries: dict[str, bytes], *, symlinks: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 2, 1, 0, 0, 0))
            mode = 0o120777 if name in symlinks else 0o100644
            info.external_attr = mode << 16
            archive.writestr(info, content)
    return buffer.getvalue()


@pytest.fixture
def make_zip() -> Callable[..., bytes]:
    return zip_bytes


@pytest.fixture
def report() -> dict[str, Any]:
    return valid_report()


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, Any], Path]:
    """Write ``data`` as the named file (.json / .yaml / raw bytes / str) and return its path."""

    def _write(name: str, data: Any) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        elif isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        elif name.endswith(".json"):
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return _write

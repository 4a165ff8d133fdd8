"""Builders for CPD reports used by the rules tests (plain dicts validated by the model)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from docflow.model import CpdReport

ReportFactory = Callable[..., CpdReport]


@pytest.fixture
def make_report() -> ReportFactory:
    def build(activities: list[dict[str, Any]] | None = None, **fields: Any) -> CpdReport:
        data: dict[str, Any] = {
            "kind": "cpd-report",
            "year": 2025,
            "locale": "kk",
            "consultant": {
                "full_name": "Сейітқали Әсел Нұрланқызы",
                "iin": "900415400127",
                "chamber": "Алматы қаласының заң консультанттары палатасы",
                "member_since": "2019-03-01",
            },
            "exemption": None,
            "activities": activities if activities is not None else [],
        }
        data.update(fields)
        return CpdReport.model_validate(data)

    return build

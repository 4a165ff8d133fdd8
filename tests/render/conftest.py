"""Fixtures of the render tests: one warm converter for the session, submission/verdict builders
shaped exactly as CONTRACT.md (parsed submission) and ``check --json`` (verdict)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from docflow.render import Converter
from tests.support.reports import report_submission

INJECTION = ["{{ 7*7 }}", "{%p if x %}", "<b>&"]
MOMENT = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)

FORM_NAMES = {
    2: {
        "kk": "Заң практикасының өзекті мәселелеріне арналған семинарларға, вебинарларға, "
        "дәрістерге қатысу",
        "ru": "Участие в семинарах, вебинарах, лекциях, посвящённых актуальным вопросам "
        "юридической практики",
    },
    4: {
        "kk": "Семинарларда, конференцияларда және басқа да іс-шараларда баяндама жасау "
        "(лектор/ жаттықтырушы ретінде)",
        "ru": "Выступление с докладом на семинарах, конференциях и других мероприятиях "
        "(в качестве лектора/тренера)",
    },
}
POINTS = {2: 2, 4: 3}
#: The developer's template builder (outside the installed package).
BUILDER = Path(__file__).resolve().parents[2] / "tools" / "build_templates.py"


def load_build() -> ModuleType:
    """tools/build_templates.py holds the official wording; tests compare the PDF against it."""
    spec = importlib.util.spec_from_file_location("build_templates", BUILDER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_submission(
    locale: str, *, n: int = 3, full_name: str | None = None, title: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A submission mapping and its verdict mapping with ``n`` activities."""
    activities = []
    verdict_acts = []
    for i in range(n):
        form = 2 if i % 2 == 0 else 4
        act = {
            "form": form,
            "title": title or f"Іс-шара {i + 1}: азаматтық процестегі өзгерістер ғ қ ң ө ұ ү һ і",
            "organizer": f"Ұйымдастырушы №{i + 1}" if locale == "kk" else f"Организатор №{i + 1}",
            "date": f"2025-{(i % 12) + 1:02d}-14",
            "evidence": [f"evidence/e{i + 1}.pdf"],
        }
        activities.append(act)
        verdict_acts.append(
            {
                **act,
                "index": i,
                "points": POINTS[form],
                "counted": True,
                "claimed_points": None,
                "form_name": FORM_NAMES[form],
            }
        )
    submission = report_submission(locale, full_name=full_name, activities=activities)
    total = sum(a["points"] for a in verdict_acts)
    verdict = {
        "verdict": "compliant" if total >= 10 else "non_compliant",
        "total_points": total,
        "required_points": 10,
        "late": False,
        "findings": [],
        "activities": verdict_acts,
    }
    return submission, verdict


def pdftotext(path: Path, *args: str) -> str:
    """pdftotext's text; ``-raw`` (content-stream order, every space kept) unless another mode
    is asked for: the default reading-order mode merges spaced single letters ("ң ө" -> "ңө")."""
    mode = [] if {"-layout", "-bbox"} & set(args) else ["-raw"]
    return subprocess.run(
        ["pdftotext", *mode, *args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def flat(text: str) -> str:
    """Whitespace collapsed: table cells wrap, the words stay in order."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def converter() -> Iterator[Converter]:
    with Converter(instances=2, timeout=60) as conv:
        yield conv

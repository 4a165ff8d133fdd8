"""Inputs docflow writes itself for the roadmap: the chair's letters to every territorial
collegium (M-2.6q), one file each, dropped into the inbox like any other input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from docflow.atomic import write_bytes_atomic
from docflow.roadmap.directions import Roadmap, load_roadmap

__all__ = ["support_letters", "write_support_letters"]


def support_letters(
    direction: str,
    *,
    decision_no: str,
    sent_on: date,
    answer_by: date,
    locale: str = "kk",
    roadmap: Roadmap | None = None,
) -> list[dict[str, Any]]:
    """One ``roadmap-support-letter`` input per collegium of ``roadmap_collegia.yaml``."""
    roadmap = roadmap or load_roadmap()
    chair = {"full_name": roadmap.chair.full_name, "iin": roadmap.chair.iin}
    return [
        {
            "kind": "roadmap-support-letter",
            "locale": locale,
            "direction": direction,
            "letter_no": f"{direction}/{i:02d}",
            "sent_on": sent_on.isoformat(),
            "collegium": collegium.id,
            "answer_by": answer_by.isoformat(),
            "decision": decision_no,
            "chair": chair,
        }
        for i, collegium in enumerate(roadmap.collegia, start=1)
    ]


def write_support_letters(inbox: Path, letters: list[dict[str, Any]]) -> list[Path]:
    """Write the letters into ``inbox`` (names chosen here, never from outside)."""
    paths = []
    for letter in letters:
        safe = letter["direction"].replace(".", "_")
        path = inbox / f"letter-{safe}-{letter['collegium']}.json"
        data = json.dumps(letter, ensure_ascii=False, indent=2).encode("utf-8")
        write_bytes_atomic(path, data)
        paths.append(path)
    return paths

"""The roadmap as data (RULES.md Part M): its seven directions, their deadlines, owners and
annual plan (``docflow/data/roadmap.yaml``), and the territorial bar collegia whose support
M-2.6 and M-2.7 need (``docflow/data/roadmap_collegia.yaml``). Pure: read once, never written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "Checkpoint",
    "Collegium",
    "Direction",
    "Owner",
    "Roadmap",
    "load_roadmap",
    "quarter_end",
    "support_needed",
]

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Owner:
    full_name: str
    iin: str


@dataclass(frozen=True)
class Checkpoint:
    """One quarterly checkpoint of the annual plan with its measurable targets (M-org)."""

    quarter: int
    kk: str
    ru: str
    documents: int
    consultations: int
    agreed_share: int  # percent of positions agreed, by the quarter's end

    def text(self, locale: str) -> str:
        return self.kk if locale == "kk" else self.ru


@dataclass(frozen=True)
class Direction:
    id: str  # M-2.1 … M-2.7
    title: dict[str, str]
    goal: dict[str, str]
    first_decision_by: date
    first_decision_text: dict[str, str]
    completion_by: date
    extensible: bool
    extension_reason: str | None
    support: bool  # needs two thirds of the territorial collegia (M-2.6q, M-2.7q)
    results: dict[str, str]
    responsible: Owner
    coordinator: Owner

    def name(self, locale: str) -> str:
        return self.title.get(locale) or self.title["ru"]


@dataclass(frozen=True)
class Collegium:
    id: str
    kk: str
    ru: str

    def name(self, locale: str) -> str:
        return self.kk if locale == "kk" else self.ru


@dataclass(frozen=True)
class Roadmap:
    version: str
    program_completion: date
    working_days: tuple[int, int]  # M-10-15
    reminder_days: int
    chair: Owner
    directions: tuple[Direction, ...]
    plan_year: int
    checkpoints: tuple[Checkpoint, ...]
    collegia_version: str
    presidium: Collegium  # the RBA itself, the body whose chair signs the Presidium's acts
    collegia: tuple[Collegium, ...]

    def direction(self, direction_id: str) -> Direction | None:
        return next((d for d in self.directions if d.id == direction_id), None)

    def collegium(self, collegium_id: str) -> Collegium | None:
        return next((c for c in self.collegia if c.id == collegium_id), None)

    def checkpoint(self, quarter: int) -> Checkpoint | None:
        return next((c for c in self.checkpoints if c.quarter == quarter), None)

    @property
    def direction_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.directions)


def support_needed(total: int) -> int:
    """M-2.6q: "кемінде аумақтық алқалардың үштен екісі" — at least two thirds of ALL the
    territorial collegia, rounded up: ceil(2/3 · N) (14 of 20)."""
    return math.ceil(2 * total / 3) if total > 0 else 0


def quarter_end(year: int, quarter: int) -> date:
    month = 3 * quarter
    return date(year, month, 31 if month in (3, 12) else 30)


def _owner(raw: dict[str, Any]) -> Owner:
    return Owner(full_name=str(raw["full_name"]), iin=str(raw["iin"]))


def _direction(raw: dict[str, Any]) -> Direction:
    first, done = raw["first_decision"], raw["completion"]
    return Direction(
        id=str(raw["id"]),
        title=dict(raw["title"]),
        goal=dict(raw["goal"]),
        first_decision_by=first["by"],
        first_decision_text={"kk": first["kk"], "ru": first["ru"]},
        completion_by=done["by"],
        extensible=bool(done["extensible"]),
        extension_reason=done.get("reason"),
        support=bool(raw["support"]),
        results=dict(raw["results"]),
        responsible=_owner(raw["responsible"]),
        coordinator=_owner(raw["coordinator"]),
    )


@cache
def load_roadmap(
    roadmap: Path = DATA / "roadmap.yaml", collegia: Path = DATA / "roadmap_collegia.yaml"
) -> Roadmap:
    raw = yaml.safe_load(roadmap.read_text(encoding="utf-8"))
    bodies = yaml.safe_load(collegia.read_text(encoding="utf-8"))
    low, high = raw["accompanying_file_working_days"]
    checkpoints = tuple(
        Checkpoint(
            quarter=int(c["quarter"]), kk=c["kk"], ru=c["ru"],
            documents=int(c["targets"]["documents"]),
            consultations=int(c["targets"]["consultations"]),
            agreed_share=int(c["targets"]["agreed_share"]),
        )
        for c in raw["plan"]["checkpoints"]
    )  # fmt: skip
    presidium = bodies["presidium"]
    return Roadmap(
        version=str(raw["version"]),
        program_completion=raw["program_completion"],
        working_days=(int(low), int(high)),
        reminder_days=int(raw["reminder_days_before_quarter_end"]),
        chair=_owner(raw["chair"]),
        directions=tuple(_direction(d) for d in raw["directions"]),
        plan_year=int(raw["plan"]["year"]),
        checkpoints=checkpoints,
        collegia_version=str(bodies["version"]),
        presidium=Collegium(presidium["id"], presidium["kk"], presidium["ru"]),
        collegia=tuple(Collegium(c["id"], c["kk"], c["ru"]) for c in bodies["collegia"]),
    )

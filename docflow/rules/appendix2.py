"""Appendix 2 (the points table) as versioned data: which version is in force for a year.

The table itself lives in ``docflow/data/appendix2.yaml`` (R-10.1 first version, R-10.2
amendments from 1 January after adoption). It is read once, from the package, at first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

#: libyaml's safe loader when installed (10x faster), else PyYAML's own.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "Appendix2Row",
    "Appendix2Version",
    "load_versions",
    "parse_versions",
    "table_for_year",
]


@dataclass(frozen=True)
class Appendix2Row:
    """One row of Appendix 2: its number (A2-n), points and names in Kazakh and Russian."""

    number: int
    points: int
    kk: str
    ru: str

    @property
    def clause(self) -> str:
        return f"A2-{self.number}"

    def name(self, locale: str) -> str:
        return self.ru if locale == "ru" else self.kk


@dataclass(frozen=True)
class Appendix2Version:
    """A version of the table: adopted on one day, in force from 1 January of the next year."""

    effective: date
    adopted: date
    decision: str
    required_points: int
    rows: dict[int, Appendix2Row]
    other_kk: str
    other_ru: str

    @property
    def id(self) -> str:
        """The version id recorded with every verdict, e.g. ``appendix2@2022-01-01``."""
        return f"appendix2@{self.effective.isoformat()}"

    def row(self, form: int) -> Appendix2Row:
        return self.rows[form]

    def form_name(self, form: int | str) -> dict[str, str]:
        if isinstance(form, int) and form in self.rows:
            row = self.rows[form]
            return {"kk": row.kk, "ru": row.ru}
        return {"kk": self.other_kk, "ru": self.other_ru}


def parse_versions(data: Any) -> list[Appendix2Version]:
    """Versions from the YAML structure, oldest first; checks R-10.2's effective-date rule."""
    versions: list[Appendix2Version] = []
    for item in data["versions"]:
        adopted = item["adopted"]
        effective = item["effective"]
        # an amendment takes effect on 1 January of the year after its adoption.
        if effective != date(adopted.year + 1, 1, 1):
            raise ValueError(
                f"Appendix 2 version adopted {adopted} must be effective {adopted.year + 1}-01-01 "
                f"(R-10.2), not {effective}"
            )
        rows = {
            int(number): Appendix2Row(
                number=int(number), points=int(row["points"]), kk=row["kk"], ru=row["ru"]
            )
            for number, row in item["rows"].items()
        }
        versions.append(
            Appendix2Version(
                effective=effective,
                adopted=adopted,
                decision=str(item.get("decision", "")),
                required_points=int(item["required_points"]),
                rows=rows,
                other_kk=item["other"]["kk"],
                other_ru=item["other"]["ru"],
            )
        )
    versions.sort(key=lambda v: v.effective)
    return versions


@cache
def load_versions() -> tuple[Appendix2Version, ...]:
    """The versions shipped with docflow (read once)."""
    text = resources.files("docflow").joinpath("data/appendix2.yaml").read_text(encoding="utf-8")
    return tuple(parse_versions(yaml.load(text, Loader=_LOADER)))


def table_for_year(
    year: int, versions: Sequence[Appendix2Version] | None = None
) -> Appendix2Version:
    """The version in force during reporting year ``year`` (R-10.2); none before 2022 (R-10.1)."""
    chosen: Appendix2Version | None = None
    for version in versions if versions is not None else load_versions():
        if version.effective <= date(year, 1, 1):
            chosen = version
    if chosen is None:
        raise ValueError(f"no Appendix 2 in force for {year} (the rules apply from 2022, R-10.1)")
    return chosen

"""A chamber's member roster: who belongs to it, since when, and who is on leave or suspended
(R-7.4). Read from the contract's ``kind: chamber-roster`` JSON/YAML or from a CSV file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from docflow.errors import Problem, SubmissionInvalid
from docflow.iin import validate_iin
from docflow.intake.parse import load_submission
from docflow.model import ChamberRoster

if TYPE_CHECKING:
    from docflow.rules import RosterExemption

__all__ = [
    "CSV_HEADER",
    "STATUSES",
    "Member",
    "Period",
    "Roster",
    "load_roster",
    "parse_roster_csv",
    "rosters_by_chamber",
]

#: The columns of a CSV roster, in this order (a header line is required).
CSV_HEADER = ("full_name", "iin", "member_since", "status", "status_from", "status_to")
STATUSES = ("active", "suspended", "on_leave", "maternity_leave", "childcare_leave")
_GROUNDS = ("maternity_leave", "childcare_leave", "suspended")


@dataclass(frozen=True)
class Period:
    """A time a member does not practise: ``ground`` is an R-7.4 exemption ground
    (``maternity_leave``, ``childcare_leave``, ``suspended``, or ``on_leave`` when the roster
    does not say which leave). ``start``/``end`` are inclusive; ``None`` is open-ended."""

    ground: str
    start: date | None
    end: date | None

    def intersects_year(self, year: int) -> bool:
        # not practising on any day of the year exempts the whole year, because a status
        # restored during a calendar year brings the duty back only from the next one.
        starts_in_time = self.start is None or self.start <= date(year, 12, 31)
        ends_in_time = self.end is None or self.end >= date(year, 1, 1)
        return starts_in_time and ends_in_time


@dataclass(frozen=True)
class Member:
    full_name: str
    iin: str
    member_since: date
    status: str = "active"
    status_from: date | None = None
    status_to: date | None = None

    @property
    def period(self) -> Period | None:
        """The roster's own not-practising period, if the status is not ``active``."""
        if self.status == "active":
            return None
        ground = self.status if self.status in _GROUNDS else "on_leave"
        return Period(ground, self.status_from, self.status_to)

    def to_json(self) -> dict[str, Any]:
        return {
            "full_name": self.full_name,
            "iin": self.iin,
            "member_since": self.member_since.isoformat(),
            "status": self.status,
            "status_from": self.status_from.isoformat() if self.status_from else None,
            "status_to": self.status_to.isoformat() if self.status_to else None,
        }


@dataclass(frozen=True)
class Roster:
    """A chamber's members. ``chamber`` is the name the file gave; ``chamber_id`` the
    registered chamber it resolved to (``docflow.bodies``), by which rosters are keyed."""

    chamber: str
    members: tuple[Member, ...] = field(default_factory=tuple)
    chamber_id: str | None = None

    @property
    def key(self) -> str:
        """The chamber id when resolved, else the name as given (rosters before chambers)."""
        return self.chamber_id or self.chamber

    def with_chamber_id(self, chamber_id: str) -> Roster:
        return replace(self, chamber_id=chamber_id)

    @classmethod
    def from_model(cls, model: Any) -> Roster:
        """From a validated ``docflow.model.ChamberRoster``."""
        return cls(
            chamber=model.chamber.strip(),
            members=tuple(
                Member(
                    full_name=m.full_name.strip(),
                    iin=m.iin,
                    member_since=m.member_since,
                    status=m.status,
                    status_from=m.status_from,
                    status_to=m.status_to,
                )
                for m in model.members
            ),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Roster:
        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            chamber=str(data["chamber"]),
            members=tuple(
                Member(
                    full_name=m["full_name"],
                    iin=m["iin"],
                    member_since=date.fromisoformat(m["member_since"]),
                    status=m.get("status", "active"),
                    status_from=day(m.get("status_from")),
                    status_to=day(m.get("status_to")),
                )
                for m in data.get("members", [])
            ),
            chamber_id=data.get("chamber_id") or None,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "chamber-roster", "chamber": self.chamber}
        if self.chamber_id:
            out["chamber_id"] = self.chamber_id
        out["members"] = [m.to_json() for m in self.members]
        return out

    def member(self, iin: str) -> Member | None:
        return next((m for m in self.members if m.iin == iin), None)

    def r74_exemption(self, iin: str) -> RosterExemption | None:
        """What the roster records for ``iin`` as an R-7.4 ground, for
        ``evaluate_cpd(roster_exemption=)``; a generic ``on_leave`` is none."""
        from docflow.rules import roster_exemption

        member = self.member(iin)
        if member is None:
            return None
        return roster_exemption(member.status, member.status_from, member.status_to)


def _parse_day(value: str, where: str, problems: list[Problem], *, required: bool) -> date | None:
    text = value.strip()
    if not text:
        if required:
            problems.append(Problem(where, "is empty", "a date YYYY-MM-DD"))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(Problem(where, f"{text!r} is not a date", "a date YYYY-MM-DD"))
        return None


def _check_status_dates(
    where: str, status: str, start: date | None, end: date | None, problems: list[Problem]
) -> None:
    if start and end and end < start:
        problems.append(
            Problem(f"{where}.status_to", "ends before status_from", "a date on or after it")
        )
    if status == "active" and (start or end):
        problems.append(
            Problem(
                f"{where}.status_from",
                "an active member has no status dates",
                "empty status_from and status_to, or status suspended/on_leave",
            )
        )


def _check_duplicates(iins: Iterable[tuple[str, str]], problems: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for where, iin in iins:
        if iin in seen:
            problems.append(
                Problem(
                    f"{where}.iin",
                    f"IIN {iin} already appears at {seen[iin]}",
                    "each member once",
                )
            )
        else:
            seen[iin] = where


def parse_roster_csv(text: str, *, chamber: str, source: str = "roster.csv") -> Roster:
    """A CSV roster (header ``full_name,iin,member_since,status,status_from,status_to``).

    Every problem in the file is collected and raised at once as ``SubmissionInvalid``, each
    naming its line and column, so a chamber fixes the file in one pass.
    """
    problems: list[Problem] = []
    if not chamber.strip():
        problems.append(Problem("chamber", "no chamber given for a CSV roster", "--chamber NAME"))
    text = text.lstrip("\ufeff")  # Excel writes a BOM
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if not rows:
        raise SubmissionInvalid([Problem(source, "the file is empty", ",".join(CSV_HEADER))])
    header = [h.strip().lower() for h in rows[0]]
    missing = [h for h in CSV_HEADER if h not in header]
    unknown = [h for h in header if h not in CSV_HEADER]
    if missing or unknown:
        detail = []
        if missing:
            detail.append(f"missing columns {', '.join(missing)}")
        if unknown:
            detail.append(f"unknown columns {', '.join(unknown)}")
        raise SubmissionInvalid(
            [Problem(f"{source}:1", "; ".join(detail), "header " + ",".join(CSV_HEADER))]
        )
    index = {name: header.index(name) for name in CSV_HEADER}
    parsed: list[Member] = []
    iins: list[tuple[str, str]] = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{source}:{line_no}"
        if len(row) != len(header):
            problems.append(
                Problem(
                    where,
                    f"has {len(row)} values, the header has {len(header)}",
                    f"{len(header)} comma-separated values",
                )
            )
            continue
        value = {name: row[i].strip() for name, i in index.items()}
        before = len(problems)
        if not value["full_name"]:
            problems.append(Problem(f"{where}.full_name", "is empty", "the member's full name"))
        iin_problems = validate_iin(value["iin"])
        for message in iin_problems:
            problems.append(Problem(f"{where}.iin", message, "a valid 12-digit IIN"))
        if not iin_problems:
            iins.append((where, value["iin"]))
        since = _parse_day(value["member_since"], f"{where}.member_since", problems, required=True)
        status = value["status"] or "active"
        if status not in STATUSES:
            problems.append(
                Problem(f"{where}.status", f"{status!r} is not a status", " | ".join(STATUSES))
            )
        start = _parse_day(value["status_from"], f"{where}.status_from", problems, required=False)
        end = _parse_day(value["status_to"], f"{where}.status_to", problems, required=False)
        _check_status_dates(where, status, start, end, problems)
        if len(problems) == before and since is not None:
            parsed.append(Member(value["full_name"], value["iin"], since, status, start, end))
    _check_duplicates(iins, problems)
    if problems:
        raise SubmissionInvalid(problems)
    return Roster(chamber=chamber.strip(), members=tuple(parsed))


class ChamberResolver(Protocol):
    """What resolves a chamber named by id or name (``docflow.bodies.ChamberRegistry``)."""

    def resolve_chamber(self, text: str) -> Any: ...


def load_roster(
    path: Path,
    *,
    today: date,
    chamber: str | None = None,
    chambers: ChamberResolver | None = None,
) -> Roster:
    """A roster file: CSV (``chamber`` required), or JSON/YAML ``kind: chamber-roster`` read
    through the intake's safe parser. Raises ``SubmissionInvalid`` listing every problem.

    With ``chambers`` (the home's ``ChamberRegistry``) the roster's chamber, named by id or by
    any of its names, is resolved and the roster keyed by its id (``UnknownChamber`` lists the
    known chambers otherwise).
    """
    roster = _load_roster(path, today=today, chamber=chamber, chambers=chambers)
    if chambers is None:
        return roster
    return roster.with_chamber_id(chambers.resolve_chamber(roster.chamber).id)


def rosters_by_chamber(
    rosters: Iterable[Roster], resolve: Callable[[str], str | None]
) -> dict[str, Roster]:
    """Rosters keyed by chamber id: each roster's own ``chamber_id``, else its chamber name
    resolved by ``resolve`` (name → id or ``None``); rosters naming no known chamber are left
    out. Rosters stored under two names of one chamber: the later one in ``rosters`` wins."""
    out: dict[str, Roster] = {}
    for roster in rosters:
        chamber_id = roster.chamber_id or resolve(roster.chamber)
        if chamber_id:
            out[chamber_id] = roster.with_chamber_id(chamber_id)
    return out


def _load_roster(
    path: Path, *, today: date, chamber: str | None, chambers: ChamberResolver | None
) -> Roster:
    if path.suffix.lower() == ".csv":
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SubmissionInvalid(
                [Problem(path.name, f"not UTF-8 text ({exc.reason})", "a UTF-8 CSV file")]
            ) from exc
        return parse_roster_csv(text, chamber=chamber or "", source=path.name)
    loaded = load_submission(path, today=today)
    if not isinstance(loaded.model, ChamberRoster):
        raise SubmissionInvalid(
            [Problem("kind", f"{path.name} is not a roster", "kind: chamber-roster")]
        )
    roster = Roster.from_model(loaded.model)
    if chamber and chambers is not None:
        if chambers.resolve_chamber(chamber).id != chambers.resolve_chamber(roster.chamber).id:
            raise SubmissionInvalid(
                [Problem("chamber", f"the file names {roster.chamber!r}, not {chamber!r}", chamber)]
            )
    elif chamber and chamber.strip() != roster.chamber:
        raise SubmissionInvalid(
            [Problem("chamber", f"the file names {roster.chamber!r}, not {chamber!r}", chamber)]
        )
    problems: list[Problem] = []
    members = [(f"members[{i}]", m) for i, m in enumerate(roster.members)]
    for where, m in members:
        _check_status_dates(where, m.status, m.status_from, m.status_to, problems)
    _check_duplicates(((where, m.iin) for where, m in members), problems)
    if problems:
        raise SubmissionInvalid(problems)
    return roster

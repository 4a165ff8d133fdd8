"""The bodies' services over a home: enrolling a person into an office (the chamber named
loosely resolved to its id, a consultant's chamber found in the rosters, then ``Pki.enroll``
issues the key and records the office), the rosters keyed by chamber id, and admitting the
filer of a report (chamber resolved, membership checked against the roster)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from docflow.bodies._chambers import Body, ChamberRegistry
from docflow.bodies._membership import MembershipFinding, check_membership
from docflow.bodies._names import same_name
from docflow.bodies._offices import BODY_ROLES, CHAMBER_ROLES, check_office
from docflow.config import Home
from docflow.errors import PkiError

if TYPE_CHECKING:
    from docflow.pki import Enrolment
    from docflow.summaries.roster import Roster

__all__ = ["admit_filer", "enroll_office", "home_rosters", "roster_of"]


def home_rosters(home: Home, registry: ChamberRegistry | None = None) -> dict[str, Roster]:
    """The imported rosters of the home, keyed by chamber id (rosters naming no registered
    chamber are left out)."""
    from docflow.summaries.store import has_summaries

    if not has_summaries(home):
        return {}
    from docflow.bodies._chambers import resolve_body
    from docflow.summaries.roster import rosters_by_chamber
    from docflow.summaries.store import SummaryStore

    bodies = (registry or ChamberRegistry(home)).chambers()

    def resolve(name: str) -> str | None:
        body = resolve_body(name, bodies)
        return body.id if body else None

    with SummaryStore(home) as store:
        rosters = [r for r in (store.roster(c) for c in store.chambers()) if r is not None]
    return rosters_by_chamber(rosters, resolve)


def roster_of(home: Home, body: Body) -> Roster | None:
    """The chamber's imported roster, stored under its id or any of its names."""
    from docflow.summaries.store import has_summaries

    if not has_summaries(home):
        return None
    from docflow.summaries.store import SummaryStore

    with SummaryStore(home) as store:
        for key in (body.id, *body.names):
            roster = store.roster(key)
            if roster is not None:
                return roster.with_chamber_id(body.id)
    return None


def enroll_office(
    home: Home,
    *,
    iin: str,
    name: str,
    role: str,
    chamber: str | None = None,
    now: datetime | None = None,
    out: Path | None = None,
) -> Enrolment:
    """Issue the key of one office. ``chamber`` (an id or any of its names) is required for a
    chamber office (officer, chair, issuer); ``collegium_chair`` is of the Collegium; a
    consultant's chamber, when not given, is the one whose roster lists the IIN. A consultant
    on a roster is enrolled only under the roster's name."""
    from docflow.pki import Pki

    registry = ChamberRegistry(home)
    check_office(role, None)  # an unknown role is refused before anything else
    body: str | None
    if role in CHAMBER_ROLES:
        if not chamber:
            raise PkiError(
                f"{role}: палатаны көрсетіңіз / укажите палату / name the chamber "
                f"(--chamber ID; `docflow chambers list`)"
            )
        body = registry.resolve_chamber(chamber).id
    elif role in BODY_ROLES:
        body = check_office(role, registry.resolve(chamber).id if chamber else None)
    else:
        rosters = home_rosters(home, registry)
        if chamber:
            body = registry.resolve_chamber(chamber).id
        else:
            holding = [cid for cid, r in rosters.items() if r.member(iin) is not None]
            body = holding[0] if len(holding) == 1 else None
        member = rosters[body].member(iin) if body in rosters else None
        if member is not None and not same_name(member.full_name, name):
            raise PkiError(
                f"ЖСН {iin} «{body}» тізімінде «{member.full_name}» деп жазылған, «{name}» емес / "
                f"ИИН {iin} в реестре «{body}» записан как «{member.full_name}», не «{name}» / "
                f"IIN {iin} is «{member.full_name}» on the roster of {body}, not «{name}»"
            )
    # out: the key goes to the person only (own mode; ``Pki.enroll``)
    return Pki(home).enroll(iin, name, role, chamber=body, now=now, out=out)


def admit_filer(
    home: Home,
    *,
    iin: str,
    full_name: str,
    chamber: str,
    certificate_name: str | None = None,
) -> tuple[Body, list[MembershipFinding]]:
    """The chamber a report names (by id or any name) and the membership findings on its
    filer: ``UnknownChamber`` (a ``SubmissionInvalid``) for a chamber nobody registered; a
    finding with ``decision == "reject"`` rejects the report, ``"review"`` sends it to the
    officer. ``certificate_name``: the common name of the key that will sign as consultant."""
    registry = ChamberRegistry(home)
    body = registry.resolve_chamber(chamber)
    roster = roster_of(home, body)
    findings = check_membership(iin, full_name, body.id, roster, certificate_name=certificate_name)
    return body, findings

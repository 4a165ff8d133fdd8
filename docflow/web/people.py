"""Who a key belongs to, for logging in with it (issue 15): an IIN maps to an enrolled
officer (the PKI's offices) or to a consultant of an imported roster (the summaries store).
Such a person gets a web user of their role the first time, linked to the IIN; consultants
see their own reports and signing requests only."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from docflow.config import Home
from docflow.errors import DocflowError
from docflow.pki import Pki
from docflow.signreq import SignRequests
from docflow.web.auth import AuthStore

__all__ = ["Person", "person_for_iin", "web_user_for"]


@dataclass(frozen=True)
class Person:
    iin: str
    role: str  # officer | consultant
    name: str


def _enrolled(pki: Pki, iin: str, role: str) -> str | None:
    try:
        return pki.find(iin=iin, role=role).name
    except DocflowError:
        return None


def _roster_member(home: Home, iin: str) -> str | None:
    from docflow.summaries.store import has_summaries

    if not has_summaries(home):
        return None
    from docflow.summaries.store import SummaryStore

    with SummaryStore(home) as store:
        for chamber in store.chambers():
            roster = store.roster(chamber)
            member = roster.member(iin) if roster is not None else None
            if member is not None:
                return member.full_name
    return None


def person_for_iin(home: Home, iin: str) -> Person | None:
    """The officer or consultant with this IIN, if docflow knows one (officer first)."""
    pki = Pki(home)
    name = _enrolled(pki, iin, "officer")
    if name is not None:
        return Person(iin, "officer", name)
    name = _roster_member(home, iin)
    if name is not None:
        return Person(iin, "consultant", name)
    return None


def web_user_for(person: Person, auth: AuthStore, signreq: SignRequests) -> str:
    """The web user of ``person`` (``<role>-<IIN>``), made on first login with a password
    nobody knows (they log in with their key), linked to the IIN."""
    name = f"{person.role}-{person.iin}"
    if name not in {u.name for u in auth.users()}:
        auth.add_user(name, person.role, secrets.token_urlsafe(32))
    signreq.set_user_iin(name, person.iin)
    return name

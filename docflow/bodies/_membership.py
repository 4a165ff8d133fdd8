"""Membership from the roster: is the person who files a report a member of the chamber it
names, under the name the roster knows? A pure check returning findings as data.

With the chamber's roster, an IIN that is not on it, or a name (on the form or in the signer's
certificate) that differs from the roster's, rejects the report, naming the mismatch. Without
a roster nothing can be confirmed: the finding ``membership_not_confirmed`` sends the report to
the officer's review (R-4.6: the responsible person checks the report).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from docflow.bodies._names import same_name


class _Member(Protocol):
    @property
    def full_name(self) -> str: ...


class Roster(Protocol):
    """What the membership check reads of a chamber's roster (``docflow.summaries.roster``)."""

    @property
    def chamber(self) -> str: ...

    def member(self, iin: str) -> _Member | None: ...

__all__ = ["MEMBERSHIP_CODES", "MembershipFinding", "check_membership"]

MembershipCode = Literal[
    "not_a_member", "name_mismatch", "certificate_name_mismatch", "membership_not_confirmed"
]
MEMBERSHIP_CODES: tuple[MembershipCode, ...] = (
    "not_a_member",
    "name_mismatch",
    "certificate_name_mismatch",
    "membership_not_confirmed",
)


@dataclass(frozen=True)
class MembershipFinding:
    """One membership observation. ``decision`` is what it asks of the workflow: ``reject``
    the report, or send it to the officer's ``review``. ``clause`` is A1 (the form's "member of
    … chamber since …") and R-4.6 (the responsible person accepts reports)."""

    code: MembershipCode
    decision: Literal["reject", "review"]
    kk: str
    ru: str
    en: str
    field: str
    clause: str = "A1"

    @property
    def message(self) -> str:
        """Kazakh, Russian, English, in that order (for a rejection note or the review)."""
        return f"{self.kk} / {self.ru} / {self.en}"

    @property
    def severity(self) -> Literal["error", "warning"]:
        return "error" if self.decision == "reject" else "warning"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "decision": self.decision,
            "clause": self.clause,
            "field": self.field,
            "severity": self.severity,
            "message": {"kk": self.kk, "ru": self.ru, "en": self.en},
        }


def check_membership(
    iin: str,
    full_name: str,
    chamber_id: str,
    roster: Roster | None,
    *,
    certificate_name: str | None = None,
) -> list[MembershipFinding]:
    """Findings on whether ``iin``/``full_name`` is a member of ``chamber_id`` (empty: yes).

    ``roster`` is the chamber's roster (keyed by chamber id), or ``None`` when the chamber has
    none. ``certificate_name`` is the common name of the signer's certificate, when known:
    the name on the form, the roster's and the certificate's must agree.
    """
    found: list[MembershipFinding] = []
    if certificate_name is not None and not same_name(certificate_name, full_name):
        found.append(
            MembershipFinding(
                "certificate_name_mismatch",
                "reject",
                f"Нысандағы аты-жөні «{full_name}», ал ЖСН {iin} қол қою кілті "
                f"«{certificate_name}» атына берілген",
                f"ФИО в форме «{full_name}», а ключ подписи ИИН {iin} выдан на "
                f"«{certificate_name}»",
                f"the form names «{full_name}» but the signing key of IIN {iin} belongs to "
                f"«{certificate_name}»",
                "consultant.full_name",
            )
        )
    if roster is None:
        found.append(
            MembershipFinding(
                "membership_not_confirmed",
                "review",
                f"Мүшелік расталмады: «{chamber_id}» палатасының тізімі жүктелмеген; "
                "жауапты тұлға тексереді",
                f"Членство не подтверждено: реестр палаты «{chamber_id}» не загружен; "
                "проверит ответственное лицо",
                f"membership not confirmed: no roster of chamber «{chamber_id}» was imported; "
                "the officer checks it",
                "chamber",
            )
        )
        return found
    roster_id = getattr(roster, "chamber_id", None) or roster.chamber
    if roster_id != chamber_id:
        raise ValueError(f"the roster of {roster_id!r} was given for chamber {chamber_id!r}")
    member = roster.member(iin)
    if member is None:
        found.append(
            MembershipFinding(
                "not_a_member",
                "reject",
                f"ЖСН {iin} «{chamber_id}» палатасының мүшелер тізімінде жоқ",
                f"ИИН {iin} нет в реестре членов палаты «{chamber_id}»",
                f"IIN {iin} is not on the member roster of chamber «{chamber_id}»",
                "consultant.iin",
            )
        )
    elif not same_name(member.full_name, full_name):
        found.append(
            MembershipFinding(
                "name_mismatch",
                "reject",
                f"ЖСН {iin} тізімде «{member.full_name}» деп жазылған, нысанда — «{full_name}»",
                f"ИИН {iin} в реестре записан как «{member.full_name}», в форме — «{full_name}»",
                f"IIN {iin} is «{member.full_name}» on the roster, but the form says «{full_name}»",
                "consultant.full_name",
            )
        )
    return found

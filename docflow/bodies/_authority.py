"""Rules of authority: who may sign what, in whose name. Pure functions over office holders.

A *holder* is anything with ``iin``, ``name``, ``role`` and ``body`` — an ``Office`` from
``OfficeRegistry.offices()`` or an ``Enrolment`` from ``Pki.live_enrolments()``; callers pass
the live ones. Each function returns the holder who signs (the caller records which one) or
raises ``AuthorityRefused`` with the reason in Kazakh, Russian and English.

- a report is countersigned by an officer of the report's own chamber (R-4.6), never by the
  consultant who filed it;
- a chamber's summary by that chamber's chair (R-4.7); the Collegium's by its chair (R-5.5);
- a notice to a member (R-9.1) by the chair of the member's chamber, never by the member;
- certificates are signed by an issuer enrolled for the organising chamber.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from docflow.bodies._chambers import COLLEGIUM_ID
from docflow.errors import AuthorityRefused

__all__ = [
    "Holder",
    "capacity_mismatch",
    "certificate_issuer",
    "chamber_summary_signer",
    "collegium_summary_signer",
    "holders_of",
    "issuer_allowed",
    "notice_signer",
    "report_countersigner",
]


class Holder(Protocol):
    @property
    def iin(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def body(self) -> str | None: ...


H = TypeVar("H", bound=Holder)

_ROLE_NAMES = {
    "officer": ("жауапты тұлғасы", "ответственного лица", "officer"),
    "chair": ("төрағасы", "председателя", "chair"),
    "issuer": ("сертификат берушісі", "выдающего сертификаты", "issuer"),
    "collegium_chair": ("төрағасы", "председателя", "chair"),
}


def holders_of(holders: Iterable[H], role: str, body: str) -> list[H]:
    """The holders of ``role`` in ``body``, in the order given."""
    return [h for h in holders if h.role == role and h.body == body]


def _nobody(role: str, body: str) -> AuthorityRefused:
    kk, ru, en = _ROLE_NAMES[role]
    enrol = (
        "docflow pki enroll --role collegium_chair"
        if role == "collegium_chair"
        else f"docflow pki enroll --role {role} --chamber {body}"
    )
    return AuthorityRefused(
        "no_holder",
        f"«{body}» органының {kk} кілті жоқ (`{enrol}`) / "
        f"у органа «{body}» нет ключа {ru} (`{enrol}`) / "
        f"no {en} of «{body}» holds a signing key (`{enrol}`)",
    )


def _pick(candidates: Sequence[H], preferred_iin: str | None, role: str, body: str) -> H:
    if preferred_iin is not None:
        chosen = [h for h in candidates if h.iin == preferred_iin]
        if not chosen:
            kk, _, en = _ROLE_NAMES[role]
            raise AuthorityRefused(
                "not_holder",
                f"ЖСН {preferred_iin} — «{body}» органының {kk} емес / "
                f"ИИН {preferred_iin}: нет полномочий ({role}) в органе «{body}» / "
                f"IIN {preferred_iin} is not an {en} of «{body}»",
            )
        return chosen[-1]
    return candidates[-1]  # the newest enrolment, as enrolments are listed oldest first


def report_countersigner(
    chamber_id: str,
    holders: Iterable[H],
    *,
    author_iin: str | None = None,
    preferred_iin: str | None = None,
) -> H:
    """The officer of ``chamber_id`` who countersigns a report (R-4.6).

    ``preferred_iin``: the officer who reviewed it, when one did; otherwise the newest officer
    of the chamber. The report's author never countersigns his own report.
    """
    officers = [h for h in holders_of(holders, "officer", chamber_id) if h.iin != author_iin]
    if not officers:
        raise _nobody("officer", chamber_id)
    return _pick(officers, preferred_iin, "officer", chamber_id)


def chamber_summary_signer(chamber_id: str, holders: Iterable[H]) -> H:
    """The chair of ``chamber_id``, who signs its annual summary (R-4.7)."""
    chairs = holders_of(holders, "chair", chamber_id)
    if not chairs:
        raise _nobody("chair", chamber_id)
    return chairs[-1]


def collegium_summary_signer(holders: Iterable[H]) -> H:
    """The Collegium's chair, who signs the summary across chambers (R-5.5)."""
    chairs = holders_of(holders, "collegium_chair", COLLEGIUM_ID)
    if not chairs:
        raise _nobody("collegium_chair", COLLEGIUM_ID)
    return chairs[-1]


def notice_signer(
    member_iin: str,
    member_chamber_id: str,
    holders: Iterable[H],
    *,
    preferred_iin: str | None = None,
) -> H:
    """The chair of the member's chamber, who signs a warning or suspension notice (R-9.1).

    The member never signs a notice to himself: asked for (``preferred_iin``) or being the
    chamber's only chair, that is refused with code ``self``.
    """
    all_chairs = holders_of(holders, "chair", member_chamber_id)
    only_himself = bool(all_chairs) and all(h.iin == member_iin for h in all_chairs)
    if preferred_iin == member_iin or (preferred_iin is None and only_himself):
        raise AuthorityRefused(
            "self",
            f"ЖСН {member_iin} мүшеге хабарламаға өзі қол қоя алмайды: оған палатаның басқа "
            "төрағасы қол қояды / "
            f"уведомление члену палаты (ИИН {member_iin}) не может подписать он сам: его "
            "подписывает другой председатель палаты / "
            f"a notice to a member (IIN {member_iin}) is never signed by the member himself",
        )
    chairs = [h for h in all_chairs if h.iin != member_iin]
    if not chairs:
        raise _nobody("chair", member_chamber_id)
    return _pick(chairs, preferred_iin, "chair", member_chamber_id)


def certificate_issuer(iin: str, chamber_id: str, holders: Iterable[H]) -> H:
    """The issuer a certificate batch names by IIN, if enrolled as an issuer of the organising
    chamber; otherwise the batch is refused (code ``not_issuer``)."""
    issuers = [h for h in holders_of(holders, "issuer", chamber_id) if h.iin == iin]
    if not issuers:
        raise AuthorityRefused(
            "not_issuer",
            f"ЖСН {iin} «{chamber_id}» палатасының сертификат берушісі ретінде тіркелмеген / "
            f"ИИН {iin} не зарегистрирован как выдающий сертификаты палаты «{chamber_id}» / "
            f"IIN {iin} is not enrolled as a certificate issuer of chamber «{chamber_id}» "
            f"(`docflow pki enroll --role issuer --chamber {chamber_id}`)",
        )
    return issuers[-1]


def capacity_mismatch(
    field_role: str,
    office: tuple[str, str | None] | None,
    *,
    expected_body: str | None = None,
) -> str | None:
    """Why a signature in the field of ``field_role`` was made in the wrong capacity, or
    ``None`` when it was not. ``office`` is (role, body) of the signing certificate, from
    ``OfficeRegistry.role_of`` (else the certificate's own claim, ``pki.subject_office``);
    ``expected_body``: the chamber (or ``collegium``) the document belongs to, when known.

    For ``verify``: a consultant's field signed with a chair's key is INVALID with this reason.
    """
    if office is None or office[0] is None:
        return (
            f"«{field_role}» өрісіне қол қойған кілттің лауазымы белгісіз / "
            f"полномочие ключа, подписавшего поле «{field_role}», неизвестно / "
            f"the key that signed the «{field_role}» field holds no known office"
        )
    role, body = office
    if role != field_role:
        return (
            f"«{field_role}» өрісіне «{role}» кілтімен қол қойылған / "
            f"поле «{field_role}» подписано ключом «{role}» / "
            f"the «{field_role}» field was signed with a «{role}» key"
        )
    if expected_body is not None and body is not None and body != expected_body:
        return (
            f"«{field_role}» өрісіне «{body}» органының кілтімен қол қойылған, "
            f"«{expected_body}» емес / "
            f"поле «{field_role}» подписано ключом органа «{body}», а не «{expected_body}» / "
            f"the «{field_role}» field was signed with a key of «{body}», not «{expected_body}»"
        )
    return None


def issuer_allowed(iin: str, chamber_id: str, holders: Iterable[Holder]) -> bool:
    """Whether ``iin`` is enrolled as an issuer of ``chamber_id``: a certificate batch naming
    any other issuer is rejected."""
    return any(h.iin == iin for h in holders_of(holders, "issuer", chamber_id))

"""Chambers as entities: an id, a Kazakh and a Russian name (English optional) and aliases,
and the Republican Collegium as its own body ``collegium`` (always present, never a chamber).

Resolution is pure (:func:`resolve_body` over a list of bodies); ``ChamberRegistry`` keeps the
list in the bodies' store (``.docflow/bodies.sqlite``, or ``[storage] database``) and answers
by id or by any name, spelled loosely (:func:`docflow.bodies.fold_name`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import bindparam, func, select, union_all, update

from docflow.bodies._names import fold_name
from docflow.bodies._store import (
    bodies_db_path,
    bodies_store,
    chamber_names,
    chambers,
    record_chambers,
)
from docflow.config import Home
from docflow.errors import ChamberError, Problem, UnknownChamber

__all__ = [
    "COLLEGIUM",
    "COLLEGIUM_ID",
    "Body",
    "ChamberRegistry",
    "check_body_id",
    "resolve_body",
    "unknown_chamber",
]

COLLEGIUM_ID = "collegium"
_ID_RE = re.compile(r"[a-z][a-z0-9-]{1,31}")
Locale = Literal["kk", "ru", "en"]


@dataclass(frozen=True)
class Body:
    """A chamber (``kind="chamber"``) or the Collegium: an id and its names."""

    id: str
    kk: str
    ru: str
    en: str | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)
    kind: Literal["chamber", "collegium"] = "chamber"

    def name(self, locale: str) -> str:
        """The name in the reader's language (English falls back to Russian)."""
        if locale == "kk":
            return self.kk
        if locale == "en":
            return self.en or self.ru
        return self.ru

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.kk, self.ru, self.en, *self.aliases) if n)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "kk": self.kk,
            "ru": self.ru,
            "en": self.en,
            "aliases": list(self.aliases),
        }


COLLEGIUM = Body(
    COLLEGIUM_ID,
    kk="Республикалық заң консультанттары алқасы",
    ru="Республиканская коллегия юридических консультантов",
    en="Republican Collegium of Legal Consultants",
    aliases=("РЗКА", "РКЮК", "RKLC"),
    kind="collegium",
)


def check_body_id(value: str) -> str:
    if not _ID_RE.fullmatch(value):
        raise ChamberError(
            f"chamber id {value!r}: 2-32 of a-z, 0-9 and '-', starting with a letter "
            "(e.g. karaganda)"
        )
    return value


def resolve_body(text: str, bodies: Iterable[Body]) -> Body | None:
    """The body named by ``text``: its id (any case) or any of its names, spelled loosely."""
    wanted = text.strip().casefold()
    folded = fold_name(text)
    if not folded:
        return None
    for body in bodies:
        if body.id == wanted or any(fold_name(n) == folded for n in body.names):
            return body
    return None


def unknown_chamber(
    text: str, chambers: Sequence[Body], *, collegium: bool = False
) -> UnknownChamber:
    """The rejection of a chamber nobody registered (or of the Collegium named as a chamber),
    in Kazakh, Russian and English, listing the known chambers."""
    shown = text.strip() or "—"
    if chambers:
        known_kk = "; ".join(f"{c.id} ({c.kk})" for c in chambers)
        known_ru = "; ".join(f"{c.id} ({c.ru})" for c in chambers)
        known_en = "; ".join(c.id for c in chambers)
    else:
        known_kk = "палаталар тіркелмеген (`docflow chambers add`)"
        known_ru = "палаты не зарегистрированы (`docflow chambers add`)"
        known_en = "none registered (`docflow chambers add`)"
    if collegium:
        message = (
            f"«{shown}» — палата емес, Республикалық алқа; есеп палатаға тапсырылады. "
            f"Белгілі палаталар: {known_kk} / "
            f"«{shown}» — не палата, а Республиканская коллегия; отчёт подаётся в палату. "
            f"Известные палаты: {known_ru} / "
            f"«{shown}» is the Republican Collegium, not a chamber. Known chambers: {known_en}"
        )
    else:
        message = (
            f"«{shown}» палатасы белгісіз. Белгілі палаталар: {known_kk} / "
            f"Палата «{shown}» неизвестна. Известные палаты: {known_ru} / "
            f"unknown chamber «{shown}». Known chambers: {known_en}"
        )
    problem = Problem("chamber", message, " | ".join(c.id for c in chambers) or None)
    return UnknownChamber(text, problem, tuple(c.id for c in chambers))


def _with_aliases(chamber_id: Any) -> Any:
    """The chamber ``chamber_id`` with its aliases in the order added, in one statement (one
    row per alias; one row with alias None for a chamber without aliases)."""
    return (
        select(chambers, chamber_names.c.name.label("alias"))
        .outerjoin(
            chamber_names,
            (chamber_names.c.chamber_id == chambers.c.id) & (chamber_names.c.kind == "alias"),
        )
        .where(chambers.c.id == chamber_id)
        .order_by(chamber_names.c.seq)
    )


def _chamber(rows: Sequence[Any]) -> Body | None:
    if not rows:
        return None
    row = rows[0]
    aliases = tuple(r["alias"] for r in rows if r["alias"] is not None)
    return Body(row["id"], row["kk"], row["ru"], row["en"], aliases)


_named_chambers, _names = chambers.alias("named_chambers"), chamber_names.alias("names")
#: Built once (every report resolves its chamber): a chamber by id, and the chamber whose id or
#: any name (folded) is given, with its aliases, in one round trip.
_CHAMBER_BY_ID = _with_aliases(bindparam("id"))
_CHAMBER_NAMED = _with_aliases(
    union_all(
        select(_named_chambers.c.id).where(_named_chambers.c.id == bindparam("id")),
        select(_names.c.chamber_id).where(_names.c.fold == bindparam("fold")),
    )
    .limit(1)
    .scalar_subquery()
)
_NEXT_NAME_SEQ = select(func.coalesce(func.max(chamber_names.c.seq), 0) + 1)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ChamberRegistry:
    """The chambers of one home, in the bodies' store. Cheap to construct."""

    def __init__(self, home: Home | Path | str):
        self.path = bodies_db_path(home)

    # ------------------------------------------------------------------ reading
    def chambers(self) -> list[Body]:
        """Every registered chamber, by id."""
        with bodies_store(self.path).reading() as db:
            rows = db.execute(select(chambers).order_by(chambers.c.id)).mappings().all()
            aliases: dict[str, list[str]] = {}
            for r in db.execute(
                select(chamber_names.c.chamber_id, chamber_names.c.name)
                .where(chamber_names.c.kind == "alias")
                .order_by(chamber_names.c.seq)
            ).mappings():
                aliases.setdefault(r["chamber_id"], []).append(r["name"])
        return [
            Body(r["id"], r["kk"], r["ru"], r["en"], tuple(aliases.get(r["id"], ()))) for r in rows
        ]

    def bodies(self) -> list[Body]:
        """The chambers and the Collegium."""
        return [*self.chambers(), COLLEGIUM]

    def get(self, body_id: str) -> Body | None:
        if body_id == COLLEGIUM_ID:
            return COLLEGIUM
        with bodies_store(self.path).reading() as db:
            return _chamber(db.execute(_CHAMBER_BY_ID, {"id": body_id}).mappings().all())

    def find(self, text: str) -> Body | None:
        """The chamber or the Collegium named by ``text`` (id or any name), or ``None``."""
        if resolve_body(text, [COLLEGIUM]) is not None:
            return COLLEGIUM
        wanted = text.strip().casefold()
        with bodies_store(self.path).reading() as db:
            found = db.execute(_CHAMBER_NAMED, {"id": wanted, "fold": fold_name(text)})
            return _chamber(found.mappings().all())

    def resolve(self, text: str) -> Body:
        """The chamber or the Collegium named by ``text``; ``UnknownChamber`` otherwise."""
        body = self.find(text)
        if body is None:
            raise unknown_chamber(text, self.chambers())
        return body

    def resolve_chamber(self, text: str) -> Body:
        """The chamber named by ``text`` (a report's chamber): the Collegium is refused too."""
        body = self.find(text)
        if body is None or body.kind != "chamber":
            raise unknown_chamber(text, self.chambers(), collegium=body is not None)
        return body

    def display_name(self, body_id: str, locale: str) -> str:
        """The body's name in ``locale`` (kk, ru, en); an unknown id is shown as itself."""
        body = self.get(body_id)
        return body.name(locale) if body else body_id

    # ------------------------------------------------------------------ writing
    def add(
        self,
        chamber_id: str,
        *,
        kk: str,
        ru: str,
        en: str | None = None,
        aliases: Sequence[str] = (),
        now: datetime | None = None,
    ) -> Body:
        """Register a chamber, or add names to one already registered with these names.

        A name (folded) belongs to one body only: a name of the Collegium or of another
        chamber raises ``ChamberError``, so one spelling never means two chambers.
        """
        check_body_id(chamber_id)
        if chamber_id == COLLEGIUM_ID:
            raise ChamberError("`collegium` is the Republican Collegium, not a chamber")
        kk, ru = " ".join(kk.split()), " ".join(ru.split())
        en = " ".join(en.split()) if en else None
        if not kk or not ru:
            raise ChamberError("a chamber needs its Kazakh (--kk) and Russian (--ru) names")
        named: list[tuple[str, str]] = [("kk", kk), ("ru", ru)]
        if en:
            named.append(("en", en))
        named += [("alias", " ".join(a.split())) for a in aliases if a.strip()]
        for _, name in named:
            if resolve_body(name, [COLLEGIUM]) is not None:
                raise ChamberError(f"{name!r} names the Republican Collegium, not a chamber")
        created = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        with bodies_store(self.path).writing() as db:
            row = db.execute(select(chambers).where(chambers.c.id == chamber_id)).mappings().first()
            if row is None:
                db.execute(
                    chambers.insert().values(id=chamber_id, kk=kk, ru=ru, en=en, created_at=created)
                )
            elif row["kk"] == row["ru"] and kk != ru:
                # Made by the migration from one name found in the records: now both are known.
                db.execute(update(chambers).where(chambers.c.id == chamber_id).values(kk=kk, ru=ru))
            elif fold_name(row["kk"]) != fold_name(kk) or fold_name(row["ru"]) != fold_name(ru):
                raise ChamberError(
                    f"chamber {chamber_id} is already registered as «{row['kk']}» / "
                    f"«{row['ru']}»; give other names with --alias"
                )
            elif en and not row["en"]:
                db.execute(update(chambers).where(chambers.c.id == chamber_id).values(en=en))
            for kind, name in named:
                self._add_name(db, chamber_id, kind, name)
        added = self.get(chamber_id)
        assert added is not None
        return added

    def add_alias(self, chamber_id: str, name: str) -> Body:
        body = self.get(chamber_id)
        if body is None or body.kind != "chamber":
            raise unknown_chamber(chamber_id, self.chambers())
        return self.add(chamber_id, kk=body.kk, ru=body.ru, aliases=(name,))

    @staticmethod
    def _add_name(db: Any, chamber_id: str, kind: str, name: str) -> None:
        key = fold_name(name)
        other = (
            db.execute(select(chamber_names.c.chamber_id).where(chamber_names.c.fold == key))
            .mappings()
            .first()
        )
        if other is None:
            seq = db.execute(_NEXT_NAME_SEQ).scalar_one()
            db.execute(
                chamber_names.insert().values(
                    fold=key, chamber_id=chamber_id, name=name, kind=kind, seq=seq
                )
            )
        elif other["chamber_id"] != chamber_id:
            raise ChamberError(
                f"the name {name!r} already belongs to chamber {other['chamber_id']}"
            )

    # ------------------------------------------------------------------ archive records
    def link_record(self, record_id: str, chamber_id: str, *, source_name: str | None) -> None:
        """Tie an archive record to its chamber id without touching the signed record."""
        store = bodies_store(self.path)
        with store.writing() as db:
            store.upsert(db, record_chambers, {"record_id": record_id, "chamber_id": chamber_id,
                                               "source_name": source_name, "linked_at": _now()},
                         ["record_id"])  # fmt: skip

    def linked_records(self) -> dict[str, str]:
        """Record id → chamber id, for records linked by ``link_record`` (the migration)."""
        with bodies_store(self.path).reading() as db:
            return {
                r["record_id"]: r["chamber_id"]
                for r in db.execute(
                    select(record_chambers.c.record_id, record_chambers.c.chamber_id)
                ).mappings()
            }

    def link_of(self, record_id: str) -> str | None:
        """The chamber id ``link_record`` tied this record to, if any (one row read)."""
        with bodies_store(self.path).reading() as db:
            row = db.execute(
                select(record_chambers.c.chamber_id).where(record_chambers.c.record_id == record_id)
            ).first()
        return None if row is None else str(row[0])

    def chamber_of_record(
        self, record: Mapping[str, Any], *, linked: Mapping[str, str] | None = None
    ) -> str | None:
        """A record's chamber id: its own ``chamber_id``, else the migration's link, else its
        free-text ``chamber`` resolved now; ``None`` when none of these names a chamber.
        Pass ``linked`` (from :meth:`linked_records`) when asking for many records."""
        own = record.get("chamber_id")
        if isinstance(own, str) and own:
            return own
        links = self.linked_records() if linked is None else linked
        if str(record.get("id")) in links:
            return links[str(record.get("id"))]
        name = record.get("chamber")
        if isinstance(name, str) and name.strip():
            body = resolve_body(name, self.bodies())
            return body.id if body else None
        return None

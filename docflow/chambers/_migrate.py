"""``docflow chambers migrate``: an existing home's free-text chamber names become chamber ids.

Names are collected from the archive's records and from the imported rosters. A name that
already resolves keeps its chamber; names given together (``--alias ID=NAME``, or a mapping
file ``{id: {kk, ru, en, aliases}}``) become one chamber; any other name becomes a chamber of
its own (its id made from the name, the name used for both languages until the other is given
with ``chambers add``). Archive records are linked to their chamber id in a side table
(``record_chambers``): the signed records, their index and their log are left untouched, so
``docflow archive audit`` passes as before. Enrolments get their offices recorded; offices
enrolled before chambers existed are given a chamber with ``--legacy-chamber``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docflow.bodies._chambers import COLLEGIUM, Body, ChamberRegistry, check_body_id, resolve_body
from docflow.bodies._names import fold_name
from docflow.bodies._offices import CHAMBER_ROLES
from docflow.config import Home
from docflow.errors import ChamberError

__all__ = ["MigrationReport", "load_mapping", "migrate_home", "plan_chambers", "suggest_id"]

_KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
# Words every chamber's name has: dropped when an id is made from a name.
_COMMON = {
    "palata", "palatasy", "zan", "konsultanttary", "yuridicheskikh", "iuridicheskikh",
    "konsultantov", "oblysynyn", "oblysy", "oblasti", "qalasynyn", "kalasynyn", "goroda",
    "qalasy", "respublikasy", "respubliki", "g", "obl", "i", "zhane",
}  # fmt: skip


@dataclass(frozen=True)
class MigrationReport:
    """What the migration found and did (or, with ``dry_run``, would do)."""

    created: tuple[Body, ...]
    resolved: Mapping[str, str]  # every name found → chamber id
    records_linked: int
    records_with_id: int
    rosters: Mapping[str, str]  # roster chamber name → chamber id
    offices_recorded: int
    legacy_assigned: tuple[int, ...]
    dry_run: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "created": [b.to_json() for b in self.created],
            "resolved": dict(self.resolved),
            "records_linked": self.records_linked,
            "records_with_id": self.records_with_id,
            "rosters": dict(self.rosters),
            "offices_recorded": self.offices_recorded,
            "legacy_assigned": [f"{s:x}" for s in self.legacy_assigned],
            "notes": list(self.notes),
        }


def _is_kazakh(name: str) -> bool:
    return bool(_KAZAKH_LETTERS & set(name)) or "палатасы" in name.casefold()


def suggest_id(name: str, taken: Iterable[str] = ()) -> str:
    """An id made from a chamber's name: its distinctive words transliterated
    (``Қарағанды облысының заң консультанттары палатасы`` → ``qaragandy``)."""
    from docflow.archive import slugify

    words = [w for w in slugify(name, fallback="chamber").split("-") if w not in _COMMON]
    base = "-".join(words)[:28].strip("-") or "chamber"
    if not base[0].isalpha():
        base = f"c-{base}"[:28]
    base = base if len(base) >= 2 else f"{base}-chamber"
    taken = set(taken)
    candidate, n = base, 2
    while candidate in taken or candidate == COLLEGIUM.id:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def plan_chambers(
    names: Iterable[str], known: Sequence[Body], groups: Mapping[str, Sequence[str]]
) -> tuple[list[Body], dict[str, str]]:
    """Pure: the chambers to create and every name's chamber id.

    ``groups`` maps an id to names meant to be one chamber (``--alias``); a name already
    resolving among ``known`` keeps its body. Returns (new chambers, name → id).
    """
    new: dict[str, list[str]] = {}
    resolved: dict[str, str] = {}
    group_of = {fold_name(n): gid for gid, ns in groups.items() for n in ns}
    for group_id, ns in groups.items():
        if resolve_body(group_id, known) is None:
            new.setdefault(check_body_id(group_id), []).extend(ns)
    for name in names:
        if not name.strip() or name in resolved:
            continue
        body = resolve_body(name, [*known])
        if body is not None:
            resolved[name] = body.id
            continue
        cid: str | None = group_of.get(fold_name(name))
        if cid is None:
            cid = next(
                (i for i, ns in new.items() if any(fold_name(n) == fold_name(name) for n in ns)),
                None,
            )
        if cid is None:
            cid = suggest_id(name, [b.id for b in known] + list(new))
            new[cid] = []
        if not any(fold_name(n) == fold_name(name) for n in new.get(cid, [])):
            new.setdefault(cid, []).append(" ".join(name.split()))
        resolved[name] = cid
    created = []
    for new_id, ns in new.items():
        kk = next((n for n in ns if _is_kazakh(n)), None)
        ru = next((n for n in ns if not _is_kazakh(n)), None)
        first = kk or ru or new_id
        kk, ru = kk or first, ru or first
        aliases = tuple(n for n in ns if n not in (kk, ru))
        created.append(Body(new_id, kk=kk, ru=ru, aliases=aliases))
    return created, resolved


def load_mapping(path: Path) -> dict[str, dict[str, Any]]:
    """A mapping file (JSON or YAML): ``{id: {kk: …, ru: …, en: …, aliases: […]}}``."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ChamberError(f"{path.name}: expected {{id: {{kk, ru, en, aliases}}}}")
    return {str(k): v for k, v in data.items()}


#: Records read from the archive at a time (a page of the index, in log order).
_PAGE = 1000


def _archive_records(home: Home) -> list[dict[str, Any]]:
    """Each archived record's id, free-text chamber and own chamber id (all the migration
    needs), read a page at a time: 100,000 records' JSON are never held at once."""
    from docflow.archive import Archive, has_archive

    if not has_archive(home):  # embedded or scaled-out (the index is not a local file there)
        return []
    found: list[dict[str, Any]] = []
    with Archive(home, recover=False) as archive:
        while True:
            page = archive.search(limit=_PAGE, offset=len(found))
            found += [
                {"id": r["id"], "chamber": r.get("chamber"), "chamber_id": r.get("chamber_id")}
                for r in page
            ]
            if len(page) < _PAGE:
                return found


def _link_in_archive(home: Home, links: Mapping[str, str]) -> None:
    """The migration's links into the archive's index (its chamber id column, and the
    dashboard's counts), so a chamber's search and the dashboard find them in SQL."""
    from docflow.archive import Archive, has_archive

    if links and has_archive(home):
        with Archive(home, recover=False) as archive:
            archive.link_chambers(links)


def _roster_names(home: Home) -> list[str]:
    from docflow.summaries.store import has_summaries

    if not has_summaries(home):
        return []
    from docflow.summaries.store import SummaryStore

    with SummaryStore(home) as store:
        return store.chambers()


_ALIAS_RE = re.compile(r"\s*([a-z][a-z0-9-]{1,31})\s*=\s*(.+)", re.S)


def parse_alias(value: str) -> tuple[str, str]:
    """``ID=NAME`` of ``--alias``."""
    match = _ALIAS_RE.fullmatch(value)
    if not match:
        raise ChamberError(f"--alias {value!r}: expected ID=NAME (e.g. karaganda=«…»)")
    return match.group(1), match.group(2).strip()


def migrate_home(
    home: Home,
    *,
    mapping: Mapping[str, Mapping[str, Any]] | None = None,
    aliases: Sequence[tuple[str, str]] = (),
    legacy_chamber: str | None = None,
    dry_run: bool = False,
) -> MigrationReport:
    """Turn the home's free-text chamber names into ids (see the module's docstring)."""
    registry = ChamberRegistry(home)
    notes: list[str] = []
    if mapping and not dry_run:
        for cid, spec in mapping.items():
            registry.add(
                cid,
                kk=str(spec.get("kk") or ""),
                ru=str(spec.get("ru") or ""),
                en=spec.get("en"),
                aliases=[str(a) for a in spec.get("aliases") or ()],
            )
    groups: dict[str, list[str]] = {}
    for cid, name in aliases:
        groups.setdefault(cid, []).append(name)
    records = _archive_records(home)
    roster_names = _roster_names(home)
    names = [str(r["chamber"]) for r in records if isinstance(r.get("chamber"), str)]
    names += roster_names
    known = registry.bodies()
    if mapping and dry_run:
        known += [
            Body(
                cid, str(s.get("kk")), str(s.get("ru")), s.get("en"), tuple(s.get("aliases") or ())
            )
            for cid, s in mapping.items()
        ]
    for cid, ns in groups.items():  # aliases of chambers that exist are added to them
        body = resolve_body(cid, known)
        if body is not None and not dry_run:
            for n in ns:
                registry.add_alias(body.id, n)
    groups = {cid: ns for cid, ns in groups.items() if resolve_body(cid, known) is None}
    known = registry.bodies() if not dry_run else known
    created, resolved = plan_chambers(names, known, groups)
    for body in created:
        if body.kk == body.ru:
            notes.append(
                f"{body.id}: one name found («{body.kk}»); give the other language with "
                f"`docflow chambers add {body.id} --kk … --ru …`"
            )
        if not dry_run:
            registry.add(body.id, kk=body.kk, ru=body.ru, aliases=body.aliases)
    linked = registry.linked_records() if not dry_run else {}
    new_links: dict[str, str] = {}
    records_linked = records_with_id = 0
    for record in records:
        if record.get("chamber_id"):
            records_with_id += 1
            continue
        text = record.get("chamber")
        if not isinstance(text, str) or text not in resolved:
            continue
        if linked.get(str(record["id"])) == resolved[text]:
            new_links[str(record["id"])] = resolved[text]  # linked before: the index too
            continue
        if not dry_run:
            registry.link_record(str(record["id"]), resolved[text], source_name=text)
            new_links[str(record["id"])] = resolved[text]
        records_linked += 1
    if not dry_run:
        _link_in_archive(home, new_links)
    offices_recorded, assigned = _offices(home, legacy_chamber, dry_run, registry)
    return MigrationReport(
        created=tuple(created),
        resolved=resolved,
        records_linked=records_linked,
        records_with_id=records_with_id,
        rosters={n: resolved[n] for n in roster_names if n in resolved},
        offices_recorded=offices_recorded,
        legacy_assigned=tuple(assigned),
        dry_run=dry_run,
        notes=tuple(notes),
    )


def _offices(
    home: Home, legacy_chamber: str | None, dry_run: bool, registry: ChamberRegistry
) -> tuple[int, list[int]]:
    from docflow.pki import Pki

    pki = Pki(home)
    if not pki.exists():
        return 0, []
    legacy = [e for e in pki.live_enrolments() if e.role in CHAMBER_ROLES and e.body is None]
    if dry_run:
        return 0, [e.serial for e in legacy] if legacy_chamber else []
    recorded = pki.sync_offices()
    assigned = []
    if legacy_chamber is not None:
        chamber = registry.resolve_chamber(legacy_chamber).id
        for e in legacy:
            pki.assign_body(e.serial, chamber)
            assigned.append(e.serial)
    return recorded, assigned

"""Where a record lives under ``outbox/``: safe slugs, record ids and relative paths.

Nothing here trusts user data to form a path: the chamber name is transliterated and reduced to
``[a-z0-9-]``, the kind and the year are checked, and the record id (chosen by docflow, not by the
submitter) decides the file name and must match a strict pattern.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from docflow.errors import ArchiveError

# Kazakh and Russian Cyrillic to Latin, close to the 2021 Kazakh Latin alphabet but ASCII-only,
# so that folder names are readable and portable to any file system or state archive.
_TRANSLIT = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "yo",
    "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n",
    "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u",
    "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip

_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_KIND_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_STATUS_RE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_SLUG_MAX = 60


def slugify(text: str, *, fallback: str = "unknown") -> str:
    """An ASCII ``[a-z0-9-]`` slug of any text (Cyrillic transliterated); never empty."""
    folded = unicodedata.normalize("NFC", text).casefold()
    latin = "".join(_TRANSLIT.get(ch, ch) for ch in folded)
    # Whatever is left (Latin with accents, other scripts): strip accents, drop the rest.
    ascii_text = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > _SLUG_MAX:
        slug = slug[:_SLUG_MAX].rsplit("-", 1)[0] or slug[:_SLUG_MAX]
    return slug or fallback


def check_record_id(record_id: str) -> str:
    """Return ``record_id`` if it is safe as a file name, else raise ``ArchiveError``."""
    if not isinstance(record_id, str) or not _ID_RE.fullmatch(record_id):
        raise ArchiveError(
            f"unsafe record id {record_id!r}: expected 1-128 of [A-Za-z0-9_.-], "
            "starting with a letter or digit"
        )
    if record_id.endswith(".tmp"):
        raise ArchiveError(f"unsafe record id {record_id!r}: must not end in .tmp")
    return record_id


def check_status(status: str) -> str:
    if not isinstance(status, str) or not _STATUS_RE.fullmatch(status):
        raise ArchiveError(f"invalid status {status!r}: expected a lower-case word like 'revoked'")
    return status


def kind_folder(kind: Any) -> str:
    if not isinstance(kind, str) or not kind:
        raise ArchiveError("a record needs a 'kind' (e.g. 'cpd-report')")
    return kind if _KIND_RE.fullmatch(kind) else slugify(kind)


def year_folder(year: Any, fallback_year: int) -> str:
    if year is None:
        return f"{fallback_year:04d}"
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ArchiveError(f"record year {year!r} is not a year") from None
    if isinstance(year, bool) or not 1900 <= value <= 9999:
        raise ArchiveError(f"record year {year!r} is out of range")
    return f"{value:04d}"


@dataclass(frozen=True)
class RecordPaths:
    """Paths of a record relative to ``outbox/`` (POSIX separators, as stored in the log)."""

    pdf: str
    json: str


def record_paths(record: Mapping[str, Any], record_id: str, fallback_year: int) -> RecordPaths:
    folder = "/".join(
        (
            year_folder(record.get("year"), fallback_year),
            slugify(str(record.get("chamber") or ""), fallback="unknown-chamber"),
            kind_folder(record.get("kind")),
        )
    )
    check_record_id(record_id)
    return RecordPaths(pdf=f"{folder}/{record_id}.pdf", json=f"{folder}/{record_id}.json")


def default_series_key(record: Mapping[str, Any]) -> str:
    """A record's version chain: ``kind:iin:year`` unless the record gives ``series``."""
    explicit = record.get("series")
    if isinstance(explicit, str) and explicit:
        return explicit
    return f"{record.get('kind')}:{record.get('iin')}:{record.get('year')}"


def fold(text: Any) -> str:
    """Case-insensitive search form; Python's casefold knows Cyrillic, SQLite's lower() does not."""
    return unicodedata.normalize("NFC", str(text)).casefold() if text is not None else ""

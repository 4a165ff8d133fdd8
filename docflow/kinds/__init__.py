"""Document kinds as data: each ``docflow/kinds/<name>.toml`` names a kind's input model, its
templates, its rules and its signers (roles in order, or a quorum of one role).

The workflow asks a ``DocumentKind`` what to do; adding a document family (the Bar's roadmap,
Part M) is a new TOML file and templates, not new workflow code.
"""

from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, Literal

from docflow.errors import ConfigError

KINDS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SignerSpec:
    """One signer in a sequence: its role, the signature field it fills, and who it is.

    ``who`` is a dotted path into the submission giving the signer's IIN (``consultant.iin``) or
    ``role:NAME`` for a holder of that role in the chamber (the responsible officer).
    """

    role: str
    field: str
    who: str
    lock: bool = False


@dataclass(frozen=True)
class SigningSpec:
    """Who signs a document: ``sequence`` (each signer in order) or ``quorum`` (any ``quorum``
    share of ``role`` holders, e.g. two thirds of the regional chairs, M-2.6q)."""

    mode: Literal["sequence", "quorum"]
    signers: tuple[SignerSpec, ...] = ()
    role: str | None = None
    quorum: Fraction | None = None
    who: str | None = None

    def is_complete(self, signed: int, eligible: int | None = None) -> bool:
        """Whether ``signed`` signatures complete the document.

        For a sequence, every signer must have signed. For a quorum, at least ``quorum`` of the
        ``eligible`` signatories (counted exactly, no rounding: 2/3 of 14 needs 10).
        """
        if self.mode == "sequence":
            return signed >= len(self.signers)
        if eligible is None or eligible <= 0 or self.quorum is None:
            return False
        return Fraction(signed, eligible) >= self.quorum

    def needed(self, eligible: int) -> int:
        """How many signatures complete the document among ``eligible`` signatories."""
        if self.mode == "sequence":
            return len(self.signers)
        assert self.quorum is not None
        n = self.quorum * eligible
        return int(n) if n.denominator == 1 else int(n) + 1


@dataclass(frozen=True)
class DocumentKind:
    name: str
    record_kind: str
    title: dict[str, str]
    model: str
    templates: dict[str, dict[str, str]]
    signing: SigningSpec
    rules: str | None = None
    series: tuple[str, ...] = ()
    per: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def template(self, purpose: str, locale: str) -> str:
        try:
            return self.templates[purpose][locale]
        except KeyError as exc:
            raise ConfigError(f"kind {self.name}: no {purpose!r} template for {locale!r}") from exc

    def model_class(self) -> Any:
        return _import(self.model)

    def series_key(self, data: dict[str, Any]) -> str:
        """The key shared by all versions of one document, e.g. ``cpd-report/<iin>/2025``."""
        parts = [str(_dig(data, path)) for path in self.series]
        return "/".join([self.name, *parts])


def _import(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[part] if isinstance(data, dict) else getattr(data, part)
    return data


def _parse_signing(name: str, raw: dict[str, Any]) -> SigningSpec:
    mode = raw.get("mode")
    if mode == "sequence":
        signers = tuple(
            SignerSpec(
                role=s["role"], field=s["field"], who=s["who"], lock=bool(s.get("lock", False))
            )
            for s in raw.get("signers", [])
        )
        if not signers:
            raise ConfigError(f"kind {name}: a sequence needs at least one signer")
        return SigningSpec(mode="sequence", signers=signers)
    if mode == "quorum":
        try:
            quorum = Fraction(str(raw["quorum"]))
        except (KeyError, ValueError, ZeroDivisionError) as exc:
            raise ConfigError(f"kind {name}: quorum must be a fraction such as '2/3'") from exc
        if not 0 < quorum <= 1:
            raise ConfigError(f"kind {name}: quorum must be between 0 and 1")
        return SigningSpec(mode="quorum", role=raw["role"], quorum=quorum, who=raw.get("who"))
    raise ConfigError(f"kind {name}: signing.mode must be 'sequence' or 'quorum', not {mode!r}")


def load_kind_file(path: Path) -> DocumentKind:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return DocumentKind(
            name=raw["name"],
            record_kind=raw.get("record_kind", raw["name"]),
            title=dict(raw["title"]),
            model=raw["model"],
            templates={k: dict(v) for k, v in raw.get("templates", {}).items()},
            signing=_parse_signing(raw["name"], raw["signing"]),
            rules=raw.get("rules"),
            series=tuple(raw.get("series", ())),
            per=raw.get("per"),
            raw=raw,
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a valid document kind: {exc}") from exc


@cache
def load_kind(name: str) -> DocumentKind:
    path = KINDS_DIR / f"{name}.toml"
    if not path.is_file() or path.parent != KINDS_DIR:
        raise ConfigError(f"unknown document kind {name!r}; known: {', '.join(kind_names())}")
    return load_kind_file(path)


def kind_names() -> list[str]:
    return sorted(p.stem for p in KINDS_DIR.glob("*.toml"))


__all__ = [
    "DocumentKind",
    "SignerSpec",
    "SigningSpec",
    "kind_names",
    "load_kind",
    "load_kind_file",
]

"""Document kinds as data: each ``docflow/kinds/<name>.toml`` names a kind's input model, its
templates per locale, its record kind and numbering, its signers (roles in order, or a quorum
of one role), an optional rules hook and its stages.

The flow (``docflow.workflow.flow``) asks a ``DocumentKind`` what to do; adding a document
family is a TOML file, a model and templates, not new flow code (docs/ARCHITECTURE.md, "How to
add a kind"). The Bar's roadmap kinds (Part M, ``roadmap-*.toml``) name their hooks and two
stages of their own (``module:OBJECT`` references, docs/ROADMAP.md).
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol, cast

from pydantic import BaseModel

from docflow.errors import ConfigError

KINDS_DIR = Path(__file__).resolve().parent

_BEFORE_SIGNING = ("parse", "judge", "render", "convert", "finalize")
#: The stages of a kind that names none: parse, judge, render, convert, finalize, one signing
#: step per signer of its sequence, archive.
DEFAULT_STAGES: tuple[str, ...] = (*_BEFORE_SIGNING, "archive")


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

    mode: Literal["sequence", "quorum", "none"]
    signers: tuple[SignerSpec, ...] = ()
    role: str | None = None
    quorum: Fraction | None = None
    who: str | None = None

    def is_complete(self, signed: int, eligible: int | None = None) -> bool:
        """Whether ``signed`` signatures complete the document.

        For a sequence, every signer must have signed. For a quorum, at least ``quorum`` of the
        ``eligible`` signatories (counted exactly, no rounding: 2/3 of 14 needs 10).
        """
        if self.mode != "quorum":
            return signed >= len(self.signers)
        if eligible is None or eligible <= 0 or self.quorum is None:
            return False
        return Fraction(signed, eligible) >= self.quorum

    def needed(self, eligible: int) -> int:
        """How many signatures complete the document among ``eligible`` signatories."""
        if self.mode != "quorum":
            return len(self.signers)
        assert self.quorum is not None
        n = self.quorum * eligible
        return int(n) if n.denominator == 1 else int(n) + 1


class Verdict(Protocol):
    """What a rules hook returns (``CpdVerdict`` for the CPD report)."""

    def to_json(self) -> dict[str, Any]: ...


#: A rules hook: ``hook(model, *, today, evidence_names, evidence_problems, decided_points)``
#: returning the kind's verdict (``docflow.rules:evaluate_cpd`` for the CPD report).
RulesHook = Callable[..., Verdict]


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document, as its TOML file says (every key is read by the flow)."""

    name: str
    record_kind: str
    #: The document's name per locale: the ``title`` of the default template context.
    title: dict[str, str]
    #: ``module:Class`` of the pydantic input model.
    model: str
    #: purpose -> locale -> template file name (under the templates folder).
    templates: dict[str, dict[str, str]]
    signing: SigningSpec
    #: The stages a document of this kind goes through, in order (``docs/ARCHITECTURE.md``).
    stages: tuple[str, ...] = DEFAULT_STAGES
    #: ``module:function`` judging the input (see ``RulesHook``); None: nothing to judge.
    rules: str | None = None
    #: Paths into the input naming one document's series (its versions share it).
    series: tuple[str, ...] = ()
    #: The record id: a ``str.format`` pattern over the input's top-level fields and ``sha12``
    #: (the input's SHA-256, first 12 hex digits, upper case).
    numbering: str = "{kind}-{sha12}"
    #: One document per element of this list field of the input (certificates: participants);
    #: the kind's last stage runs once per element, in parallel across worker processes.
    per: str | None = None
    #: Whether files of this kind are taken from the inbox (a remarks letter is not).
    inbox: bool = True
    #: ``module:OBJECT``, the kind's ``KindHooks`` (context, attachments, record) when its
    #: documents say more than the model's fields; None: the defaults or ``workflow/build.py``.
    hooks: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def template(self, purpose: str, locale: str) -> str:
        try:
            return self.templates[purpose][locale]
        except KeyError as exc:
            raise ConfigError(f"kind {self.name}: no {purpose!r} template for {locale!r}") from exc

    def model_class(self) -> type[BaseModel]:
        cls = _import(self.model)
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            raise ConfigError(f"kind {self.name}: model {self.model} is not a pydantic model")
        return cls

    def rules_hook(self) -> RulesHook | None:
        if self.rules is None:
            return None
        hook = _import(self.rules)
        if not callable(hook):
            raise ConfigError(f"kind {self.name}: rules {self.rules} is not callable")
        return cast(RulesHook, hook)

    def series_key(self, data: dict[str, Any]) -> str:
        """The key shared by all versions of one document, e.g. ``cpd-report/<iin>/2025``."""
        parts = [str(_dig(data, path)) for path in self.series]
        return "/".join([self.name, *parts])

    def record_id(self, data: dict[str, Any], sha256: str) -> str:
        """The record id of the document made from an input with these fields and bytes."""
        fields = {k: v for k, v in data.items() if isinstance(v, str | int)}
        fields.update(kind=self.record_kind.upper(), sha12=sha256[:12].upper())
        try:
            return self.numbering.format(**fields)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(f"kind {self.name}: numbering {self.numbering!r}: {exc}") from exc


def _import(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot import {ref!r}: {exc}") from exc


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data[part] if isinstance(data, dict) else getattr(data, part)
    return data


def import_ref(ref: str) -> Any:
    """The object a ``module:attribute`` reference of a kind's TOML names."""
    return _import(ref)


def dig(data: Any, path: str) -> Any:
    """The value at a dotted ``path`` of a mapping or model (``consultant.iin``)."""
    return _dig(data, path)


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
    if mode == "none":
        return SigningSpec(mode="none")
    raise ConfigError(
        f"kind {name}: signing.mode must be 'sequence', 'quorum' or 'none', not {mode!r}"
    )


_KEYS = {
    "name", "record_kind", "title", "model", "templates", "signing", "stages", "rules",
    "series", "numbering", "per", "inbox", "hooks",
}  # fmt: skip


def load_kind_file(path: Path) -> DocumentKind:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        unknown = sorted(set(raw) - _KEYS)
        if unknown:
            raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}")
        signing = _parse_signing(raw["name"], raw["signing"])
        stages = tuple(raw.get("stages", DEFAULT_STAGES))
        if signing.mode == "sequence" and "stages" not in raw:
            # The default: one signing step per signer, in order.
            stages = (*_BEFORE_SIGNING, *(f"sign:{s.role}" for s in signing.signers), "archive")
        return DocumentKind(
            name=raw["name"],
            record_kind=raw.get("record_kind", raw["name"]),
            title=dict(raw["title"]),
            model=raw["model"],
            templates={k: dict(v) for k, v in raw.get("templates", {}).items()},
            signing=signing,
            stages=stages,
            rules=raw.get("rules"),
            series=tuple(raw.get("series", ())),
            numbering=str(raw.get("numbering", "{kind}-{sha12}")),
            per=raw.get("per"),
            inbox=bool(raw.get("inbox", True)),
            hooks=raw.get("hooks"),
            raw=raw,
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a valid document kind: {exc}") from exc


class KindRegistry:
    """The document kinds one docflow knows: the packaged ones (``docflow/kinds/*.toml``)
    and a chamber's own (``kinds = "folder"`` in docflow.toml)."""

    def __init__(self, kinds: Iterable[DocumentKind]):
        self._kinds: dict[str, DocumentKind] = {}
        for kind in kinds:
            if kind.name in self._kinds:
                raise ConfigError(f"document kind {kind.name!r} is defined twice")
            self._kinds[kind.name] = kind

    @classmethod
    def load(cls, *folders: Path | None) -> KindRegistry:
        files = sorted(KINDS_DIR.glob("*.toml"))
        for folder in folders:
            if folder is not None:
                files.extend(sorted(folder.glob("*.toml")))
        return cls(load_kind_file(p) for p in files)

    def get(self, name: str) -> DocumentKind:
        try:
            return self._kinds[name]
        except KeyError:
            raise ConfigError(
                f"unknown document kind {name!r}; known: {', '.join(self.names())}"
            ) from None

    def find(self, name: object) -> DocumentKind | None:
        return self._kinds.get(name) if isinstance(name, str) else None

    def names(self) -> list[str]:
        return sorted(self._kinds)

    def inbox_models(self) -> dict[str, type[BaseModel]]:
        """Input models of the kinds taken from the inbox, by kind name."""
        return {k.name: k.model_class() for k in self._kinds.values() if k.inbox}

    def __iter__(self) -> Iterator[DocumentKind]:
        return iter(self._kinds.values())


@cache
def load_kind(name: str) -> DocumentKind:
    """A packaged kind by name."""
    path = KINDS_DIR / f"{name}.toml"
    if not path.is_file() or path.parent != KINDS_DIR:
        raise ConfigError(f"unknown document kind {name!r}; known: {', '.join(kind_names())}")
    return load_kind_file(path)


def kind_names() -> list[str]:
    return sorted(p.stem for p in KINDS_DIR.glob("*.toml"))


__all__ = [
    "DEFAULT_STAGES",
    "DocumentKind",
    "KindRegistry",
    "RulesHook",
    "SignerSpec",
    "SigningSpec",
    "Verdict",
    "dig",
    "import_ref",
    "kind_names",
    "load_kind",
    "load_kind_file",
]

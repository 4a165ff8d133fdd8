"""Everything a person reads, in Kazakh, Russian and English: one message catalogue per language.

The catalogues are plain YAML files beside this module (``kk.yaml``, ``ru.yaml``, ``en.yaml``),
one key per message, with ``str.format`` placeholders (``{number}``). No compile step: they are
read once at first use. A test checks that every key exists in every language with the same
placeholders. Dates are shown as people write them (``16.02.2026`` in kk/ru, ISO in en); a
parameter whose value has a catalogue entry ``param.<name>.<value>`` (e.g. the R-7.4 ground) is
shown in words; ``{period}`` is built from ``start``/``end``; a ``Msg`` parameter is itself a
message, shown in the same language.

Which language: a submission's files use its ``locale``; the CLI uses ``--lang``, else
``DOCFLOW_LANG``, else the system locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "LOCALES",
    "Msg",
    "catalogue",
    "cli_locale",
    "field_label",
    "finding_text",
    "format_date",
    "message",
    "placeholders",
    "role_label",
    "to_json_value",
]

LOCALES = ("kk", "ru", "en")
_FALLBACK = "en"
_ALIASES = {"kz": "kk", "kaz": "kk", "rus": "ru", "eng": "en"}


@dataclass(frozen=True)
class Msg:
    """A message as data: its catalogue key and parameters (a parameter of another message,
    or a finding's reason), rendered in whichever language the reader needs."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, locale: str) -> str:
        return message(self.key, locale, **self.params)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "params": {k: to_json_value(v) for k, v in self.params.items()}}


def to_json_value(value: Any) -> Any:
    """A message parameter as JSON (dates as ISO text, nested messages as key and params)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Msg):
        return value.to_json()
    if isinstance(value, tuple | list):
        return [to_json_value(v) for v in value]
    return value


@cache
def catalogue(locale: str) -> Mapping[str, str]:
    """The messages of ``locale`` (read once from the package)."""
    import yaml

    if locale not in LOCALES:
        raise ValueError(f"no message catalogue for {locale!r}; one of {', '.join(LOCALES)}")
    text = resources.files("docflow.i18n").joinpath(f"{locale}.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    return {str(k): str(v) for k, v in data.items()}


def placeholders(template: str) -> frozenset[str]:
    """The ``{name}`` placeholders of a message (``{{`` escapes excluded)."""
    return frozenset(re.findall(r"(?<!\{)\{([a-z_][a-z0-9_]*)\}", template))


def format_date(value: date, locale: str) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if locale == "en" else value.strftime("%d.%m.%Y")


def _shown(name: str, value: Any, locale: str, cat: Mapping[str, str]) -> Any:
    if isinstance(value, Msg):
        return value.text(locale)
    if isinstance(value, tuple | list) and value and all(isinstance(v, Msg) for v in value):
        return "; ".join(v.text(locale) for v in value)
    if isinstance(value, date):
        return format_date(value, locale)
    if isinstance(value, str | int) and not isinstance(value, bool):
        word = cat.get(f"param.{name}.{value}")
        if word is not None:
            return word
    return value


def message(key: str, locale: str, **params: Any) -> str:
    """The message ``key`` in ``locale`` with ``params`` filled in. An unknown locale falls back
    to English; an unknown key shows the key itself (a test keeps that from happening)."""
    if locale not in LOCALES:
        locale = _FALLBACK
    cat = catalogue(locale)
    template = cat.get(key)
    if template is None:
        template = catalogue(_FALLBACK).get(key, key)
    values = {name: _shown(name, value, locale, cat) for name, value in params.items()}
    if "start" in params and "period" not in values and not key.startswith("period."):
        end = params.get("end")
        values["period"] = (
            message("period.closed", locale, start=params["start"], end=end)
            if isinstance(end, date)
            else message("period.open", locale, start=params["start"])
        )
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


def role_label(role: str, locale: str) -> str:
    """A signer's role (a certificate's ``title``, a kind's signer role) in the reader's
    words; a role the catalogue does not know (another issuer's title) as it is written."""
    shown = catalogue(locale).get(f"signer.role.{role}")
    return shown if shown is not None else role


def cli_locale(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The CLI's language: ``--lang``, ``DOCFLOW_LANG``, the system locale, else English."""
    env = os.environ if environ is None else environ
    for value in (
        explicit,
        env.get("DOCFLOW_LANG"),
        env.get("LC_ALL"),
        env.get("LC_MESSAGES"),
        env.get("LANG"),
    ):
        if not value:
            continue
        code = re.split(r"[_.@-]", value.strip().lower(), maxsplit=1)[0]
        code = _ALIASES.get(code, code)
        if code in LOCALES:
            return code
        if value is explicit or value is env.get("DOCFLOW_LANG"):
            continue  # a bad explicit choice falls through to the system's
    return _FALLBACK


_SEGMENT = re.compile(r"([A-Za-z_]+)((?:\[\d+\])*)")


def field_label(path: str, locale: str) -> str:
    """A field path as a person sees it: ``activities[2].date`` -> "activity 3, date"
    ("3-іс-шара, күні" / "мероприятие 3, дата"). Paths of another shape are kept as given."""
    if not path or not re.fullmatch(r"[A-Za-z_]+(\[\d+\])*(\.[A-Za-z_]+(\[\d+\])*)*", path):
        return path
    cat = catalogue(locale if locale in LOCALES else _FALLBACK)
    head = _SEGMENT.match(path)
    if head is None or not any(
        k in cat for k in (f"field.{head.group(1)}", f"field.{head.group(1)}[]")
    ):
        return path  # not a field of a document (a file name such as ``report.json``)
    parts: list[str] = []
    for segment in path.split("."):
        match = _SEGMENT.fullmatch(segment)
        assert match is not None
        name, indexes = match.group(1), [int(i) for i in re.findall(r"\d+", match.group(2))]
        if indexes:
            item = cat.get(f"field.{name}[]")
            if item is None:
                parts.append(segment)
                continue
            parts.append(item.format(n=indexes[0] + 1))
            for extra in indexes[1:]:
                parts.append(str(extra + 1))
        else:
            parts.append(cat.get(f"field.{name}", name))
    return ", ".join(parts)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _from_json(value: Any) -> Any:
    if isinstance(value, Mapping) and "key" in value:
        params = value.get("params") or {}
        return Msg(str(value["key"]), {k: _from_json(v) for k, v in params.items()})
    if isinstance(value, list):
        return tuple(_from_json(v) for v in value)
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return date.fromisoformat(value)
    return value


def finding_text(finding: Mapping[str, Any], locale: str) -> str:
    """A finding (or any message) as stored in JSON — ``{"key", "params", "message"}`` — in
    ``locale``: for pages and files made from a stored verdict (the web's review page). A
    finding stored before messages had keys keeps its English ``message``."""
    key = finding.get("key")
    if not key:
        text = finding.get("message", "")
        if isinstance(text, Mapping):  # a finding worded in every language (kk, ru, en)
            return str(text.get(locale) or text.get("en") or "")
        return str(text)
    params = {k: _from_json(v) for k, v in (finding.get("params") or {}).items()}
    return message(str(key), locale, **params)

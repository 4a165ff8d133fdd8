"""The catalogue of verify findings: what the document policy, the coverage checks and the input
limits say, in Kazakh, Russian and English, under stable keys.

A finding travels as data (``Finding(key, params)``); its English text fills the report's
``reasons`` (the ``verify --json`` contract), and every door (CLI, web) may show it in the
reader's language with ``Finding.text(locale)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LOCALES = ("kk", "ru", "en")

#: key -> (kk, ru, en); ``{name}`` placeholders are filled from the finding's params.
_CATALOGUE: dict[str, tuple[str, str, str]] = {
    # -- document policy (docs/VERIFY-POLICY.md) ----------------------------------------------
    "policy.no_person_signed": (
        "құжатқа бірде-бір адам қол қоймаған: тек уақыт белгілері бар",
        "документ не подписал ни один человек: в нём только метки времени",
        "no person signed the document: it carries only document timestamps",
    ),
    "policy.field_missing": (
        "«{field}» қолтаңба өрісі жоқ ({kind} құжатында ол міндетті)",
        "нет поля подписи «{field}» (в документе вида {kind} оно обязательно)",
        "the signature field '{field}' is missing (a {kind} document requires it)",
    ),
    "policy.field_empty": (
        "«{field}» қолтаңба өрісі бос: {role} қол қоймаған",
        "поле подписи «{field}» пустое: {role} не подписал",
        "the signature field '{field}' is empty: the {role} has not signed",
    ),
    "policy.wrong_role": (
        "«{field}» өрісіне {expected} қол қоюы керек, бірақ сертификат {actual} рөліне берілген",
        "поле «{field}» должен подписать {expected}, а сертификат выдан на роль {actual}",
        "the field '{field}' must be signed by the {expected}, but the certificate holds "
        "the role {actual}",
    ),
    "policy.no_role": (
        "«{field}» өрісіне {expected} қол қоюы керек, бірақ сертификатта docflow рөлі жоқ",
        "поле «{field}» должен подписать {expected}, но в сертификате нет роли docflow",
        "the field '{field}' must be signed by the {expected}, but the certificate holds "
        "no docflow role",
    ),
    # -- coverage ------------------------------------------------------------------------------
    "coverage.form_filled": (
        "осы қолтаңбадан кейін форма өрістері толтырылған: {fields}",
        "после этой подписи заполнены поля формы: {fields}",
        "form fields were filled in after this signature: {fields}",
    ),
    "coverage.annotations": (
        "осы қолтаңбадан кейін аннотациялар қосылған",
        "после этой подписи добавлены аннотации",
        "annotations were added after this signature",
    ),
    "coverage.tail_bytes": (
        "файлдың соңғы нұсқасынан кейін ешбір қолтаңба қамтымайтын {count} байт бар",
        "после последней редакции файла есть {count} байт, не покрытых ни одной подписью",
        "{count} bytes after the file's last revision are covered by no signature",
    ),
    # -- revocation freshness ------------------------------------------------------------------
    "revocation.stale": (
        "қол қоюшы сертификатының кері қайтарылу мәліметтері қолтаңба уақытынан ({signed_at}) "
        "бұрын берілген; кейін берілген мәлімет қажет",
        "сведения об отзыве сертификата подписанта выпущены раньше времени подписи "
        "({signed_at}); нужны сведения, выпущенные после неё",
        "the revocation data for the signer's certificate was issued before the signature's "
        "time ({signed_at}); data issued after it is needed",
    ),
    # -- input limits (docs/VERIFY-POLICY.md, "Limits") ----------------------------------------
    "limit.file_size": (
        "файл тым үлкен: {size} байт, ең көбі {limit} байт қабылданады",
        "файл слишком большой: {size} байт, принимается не больше {limit} байт",
        "the file is too large: {size} bytes, at most {limit} bytes are accepted",
    ),
    "limit.signatures": (
        "файлда қолтаңба тым көп: {limit}-ден артық, ең көбі {limit} тексеріледі",
        "в файле слишком много подписей: больше {limit}, проверяется не больше {limit}",
        "the file holds too many signatures: more than {limit}, at most {limit} are checked",
    ),
    "limit.time": (
        "тексеру {seconds} секундтан асып кетті және тоқтатылды; файл тым күрделі",
        "проверка заняла больше {seconds} секунд и была остановлена; файл слишком сложный",
        "checking took longer than {seconds} seconds and was stopped; the file is too complex",
    ),
    "limit.nesting": (
        "деректер тым терең салынған: {depth} деңгейден асады (ең көбі {limit})",
        "данные вложены слишком глубоко: больше {depth} уровней (не больше {limit})",
        "the data is nested too deeply: more than {depth} levels (at most {limit})",
    ),
}

_ROLES: dict[str, tuple[str, str, str]] = {
    "consultant": ("заң консультанты", "юридический консультант", "consultant"),
    "officer": ("жауапты тұлға", "ответственное лицо", "officer"),
    "issuer": ("сертификат беруші", "выдавший сертификат", "issuer"),
    "chair": ("төраға", "председатель", "chair"),
}


def role_name(role: str | None, locale: str = "en") -> str:
    """A docflow role in ``locale``; an unknown one as given."""
    index = LOCALES.index(locale) if locale in LOCALES else 2
    row = _ROLES.get(role or "")
    return row[index] if row else (role or "—")


def message(key: str, locale: str = "en", **params: Any) -> str:
    """The text of ``key`` in ``locale`` (kk, ru, en), with ``params`` filled in."""
    index = LOCALES.index(locale) if locale in LOCALES else 2
    row = _CATALOGUE[key]
    shown = {
        name: role_name(str(value), locale) if name in ("role", "expected", "actual") else value
        for name, value in params.items()
    }
    return row[index].format(**shown)


def keys() -> frozenset[str]:
    return frozenset(_CATALOGUE)


@dataclass(frozen=True)
class Finding:
    """One finding of the policy, coverage or limit checks: a catalogue key and its values."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, locale: str = "en") -> str:
        return message(self.key, locale, **self.params)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "params": dict(self.params)}

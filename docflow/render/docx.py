"""DOCX rendering: docxtpl templates filled with *data only*, and the context builders that turn
a submission and its verdict into the variables documented in ``templates/README.md``.

Rendering is safe by construction (STYLE.md, known traps): Jinja autoescape is on, so ``<b>&``
stays text and the DOCX XML stays well-formed; undefined variables raise ``TemplateError`` naming
the variable; values are never parsed as template code, so ``{{ 7*7 }}`` or ``{%p if x %}`` in a
name renders literally.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
import segno
from docx.opc.exceptions import OpcError
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from docflow.errors import TemplateError

__all__ = [
    "Image",
    "certificate_context",
    "format_date",
    "qr_png",
    "render_docx",
    "report_context",
]

LOCALES = ("kk", "ru")

# Kazakh month names: nominative (dates "2026 жылғы «10» ақпан") and ablative (the A1 form's
# "… «__» _____ бастап", i.e. "since": "2019 жылғы «01» наурыздан бастап").
_KK_MONTHS = (
    "қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым",
    "шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан",
)  # fmt: skip
_KK_MONTHS_ABL = (
    "қаңтардан", "ақпаннан", "наурыздан", "сәуірден", "мамырдан", "маусымнан",
    "шілдеден", "тамыздан", "қыркүйектен", "қазаннан", "қарашадан", "желтоқсаннан",
)  # fmt: skip
_RU_MONTHS_GEN = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip

#: What an unfilled date looks like on the form (A1: "20__ жылғы «__» _____").
BLANK_DATE = {"kk": "20__ жылғы «__» ________", "ru": "«__» ________ 20__ г."}
BLANK_NAME = "______________________________"


@dataclass(frozen=True)
class Image:
    """A picture to place where a template variable stands (e.g. the certificate's QR code).

    Context builders stay plain data; ``render_docx`` turns this into a docxtpl InlineImage.
    """

    png: bytes
    width_mm: float


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise TemplateError(f"not a date: {value!r}")


def format_date(value: Any, locale: str, *, since: bool = False) -> str:
    """A date as the official forms write it; ``since`` gives the Kazakh ablative month."""
    d = _as_date(value)
    if locale == "kk":
        months = _KK_MONTHS_ABL if since else _KK_MONTHS
        return f"{d.year} жылғы «{d.day:02d}» {months[d.month - 1]}"
    if locale == "ru":
        return f"«{d.day:02d}» {_RU_MONTHS_GEN[d.month - 1]} {d.year} г."
    raise TemplateError(f"unknown locale {locale!r} (expected one of {', '.join(LOCALES)})")


def _check_locale(locale: str) -> None:
    if locale not in LOCALES:
        raise TemplateError(f"unknown locale {locale!r} (expected one of {', '.join(LOCALES)})")


class _Environment(jinja2.Environment):
    """The one Jinja environment of the templates, compiling each template source once.

    autoescape=True: a value's "<" or "&" becomes an XML entity instead of breaking the part;
    StrictUndefined: a template asking for a variable nobody gives fails loudly.

    docxtpl compiles the same template XML again for every document (``from_string``: ~6 ms for
    the A1 body, ~10 ms with the footer and the core properties). The compiled templates are
    cached by their source text, which holds only the template (the data comes in at
    ``render``), so an edited template is simply a new key and no value is ever compiled.
    """

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=jinja2.StrictUndefined)
        self._compiled = functools.lru_cache(maxsize=64)(super().from_string)

    def from_string(
        self,
        source: str | jinja2.nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[jinja2.Template] | None = None,
    ) -> jinja2.Template:
        if isinstance(source, str) and globals is None and template_class is None:
            return self._compiled(source)
        return super().from_string(source, globals, template_class)


_ENVIRONMENT = _Environment()


class _Template(DocxTemplate):
    """docxtpl's template whose clean-up of the template XML into Jinja source (``patch_xml``,
    ~6 ms for the A1 body) is done once per template part instead of once per document."""

    def patch_xml(self, src_xml: str) -> str:
        return _patch_xml(src_xml)


@functools.lru_cache(maxsize=64)
def _patch_xml(src_xml: str) -> str:
    # A pure function of the template part's text: docxtpl's patch_xml reads nothing of the
    # template object, and no data is in the XML yet.
    return str(DocxTemplate.patch_xml(_PATCHER, src_xml))


_PATCHER = DocxTemplate(io.BytesIO())  # never opened: only lends patch_xml a ``self``


def _materialise(value: Any, tpl: DocxTemplate) -> Any:
    if isinstance(value, Image):
        return InlineImage(tpl, io.BytesIO(value.png), width=Mm(value.width_mm))
    if isinstance(value, Mapping):
        return {k: _materialise(v, tpl) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_materialise(v, tpl) for v in value]
    return value


_UNDEFINED = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


def render_docx(template: Path, context: Mapping[str, Any]) -> bytes:
    """Fill ``template`` (a docxtpl DOCX) with ``context`` and return the DOCX bytes.

    Raises ``TemplateError`` when the template is missing or broken, or asks for a variable the
    context does not hold (the message names it).
    """
    try:
        tpl = _Template(str(template))
        # autoescape=True makes docxtpl set it on the shared environment again: the same value.
        tpl.render(_materialise(dict(context), tpl), jinja_env=_ENVIRONMENT, autoescape=True)
    except jinja2.UndefinedError as exc:
        match = _UNDEFINED.search(str(exc))
        name = next((g for g in match.groups() if g), str(exc)) if match else str(exc)
        raise TemplateError(f"{template.name}: undefined template variable {name!r}") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{template.name}: template syntax error: {exc}") from exc
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, OpcError) as exc:
        raise TemplateError(f"{template.name}: cannot render: {exc}") from exc
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- context builders


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> str:
    # 8.0 hours prints as "8"; 7.5 stays "7.5".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


def report_context(
    submission: Mapping[str, Any],
    verdict: Mapping[str, Any],
    *,
    locale: str,
    attachments: Sequence[Any],
    officer: Mapping[str, Any] | None = None,
    officer_comment: str | None = None,
    filled_on: date | None = None,
) -> dict[str, Any]:
    """Variables of ``appendix1_<locale>.docx`` (the A1 form).

    ``submission``: the parsed submission mapping of CONTRACT.md; ``verdict``: the ``check --json``
    mapping (each activity with ``form_name: {"kk", "ru"}`` and ``points``); ``attachments``:
    what the PDF embeds (R-7.6), anything with a ``name`` attribute or key, listed in order;
    ``officer``: ``{"full_name": ..., "date": ...}`` once known (blank lines otherwise);
    ``officer_comment``: the comment section appears only when this is non-empty (A1);
    ``filled_on``: the date of filling, default ``submission["submitted_on"]``.
    """
    _check_locale(locale)
    consultant = submission["consultant"]
    activities = []
    for position, act in enumerate(verdict["activities"], start=1):
        names = act.get("form_name") or {}
        form = act.get("form")
        activities.append(
            {
                "no": position,
                "form": form,
                "form_name": _text(names.get(locale) or form),
                "title": _text(act.get("title")),
                "organizer": _text(act.get("organizer")),
                "points": int(act.get("points", 0)),
                "counted": bool(act.get("counted", True)),
            }
        )
    filled = filled_on or submission.get("submitted_on")
    officer_name = _text((officer or {}).get("full_name")) or BLANK_NAME
    officer_date = (officer or {}).get("date")
    names = []
    for number, att in enumerate(attachments, start=1):
        name = att["name"] if isinstance(att, Mapping) else att.name
        names.append({"no": number, "name": _text(name)})
    return {
        "locale": locale,
        "year": int(submission["year"]),
        "full_name": _text(consultant["full_name"]),
        "chamber": _text(consultant["chamber"]),
        "member_since": format_date(consultant["member_since"], locale, since=True),
        "activities": activities,
        "total_points": int(verdict["total_points"]),
        "filled_on": format_date(filled, locale) if filled else BLANK_DATE[locale],
        "officer_name": officer_name,
        "officer_date": format_date(officer_date, locale) if officer_date else BLANK_DATE[locale],
        "officer_comment": _text(officer_comment).strip(),
        "attachments": names,
    }


def qr_png(data: str) -> bytes:
    """A QR code (error correction M) as PNG bytes, large enough to print at 30 mm."""
    out = io.BytesIO()
    segno.make(data, error="m", micro=False).save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def certificate_context(
    certificates: Mapping[str, Any],
    participant: Mapping[str, Any],
    *,
    serial: str,
    verify_url: str,
    form_name: Mapping[str, str],
    points: int,
    issued_on: date,
    locale: str | None = None,
) -> dict[str, Any]:
    """Variables of ``certificate_<locale>.docx``.

    ``certificates``: the parsed ``event-certificates`` mapping of CONTRACT.md (``event``,
    ``issuer``, ``locale``); ``participant``: one of its participants; ``form_name``/``points``:
    the event's Appendix 2 row as in force (from ``docflow.rules``); ``verify_url``:
    ``<base_url>/v/<serial>``, also encoded in the QR code.
    """
    locale = locale or str(certificates.get("locale", "kk"))
    _check_locale(locale)
    event = certificates["event"]
    issuer = certificates["issuer"]
    return {
        "locale": locale,
        "serial": _text(serial),
        "participant": _text(participant["full_name"]),
        "event_title": _text(event["title"]),
        "organizer": _text(event["organizer"]),
        "event_date": format_date(event["date"], locale),
        "hours": _number(event.get("hours")),
        "place": _text(event.get("place")) or "—",
        "form": _text(event.get("form")),
        "form_name": _text(form_name.get(locale)),
        "points": int(points),
        "issuer_name": _text(issuer["full_name"]),
        "issuer_position": _text(issuer.get("position")),
        "issuer_chamber": _text(issuer.get("chamber")),
        "issued_on": format_date(issued_on, locale),
        "verify_url": verify_url,
        "qr": Image(qr_png(verify_url), 30),
    }

"""The visible signature stamp: text in the document's language, in an embedded subset font.

The prepared font subset (``docflow/fonts/NotoSans-Stamp.ttf``) and the stamp style are built
once per process; pyHanko then subsets the few glyphs a stamp uses.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "NotoSans-Stamp.ttf"
#: Kazakhstan keeps one time zone, UTC+5, since 1 March 2024.
KZ_TIME = timezone(timedelta(hours=5), "UTC+5")

_ROLE_NAMES = {
    "kk": {
        "consultant": "заң консультанты",
        "officer": "палатаның уәкілетті қызметкері",
        "issuer": "сертификатты беруші",
        "chair": "төраға",
    },
    "ru": {
        "consultant": "юридический консультант",
        "officer": "уполномоченный сотрудник палаты",
        "issuer": "выдавший сертификат",
        "chair": "председатель",
    },
}
_LABELS = {
    "kk": ("Электрондық цифрлық қолтаңба", "Қол қойған", "Рөлі", "Уақыты"),
    "ru": ("Электронная цифровая подпись", "Подписал", "Роль", "Время"),
}


def role_name(role: str | None, locale: str) -> str:
    names = _ROLE_NAMES.get(locale, _ROLE_NAMES["ru"])
    return names.get(role or "", role or "—")


def stamp_lines(*, name: str, role: str | None, when: datetime, locale: str) -> dict[str, str]:
    """The stamp's text parameters (``title``, ``signer``, ``role``, ``when``)."""
    title, who, as_, at = _LABELS.get(locale, _LABELS["ru"])
    local = when.astimezone(KZ_TIME)
    return {
        "title": title,
        "signer": f"{who}: {name}",
        "role": f"{as_}: {role_name(role, locale)}",
        "when": f"{at}: {local:%Y-%m-%d %H:%M} (UTC+5)",
    }


@lru_cache(maxsize=1)
def stamp_style() -> TextStampStyle:
    """The one stamp style of docflow (cached: the font factory is reused by every stamp)."""
    font = GlyphAccumulatorFactory(str(FONT_PATH), font_size=9)
    return TextStampStyle(
        stamp_text="%(title)s\n%(signer)s\n%(role)s\n%(when)s",
        text_box_style=TextBoxStyle(font=font, font_size=9, leading=12),
        border_width=1,
        background=None,
    )

"""The visible signature stamp: text in the document's language, in an embedded subset font.

The prepared font (``docflow/fonts/NotoSans-Stamp.ttf``) and the stamp style are built once
per process. Each stamp embeds a subset of it: the stamp alphabet (Basic Latin, Russian and
Kazakh Cyrillic, ``№``, quotes and dashes) plus any other glyph that stamp uses. That subset is
computed once per distinct glyph set and reused, instead of pyHanko re-subsetting the font
(fontTools compiling every glyph again) for every stamp: ~25 ms of CPU per signature.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from fontTools import subset, ttLib
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "NotoSans-Stamp.ttf"
#: Kazakhstan keeps one time zone, UTC+5, since 1 March 2024.
KZ_TIME = timezone(timedelta(hours=5), "UTC+5")

_ROLE_NAMES = {
    "kk": {
        "consultant": "заң консультанты",
        "officer": "палатаның жауапты адамы",  # the A1 form's "жауапты адамы"
        "issuer": "сертификатты беруші",
        "chair": "төраға",
        "presidium_member": "жауапты Президиум мүшесі",
        "coordinator": "аппарат үйлестірушісі",
    },
    "ru": {
        "consultant": "юридический консультант",
        "officer": "ответственное лицо палаты",
        "issuer": "выдавший сертификат",
        "chair": "председатель",
        "presidium_member": "ответственный член Президиума",
        "coordinator": "координатор аппарата",
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


#: Glyphs every subset carries, so that stamps of different people share one subset.
STAMP_ALPHABET = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    + "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
    + "№«»–—’"
)


@lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    return FONT_PATH.read_bytes()


@lru_cache(maxsize=1)
def _alphabet_gids() -> frozenset[int]:
    tt = ttLib.TTFont(BytesIO(_font_bytes()))
    cmap = tt.getBestCmap()
    return frozenset(tt.getGlyphID(cmap[ord(ch)]) for ch in STAMP_ALPHABET if ord(ch) in cmap)


_subset_lock = threading.Lock()


@lru_cache(maxsize=64)
def _subset_program(gids: frozenset[int]) -> bytes:
    """The Flate-compressed TrueType program holding ``gids`` (GIDs kept, as pyHanko does)."""
    tt = ttLib.TTFont(BytesIO(_font_bytes()))
    options = subset.Options(layout_closure=False)
    options.drop_tables += ["GPOS", "GDEF", "GSUB"]
    options.retain_gids = True
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(gids=sorted(gids))
    subsetter.subset(tt)
    out = BytesIO()
    tt.save(out)
    return zlib.compress(out.getvalue())


def subset_program(gids: frozenset[int]) -> bytes:
    with _subset_lock:  # fontTools objects are not shared, but one subset per set is enough
        return _subset_program(gids)


class _StampFont(GlyphAccumulator):
    """pyHanko's glyph accumulator, embedding a cached subset instead of subsetting anew."""

    # A private pyHanko hook: listed in docflow/render/_pyhanko_compat.py, checked by a test.
    def _extract_subset(self, options: Any = None) -> None:
        gids = frozenset(self._glyphs) | _alphabet_gids()
        program = subset_program(gids)

        def set_font_file(writer: Any) -> generic.IndirectObject:
            stream = generic.StreamObject(
                {generic.pdf_name("/Filter"): generic.pdf_name("/FlateDecode")},
                encoded_data=program,
            )
            ref: generic.IndirectObject = writer.add_object(stream)
            self.cidfont_obj._font_descriptor[generic.pdf_name("/FontFile2")] = ref
            return ref

        self.cidfont_obj.set_font_file = set_font_file  # type: ignore[method-assign]


@dataclass(frozen=True)
class _StampFontFactory(FontEngineFactory):
    font_size: int = 9

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return _StampFont(
            writer=writer,
            font_handle=BytesIO(_font_bytes()),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )


@lru_cache(maxsize=1)
def stamp_style() -> TextStampStyle:
    """The one stamp style of docflow (cached: the font factory is reused by every stamp)."""
    font = _StampFontFactory(font_size=9)
    return TextStampStyle(
        stamp_text="%(title)s\n%(signer)s\n%(role)s\n%(when)s",
        text_box_style=TextBoxStyle(font=font, font_size=9, leading=12),
        border_width=1,
        background=None,
    )

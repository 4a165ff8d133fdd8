"""How two spellings of a name are judged the same: one pure folding function.

A chamber's name or a person's name arrives typed by people on different keyboards: Kazakh
letters replaced by their Russian look-alikes (``Қарағанды`` / ``Карaганды``), Latin letters
that look Cyrillic, ``ё`` for ``е``, quotes of any kind, punctuation and runs of spaces.
``fold_name`` maps all of those to one key, so two spellings match when their keys are equal.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold_name", "same_name"]

# Kazakh letters → the Russian letter people type in their place on a Russian keyboard.
_KAZAKH = str.maketrans(
    {"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и"}
)
# Latin letters that look like Cyrillic ones once upper case is folded (A/А, B/В, H/Н …).
_LATIN_LOOKALIKES = str.maketrans(
    {
        "a": "а",
        "b": "в",
        "c": "с",
        "e": "е",
        "h": "н",
        "k": "к",
        "m": "м",
        "o": "о",
        "p": "р",
        "t": "т",
        "x": "х",
        "y": "у",
        "i": "и",
    }
)
_QUOTES = "«»\"'`„“”‘’‹›"
_PUNCTUATION = re.compile(r"[\s.,;:()\[\]/\\\-‐-―_]+")


def fold_name(text: str) -> str:
    """The comparison key of a name: case, ё/е, Kazakh and Latin look-alikes, quotes,
    punctuation and spacing ignored. ``fold_name("«Қарағанды»  ОБЛЫСЫ") == "караганды обл…"``."""
    value = unicodedata.normalize("NFKC", text).casefold()
    value = value.replace("ё", "е")
    value = value.translate(_KAZAKH).translate(_LATIN_LOOKALIKES)
    value = "".join(ch for ch in value if ch not in _QUOTES)
    return " ".join(_PUNCTUATION.sub(" ", value).split())


def same_name(a: str, b: str) -> bool:
    """Whether two spellings are the same name (see :func:`fold_name`)."""
    return fold_name(a) == fold_name(b)

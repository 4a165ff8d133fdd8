"""What a person reads about an inbox file docflow did not process (``NAME.error.txt``), in
Kazakh and Russian (the file's language is unknown: it was not read), English third.

No text here ever quotes a file's content: a stray entry is never opened, and an internal
error is named by its type only (its message could quote what was read).
"""

from __future__ import annotations

from docflow.i18n import message

__all__ = ["LANGUAGES", "empty_text", "internal_error_text", "stray_text"]

#: The chambers' languages first, English third.
LANGUAGES = ("kk", "ru", "en")


def _text(key: str, fix: str, **params: str) -> str:
    sections = [
        "\n".join([message(key, lang, **params), "", message(fix, lang), ""]) for lang in LANGUAGES
    ]
    return "\n".join(sections)


def stray_text(source: str, what: str) -> str:
    """A symlink, FIFO, device, socket or folder dropped in the inbox (``what`` names it)."""
    return _text("inbox.stray", "inbox.stray_fix", source=source, what=what)


def empty_text(source: str) -> str:
    return _text("inbox.empty", "inbox.empty_fix", source=source)


def internal_error_text(source: str, error_type: str) -> str:
    return _text("inbox.internal", "inbox.internal_fix", source=source, error=error_type)

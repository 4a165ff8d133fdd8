"""What a person reads about a rejected submission, in their language (docflow.i18n).

``rejection_text`` is the ``NAME.error.txt`` written beside a file moved to ``inbox/rejected/``;
``not_enrolled_text`` explains a report that waits for the consultant's signing key, which is
no mistake of the consultant's and so never asks them to correct the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from docflow.errors import Problem
from docflow.i18n import field_label, message

__all__ = ["locale_of", "not_enrolled_text", "problem_text", "rejection_text"]

#: Languages of a text for a file whose own language is unknown (it could not be read).
_BOTH = ("kk", "ru")


def problem_text(problem: Problem, locale: str) -> tuple[str, str | None]:
    """The problem's message and what would be right, in ``locale``."""
    if problem.key is None:
        return problem.message, problem.expected
    text = message(problem.key, locale, **problem.params)
    expected = message(problem.hint, locale, **problem.params) if problem.hint else None
    return text, expected


def locale_of(data: object) -> str | None:
    """The ``locale`` a submission asks for, if it could be read that far."""
    if isinstance(data, dict) and data.get("locale") in ("kk", "ru"):
        return str(data["locale"])
    return None


def _languages(locale: str | None) -> Sequence[str]:
    return (locale,) if locale else _BOTH


def rejection_text(source: str, problems: Iterable[Problem], locale: str | None) -> str:
    """``NAME.error.txt``: every problem (field as a person sees it, what is wrong, what would be
    right) and what to do. In the submission's language; in Kazakh and Russian when the file
    could not be read far enough to know it."""
    problems = list(problems)
    sections = []
    for lang in _languages(locale):
        lines = [
            message("rejection.title", lang, source=source),
            "",
            message("rejection.intro", lang),
        ]
        for p in problems:
            text, expected = problem_text(p, lang)
            lines.append(
                message(
                    "rejection.item_expected" if expected else "rejection.item",
                    lang,
                    field=field_label(p.field, lang),
                    message=text,
                    expected=expected or "",
                )
            )
        lines += ["", message("rejection.fix", lang), ""]
        sections.append("\n".join(lines))
    return "\n".join(sections)


def not_enrolled_text(source: str, *, full_name: str, iin: str, locale: str | None) -> str:
    """Why a correct report waits: the consultant has no signing key yet ("enroll first").
    The file is fine, so the text does not tell the consultant to correct it."""
    sections = []
    for lang in _languages(locale):
        sections.append(
            "\n".join(
                [
                    message("rejection.not_enrolled", lang, source=source, name=full_name, iin=iin),
                    "",
                    message("rejection.not_enrolled_fix", lang),
                    "",
                ]
            )
        )
    return "\n".join(sections)

"""Template contexts for the summaries' documents (variables in ``templates/SUMMARIES.md``):
pure functions from a summary or a sanction case to the data a DOCX template is filled with."""

from __future__ import annotations

from datetime import date
from typing import Any

from docflow.render.docx import Image, format_date
from docflow.rules.appendix2 import table_for_year
from docflow.summaries.chamber import FORM_KEYS, ChamberSummary, MemberLine, filing_deadline
from docflow.summaries.collegium import CollegiumSummary
from docflow.summaries.labels import label
from docflow.summaries.sanctions import SanctionCase

__all__ = [
    "COLLEGIUM_NAME",
    "chamber_context",
    "collegium_context",
    "notice_number",
    "reminder_context",
    "suspension_context",
    "warning_context",
]

COLLEGIUM_NAME = {
    "kk": "Республикалық заң консультанттары алқасы",
    "ru": "Республиканская коллегия юридических консультантов",
}
_IIN_LABEL = {"kk": "ЖСН", "ru": "ИИН"}


def short_date(day: date) -> str:
    """``15.02.2026``: reads the same inside a Kazakh or a Russian sentence."""
    return day.strftime("%d.%m.%Y")


def _form_name(year: int, form: str, locale: str) -> str:
    version = table_for_year(year)
    return version.form_name(int(form) if form.isdigit() else form)[locale]


def _warnings_text(notes: Any, locale: str) -> list[str]:
    # The notes are English (logs, JSON); the document states them in its own language.
    out = []
    for note in notes:
        if note.clause == "R-4.7":
            out.append(
                "Жиынтық есеп 1 наурыздан кейін жасалды (Қағидалардың 4.7-тармағы)."
                if locale == "kk"
                else "Сводный отчёт составлен после 1 марта (пункт 4.7 Правил)."
            )
        elif note.clause == "R-3.2d":
            out.append(
                "Алдын ала: есеп тапсыру мерзімі әлі өтпеген (Қағидалардың 3.2-тармағы)."
                if locale == "kk"
                else "Предварительный: срок представления отчётов ещё не истёк (пункт 3.2 Правил)."
            )
        else:
            out.append(
                f"Тізілімде жоқ ЖСН-дерден түскен есептер: {note.message.split(': ', 1)[-1]}."
                if locale == "kk"
                else f"Отчёты от ИИН, отсутствующих в реестре: {note.message.split(': ', 1)[-1]}."
            )
    return out


def chamber_context(
    summary: ChamberSummary, *, locale: str, head_name: str, produced_on: date
) -> dict[str, Any]:
    deficient = [
        {
            "no": i,
            "full_name": m.full_name,
            "iin": m.iin,
            "state": label(m.state, locale),
            "points": "—" if m.total_points is None else m.total_points,
        }
        for i, m in enumerate(summary.deficient, start=1)
    ]
    forms = [
        {
            "no": form if form != "other" else "—",
            "name": _form_name(summary.year, form, locale),
            "participants": summary.participants_by_form.get(form, 0),
            "points": summary.points_by_form.get(form, 0),
        }
        for form in FORM_KEYS
    ]
    return {
        "chamber": summary.chamber,
        "year": summary.year,
        "produced_on": format_date(produced_on, locale),
        "deadline": short_date(summary.deadline),
        "collegium_due": short_date(summary.collegium_due),
        "required_points": summary.required_points,
        "c": summary.counts(),
        "forms": forms,
        "deficient": deficient,
        "warnings": _warnings_text(summary.notes, locale),
        "head_name": head_name,
        "footer": f"{summary.chamber}, {summary.year}",
    }


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def collegium_context(
    summary: CollegiumSummary,
    charts: dict[str, bytes],
    *,
    locale: str,
    head_name: str,
    produced_on: date,
) -> dict[str, Any]:
    year = summary.year
    previous = year - 1 if year - 1 in summary.years else None

    def row(r: Any, name: str) -> dict[str, Any]:
        return {
            "chamber": name,
            "reports": r.reports,
            "compliant": r.compliant,
            "below_norm": r.below_norm,
            "exempt": r.exempt,
            "returned": r.returned,
            "late": r.late,
            "points": r.total_points,
        }

    forms = []
    for form in FORM_KEYS:
        now = summary.form_year(form, year)
        change = "—"
        if previous is not None:
            before = summary.form_year(form, previous)
            delta = now.participants - before.participants
            change = f"{before.participants} → {now.participants} ({delta:+d})"
        forms.append(
            {
                "no": form if form != "other" else "—",
                "name": _form_name(year, form, locale),
                "participants": now.participants,
                "share": _pct(now.share),
                "points": now.points,
                "per_participant": f"{now.points_per_participant:.1f}".replace(".", ","),
                "change": change,
            }
        )
    if previous is None:
        prev_label = "—"
    else:
        prev_label = (
            f"{previous} жылмен салыстыру" if locale == "kk" else f"Сравнение с {previous} г."
        )
    years_text = ", ".join(str(y) for y in summary.years)
    width = 160.0
    return {
        "year": year,
        "years_text": years_text,
        "produced_on": format_date(produced_on, locale),
        "chambers": [row(summary.chamber_year(c, year), c) for c in summary.chambers],
        "t": row(summary.totals(year), ""),
        "forms": forms,
        "prev_label": prev_label,
        "chart_participation": Image(charts["participation"], width),
        "chart_points": Image(charts["points"], width),
        "chart_compliance": Image(charts["compliance"], width),
        "head_name": head_name,
        "footer": f"{COLLEGIUM_NAME[locale]}, {year}",
    }


def notice_number(case: SanctionCase, kind: str) -> str:
    """A notice's number: year, kind letter and the member's IIN (one notice of a kind per
    member and year, so the number is stable across reruns)."""
    letter = {"warning": "W", "suspension": "S"}[kind]
    return f"{case.year}-{letter}-{case.iin}"


def _reason(case: SanctionCase, points: int | None, required: int, locale: str) -> str:
    return label(f"reason_{case.reason}", locale).format(
        points=points or 0, required=required, deadline=short_date(filing_deadline(case.year))
    )


def warning_context(
    case: SanctionCase,
    points: int | None,
    *,
    locale: str,
    head_name: str,
    required_points: int,
) -> dict[str, Any]:
    return {
        "chamber": case.chamber,
        "number": notice_number(case, "warning"),
        "issued_on": format_date(case.warned_on, locale),
        "full_name": case.full_name,
        "iin": case.iin,
        "iin_label": _IIN_LABEL[locale],
        "year": case.year,
        "required_points": required_points,
        "reason": _reason(case, points, required_points, locale),
        "period": short_date(case.due_on),
        "head_name": head_name,
    }


def suspension_context(
    case: SanctionCase, *, locale: str, head_name: str, issued_on: date
) -> dict[str, Any]:
    assert case.suspended_from is not None and case.suspended_to is not None
    return {
        "chamber": case.chamber,
        "number": notice_number(case, "suspension"),
        "issued_on": format_date(issued_on, locale),
        "full_name": case.full_name,
        "iin": case.iin,
        "iin_label": _IIN_LABEL[locale],
        "year": case.year,
        "warning_no": notice_number(case, "warning"),
        "warned_on": short_date(case.warned_on),
        "due_on": short_date(case.due_on),
        "period": f"{short_date(case.suspended_from)} — {short_date(case.suspended_to)}",
        "head_name": head_name,
    }


def reminder_context(
    line: MemberLine, *, chamber: str, year: int, today: date, locale: str, head_name: str
) -> dict[str, Any]:
    if line.state == "returned":
        state = (
            "ескертулермен қайтарылған және әлі түзетілмеген"
            if locale == "kk"
            else "возвращён с замечаниями и ещё не исправлен"
        )
    else:
        state = "әлі тіркелмеген" if locale == "kk" else "ещё не зарегистрирован"
    return {
        "chamber": chamber,
        "number": f"{year}-R-{line.iin}",
        "issued_on": format_date(today, locale),
        "full_name": line.full_name,
        "iin": line.iin,
        "iin_label": _IIN_LABEL[locale],
        "year": year,
        "today": short_date(today),
        "state_text": state,
        "period": short_date(filing_deadline(year)),
        "head_name": head_name,
    }

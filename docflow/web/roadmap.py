"""``/roadmap``: where each direction of the Bar's roadmap stands (RULES.md Part M) — stage,
next deadline (overdue in red), the collegia's support "k of N (need M)" and the quarterly
indicators as a chart. Public, read-only: the seed publishes the quarterly reports
("коллегияның ресми сайтында ... есептер жарияланады"). Kazakh, Russian, English third."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from docflow.archive import Archive
from docflow.config import Clock

if TYPE_CHECKING:
    from docflow.web.context import WebContext

__all__ = ["TEXT", "install", "roadmap_rows"]

TEXT: dict[str, dict[str, str]] = {
    "kk": {
        "title": "Жол картасы",
        "direction": "Бағыт",
        "stage": "Кезең",
        "deadline": "Келесі мерзім",
        "overdue": "мерзімі өтті",
        "support": "Аумақтық алқалардың қолдауы",
        "owners": "Жауаптылар",
        "indicators": "Тоқсандық көрсеткіштер",
        "no_reports": "тоқсандық есептер әлі жоқ",
        "completion": "Аяқтау мерзімі",
        "extensible": "ұзартылуы мүмкін",
        "late": "кешікті",
    },
    "ru": {
        "title": "Дорожная карта",
        "direction": "Направление",
        "stage": "Этап",
        "deadline": "Ближайший срок",
        "overdue": "просрочено",
        "support": "Поддержка территориальных коллегий",
        "owners": "Ответственные",
        "indicators": "Квартальные показатели",
        "no_reports": "квартальных отчётов пока нет",
        "completion": "Срок завершения",
        "extensible": "может быть продлён",
        "late": "с опозданием",
    },
    "en": {
        "title": "Roadmap",
        "direction": "Direction",
        "stage": "Stage",
        "deadline": "Next deadline",
        "overdue": "overdue",
        "support": "Support of the territorial collegia",
        "owners": "Responsible",
        "indicators": "Quarterly indicators",
        "no_reports": "no quarterly reports yet",
        "completion": "Completion",
        "extensible": "extensible",
        "late": "late",
    },
}


def roadmap_rows(ctx: WebContext, locale: str) -> list[dict[str, Any]]:
    """One row per direction, in the reader's language, with its chart as a data URI."""
    from docflow.roadmap.charts import indicators_chart
    from docflow.roadmap.status import DEADLINE_NAMES, STAGE_NAMES, roadmap_status

    today = Clock.from_env().today()
    with Archive(ctx.home) as archive:
        statuses = roadmap_status(archive, ctx.home, today=today)
    rows = []
    for s in statuses:
        d = s.direction
        chart = None
        if s.quarters:
            png = indicators_chart(s, locale)
            chart = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        rows.append(
            {
                "id": d.id,
                "title": d.name(locale),
                "stage": STAGE_NAMES[s.stage][locale],
                "deadline_what": DEADLINE_NAMES[s.deadline_kind][locale],
                "deadline": s.deadline.isoformat(),
                "overdue": s.overdue,
                "support": s.support.text(locale) if s.support else None,
                "confirmed": bool(s.support and s.support.confirmed),
                "owners": f"{d.responsible.full_name}; {d.coordinator.full_name}",
                "completion": d.completion_by.isoformat(),
                "extensible": d.extensible,
                "quarters": [
                    {
                        "label": q.label,
                        "readiness": q.readiness,
                        "consultations": q.consultations,
                        "agreed": f"{q.agreed_share:g} %",
                        "late": q.late,
                    }
                    for q in s.quarters
                ],
                "chart": chart,
            }
        )
    return rows


def install(app: FastAPI, ctx: WebContext) -> None:
    @app.get("/roadmap")
    async def roadmap_page(request: Request) -> Response:
        locale = ctx.locale(request)
        words = TEXT.get(locale, TEXT["ru"])
        rows = await run_in_threadpool(roadmap_rows, ctx, locale if locale in TEXT else "ru")
        return ctx.render(request, "roadmap.html", words=words, rows=rows)

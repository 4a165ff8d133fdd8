"""Kazakh and Russian wording used inside summaries, notices and charts (document text is
kk/ru; code and logs stay English)."""

from __future__ import annotations

__all__ = ["label"]

_LABELS: dict[str, dict[str, str]] = {
    # grounds
    "maternity_leave": {
        "kk": "жүктілігі және босануы бойынша демалыс",
        "ru": "отпуск по беременности и родам",
    },
    "childcare_leave": {"kk": "бала күтімі бойынша демалыс", "ru": "отпуск по уходу за ребёнком"},
    "suspended": {"kk": "қызметі тоқтатыла тұрған", "ru": "приостановление деятельности"},
    "on_leave": {"kk": "демалыс (тізілім бойынша)", "ru": "отпуск (по реестру членов)"},
    # member states
    "compliant": {"kk": "норма орындалды", "ru": "норма выполнена"},
    "below_norm": {"kk": "нормадан төмен", "ru": "ниже нормы"},
    "not_filed": {"kk": "есеп тапсырылмаған", "ru": "отчёт не представлен"},
    "returned": {
        "kk": "ескертулермен қайтарылған, түзетілмеген",
        "ru": "возвращён с замечаниями, не исправлен",
    },
    "exempt": {"kk": "босатылған", "ru": "освобождён"},
    "not_subject": {"kk": "міндет туындамаған", "ru": "обязанность не возникла"},
    # sanction reasons as notice text
    "reason_below_norm": {
        "kk": "есепте {points} балл көрсетілген, белгіленген норма — {required} балл",
        "ru": "в отчёте указано {points} балл(ов) при установленной норме {required} баллов",
    },
    "reason_not_filed": {
        "kk": "{deadline} дейін есеп тапсырылмаған (Қағидалардың 3.2-тармағы)",
        "ru": "отчёт не представлен до {deadline} (пункт 3.2 Правил)",
    },
    "reason_returned": {
        "kk": "ескертулермен қайтарылған есеп түзетілмеген (Қағидалардың 3.2-тармағы)",
        "ru": "возвращённый с замечаниями отчёт не исправлен (пункт 3.2 Правил)",
    },
    # charts
    "other_short": {"kk": "басқа", "ru": "иное"},
    "chart_form_axis": {
        "kk": "2-қосымшадағы нысан (жол №)",
        "ru": "Форма по Приложению 2 (№ строки)",
    },
    "chart_participants_axis": {"kk": "Қатысушылар саны", "ru": "Число участников"},
    "chart_participation_title": {
        "kk": "Біліктілікті арттыру нысандарына қатысу, жылдар бойынша",
        "ru": "Участие по формам повышения квалификации, по годам",
    },
    "chart_points_axis": {"kk": "Балл саны", "ru": "Количество баллов"},
    "chart_points_title": {
        "kk": "{year} жыл: палаталар бойынша нысандар баллдары",
        "ru": "{year} год: баллы по формам в разрезе палат",
    },
    "chart_compliance_axis": {
        "kk": "Норманы орындаған есептердің үлесі, %",
        "ru": "Доля отчётов с выполненной нормой, %",
    },
    "chart_compliance_title": {
        "kk": "Норманы орындау, палаталар және жылдар бойынша",
        "ru": "Выполнение нормы по палатам и годам",
    },
    "yes": {"kk": "иә", "ru": "да"},
    "no": {"kk": "жоқ", "ru": "нет"},
}


def label(key: str, locale: str) -> str:
    """The ``locale`` (kk/ru) wording of ``key``; ``KeyError`` for an unknown key."""
    entry = _LABELS[key]
    return entry["ru"] if locale == "ru" else entry["kk"]

"""Generate the roadmap's DOCX templates (RULES.md Part M; kk and ru), one function per kind.

Kept apart from the packaged templates' builder (``tools/build_templates.py``, formerly
``templates/_build.py``): it needs only that builder's layout helpers, imported below from
whichever of the two is present. Run from the repository root::

    .venv/bin/python tools/build_roadmap_templates.py    # rewrites templates/roadmap_*.docx

Kazakh wording is the seed's (``shared/seeds/003_fab29c8f29222bff.txt``): "Президиумның
қарауына ... құжаттар топтамасы", "мақұлдау немесе қайта пысықтауға жіберу", "жұмыс тобының
құрамы", "күнтізбелік жоспар", "сыртқы кеңесулердің форматы", "ілеспе хаттама",
"ұсыныстардың дайындық мәртебесі, өткізілген консультациялар саны және келісілген позициялар
үлесі", "уәкілетті органдарда қаралған жобалардың үлесі". Russian is a faithful translation.
Signature boxes: bookmark ``Sig<Field>`` (``SigChair``, ``SigResponsible``, ``SigCoordinator``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from docx.table import Table

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "templates"
sys.path[:0] = [str(ROOT / "tools"), str(HERE)]

try:
    from build_templates import (  # type: ignore[import-not-found,unused-ignore]
        _base_document,
        _cell_para,
        _footer_page_number,
        _para,
        _row_flags,
        _set_widths,
        _signature_table,
    )
except ImportError:  # before the builder moved to tools/
    from _build import (  # type: ignore[import-not-found,no-redef,unused-ignore]
        _base_document,
        _cell_para,
        _footer_page_number,
        _para,
        _row_flags,
        _set_widths,
        _signature_table,
    )

from docflow.render._slim import save_slim  # noqa: E402

Doc = object
Builder = Callable[[str], Doc]

COMMON = {
    "kk": {
        "org": "РЕСПУБЛИКАЛЫҚ АДВОКАТТАР АЛҚАСЫ",
        "page": "Бет",
        "direction": "Бағыт",
        "goal": "Мақсат",
        "late": "{%p if late %}",
        "chair": "РАА Төрағасы",
        "responsible": "Жауапты Президиум мүшесі",
        "coordinator": "Аппарат үйлестірушісі",
        "rule": "Жол картасы: {{ rule_version }}",
    },
    "ru": {
        "org": "РЕСПУБЛИКАНСКАЯ КОЛЛЕГИЯ АДВОКАТОВ",
        "page": "Стр.",
        "direction": "Направление",
        "goal": "Цель",
        "late": "{%p if late %}",
        "chair": "Председатель РКА",
        "responsible": "Ответственный член Президиума",
        "coordinator": "Координатор аппарата",
        "rule": "Дорожная карта: {{ rule_version }}",
    },
}

WORDS = {
    "kk": {
        "package_no": "Топтама № {{ package_no }}, {{ submitted_text }}",
        "justification": "1. Бастаманың құқықтық негіздемесі",
        "concepts": "2. Жобалық тұжырымдамалар",
        "group": "3. Жұмыс тобының құрамы",
        "plan": "4. Күнтізбелік жоспар",
        "materials": "5. Дайындалатын материалдар тізімі",
        "materials_note": "Материалдар осы құжатқа PDF/A-3 тіркелген файлдар ретінде енгізілген.",
        "format": "6. Сыртқы кеңесулердің форматы",
        "group_cols": ["№", "Аты-жөні", "Лауазымы"],
        "plan_cols": ["Мерзімі", "Іс-шара"],
        "mat_cols": ["№", "Материал", "Файл"],
        "decision_no": "№ {{ decision_no }} шешім, {{ decided_text }}",
        "decided": "Президиум шешті: {{ outcome_text }}.",
        "approves": "Жұмыс тобының құрамы, күнтізбелік жоспар және жауаптылар бекітілсін:",
        "resp_line": "Жауапты Президиум мүшесі: {{ responsible.full_name }}; "
        "аппарат үйлестірушісі: {{ coordinator.full_name }}.",
        "file_due": "Ілеспе хаттама 10–15 жұмыс күні ішінде, {{ file_due_from }} – "
        "{{ file_due_to }} аралығында ашылсын (M-10-15).",
        "rework": "Қайта пысықтауға жіберу себептері:",
        "first_due": "Алғашқы қарау және шешім қабылдау мерзімі: {{ first_decision_text }}.",
        "late_first": "Шешім алғашқы шешім мерзімі өткеннен кейін қабылданды.",
        "letter_no": "№ {{ letter_no }} хат, {{ sent_text }}",
        "to": "{{ collegium_name }} төрағасына",
        "letter_body": "РАА Президиумы № {{ decision }} шешімімен «{{ direction_title }}» "
        "бастамасын мақұлдады. Сізден бастаманы алқаның конференциясында, президиум "
        "отырысында немесе адвокаттардың жалпы жиналысында қарауды және өз ұстанымыңызды "
        "{{ answer_text }} дейін ұсынуды сұраймын.",
        "letter_quorum": "Бастаманы қолдау кемінде аумақтық алқалардың үштен екісі "
        "төрағаларының қолы қойылған ресми шешімдермен расталады.",
        "support_no": "№ {{ decision_no }} шешім, {{ decided_text }}",
        "support_organ": "Шешімді қабылдаған орган: {{ organ_text }}.",
        "support_position": "{{ collegium_name }}: {{ position_text }}.",
        "reasons": "Негіздеме:",
        "collegium_chair": "Алқа төрағасы",
        "confirmed": "Бастаманы қолдау расталды: аумақтық алқалардың {{ total }} алқасының "
        "{{ supporting|length }} алқасы қолдады (кемінде {{ needed }} қажет), "
        "{{ confirmed_text }}.",
        "conf_cols": ["№", "Аумақтық алқа", "Шешім", "Алқа төрағасы", ""],
        "quarter": "{{ year }} жылғы {{ quarter }}-тоқсан (тоқсанның соңы: {{ quarter_end }})",
        "q_cols": ["Көрсеткіш", "Мәні"],
        "readiness": "Ұсыныстардың дайындық мәртебесі",
        "ready": "Дайын ұсыныстар",
        "consultations": "Өткізілген консультациялар саны",
        "agreed": "Келісілген позициялар үлесі",
        "documents": "Дайындалған құжаттар саны",
        "checkpoint": "Тоқсандық бақылау нүктесі",
        "checkpoint_met": "Бақылау нүктесіне жетті",
        "notes": "Ескертпе",
        "late_report": "Есеп тоқсан аяқталғаннан кейін ұсынылды (кешікті).",
        "submitted": "Ұсынылған күні: {{ submitted_text }}",
        "x_cols": ["Бағыт", "Дайындалған құжаттар", "Сыртқы кеңесулер",
                   "Келісілген позициялар", "Уәкілетті органдарда қаралған жобалар"],
        "x_share": "Уәкілетті органдарда қаралған жобалардың үлесі: {{ considered_share }}",
    },
    "ru": {
        "package_no": "Пакет № {{ package_no }}, {{ submitted_text }}",
        "justification": "1. Правовое обоснование инициативы",
        "concepts": "2. Проектные концепции",
        "group": "3. Состав рабочей группы",
        "plan": "4. Календарный план",
        "materials": "5. Перечень подготавливаемых материалов",
        "materials_note": "Материалы включены в этот документ как прикреплённые файлы PDF/A-3.",
        "format": "6. Формат внешних консультаций",
        "group_cols": ["№", "Ф. И. О.", "Должность"],
        "plan_cols": ["Срок", "Мероприятие"],
        "mat_cols": ["№", "Материал", "Файл"],
        "decision_no": "Решение № {{ decision_no }}, {{ decided_text }}",
        "decided": "Президиум решил: {{ outcome_text }}.",
        "approves": "Утвердить состав рабочей группы, календарный план и ответственных:",
        "resp_line": "Ответственный член Президиума: {{ responsible.full_name }}; "
        "координатор аппарата: {{ coordinator.full_name }}.",
        "file_due": "Открыть сопроводительное дело в течение 10–15 рабочих дней, "
        "в период с {{ file_due_from }} по {{ file_due_to }} (M-10-15).",
        "rework": "Причины направления на доработку:",
        "first_due": "Срок первого рассмотрения и решения: {{ first_decision_text }}.",
        "late_first": "Решение принято после срока первого решения.",
        "letter_no": "Письмо № {{ letter_no }}, {{ sent_text }}",
        "to": "Председателю: {{ collegium_name }}",
        "letter_body": "Президиум РКА решением № {{ decision }} одобрил инициативу "
        "«{{ direction_title }}». Прошу рассмотреть инициативу на конференции, заседании "
        "президиума или общем собрании адвокатов коллегии и представить вашу позицию до "
        "{{ answer_text }}.",
        "letter_quorum": "Поддержка инициативы подтверждается официальными решениями не менее "
        "двух третей территориальных коллегий, подписанными их председателями.",
        "support_no": "Решение № {{ decision_no }}, {{ decided_text }}",
        "support_organ": "Орган, принявший решение: {{ organ_text }}.",
        "support_position": "{{ collegium_name }}: {{ position_text }}.",
        "reasons": "Обоснование:",
        "collegium_chair": "Председатель коллегии",
        "confirmed": "Поддержка инициативы подтверждена: её поддержали {{ supporting|length }} "
        "из {{ total }} территориальных коллегий (нужно не менее {{ needed }}), "
        "{{ confirmed_text }}.",
        "conf_cols": ["№", "Территориальная коллегия", "Решение", "Председатель коллегии", ""],
        "quarter": "{{ quarter }} квартал {{ year }} года (конец квартала: {{ quarter_end }})",
        "q_cols": ["Показатель", "Значение"],
        "readiness": "Статус готовности предложений",
        "ready": "Готовые предложения",
        "consultations": "Количество проведённых консультаций",
        "agreed": "Доля согласованных позиций",
        "documents": "Количество подготовленных документов",
        "checkpoint": "Квартальная контрольная точка",
        "checkpoint_met": "Контрольная точка достигнута",
        "notes": "Примечание",
        "late_report": "Отчёт представлен после окончания квартала (с опозданием).",
        "submitted": "Дата представления: {{ submitted_text }}",
        "x_cols": ["Направление", "Подготовлено документов", "Внешние консультации",
                   "Согласовано позиций", "Рассмотрено уполномочен­ными органами"],
        "x_share": "Доля проектов, рассмотренных уполномоченными органами: {{ considered_share }}",
    },
}  # fmt: skip


def _head(doc: Doc, locale: str, *, direction: bool = True) -> None:
    c = COMMON[locale]
    _footer_page_number(doc, c["page"])
    _para(doc, c["org"], bold=True, size=11, align=WD_ALIGN_PARAGRAPH.CENTER, after=10)
    _para(doc, "{{ title }}", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, after=8)
    if direction:
        line = _para(doc, f"{c['direction']} {{{{ direction }}}}: ", after=4)
        line.add_run("{{ direction_title }}").bold = True


def _loop_table(
    doc: Doc,
    headers: Sequence[str],
    loop: str,
    cells: Sequence[str],
    widths: Sequence[float],
    *,
    header_size: float = 10,
) -> Table:
    """A header row and one row repeated by docxtpl (``{%tr for … %}``)."""
    table: Table = doc.add_table(rows=4, cols=len(headers))  # type: ignore[attr-defined]
    table.style = doc.styles["Table Grid"]  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, start, data, end = table.rows
    _row_flags(header, header=True)
    for cell, text in zip(header.cells, headers, strict=True):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_para(cell, text, bold=True, size=header_size, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell_para(start.cells[0], f"{{%tr for {loop} %}}")
    _cell_para(end.cells[0], "{%tr endfor %}")
    _row_flags(data)
    for cell, text in zip(data.cells, cells, strict=True):
        _cell_para(cell, text, size=10)
    _set_widths(table, list(widths))
    _para(doc, "", after=4)
    return table


def _group_table(doc: Doc, w: dict[str, Any]) -> Table:
    cells = ["{{ loop.index }}", "{{ m.full_name }}", "{{ m.position }}"]
    return _loop_table(doc, w["group_cols"], "m in working_group", cells, [10, 80, 75])


def _kv_table(doc: Doc, rows: Sequence[tuple[str, str]], headers: Sequence[str]) -> Table:
    table: Table = doc.add_table(rows=len(rows) + 1, cols=2)  # type: ignore[attr-defined]
    table.style = doc.styles["Table Grid"]  # type: ignore[attr-defined]
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell_para(cell, text, bold=True, size=10, align=WD_ALIGN_PARAGRAPH.CENTER)
    for row, (label, value) in zip(table.rows[1:], rows, strict=True):
        _row_flags(row)
        _cell_para(row.cells[0], label, size=11)
        _cell_para(row.cells[1], value, size=11, bold=True)
    _set_widths(table, [105, 60])
    _para(doc, "", after=4)
    return table


def _signer(doc: Doc, label: str, name: str, bookmark: str) -> None:
    _para(doc, label, bold=True, after=2, before=8, keep_next=True)
    _signature_table(doc, name, bookmark)


def build_package(locale: str) -> Doc:
    w, c = WORDS[locale], COMMON[locale]
    doc = _base_document()
    _head(doc, locale)
    _para(doc, w["package_no"], italic=True, after=4)
    _para(doc, f"{c['goal']}: {{{{ direction_goal }}}}", size=11, after=8)
    _para(doc, w["justification"], bold=True, after=2, keep_next=True)
    _para(doc, "{{ legal_justification }}", after=8)
    _para(doc, w["concepts"], bold=True, after=2, keep_next=True)
    _para(doc, "{%p for concept in draft_concepts %}")
    _para(doc, "– {{ concept }}", after=2).paragraph_format.left_indent = Mm(5)
    _para(doc, "{%p endfor %}")
    _para(doc, w["group"], bold=True, after=4, before=6, keep_next=True)
    _group_table(doc, w)
    _para(doc, w["plan"], bold=True, after=4, keep_next=True)
    _loop_table(doc, w["plan_cols"], "s in plan_rows", ["{{ s.due }}", "{{ s.what }}"], [45, 120])
    _para(doc, w["materials"], bold=True, after=4, keep_next=True)
    _loop_table(doc, w["mat_cols"], "m in materials",
                ["{{ loop.index }}", "{{ m.title }}", "{{ m.file }}"], [10, 95, 60])  # fmt: skip
    _para(doc, w["materials_note"], italic=True, size=10, after=8)
    _para(doc, w["format"], bold=True, after=2, keep_next=True)
    _para(doc, "{{ consultations_format }}", after=8)
    _para(doc, w["first_due"], size=11, after=4)
    _signer(doc, c["responsible"], "{{ responsible.full_name }}", "SigResponsible")
    _para(doc, c["rule"], italic=True, size=9, before=10)
    return doc


def build_decision(locale: str) -> Doc:
    w, c = WORDS[locale], COMMON[locale]
    doc = _base_document()
    _head(doc, locale)
    _para(doc, w["decision_no"], italic=True, after=8)
    _para(doc, w["decided"], bold=True, after=6)
    _para(doc, "{%p if outcome == 'approve' %}")
    _para(doc, w["approves"], after=4, keep_next=True)
    _group_table(doc, w)
    _loop_table(doc, w["plan_cols"], "s in plan_rows", ["{{ s.due }}", "{{ s.what }}"], [45, 120])
    _para(doc, w["resp_line"], after=6)
    _para(doc, w["file_due"], bold=True, after=6)
    _para(doc, "{%p else %}")
    _para(doc, w["rework"], after=2, keep_next=True)
    _para(doc, "{%p for r in rework_reasons %}")
    _para(doc, "– {{ r }}", after=2).paragraph_format.left_indent = Mm(5)
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endif %}")
    _para(doc, w["first_due"], size=11, after=2)
    _para(doc, c["late"])
    _para(doc, w["late_first"], italic=True, size=11, after=2)
    _para(doc, "{%p endif %}")
    _signer(doc, c["chair"], "{{ chair.full_name }}", "SigChair")
    _para(doc, c["rule"], italic=True, size=9, before=10)
    return doc


def build_letter(locale: str) -> Doc:
    w, c = WORDS[locale], COMMON[locale]
    doc = _base_document()
    _head(doc, locale)
    _para(doc, w["letter_no"], italic=True, after=8)
    _para(doc, w["to"], bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, after=10)
    _para(doc, w["letter_body"], after=6)
    _para(doc, w["letter_quorum"], after=10)
    _signer(doc, c["chair"], "{{ chair.full_name }}", "SigChair")
    return doc


def build_support(locale: str) -> Doc:
    w, c = WORDS[locale], COMMON[locale]
    doc = _base_document()
    _footer_page_number(doc, c["page"])
    _para(doc, "{{ collegium_name }}", bold=True, size=11,
          align=WD_ALIGN_PARAGRAPH.CENTER, after=10)  # fmt: skip
    _para(doc, "{{ title }}", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, after=8)
    _para(doc, w["support_no"], italic=True, after=6)
    line = _para(doc, f"{c['direction']} {{{{ direction }}}}: ", after=6)
    line.add_run("{{ direction_title }}").bold = True
    _para(doc, w["support_organ"], after=4)
    _para(doc, w["support_position"], bold=True, after=6)
    _para(doc, "{%p if reasons %}")
    _para(doc, w["reasons"], after=2, keep_next=True)
    _para(doc, "{{ reasons }}", after=6)
    _para(doc, "{%p endif %}")
    _signer(doc, w["collegium_chair"], "{{ chair.full_name }}", "SigChair")
    return doc


def build_confirmation(locale: str) -> Doc:
    w, c = WORDS[locale], COMMON[locale]
    doc = _base_document()
    _head(doc, locale)
    _para(doc, w["confirmed"], after=8)
    _loop_table(doc, w["conf_cols"], "r in rows",
                ["{{ r.n }}", "{{ r.name }}", "{{ r.decision }}", "{{ r.chair }}", "{{ r.late }}"],
                [10, 55, 38, 40, 22])  # fmt: skip
    _para(doc, w["letter_quorum"], italic=True, size=10, after=8)
    _signer(doc, c["chair"], "{{ chair.full_name }}", "SigChair")
    _para(doc, c["rule"], italic=True, size=9, before=10)
    return doc


def build_quarterly(locale: str) -> Doc:
    w, c = WORDS[locale], COMMON[locale]
    doc = _base_document()
    _head(doc, locale)
    _para(doc, w["quarter"], italic=True, after=8)
    _kv_table(
        doc,
        [
            (w["readiness"], "{{ readiness_text }}"),
            (w["ready"], "{{ indicators.proposals_ready }} / {{ indicators.proposals_total }}"),
            (w["consultations"], "{{ indicators.consultations_held }}"),
            (w["agreed"], "{{ agreed_text }}"),
            (w["documents"], "{{ documents_prepared }}"),
            (w["checkpoint"], "{{ checkpoint_text }}"),
            (w["checkpoint_met"], "{{ checkpoint_met }}"),
        ],
        w["q_cols"],
    )
    _para(doc, "{%p if notes %}")
    _para(doc, f"{w['notes']}: {{{{ notes }}}}", size=11, after=4)
    _para(doc, "{%p endif %}")
    _para(doc, w["submitted"], size=11, after=2)
    _para(doc, c["late"])
    _para(doc, w["late_report"], bold=True, size=11, after=2)
    _para(doc, "{%p endif %}")
    _signer(doc, c["responsible"], "{{ responsible.full_name }}", "SigResponsible")
    _signer(doc, c["coordinator"], "{{ coordinator.full_name }}", "SigCoordinator")
    _para(doc, c["rule"], italic=True, size=9, before=10)
    return doc


def build_consolidated(locale: str) -> Doc:
    w, c = WORDS[locale], COMMON[locale]
    doc = _base_document()
    _head(doc, locale, direction=False)
    _para(doc, w["quarter"], italic=True, after=8)
    _loop_table(doc, w["x_cols"], "r in rows",
                ["{{ r.direction }}. {{ r.title }}", "{{ r.documents }}", "{{ r.consultations }}",
                 "{{ r.agreed }}", "{{ r.considered }}"],
                [47, 29, 29, 29, 31], header_size=9)  # fmt: skip
    _para(doc, w["x_share"], bold=True, after=6)
    _para(doc, w["submitted"], size=11, after=2)
    _para(doc, c["late"])
    _para(doc, w["late_report"], bold=True, size=11, after=2)
    _para(doc, "{%p endif %}")
    _signer(doc, c["responsible"], "{{ responsible.full_name }}", "SigResponsible")
    _signer(doc, c["coordinator"], "{{ coordinator.full_name }}", "SigCoordinator")
    _para(doc, c["rule"], italic=True, size=9, before=10)
    return doc


#: Template stem → builder.
BUILDERS: dict[str, Builder] = {
    "roadmap_package": build_package,
    "roadmap_decision": build_decision,
    "roadmap_letter": build_letter,
    "roadmap_support": build_support,
    "roadmap_confirmation": build_confirmation,
    "roadmap_quarterly": build_quarterly,
    "roadmap_consolidated": build_consolidated,
}


def build_roadmap_templates(out: Path = HERE) -> list[Path]:
    """Write every roadmap template (kk, ru) into ``out``; returns the paths written."""
    written = []
    for stem, build in BUILDERS.items():
        for locale in ("kk", "ru"):
            path = out / f"{stem}_{locale}.docx"
            save_slim(build(locale), path)
            written.append(path)
    return written


if __name__ == "__main__":
    for path in build_roadmap_templates():
        print(path.name)

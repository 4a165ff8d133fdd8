"""Generate every packaged DOCX template into ``templates/``: the Appendix 1 report and the
event certificate, the remarks letter, the chamber and Collegium summaries, the warning and
suspension notices and the reminder (each in kk and ru).

A developer's tool, outside the installed package. The committed DOCX files are the source of
truth (a chamber edits them in Word or LibreOffice); this script only (re)creates their first
version, so that their layout is reproducible and reviewable as code. Run it from the
repository root::

    .venv/bin/python tools/build_templates.py             # rewrites templates/*.docx
    .venv/bin/python tools/build_templates.py --out DIR   # writes them into DIR instead

Official wording: the Kazakh text of the report is verbatim from the form at the end of
``shared/seeds/000_8c3981aae3648dbb.txt`` (Appendix 1, A1); the Russian text is a faithful
translation. Variables of the summaries are listed in ``templates/SUMMARIES.md``. Every Jinja
tag sits inside one run (docxtpl needs that). Signature boxes carry a bookmark (``SigConsultant``,
``SigOfficer``, ``SigIssuer``, ``SigHead``) where the empty signature field is placed.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from docflow.render._slim import save_slim

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
#: Metric-compatible with Times New Roman and covers every Kazakh letter (ә ғ қ ң ө ұ ү һ і).
FONT = "Liberation Serif"
#: Signature boxes are this tall so that a 200x50 pt stamp fits above the line.
SIG_ROW = Pt(54)

# --------------------------------------------------------------------------- wording: forms

REPORT = {
    "kk": {
        "appendix": "Заң консультанттарының біліктілігін арттыру қағидаларына 1-қосымша",
        "title1": "{{ year }} жылғы заң консультантының біліктілігін арттыру туралы",
        "title2": "ЕСЕП",
        "name": "Аты-жөні",
        "member": "{{ member_since }} бастап {{ chamber }} мүшесі",
        "table_intro": "Заң консультантының біліктілікті арттыру бойынша өткізген іс-шаралары:",
        "cols": [
            "№",
            "Қатысу нысаны",
            "Іс-шараның атауы",
            "Ұйымдастырушының атауы",
            "Балл саны",
        ],
        "total": "Жалпы балл саны",
        "consultant_sig": "Заң консультантының қолы",
        "filled": "Есепті толтыру күні",
        "officer": "Заң консультанттары палатасының жауапты адамы (Аты-жөні, қолы)",
        "officer_note": (
            "Есептің заң консультантының біліктілігін арттыру туралы қағидалардың талаптарына "
            "сәйкестігін және растайтын құжаттардың бар-жоғын тексергеннен кейін қол қойылады."
        ),
        "comment_title": "Заң консультанттары палатасының жауапты адамының есебіне комментарий.",
        "comment_note": (
            "Егер жауапты адам Қағидалармен сәйкессіздіктердің бар екенін көрсеткен жағдайда, "
            "бірақ заң консультанты ескертулермен келіспеген жағдайда толтырылады."
        ),
        "attachments": "Есепке мыналар қоса беріледі:",
        "attachments_note": (
            "(мұнда көрсету керек және есепке іс-шара бағдарламасын, жиналған материалдардың "
            "тізбесін, іс-шараға қатысу фактісін растайтын құжаттарды және біліктілікті арттыру "
            "нәтижелерін, оның ішінде сертификаттың/дипломның/куәліктің көшірмелерін және т. б. "
            "қоса беру қажет.)"
        ),
        "page": "Бет",
    },
    "ru": {
        "appendix": "Приложение 1 к Правилам повышения квалификации юридических консультантов",
        "title1": "ОТЧЁТ",
        "title2": "о повышении квалификации юридического консультанта за {{ year }} год",
        "name": "Ф.И.О.",
        "member": "Член палаты с {{ member_since }}: {{ chamber }}",
        "table_intro": (
            "Мероприятия по повышению квалификации, пройденные юридическим консультантом:"
        ),
        "cols": [
            "№",
            "Форма участия",
            "Наименование мероприятия",
            "Наименование организатора",
            "Количество баллов",
        ],
        "total": "Общее количество баллов",
        "consultant_sig": "Подпись юридического консультанта",
        "filled": "Дата заполнения отчёта",
        "officer": "Ответственное лицо палаты юридических консультантов (Ф.И.О., подпись)",
        "officer_note": (
            "Подписывается после проверки соответствия отчёта требованиям правил повышения "
            "квалификации юридических консультантов и наличия подтверждающих документов."
        ),
        "comment_title": (
            "Комментарий ответственного лица палаты юридических консультантов к отчёту."
        ),
        "comment_note": (
            "Заполняется в случае, если ответственное лицо указало на наличие несоответствий "
            "Правилам, но юридический консультант не согласился с замечаниями."
        ),
        "attachments": "К отчёту прилагаются:",
        "attachments_note": (
            "(здесь необходимо указать и приложить к отчёту программу мероприятия, перечень "
            "собранных материалов, документы, подтверждающие факт участия в мероприятии, и "
            "результаты повышения квалификации, в том числе копии сертификата/диплома/"
            "свидетельства и т. д.)"
        ),
        "page": "Стр.",
    },
}


CERTIFICATE = {
    "kk": {
        "title1": "Біліктілікті арттыру туралы",
        "title2": "СЕРТИФИКАТ",
        "intro": "Осы сертификат біліктілікті арттыру жөніндегі іс-шараға қатысқанын растайды",
        "rows": [
            ("Қатысушы", "{{ participant }}"),
            ("Іс-шараның атауы", "{{ event_title }}"),
            ("Ұйымдастырушының атауы", "{{ organizer }}"),
            ("Өткізілген күні", "{{ event_date }}"),
            ("Сағат саны", "{{ hours }}"),
            ("Өткізу орны", "{{ place }}"),
            ("Қатысу нысаны", "{{ form_name }} (Қағидаларға 2-қосымша, {{ form }}-жол)"),
            ("Балл саны", "{{ points }}"),
        ],
        "issuer": "Сертификатты берген",
        "signature": "Қолы",
        "issued": "Берілген күні",
        "verify": "Түпнұсқалығын тексеру",
    },
    "ru": {
        "title1": "СЕРТИФИКАТ",
        "title2": "о повышении квалификации",
        "intro": (
            "Настоящий сертификат подтверждает участие в мероприятии по повышению квалификации"
        ),
        "rows": [
            ("Участник", "{{ participant }}"),
            ("Наименование мероприятия", "{{ event_title }}"),
            ("Наименование организатора", "{{ organizer }}"),
            ("Дата проведения", "{{ event_date }}"),
            ("Количество часов", "{{ hours }}"),
            ("Место проведения", "{{ place }}"),
            ("Форма участия", "{{ form_name }} (Приложение 2 к Правилам, строка {{ form }})"),
            ("Количество баллов", "{{ points }}"),
        ],
        "issuer": "Сертификат выдал",
        "signature": "Подпись",
        "issued": "Дата выдачи",
        "verify": "Проверка подлинности",
    },
}


def _base_document(*, landscape: bool = False) -> Document:  # type: ignore[valid-type]
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    # Kazakh official paperwork: 30 mm binding margin on the left, 15 mm on the right.
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.footer_distance = Mm(10)
    for style_name in ("Normal", "Table Grid"):
        style = doc.styles[style_name]
        style.font.name = FONT
        style.font.size = Pt(12)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        # All four slots: otherwise Word/LibreOffice pick another font for "complex" script runs.
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), FONT)
    normal = doc.styles["Normal"].paragraph_format
    normal.space_before, normal.space_after = Pt(0), Pt(4)
    normal.line_spacing = 1.1
    core = doc.core_properties
    core.author = "docflow"
    core.title = ""
    core.comments = ""
    return doc


def _para(
    container: object,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
    after: float | None = None,
    before: float | None = None,
    keep_next: bool = False,
) -> Paragraph:
    paragraph: Paragraph = container.add_paragraph()  # type: ignore[attr-defined]
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    if after is not None:
        paragraph.paragraph_format.space_after = Pt(after)
    if before is not None:
        paragraph.paragraph_format.space_before = Pt(before)
    if keep_next:
        paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _cell_para(cell: _Cell, text: str = "", **kwargs: object) -> Paragraph:
    """Write into a cell's first (empty) paragraph instead of adding a second one."""
    paragraph = cell.paragraphs[0]
    if text:
        run = paragraph.add_run(text)
        run.bold = bool(kwargs.get("bold"))
        run.italic = bool(kwargs.get("italic"))
        if kwargs.get("size"):
            run.font.size = Pt(float(kwargs["size"]))  # type: ignore[arg-type]
    if kwargs.get("align") is not None:
        paragraph.alignment = kwargs["align"]  # type: ignore[assignment]
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def _set_widths(table: Table, widths_mm: list[float]) -> None:
    """Fixed layout with widths on the grid *and* on every cell (STYLE.md trap: LibreOffice
    reads the grid, Word reads the cells)."""
    tbl = table._tbl
    tbl_pr = tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(int(sum(widths_mm) * 56.6929)))
    grid = tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(int(width * 56.6929)))
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)


def _no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _cell_bottom_border(cell: _Cell) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "6")
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    tc_pr.append(borders)


def _row_flags(row: object, *, header: bool = False, cant_split: bool = True) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    if cant_split:
        tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        # Repeated at the top of every page the table continues on.
        tr_pr.append(OxmlElement("w:tblHeader"))


_bookmark_id = 0


def _bookmark(paragraph: Paragraph, name: str) -> None:
    """A Writer bookmark, exported by LibreOffice as a PDF named destination; pdf.py places the
    signature field there (see docflow/render/pdf.py)."""
    global _bookmark_id
    _bookmark_id += 1
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(_bookmark_id))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(_bookmark_id))
    paragraph._p.append(start)
    paragraph._p.append(end)


def _signature_table(
    doc: Document,  # type: ignore[valid-type]
    left: str,
    bookmark: str,
    *,
    widths: tuple[float, float, float] = (70, 75, 20),
    bold_left: bool = False,
) -> Table:
    """Label | signature box (bottom border = the signature line, tall enough for a stamp)."""
    table: Table = doc.add_table(rows=1, cols=3)  # type: ignore[attr-defined]
    _no_borders(table)
    row = table.rows[0]
    row.height = SIG_ROW
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    _row_flags(row)
    label, box, _ = row.cells
    label.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    _cell_para(label, left, bold=bold_left)
    box.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    _bookmark(_cell_para(box), bookmark)
    _cell_bottom_border(box)
    _set_widths(table, list(widths))
    return table


def _page_border(doc: Document) -> None:  # type: ignore[valid-type]
    """A thin double frame: the certificate reads as a certificate when printed."""
    borders = OxmlElement("w:pgBorders")
    borders.set(qn("w:offsetFrom"), "page")
    for edge in ("top", "left", "bottom", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "double")
        element.set(qn("w:sz"), "6")
        element.set(qn("w:space"), "24")
        element.set(qn("w:color"), "1F3864")
        borders.append(element)
    sect_pr = doc.sections[0]._sectPr  # type: ignore[attr-defined]
    # Schema order: pgBorders follows pgMar.
    sect_pr.find(qn("w:pgMar")).addnext(borders)


def _footer_page_number(doc: Document, label: str) -> None:  # type: ignore[valid-type]
    footer = doc.sections[0].footer  # type: ignore[attr-defined]
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(f"{label} ")
    run.font.size = Pt(9)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), "18")
    rpr.append(sz)
    inner.append(rpr)
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    field.append(inner)
    paragraph._p.append(field)


def build_report(locale: str) -> Document:  # type: ignore[valid-type]
    w = REPORT[locale]
    doc = _base_document()
    _footer_page_number(doc, w["page"])
    _para(doc, w["appendix"], italic=True, size=10, align=WD_ALIGN_PARAGRAPH.RIGHT, after=12)
    _para(doc, w["title1"], bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(doc, w["title2"], bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER, after=14)

    name = _para(doc, f"{w['name']}: ", after=4)
    name.add_run("{{ full_name }}").bold = True
    _para(doc, w["member"], after=12)

    _para(doc, w["table_intro"], bold=True, after=6, keep_next=True)
    widths = [9.0, 48.0, 42.0, 42.0, 24.0]
    table: Table = doc.add_table(rows=5, cols=5)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, loop_start, data, loop_end, total = table.rows
    _row_flags(header, header=True)
    for cell, text in zip(header.cells, w["cols"], strict=True):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_para(cell, text, bold=True, size=10, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell_para(loop_start.cells[0], "{%tr for a in activities %}")
    _cell_para(loop_end.cells[0], "{%tr endfor %}")
    _row_flags(data)
    values = ["{{ a.no }}", "{{ a.form_name }}", "{{ a.title }}", "{{ a.organizer }}"]
    for cell, text in zip(data.cells, [*values, "{{ a.points }}"], strict=True):
        centred = text in ("{{ a.no }}", "{{ a.points }}")
        _cell_para(cell, text, size=11, align=WD_ALIGN_PARAGRAPH.CENTER if centred else None)
    _row_flags(total)
    merged = total.cells[0].merge(total.cells[3])
    _cell_para(merged, w["total"], bold=True, size=11)
    _cell_para(
        total.cells[4], "{{ total_points }}", bold=True, size=11, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    _set_widths(table, widths)

    _para(doc, "", after=6)
    _signature_table(doc, w["consultant_sig"], "SigConsultant")
    _para(doc, f"{w['filled']} {{{{ filled_on }}}}", before=6, after=14)

    _para(doc, w["officer"], bold=True, after=2, keep_next=True)
    officer = _signature_table(doc, "{{ officer_name }}", "SigOfficer")
    officer.rows[0].cells[0].paragraphs[0].runs[0].bold = False
    _para(doc, w["officer_note"], italic=True, size=10, before=4, after=4)
    _para(doc, f"{w['filled']} {{{{ officer_date }}}}", after=14)

    _para(doc, "{%p if officer_comment %}")
    _para(doc, w["comment_title"], italic=True, bold=True, after=2, keep_next=True)
    _para(doc, w["comment_note"], italic=True, size=10, after=4, keep_next=True)
    _para(doc, "{{ officer_comment }}", after=14)
    _para(doc, "{%p endif %}")

    _para(doc, w["attachments"], bold=True, after=4, keep_next=True)
    _para(doc, "{%p for att in attachments %}")
    item = _para(doc, "{{ att.no }}. {{ att.name }}", after=2)
    item.paragraph_format.left_indent = Mm(5)
    _para(doc, "{%p endfor %}")
    _para(doc, w["attachments_note"], italic=True, size=10, before=6)
    return doc


def build_certificate(locale: str) -> Document:  # type: ignore[valid-type]
    w = CERTIFICATE[locale]
    doc = _base_document()
    _page_border(doc)
    _para(doc, "{{ issuer_chamber }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=24)
    big1 = locale == "ru"
    _para(
        doc,
        w["title1"],
        bold=True,
        size=26 if big1 else 14,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=2,
    )
    _para(
        doc,
        w["title2"],
        bold=True,
        size=14 if big1 else 26,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=4,
    )
    _para(doc, "№ {{ serial }}", size=12, align=WD_ALIGN_PARAGRAPH.CENTER, after=18)
    _para(doc, "{{ participant }}", bold=True, size=18, align=WD_ALIGN_PARAGRAPH.CENTER, after=8)
    _para(doc, w["intro"], italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=18)

    table: Table = doc.add_table(rows=len(w["rows"]), cols=2)
    _no_borders(table)
    for row, (label, value) in zip(table.rows, w["rows"], strict=True):
        _row_flags(row)
        _cell_para(row.cells[0], f"{label}:", bold=True)
        _cell_para(row.cells[1], value)
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.space_after = Pt(6)
    _set_widths(table, [55, 110])

    _para(doc, "", after=12)
    _para(doc, f"{w['issuer']}:", bold=True, after=0, keep_next=True)
    _para(doc, "{{ issuer_position }}", after=0, keep_next=True)
    _para(doc, "{{ issuer_name }}", after=0, keep_next=True)
    sig = _signature_table(doc, f"{w['signature']}:", "SigIssuer", widths=(40, 75, 50))
    sig.rows[0].cells[0].paragraphs[0].paragraph_format.keep_with_next = True

    bottom: Table = doc.add_table(rows=1, cols=2)
    _no_borders(bottom)
    row = bottom.rows[0]
    _row_flags(row)
    left, qr = row.cells
    left.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    _cell_para(left, f"{w['issued']}: {{{{ issued_on }}}}")
    left.add_paragraph(f"{w['verify']}:").paragraph_format.space_after = Pt(0)
    url = left.add_paragraph("")
    url.add_run("{{ verify_url }}").font.size = Pt(10)
    qr.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    _cell_para(qr, "{{ qr }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _set_widths(bottom, [125, 40])
    return doc


CHAMBER: dict[str, dict[str, Any]] = {
    "kk": {
        "title": "{{ year }} жылғы заң консультанттарының біліктілігін арттыру нәтижелері туралы",
        "title2": "ЖИЫНТЫҚ ЕСЕП",
        "basis": "(Заң консультанттарының біліктілігін арттыру қағидаларының 4.7-тармағы; "
        "Республикалық заң консультанттары алқасына {{ collegium_due }} дейін жіберіледі)",
        "produced": "Жасалған күні",
        "attention": "Назар аударыңыз:",
        "section1": "1. Негізгі көрсеткіштер",
        "cols1": ["Көрсеткіш", "Саны"],
        "rows": [
            ("Палата мүшелері (тізілім бойынша)", "roster_total", 0),
            ("{{ year }} жылдан кейін палатаға кірген (міндет туындамаған)", "not_subject", 1),
            (
                "Біліктілікті арттыру міндетінен босатылғандар (Қағидалардың 7.4-тармағы)",
                "exempt",
                0,
            ),
            ("жүктілігі және босануы бойынша демалыс", "exempt_maternity_leave", 2),
            ("бала күтімі бойынша демалыс", "exempt_childcare_leave", 2),
            ("қызметі тоқтатыла тұрған", "exempt_suspended", 2),
            ("демалыс (тізілімде түрі көрсетілмеген)", "exempt_on_leave", 2),
            ("Есеп беруге міндетті мүшелер", "subject", 0),
            ("Қабылданған есептер, барлығы", "filed", 0),
            ("мерзімінде ({{ deadline }} дейін, 3.2-тармақ)", "filed_on_time", 2),
            ("мерзімі өткеннен кейін", "filed_late", 2),
            ("Норманы орындағандар ({{ required_points }} балл және одан көп)", "compliant", 1),
            ("Нормадан төмен", "below_norm", 1),
            ("Есеп тапсырмағандар", "not_filed", 0),
            ("Ескертулермен қайтарылған, түзетілмеген есептер", "returned", 0),
            ("Жиналған балл, барлығы", "total_points", 0),
        ],
        "section2": "2. 2-қосымшадағы нысандар бойынша баллдар",
        "cols2": ["№", "Біліктілікті арттыру нысаны", "Қатысушылар", "Балл"],
        "total": "Барлығы",
        "section3": "3. Нормадан төмен және есеп тапсырмаған заң консультанттарының тізімі",
        "cols3": ["№", "Аты-жөні", "ЖСН", "Жағдайы", "Балл"],
        "none": "Ондай заң консультанттары жоқ.",
        "head": "Палата төрағасы",
        "page": "Бет",
    },
    "ru": {
        "title": "СВОДНЫЙ ОТЧЁТ",
        "title2": "о результатах повышения квалификации юридических консультантов "
        "за {{ year }} год",
        "basis": "(пункт 4.7 Правил повышения квалификации юридических консультантов; "
        "направляется в Республиканскую коллегию юридических консультантов "
        "до {{ collegium_due }})",
        "produced": "Дата составления",
        "attention": "Внимание:",
        "section1": "1. Основные показатели",
        "cols1": ["Показатель", "Количество"],
        "rows": [
            ("Члены палаты (по реестру)", "roster_total", 0),
            (
                "вступившие в палату после {{ year }} года (обязанность не возникла)",
                "not_subject",
                1,
            ),
            ("Освобождённые от обязанности повышения квалификации (пункт 7.4 Правил)", "exempt", 0),
            ("отпуск по беременности и родам", "exempt_maternity_leave", 2),
            ("отпуск по уходу за ребёнком", "exempt_childcare_leave", 2),
            ("приостановление деятельности", "exempt_suspended", 2),
            ("отпуск (вид в реестре не указан)", "exempt_on_leave", 2),
            ("Члены, обязанные представить отчёт", "subject", 0),
            ("Принятые отчёты, всего", "filed", 0),
            ("в срок (до {{ deadline }}, пункт 3.2)", "filed_on_time", 2),
            ("с нарушением срока", "filed_late", 2),
            ("Выполнили норму ({{ required_points }} баллов и более)", "compliant", 1),
            ("Ниже нормы", "below_norm", 1),
            ("Не представили отчёт", "not_filed", 0),
            ("Возвращены с замечаниями и не исправлены", "returned", 0),
            ("Набрано баллов, всего", "total_points", 0),
        ],
        "section2": "2. Баллы по формам Приложения 2",
        "cols2": ["№", "Форма повышения квалификации", "Участники", "Баллы"],
        "total": "Итого",
        "section3": "3. Список юридических консультантов ниже нормы и не представивших отчёт",
        "cols3": ["№", "Ф.И.О.", "ИИН", "Состояние", "Баллы"],
        "none": "Таких юридических консультантов нет.",
        "head": "Председатель палаты",
        "page": "Стр.",
    },
}


COLLEGIUM: dict[str, dict[str, Any]] = {
    "kk": {
        "org": "Республикалық заң консультанттары алқасы",
        "title": "{{ year }} жылғы заң консультанттары палаталарының біліктілікті арттыру "
        "нәтижелері туралы",
        "title2": "ЖИЫНТЫҚ ЕСЕП",
        "basis": "(Заң консультанттарының біліктілігін арттыру қағидаларының 5.5 және "
        "5.6-тармақтары; салыстыру үшін: {{ years_text }})",
        "produced": "Жасалған күні",
        "section1": "1. Палаталар бойынша нәтижелер, {{ year }} жыл",
        "cols1": [
            "Палата",
            "Есептер",
            "Норма орындалды",
            "Нормадан төмен",
            "Босатылған",
            "Қайтарылған",
            "Кешіккен",
            "Балл",
        ],
        "total": "Барлығы",
        "section2": "2. Біліктілікті арттыру нысандарының тиімділігі (5.6-тармақ)",
        "cols2": [
            "№",
            "Нысан",
            "Қатысушылар",
            "Есептер үлесі",
            "Балл",
            "Бір қатысушыға балл",
            "{{ prev_label }}",
        ],
        "section3": "3. Диаграммалар",
        "head": "Алқа төрағасы",
        "page": "Бет",
    },
    "ru": {
        "org": "Республиканская коллегия юридических консультантов",
        "title": "СВОДНЫЙ ОТЧЁТ",
        "title2": "о результатах повышения квалификации в палатах юридических консультантов "
        "за {{ year }} год",
        "basis": "(пункты 5.5 и 5.6 Правил повышения квалификации юридических консультантов; "
        "для сравнения: {{ years_text }})",
        "produced": "Дата составления",
        "section1": "1. Результаты по палатам, {{ year }} год",
        "cols1": [
            "Палата",
            "Отчёты",
            "Норма выполнена",
            "Ниже нормы",
            "Освобождены",
            "Возвращены",
            "С опозданием",
            "Баллы",
        ],
        "total": "Итого",
        "section2": "2. Эффективность форм повышения квалификации (пункт 5.6)",
        "cols2": [
            "№",
            "Форма",
            "Участники",
            "Доля отчётов",
            "Баллы",
            "Баллов на участника",
            "{{ prev_label }}",
        ],
        "section3": "3. Диаграммы",
        "head": "Председатель коллегии",
        "page": "Стр.",
    },
}


NOTICES: dict[str, dict[str, dict[str, Any]]] = {
    "warning": {
        "kk": {
            "title": "ЕСКЕРТУ",
            "subtitle": "біліктілікті арттыру нормасын орындамағаны туралы",
            "to": "Кімге",
            "body": [
                "Сіз {{ year }} жылы заң консультанттарының біліктілігін арттыру қағидаларында "
                "белгіленген нормаға ({{ required_points }} балл) қол жеткізбедіңіз: "
                "{{ reason }}.",
                "Қағидалардың 9.1-тармағына сәйкес Сізге ескерту жасалады және біліктілікті "
                "арттырудың белгіленген нормасына қол жеткізу үшін бір ай мерзім беріледі.",
            ],
            "due": "Нормаға қол жеткізіп, түзетілген есепті палатаға тапсыру мерзімі:",
            "after": "Көрсетілген мерзімде норма орындалмаған жағдайда Қағидалардың "
            "9.1-тармағына сәйкес заң консультантының қызметі 3 ай мерзімге тоқтатыла тұрады.",
            "head": "Палата төрағасы",
        },
        "ru": {
            "title": "ПРЕДУПРЕЖДЕНИЕ",
            "subtitle": "о невыполнении нормы повышения квалификации",
            "to": "Кому",
            "body": [
                "Вами не достигнута установленная Правилами повышения квалификации юридических "
                "консультантов норма за {{ year }} год ({{ required_points }} баллов): "
                "{{ reason }}.",
                "В соответствии с пунктом 9.1 Правил Вам выносится предупреждение и "
                "предоставляется срок в один месяц для достижения установленной нормы "
                "повышения квалификации.",
            ],
            "due": "Срок достижения нормы и представления исправленного отчёта в палату:",
            "after": "При невыполнении нормы в указанный срок деятельность юридического "
            "консультанта приостанавливается на 3 месяца в соответствии с пунктом 9.1 Правил.",
            "head": "Председатель палаты",
        },
    },
    "suspension": {
        "kk": {
            "title": "ХАБАРЛАМА",
            "subtitle": "заң консультантының қызметін тоқтата тұру туралы",
            "to": "Кімге",
            "body": [
                "{{ warned_on }} № {{ warning_no }} ескертуде белгіленген мерзімде "
                "({{ due_on }} дейін) Сіз {{ year }} жылғы біліктілікті арттыру нормасына қол "
                "жеткізбедіңіз.",
                "Қағидалардың 9.1-тармағына сәйкес Сіздің заң консультанты ретіндегі қызметіңіз "
                "біліктілікті арттырудың белгіленген нормасын орындау міндетін жүктей отырып, "
                "3 ай мерзімге тоқтатыла тұрады.",
            ],
            "due": "Тоқтатыла тұру мерзімі:",
            "after": "Қызметті тоқтата тұру біліктілікті арттыру міндетінен босатпайды: "
            "{{ year }} жылғы белгіленген норманы орындау міндеті сақталады, ағымдағы жылғы "
            "міндет те қолданылады (Қағидалардың 9.1-тармағы). Міндеттен тек Қағидалардың "
            "7.4-тармағында көрсетілген негіздер бойынша босатылады.",
            "head": "Палата төрағасы",
        },
        "ru": {
            "title": "УВЕДОМЛЕНИЕ",
            "subtitle": "о приостановлении деятельности юридического консультанта",
            "to": "Кому",
            "body": [
                "В срок, установленный предупреждением № {{ warning_no }} от {{ warned_on }} "
                "(до {{ due_on }}), Вами не достигнута норма повышения квалификации за "
                "{{ year }} год.",
                "В соответствии с пунктом 9.1 Правил Ваша деятельность юридического "
                "консультанта приостанавливается на срок 3 месяца с возложением обязанности "
                "выполнить установленную норму повышения квалификации.",
            ],
            "due": "Срок приостановления:",
            "after": "Приостановление не освобождает от обязанности повышения квалификации: "
            "обязанность выполнить установленную норму за {{ year }} год сохраняется, "
            "обязанность текущего года также действует (пункт 9.1 Правил). От обязанности "
            "освобождают только основания, указанные в пункте 7.4 Правил.",
            "head": "Председатель палаты",
        },
    },
    "reminder": {
        "kk": {
            "title": "ЕСКЕ САЛУ",
            "subtitle": "біліктілікті арттыру туралы есепті тапсыру мерзімі туралы",
            "to": "Кімге",
            "body": [
                "Заң консультанттарының біліктілігін арттыру қағидаларының 3.2-тармағына "
                "сәйкес {{ year }} жылғы біліктілікті арттыру туралы есеп (1-қосымша) "
                "растайтын құжаттардың көшірмелерімен бірге палатаға есептік жылдан кейінгі "
                "жылдың 15 ақпанынан кешіктірілмей тапсырылады.",
                "{{ today }} жағдай бойынша палатада Сіздің {{ year }} жылғы есебіңіз "
                "{{ state_text }}.",
            ],
            "due": "Есепті тапсырудың соңғы күні:",
            "after": "Есеп белгіленген нормасыз немесе мерзімінде тапсырылмаған жағдайда "
            "Қағидалардың 9.1-тармағында көзделген шаралар қолданылуы мүмкін.",
            "head": "Палата төрағасы",
        },
        "ru": {
            "title": "НАПОМИНАНИЕ",
            "subtitle": "о сроке представления отчёта о повышении квалификации",
            "to": "Кому",
            "body": [
                "В соответствии с пунктом 3.2 Правил повышения квалификации юридических "
                "консультантов отчёт о повышении квалификации за {{ year }} год (Приложение 1) "
                "с копиями подтверждающих документов представляется в палату не позднее "
                "15 февраля года, следующего за отчётным.",
                "По состоянию на {{ today }} Ваш отчёт за {{ year }} год {{ state_text }}.",
            ],
            "due": "Последний день представления отчёта:",
            "after": "При непредставлении отчёта в срок или невыполнении нормы могут быть "
            "применены меры, предусмотренные пунктом 9.1 Правил.",
            "head": "Председатель палаты",
        },
    },
}


def _cell(
    cell: _Cell,
    text: str = "",
    *,
    bold: bool = False,
    size: float = 10.5,
    align: Any = None,
    indent_mm: float = 0,
) -> Paragraph:
    paragraph = cell.paragraphs[0]
    if text:
        run = paragraph.add_run(text)
        run.bold = bold
        run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    if indent_mm:
        paragraph.paragraph_format.left_indent = Mm(indent_mm)
    paragraph.paragraph_format.space_after = Pt(0)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return paragraph


def _shade(cell: _Cell, fill: str = "E8EEF5") -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _grid_table(
    doc: Any, headers: list[str], widths: Sequence[float], rows: int, *, size: float = 10
) -> Table:
    table: Table = doc.add_table(rows=1 + rows, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _row_flags(table.rows[0], header=True)
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, text, bold=True, size=size, align=WD_ALIGN_PARAGRAPH.CENTER)
        _shade(cell)
    return table


def _loop_rows(table: Table, first: int, loop: str, values: list[str], centred: set[int]) -> None:
    """Rows ``first``..``first+2``: ``{%tr for %}``, the repeated row, ``{%tr endfor %}``."""
    _cell(table.rows[first].cells[0], f"{{%tr for {loop} %}}")
    row = table.rows[first + 1]
    _row_flags(row)
    for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
        _cell(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER if i in centred else None)
    _cell(table.rows[first + 2].cells[0], "{%tr endfor %}")


def _signature(
    doc: Any, role: str, *, bookmark: str = "SigHead", name_var: str = "head_name"
) -> None:
    """Role and name | signature box (its bottom border is the line) with the bookmark where
    the empty signature field goes (``SigHead``: the field ``head``)."""
    table: Table = doc.add_table(rows=1, cols=3)
    _no_borders(table)
    row = table.rows[0]
    row.height, row.height_rule = SIG_ROW, WD_ROW_HEIGHT_RULE.AT_LEAST
    _row_flags(row)
    label, box, _ = row.cells
    label.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    p = label.paragraphs[0]
    p.add_run(role).bold = True
    p.add_run("\n{{ " + name_var + " }}")
    p.paragraph_format.space_after = Pt(0)
    box.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    _bookmark(box.paragraphs[0], bookmark)
    borders = OxmlElement("w:tcBorders")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    box._tc.get_or_add_tcPr().append(borders)
    _set_widths(table, [70, 75, 20])


def _footer(doc: Any, label: str) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(f"{{{{ footer }}}} · {label} ")
    run.font.size = Pt(8)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    inner = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), "16")
    rpr.append(sz)
    inner.append(rpr)
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    field.append(inner)
    paragraph._p.append(field)


def _heading(doc: Any, text: str) -> None:
    _para(doc, text, bold=True, size=12, before=10, after=4, keep_next=True)


def _warnings(doc: Any, attention: str) -> None:
    _para(doc, "{%p if warnings %}")
    _para(doc, attention, bold=True, after=0, keep_next=True)
    _para(doc, "{%p for w in warnings %}")
    p = _para(doc, "", after=0)
    p.add_run("— {{ w }}").italic = True
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endif %}")


def build_chamber(locale: str) -> Any:
    w = CHAMBER[locale]
    doc = _base_document()
    _footer(doc, w["page"])
    _para(doc, "{{ chamber }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=10)
    _para(doc, w["title"], bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(doc, w["title2"], bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER, after=2)
    _para(doc, w["basis"], italic=True, size=10, align=WD_ALIGN_PARAGRAPH.CENTER, after=8)
    _para(doc, f"{w['produced']}: {{{{ produced_on }}}}", after=4)
    _warnings(doc, w["attention"])

    _heading(doc, w["section1"])
    rows = w["rows"]
    table = _grid_table(doc, w["cols1"], [140, 25], len(rows))
    for row, (text, key, level) in zip(table.rows[1:], rows, strict=True):
        _row_flags(row)
        _cell(row.cells[0], text, bold=level == 0, indent_mm=6 * level)
        _cell(row.cells[1], f"{{{{ c.{key} }}}}", bold=level == 0, align=WD_ALIGN_PARAGRAPH.CENTER)
    _set_widths(table, [140, 25])

    _heading(doc, w["section2"])
    table = _grid_table(doc, w["cols2"], [12, 105, 28, 20], 4)
    _loop_rows(
        table,
        1,
        "f in forms",
        ["{{ f.no }}", "{{ f.name }}", "{{ f.participants }}", "{{ f.points }}"],
        {0, 2, 3},
    )
    total = table.rows[4]
    _row_flags(total)
    merged = total.cells[0].merge(total.cells[2])
    _cell(merged, w["total"], bold=True)
    _cell(total.cells[3], "{{ c.total_points }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _set_widths(table, [12, 105, 28, 20])

    _heading(doc, w["section3"])
    _para(doc, "{%p if deficient %}")
    widths = [10, 62, 30, 45, 18]
    table = _grid_table(doc, w["cols3"], widths, 3)
    values = ["{{ d.no }}", "{{ d.full_name }}", "{{ d.iin }}", "{{ d.state }}", "{{ d.points }}"]
    _loop_rows(table, 1, "d in deficient", values, {0, 2, 4})
    _set_widths(table, widths)
    _para(doc, "{%p else %}")
    _para(doc, w["none"], italic=True)
    _para(doc, "{%p endif %}")

    _para(doc, "", after=10)
    _signature(doc, w["head"])
    return doc


def build_collegium(locale: str) -> Any:
    w = COLLEGIUM[locale]
    doc = _base_document()
    _footer(doc, w["page"])
    _para(doc, w["org"], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=10)
    _para(doc, w["title"], bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(doc, w["title2"], bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER, after=2)
    _para(doc, w["basis"], italic=True, size=10, align=WD_ALIGN_PARAGRAPH.CENTER, after=8)
    _para(doc, f"{w['produced']}: {{{{ produced_on }}}}", after=4)

    _heading(doc, w["section1"])
    widths = [37, 15, 20, 16, 22, 21, 19, 15]
    table = _grid_table(doc, w["cols1"], widths, 4, size=8)
    values = [
        "{{ r.chamber }}",
        "{{ r.reports }}",
        "{{ r.compliant }}",
        "{{ r.below_norm }}",
        "{{ r.exempt }}",
        "{{ r.returned }}",
        "{{ r.late }}",
        "{{ r.points }}",
    ]
    _loop_rows(table, 1, "r in chambers", values, set(range(1, 8)))
    total = table.rows[4]
    _row_flags(total)
    for i, (cell, text) in enumerate(
        zip(total.cells, [w["total"], *[v.replace("r.", "t.") for v in values[1:]]], strict=True)
    ):
        _cell(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER if i else None)
    _set_widths(table, widths)

    _heading(doc, w["section2"])
    widths = [8, 58, 22, 15, 15, 20, 27]
    table = _grid_table(doc, w["cols2"], widths, 3, size=8)
    _loop_rows(
        table,
        1,
        "f in forms",
        [
            "{{ f.no }}",
            "{{ f.name }}",
            "{{ f.participants }}",
            "{{ f.share }}",
            "{{ f.points }}",
            "{{ f.per_participant }}",
            "{{ f.change }}",
        ],
        {0, 2, 3, 4, 5, 6},
    )
    _set_widths(table, widths)

    _heading(doc, w["section3"])
    for name in ("chart_participation", "chart_points", "chart_compliance"):
        _para(doc, f"{{{{ {name} }}}}", align=WD_ALIGN_PARAGRAPH.CENTER, after=8)

    _para(doc, "", after=10)
    _signature(doc, w["head"])
    return doc


def build_notice(kind: str, locale: str) -> Any:
    w = NOTICES[kind][locale]
    doc = _base_document()
    _para(doc, "{{ chamber }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=14)
    _para(doc, w["title"], bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _para(doc, w["subtitle"], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=10)
    head: Table = doc.add_table(rows=1, cols=2)
    _no_borders(head)
    _cell(head.rows[0].cells[0], "№ {{ number }}", size=12)
    _cell(head.rows[0].cells[1], "{{ issued_on }}", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _set_widths(head, [80, 85])
    to = _para(doc, f"{w['to']}: ", before=10, after=10)
    to.add_run("{{ full_name }}").bold = True
    to.add_run(", {{ iin_label }} {{ iin }}")
    for text in w["body"]:
        p = _para(doc, text, after=8)
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.first_line_indent = Mm(10)
    due = _para(doc, f"{w['due']} ", after=8)
    due.add_run("{{ period }}").bold = True
    p = _para(doc, w["after"], italic=True, size=11, after=18)
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if kind == "reminder":
        p = _para(doc, "", after=0)
        p.add_run(w["head"]).bold = True
        p.add_run("    {{ head_name }}")
    else:
        _signature(doc, w["head"])
    return doc


REMARKS = {
    "kk": {
        "title": "Біліктілікті арттыру туралы есепке ескертулер",
        "to": "Заң консультантына",
        "body": "{{ year }} жылғы біліктілікті арттыру туралы есебіңіз ({{ report_id }}, "
        "{{ version }}-нұсқа) Заң консультанттарының біліктілігін арттыру қағидаларына "
        "сәйкестендіру үшін қайтарылады (Қағидалардың 3.2-тармағы). Ескертулер:",
        "after": "Ескертулерді жойып, есепті қайта тапсырыңыз: түзетілген есеп осы есептің "
        "келесі нұсқасы болады. Ескертулермен келіспеген жағдайда, бұл туралы есепке "
        "жазыңыз: жауапты адамның комментарийі есепке енгізіледі.",
        "head": "Заң консультанттары палатасының жауапты адамы",
    },
    "ru": {
        "title": "Замечания к отчёту о повышении квалификации",
        "to": "Юридическому консультанту",
        "body": "Ваш отчёт о повышении квалификации за {{ year }} год ({{ report_id }}, "
        "версия {{ version }}) возвращается для приведения в соответствие с Правилами "
        "повышения квалификации юридических консультантов (пункт 3.2 Правил). Замечания:",
        "after": "Устраните замечания и подайте отчёт снова: исправленный отчёт станет "
        "следующей версией этого отчёта. Если вы не согласны с замечаниями, укажите это: "
        "комментарий ответственного лица будет внесён в отчёт.",
        "head": "Ответственное лицо палаты юридических консультантов",
    },
}


def build_remarks(locale: str) -> Any:
    """The remarks document of a returned report (R-3.2e), signed by the officer."""
    w = REMARKS[locale]
    doc = _base_document()
    _para(doc, "{{ chamber }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=14)
    _para(doc, w["title"], bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, after=10)
    _para(doc, "{{ issued_on }}", align=WD_ALIGN_PARAGRAPH.RIGHT, after=10)
    to = _para(doc, f"{w['to']}: ", after=10)
    to.add_run("{{ full_name }}").bold = True
    to.add_run(", {{ iin_label }} {{ iin }}")
    p = _para(doc, w["body"], after=6)
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _para(doc, "{%p for r in remarks %}")
    _para(doc, "{{ loop.index }}. {{ r }}", after=4)
    _para(doc, "{%p endfor %}")
    p = _para(doc, w["after"], italic=True, size=11, before=8, after=18)
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _signature(doc, w["head"], bookmark="SigOfficer", name_var="officer_name")
    return doc


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=TEMPLATES, help="folder to write into")
    out: Path = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    # Slimmed: only the styles in use (docflow/render/_slim.py), for LibreOffice's sake.
    for locale in ("kk", "ru"):
        save_slim(build_report(locale), out / f"appendix1_{locale}.docx")
        save_slim(build_certificate(locale), out / f"certificate_{locale}.docx")
        save_slim(build_remarks(locale), out / f"remarks_{locale}.docx")
        save_slim(build_chamber(locale), out / f"chamber_summary_{locale}.docx")
        save_slim(build_collegium(locale), out / f"collegium_summary_{locale}.docx")
        for kind in ("warning", "suspension", "reminder"):
            name = (
                f"notice_{kind}_{locale}.docx" if kind != "reminder" else f"reminder_{locale}.docx"
            )
            save_slim(build_notice(kind, locale), out / name)
    print("templates written to", out)


if __name__ == "__main__":
    main()

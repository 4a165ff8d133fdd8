"""Generate the packaged DOCX templates (Appendix 1 report, event certificate; kk and ru).

The committed DOCX files are the source of truth: a chamber edits them in Word or LibreOffice.
This script only (re)creates the first version of them, so that their layout is reproducible and
reviewable as code. Run it from the repository root::

    .venv/bin/python templates/_build.py            # rewrites templates/*.docx

Official wording: the Kazakh text is verbatim from the form at the end of
``shared/seeds/000_8c3981aae3648dbb.txt`` (Appendix 1, A1); the Russian text is a faithful
translation. Jinja tags are written so that every tag sits inside one run (docxtpl needs that).
"""

from __future__ import annotations

from pathlib import Path

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

HERE = Path(__file__).resolve().parent
#: Metric-compatible with Times New Roman and covers every Kazakh letter (ә ғ қ ң ө ұ ү һ і).
FONT = "Liberation Serif"
#: Signature boxes are this tall so that a 200x50 pt stamp fits above the line.
SIG_ROW = Pt(54)

# --------------------------------------------------------------------------- wording

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

# --------------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------------- report (A1)


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


# --------------------------------------------------------------------------- certificate


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


def main() -> None:
    # Slimmed: only the styles in use (docflow/render/_slim.py), for LibreOffice's sake.
    for locale in ("kk", "ru"):
        save_slim(build_report(locale), HERE / f"appendix1_{locale}.docx")
        save_slim(build_certificate(locale), HERE / f"certificate_{locale}.docx")
    print("templates written to", HERE)


if __name__ == "__main__":
    main()

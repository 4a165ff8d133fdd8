"""Page text in Kazakh (the default), Russian and English, and choosing among them.

The language is remembered in a cookie; a missing key falls back to English, then to the key
itself, so a forgotten translation shows up on the page instead of breaking it.
"""

from __future__ import annotations

from collections.abc import Callable

LOCALES = ("kk", "ru", "en")
DEFAULT_LOCALE = "kk"
COOKIE = "docflow_lang"

# One row per key: kk, ru, en.
_TEXT: dict[str, tuple[str, str, str]] = {
    "app.title": ("docflow", "docflow", "docflow"),
    "app.tagline": (
        "Заң консультанттарының құжаттары мен электрондық қолтаңбалары",
        "Документы и электронные подписи юридических консультантов",
        "Documents and e-signatures of legal consultants",
    ),
    "nav.verify": ("Тексеру", "Проверка", "Verify"),
    "nav.archive": ("Мұрағат", "Архив", "Archive"),
    "nav.review": ("Қарау", "Рассмотрение", "Review"),
    "nav.dashboard": ("Шолу", "Сводка", "Dashboard"),
    "nav.roadmap": ("Жол картасы", "Дорожная карта", "Roadmap"),
    "nav.login": ("Кіру", "Войти", "Log in"),
    "nav.logout": ("Шығу", "Выйти", "Log out"),
    "nav.language": ("Тіл", "Язык", "Language"),
    # verify
    "verify.title": ("Құжатты тексеру", "Проверка документа", "Verify a document"),
    "verify.intro": (
        "Қол қойылған PDF файлын жүктеңіз: қолтаңбалар, олардың уақыты және құжаттың "
        "өзгермегені тексеріледі. Файл сақталмайды.",
        "Загрузите подписанный PDF: будут проверены подписи, время подписания и "
        "неизменность документа. Файл не сохраняется.",
        "Upload a signed PDF: its signatures, when they were made and whether the document "
        "changed are checked. The file is not kept.",
    ),
    "verify.file": ("PDF файлы (20 МБ дейін)", "Файл PDF (до 20 МБ)", "PDF file (up to 20 MB)"),
    "verify.submit": ("Тексеру", "Проверить", "Verify"),
    "verify.result": ("Тексеру нәтижесі", "Результат проверки", "Verification result"),
    "verify.file_name": ("Файл", "Файл", "File"),
    "verify.checked_at": ("Тексерілген уақыты", "Время проверки", "Checked at"),
    "verdict.valid": ("Жарамды", "Действителен", "Valid"),
    "verdict.invalid": ("Жарамсыз", "Недействителен", "Invalid"),
    "verdict.indeterminate": ("Анықталмаған", "Не определено", "Indeterminate"),
    "verdict.valid.explain": (
        "Барлық қолтаңба бүтін және сенімді, құжат қол қойылғаннан кейін өзгертілмеген.",
        "Все подписи целы и доверенны, документ не изменялся после подписания.",
        "Every signature is intact and trusted; the document was not changed after signing.",
    ),
    "verdict.invalid.explain": (
        "Құжатқа сенуге болмайды: төмендегі себептерді қараңыз.",
        "Документу нельзя доверять: см. причины ниже.",
        "The document cannot be trusted: see the reasons below.",
    ),
    "verdict.indeterminate.explain": (
        "Қолтаңбаларды толық тексеру мүмкін болмады: төмендегі себептерді қараңыз.",
        "Подписи не удалось проверить полностью: см. причины ниже.",
        "The signatures could not be fully checked: see the reasons below.",
    ),
    "sig.heading": ("Қолтаңба", "Подпись", "Signature"),
    "sig.signer": ("Қол қойған", "Подписант", "Signed by"),
    "sig.role": ("Рөлі", "Роль", "Role"),
    "sig.iin": ("ЖСН", "ИИН", "IIN"),
    "sig.signed_at": ("Қол қойылған уақыты", "Время подписания", "Signed at"),
    "sig.timestamp": ("Уақыт белгісі", "Метка времени", "Timestamp"),
    "sig.intact": ("Бүтіндігі", "Целостность", "Intact"),
    "sig.trusted": ("Сенімді сертификат", "Доверенный сертификат", "Trusted certificate"),
    "sig.revocation": ("Кері қайтарып алу", "Отзыв сертификата", "Revocation"),
    "sig.modified_after": (
        "Қол қойылғаннан кейінгі өзгерістер",
        "Изменения после подписания",
        "Changed after signing",
    ),
    "sig.verdict": ("Қорытынды", "Итог", "Verdict"),
    "sig.reasons": ("Себептер", "Причины", "Reasons"),
    "sig.not_checked": ("тексерілмеді", "не проверялось", "not checked"),
    "sig.bytes_changed": (
        "қол қойылған байттар өзгертілген",
        "подписанные байты изменены",
        "the signed bytes were changed",
    ),
    "sig.details": ("Қолтаңбалар туралы толығырақ", "Подробнее о подписях", "Signature details"),
    "cert.signature_bad": (
        "Сертификат файлының қолтаңбасы жарамсыз: сертификатқа сенуге болмайды.",
        "Подпись файла сертификата недействительна: сертификату нельзя доверять.",
        "The certificate file's signature is not valid: the certificate cannot be trusted.",
    ),
    "cert.revoked_note": (
        "Берген ұйым бұл сертификатты кері қайтарып алды: ол енді есепке алынбайды.",
        "Выдавшая организация отозвала этот сертификат: он больше не учитывается.",
        "The issuer revoked this certificate: it no longer counts.",
    ),
    "cert.active_note": (
        "Сертификат docflow мұрағатында тіркелген, қолтаңбасы жарамды.",
        "Сертификат зарегистрирован в архиве docflow, его подпись действительна.",
        "The certificate is registered in the docflow archive and its signature is valid.",
    ),
    "none": ("жоқ", "нет", "none"),
    "yes": ("иә", "да", "yes"),
    "no": ("жоқ", "нет", "no"),
    "modified.none": ("өзгеріс жоқ", "изменений нет", "no changes"),
    "modified.signatures_only": (
        "тек кейінгі қолтаңбалар",
        "только последующие подписи",
        "only later signatures",
    ),
    "modified.form_filling": ("форма толтыру", "заполнение формы", "form filling"),
    "modified.annotations": ("ескертпелер", "аннотации", "annotations"),
    "modified.other": ("басқа өзгерістер", "другие изменения", "other changes"),
    "revocation.good": ("кері қайтарылмаған", "не отозван", "not revoked"),
    "revocation.revoked": ("КЕРІ ҚАЙТАРЫЛҒАН", "ОТОЗВАН", "REVOKED"),
    "revocation.unknown": ("белгісіз", "неизвестно", "unknown"),
    "role.consultant": ("заң консультанты", "юридический консультант", "legal consultant"),
    "role.officer": ("палата қызметкері", "сотрудник палаты", "chamber officer"),
    "role.issuer": ("сертификат берген", "выдавший сертификат", "issuer"),
    "role.chair": ("төраға", "председатель", "chair"),
    "role.timestamp": ("құжат уақыт белгісі", "метка времени документа", "document timestamp"),
    "archive.known": (
        "Бұл файл docflow мұрағатында тіркелген (дәл осы байттар).",
        "Этот файл зарегистрирован в архиве docflow (точно эти байты).",
        "This file is registered in the docflow archive (exactly these bytes).",
    ),
    "archive.unknown": (
        "Бұл файл docflow мұрағатында жоқ: ол басқа жерде жасалған немесе өзгертілген.",
        "Этого файла нет в архиве docflow: он создан в другом месте или изменён.",
        "This file is not in the docflow archive: it was made elsewhere or changed.",
    ),
    "archive.record": ("Жазба", "Запись", "Record"),
    "upload.too_large": (
        "Файл тым үлкен: 20 МБ-тан аспауы керек.",
        "Файл слишком большой: не более 20 МБ.",
        "The file is too large: at most 20 MB.",
    ),
    "upload.missing": ("PDF файлын таңдаңыз.", "Выберите файл PDF.", "Choose a PDF file."),
    "upload.unreadable": (
        "Бұл файлды PDF ретінде оқу мүмкін емес.",
        "Этот файл не удаётся прочитать как PDF.",
        "This file cannot be read as a PDF.",
    ),
    # certificate page (/v/<serial>)
    "cert.title": ("Сертификатты тексеру", "Проверка сертификата", "Certificate check"),
    "cert.serial": ("Сериялық нөмірі", "Серийный номер", "Serial number"),
    "cert.participant": ("Қатысушы", "Участник", "Participant"),
    "cert.event": ("Іс-шара", "Мероприятие", "Event"),
    "cert.organizer": ("Ұйымдастырушы", "Организатор", "Organizer"),
    "cert.date": ("Күні", "Дата", "Date"),
    "cert.hours": ("Сағат", "Часов", "Hours"),
    "cert.points": ("Балл", "Баллы", "Points"),
    "cert.issuer": ("Берген", "Выдал", "Issued by"),
    "cert.status": ("Күйі", "Статус", "Status"),
    "cert.active": (
        "Жарамды (кері қайтарылмаған)",
        "Действует (не отозван)",
        "Valid (not revoked)",
    ),
    "cert.revoked": ("КЕРІ ҚАЙТАРЫЛҒАН", "ОТОЗВАН", "REVOKED"),
    "cert.not_found": (
        "Мұндай нөмірлі сертификат табылмады.",
        "Сертификат с таким номером не найден.",
        "No certificate with this serial number was found.",
    ),
    "cert.signature": ("Файлдың қолтаңбасы", "Подпись файла", "The file's signature"),
    # login
    "login.title": ("Жүйеге кіру", "Вход в систему", "Log in"),
    "login.name": ("Пайдаланушы аты", "Имя пользователя", "User name"),
    "login.password": ("Құпиясөз", "Пароль", "Password"),
    "login.submit": ("Кіру", "Войти", "Log in"),
    "login.failed": (
        "Пайдаланушы аты немесе құпиясөз қате.",
        "Неверное имя пользователя или пароль.",
        "Wrong user name or password.",
    ),
    "login.throttled": (
        "Тым көп сәтсіз әрекет. Бірнеше минуттан кейін қайталаңыз.",
        "Слишком много неудачных попыток. Повторите через несколько минут.",
        "Too many failed attempts. Try again in a few minutes.",
    ),
    "login.expired": (
        "Сеанс аяқталды, қайта кіріңіз.",
        "Сеанс истёк, войдите снова.",
        "Your session ended; please log in again.",
    ),
    "login.as": ("Кірген", "Вы вошли как", "Logged in as"),
    # errors
    "error.forbidden": ("Рұқсат жоқ", "Доступ запрещён", "Forbidden"),
    "error.forbidden.text": (
        "Бұл бетке сіздің рөліңізбен кіруге болмайды.",
        "Ваша роль не даёт доступа к этой странице.",
        "Your role does not give access to this page.",
    ),
    "error.csrf": (
        "Форма ескірген немесе жалған. Бетті жаңартып, қайталаңыз.",
        "Форма устарела или подделана. Обновите страницу и повторите.",
        "The form is stale or forged. Reload the page and try again.",
    ),
    "error.not_found": ("Табылмады", "Не найдено", "Not found"),
    "error.service": (
        "Әрекетті орындау мүмкін болмады",
        "Действие не удалось выполнить",
        "The action could not be completed",
    ),
    "back": ("Артқа", "Назад", "Back"),
    # archive
    "archive.title": ("Мұрағат", "Архив", "Archive"),
    "archive.search": ("Іздеу", "Найти", "Search"),
    "archive.pages": ("Беттер", "Страницы", "Pages"),
    "archive.page": ("Бет", "Страница", "Page"),
    "archive.page_prev": ("Алдыңғы", "Назад", "Previous"),
    "archive.page_next": ("Келесі", "Далее", "Next"),
    "archive.clear": ("Тазарту", "Сбросить", "Clear"),
    "field.name": ("Аты-жөні", "ФИО", "Name"),
    "field.iin": ("ЖСН", "ИИН", "IIN"),
    "field.year": ("Жыл", "Год", "Year"),
    "field.chamber": ("Палата", "Палата", "Chamber"),
    "field.kind": ("Түрі", "Вид", "Kind"),
    "field.outcome": ("Нәтиже", "Итог", "Outcome"),
    "field.version": ("Нұсқа", "Версия", "Version"),
    "field.archived_at": ("Мұрағатталған", "В архиве с", "Archived"),
    "field.status": ("Күйі", "Статус", "Status"),
    "field.points": ("Балл", "Баллы", "Points"),
    "field.late": ("Кешіккен", "С опозданием", "Late"),
    "field.sha256": ("SHA-256", "SHA-256", "SHA-256"),
    "field.signers": ("Қол қойғандар", "Подписанты", "Signers"),
    "field.remarks": ("Ескертулер", "Замечания", "Remarks"),
    "field.id": ("Нөмір", "Номер", "ID"),
    "field.any": ("кез келген", "любой", "any"),
    "archive.results": ("Табылды", "Найдено", "Found"),
    "archive.recent": ("Соңғы жазбалар", "Последние записи", "Latest records"),
    "archive.no_results": ("Ештеңе табылмады.", "Ничего не найдено.", "Nothing found."),
    "archive.download": ("PDF жүктеу", "Скачать PDF", "Download PDF"),
    "archive.events": ("Оқиғалар журналы", "Журнал событий", "Audit events"),
    "archive.versions": ("Нұсқалар тізбегі", "Цепочка версий", "Version chain"),
    "archive.log": ("Мұрағат логы", "Журнал архива", "Archive log"),
    "archive.current": ("осы", "текущая", "this one"),
    "event.at": ("Уақыты", "Время", "When"),
    "event.type": ("Оқиға", "Событие", "Event"),
    "event.actor": ("Кім", "Кто", "Who"),
    "event.detail": ("Толығырақ", "Подробности", "Detail"),
    "event.received": ("қабылданды", "получен", "received"),
    "event.checked": ("тексерілді", "проверен", "checked"),
    "event.rendered": ("құжат жасалды", "документ сформирован", "rendered"),
    "event.signed": ("қол қойылды", "подписан", "signed"),
    "event.returned": ("қайтарылды", "возвращён", "returned"),
    "event.approved": ("мақұлданды", "одобрен", "approved"),
    "event.archived": ("мұрағатталды", "помещён в архив", "archived"),
    "event.stored": ("сақталды", "сохранён", "stored"),
    "event.status": ("күйі өзгерді", "статус изменён", "status changed"),
    "userrole.archivist": ("мұрағатшы", "архивист", "archivist"),
    "userrole.officer": ("палата қызметкері", "сотрудник палаты", "officer"),
    "userrole.admin": ("әкімші", "администратор", "administrator"),
    "form.other": ("басқа", "другое", "other"),
    "review.justification": ("Негіздеме", "Обоснование", "Justification"),
    "review.exemption": (
        "Мәлімделген босату (7.4-тармақ)",
        "Заявленное освобождение (п. 7.4)",
        "Claimed exemption (R-7.4)",
    ),
    "review.exemption_accept": (
        "Босатуды қабылдау: есеп босатылған деп қол қойылады",
        "Принять освобождение: отчёт подписывается как освобождённый",
        "Accept: the report is signed as exempt",
    ),
    "review.exemption_refuse": (
        "Бас тарту: міндет сақталады",
        "Отказать: обязанность сохраняется",
        "Refuse: the duty stands",
    ),
    "kind.cpd-report": ("КБД есебі", "Отчёт о ПП", "CPD report"),
    "kind.certificate": ("Сертификат", "Сертификат", "Certificate"),
    "outcome.compliant": ("нормаға сай", "норма выполнена", "compliant"),
    "outcome.below_norm": ("нормадан төмен", "ниже нормы", "below norm"),
    "outcome.exempt": ("босатылған", "освобождён", "exempt"),
    "outcome.returned": ("қайтарылған", "возвращён", "returned"),
    "outcome.issued": ("берілген", "выдан", "issued"),
    # review
    "review.title": ("Тексеруді күтетін есептер", "Отчёты на рассмотрении", "Reports to review"),
    "review.empty": ("Кезек бос.", "Очередь пуста.", "The queue is empty."),
    "review.received": ("Түскен", "Поступил", "Received"),
    "review.reasons": ("Неге қарау керек", "Почему нужно рассмотрение", "Why it needs a person"),
    "review.open": ("Ашу", "Открыть", "Open"),
    "review.findings": (
        "Ереже тексерісінің нәтижелері",
        "Замечания проверки правил",
        "Rule findings",
    ),
    "review.activities": ("Іс-шаралар", "Мероприятия", "Activities"),
    "review.form": ("Нысан", "Форма", "Form"),
    "review.activity": ("Атауы", "Название", "Title"),
    "review.organizer": ("Ұйымдастырушы", "Организатор", "Organizer"),
    "review.date": ("Күні", "Дата", "Date"),
    "review.claimed": ("Сұралған балл", "Заявлено баллов", "Claimed points"),
    "review.granted": ("Берілетін балл", "Засчитать баллов", "Points granted"),
    "review.evidence": ("Растайтын құжаттар", "Подтверждающие документы", "Evidence"),
    "review.total": ("Барлық балл", "Всего баллов", "Total points"),
    "review.approve": ("Мақұлдау және қол қою", "Одобрить и подписать", "Approve and sign"),
    "review.return": ("Ескертумен қайтару", "Вернуть с замечаниями", "Return with remarks"),
    "review.remarks": ("Ескертулер", "Замечания", "Remarks"),
    "review.comment": (
        "Жауапты адамның есепке комментарийі",
        "Комментарий ответственного лица к отчёту",
        "The responsible person's comment on the report",
    ),
    "review.comment_hint": (
        "Жауапты адам сәйкессіздіктерді көрсеткен, бірақ заң консультанты ескертулермен "
        "келіспеген жағдайда толтырылады.",
        "Заполняется, если ответственное лицо указало на несоответствия, а юридический "
        "консультант не согласился с замечаниями.",
        "Filled in only when the responsible person found nonconformities and the consultant "
        "disagrees with the remarks.",
    ),
    "review.approved": (
        "Есеп мақұлданып, мұрағатқа жіберілді.",
        "Отчёт одобрен и передан в архив.",
        "The report was approved and archived.",
    ),
    "review.handed": (
        "Шешім жазылды: есепті өңдеуші машина жалғастырады, нәтижесі жақында көрінеді.",
        "Решение записано: отчёт продолжит машина-обработчик, результат появится вскоре.",
        "The decision is recorded: a worker host goes on with the report; its outcome "
        "shows shortly.",
    ),
    "review.returned": (
        "Есеп ескертулермен қайтарылды.",
        "Отчёт возвращён с замечаниями.",
        "The report was returned with remarks.",
    ),
    "review.remarks_required": (
        "Қайтару үшін ескертулерді жазыңыз.",
        "Для возврата укажите замечания.",
        "Write remarks to return the report.",
    ),
    "review.points_invalid": (
        "Балл 0-ден 100-ге дейінгі бүтін сан болуы керек.",
        "Баллы должны быть целым числом от 0 до 100.",
        "Points must be a whole number from 0 to 100.",
    ),
    # dashboard
    "dash.title": ("Палаталар бойынша шолу", "Сводка по палатам", "Overview by chamber"),
    "dash.filed": ("Тапсырылған", "Подано", "Filed"),
    "dash.compliant": ("Нормаға сай", "Норма выполнена", "Compliant"),
    "dash.below_norm": ("Нормадан төмен", "Ниже нормы", "Below norm"),
    "dash.exempt": ("Босатылған", "Освобождены", "Exempt"),
    "dash.late": ("Кешіккен", "С опозданием", "Late"),
    "dash.returned": ("Қайтарылған", "Возвращено", "Returned"),
    "dash.waiting": ("Қарауды күтуде", "Ждут рассмотрения", "Waiting for review"),
    "dash.empty": ("Әзірге дерек жоқ.", "Данных пока нет.", "No data yet."),
    "dash.unknown_chamber": ("(палата көрсетілмеген)", "(палата не указана)", "(no chamber)"),
}


# The verify service states its reasons in English; the common ones are shown translated, any
# other reason as it is (never hidden).
_REASONS: dict[str, tuple[str, str]] = {
    "the document is not signed": ("құжатқа қол қойылмаған", "документ не подписан"),
    "the signed bytes were changed after signing (the digest does not match)": (
        "қол қойылған байттар қол қойылғаннан кейін өзгертілген (хэш сәйкес емес)",
        "подписанные байты изменены после подписания (хэш не совпадает)",
    ),
    "the cryptographic signature does not verify": (
        "криптографиялық қолтаңба расталмайды",
        "криптографическая подпись не подтверждается",
    ),
    "the document timestamp does not match the bytes it covers": (
        "құжаттың уақыт белгісі ол қамтитын байттарға сәйкес емес",
        "метка времени документа не соответствует защищаемым байтам",
    ),
    "the signature timestamp is damaged": (
        "қолтаңбаның уақыт белгісі бүлінген",
        "метка времени подписи повреждена",
    ),
    "the signature timestamp's authority is not trusted": (
        "уақыт белгісін берген орталыққа сенім жоқ",
        "центру меток времени нет доверия",
    ),
    "the signer's certificate had expired at the validation time": (
        "тексеру уақытында қол қоюшының сертификатының мерзімі өткен",
        "на момент проверки сертификат подписанта истёк",
    ),
    "the signer's certificate was not yet valid at the validation time": (
        "тексеру уақытында қол қоюшының сертификаты әлі күшіне енбеген",
        "на момент проверки сертификат подписанта ещё не действовал",
    ),
    "the signer's certificate does not chain to a trusted root": (
        "қол қоюшының сертификаты сенімді түбір орталыққа жетпейді",
        "сертификат подписанта не ведёт к доверенному корневому центру",
    ),
    "the signer's certificate is not allowed for signing documents": (
        "қол қоюшының сертификаты құжатқа қол қоюға арналмаған",
        "сертификат подписанта не предназначен для подписи документов",
    ),
    "the signature does not cover its whole revision of the document": (
        "қолтаңба құжаттың өз нұсқасын толық қамтымайды",
        "подпись не покрывает свою редакцию документа целиком",
    ),
    "the signer's certificate is not in the signature, so it cannot be checked": (
        "қолтаңбада қол қоюшының сертификаты жоқ, сондықтан оны тексеру мүмкін емес",
        "в подписи нет сертификата подписанта, поэтому её нельзя проверить",
    ),
}


def reason(locale: str, text: str) -> str:
    """A verify reason in the page language when it is a known one, else unchanged."""
    prefix, sep, rest = text.partition(": ")
    if sep and rest in _REASONS and text not in _REASONS:
        return f"{prefix}: {reason(locale, rest)}"
    row = _REASONS.get(text)
    if row is None or locale == "en":
        return text
    return row[0] if locale == "kk" else row[1]


def translate(locale: str, key: str) -> str:
    row = _TEXT.get(key)
    if row is None:
        return key
    index = LOCALES.index(locale) if locale in LOCALES else 0
    return row[index] or row[2]


def label(locale: str, prefix: str, value: object) -> str:
    """The translation of ``prefix.value`` (a role, kind, outcome), else the value itself."""
    if value is None or value == "":
        return "—"
    key = f"{prefix}.{value}"
    return translate(locale, key) if key in _TEXT else str(value)


def translator(locale: str) -> Callable[[str], str]:
    return lambda key: translate(locale, key)


def pick_locale(cookie: str | None, query: str | None = None) -> str:
    """The page language: an explicit ``?lang=``, then the cookie, then Kazakh."""
    for candidate in (query, cookie):
        if candidate in LOCALES:
            return str(candidate)
    return DEFAULT_LOCALE


def keys() -> frozenset[str]:
    return frozenset(_TEXT)

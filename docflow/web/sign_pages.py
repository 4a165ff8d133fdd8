"""``/sign``: the logged-in person's signing requests, signed in the browser through NCALayer.

``/sign`` lists the open requests for the IIN the user signs as (``docflow users iin NAME
IIN``); ``/sign/<id>`` shows one, loads ``ncalayer-js-client`` (static/vendor),
``static/ncalayer_flow.js`` (the NCALayer round all three pages share: its texts come from the
page, templates/_ncalayer.html) and ``static/sign.js``, which fetches the bytes to sign from
``/sign/<id>/data``, has NCALayer sign them (detached CMS, ``digested: false``,
``signerParams.iin`` = the expected IIN) and posts the CMS back to ``/sign/<id>``, where
``SignRequests.submit`` checks and completes it.
The page's CSP allows a WebSocket to NCALayer on loopback and nothing else outside the site.

``/sign/batch/<token>`` signs every open request of one batch (an event's certificates, issue
15) with ONE NCALayer call: ``kz.gov.pki.knca.basics`` ``sign`` takes an array of data and
answers an array of CMS (ncalayer-js-client's ``basicsSignCMS`` with an array; its
``multisignAvailable`` is true). Each CMS is then checked and completed on its own.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from docflow.errors import DocflowError
from docflow.sign._stamp import role_name
from docflow.signreq import (
    RequestClosed,
    SignRequestRecord,
    SignRequests,
    SubmitResult,
    UnknownSignRequest,
    WaitingOn,
    batch_of,
    due,
    home_services,
    home_trust,
    signing_modes,
)
from docflow.web.context import SESSION_COOKIE, WebContext, safe_next
from docflow.web.people import person_for_iin, web_user_for

log = logging.getLogger("docflow.web.sign")

NCALAYER_URL = "wss://127.0.0.1:13579"
SIGN_PAGE_CSP = (
    "default-src 'self'; connect-src 'self' " + NCALAYER_URL + "; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
MAX_CMS_CHARS = 512 * 1024
#: Signatures of a batch completed while the page waits; a larger batch is completed in the
#: background (each takes ~0.3-0.5 s: check, signature timestamp, DSS, document timestamp),
#: and the page lists what still waits. ``ctx.extras["signreq.batch_inline"]`` overrides it.
BATCH_INLINE = 20

TEXTS: dict[str, tuple[str, str, str]] = {
    "wait.title": ("Қол қоюды күтетіндер", "Ожидают подписи", "Signatures waiting"),
    "wait.person": ("Кім", "Кто", "Who"),
    "wait.roles": ("Рөлі", "Роль", "Role"),
    "wait.count": ("Құжаттар", "Документов", "Documents"),
    "wait.days": ("Күн күтуде", "Дней ждёт", "Days waiting"),
    "wait.overdue": ("Ескертілді", "Напомнено", "Reminded"),
    "wait.flagged": ("Офицерге белгіленді", "Отмечено офицеру", "Flagged to the officer"),
    "wait.none": (
        "Ешкімнің қолы күтілмейді.",
        "Ничья подпись не ожидается.",
        "No signature is waiting.",
    ),
    "due.remind": (
        "Мерзімі өтті: қол қоюыңызды сұраймыз",
        "Срок прошёл: просим подписать",
        "Overdue: please sign",
    ),
    "due.flag": (
        "Мерзімі өтті, офицерге хабарланды",
        "Срок прошёл, сообщено офицеру",
        "Overdue, flagged to the officer",
    ),
    "list.title": ("Қол қою сұраулары", "Запросы на подпись", "Signing requests"),
    "list.empty": (
        "Сіздің қолыңызды күтетін құжат жоқ.",
        "Нет документов, ожидающих вашей подписи.",
        "No document waits for your signature.",
    ),
    "list.no_iin": (
        "Сіздің ЖСН-іңіз көрсетілмеген: әкімші `docflow users iin` арқылы байлауы керек.",
        "Ваш ИИН не указан: администратор должен связать его командой `docflow users iin`.",
        "Your IIN is not set: an administrator links it with `docflow users iin`.",
    ),
    "list.open": ("Ашу", "Открыть", "Open"),
    "col.document": ("Құжат", "Документ", "Document"),
    "col.field": ("Рөл", "Роль", "Role"),
    "col.signer": ("Қол қоюшы", "Подписант", "Signer"),
    "col.created": ("Жасалды", "Создан", "Created"),
    "col.expires": ("Мерзімі", "Срок", "Expires"),
    "col.state": ("Күйі", "Состояние", "State"),
    "state.open": ("Қолды күтуде", "Ожидает подписи", "Awaiting signature"),
    "state.signed": ("Қол қойылды", "Подписано", "Signed"),
    "state.cancelled": ("Болдырылмады", "Отменён", "Cancelled"),
    "item.title": ("Құжатқа қол қою", "Подписание документа", "Sign the document"),
    "item.view_pdf": (
        "Қол қойылатын құжатты қарау (PDF)",
        "Посмотреть подписываемый документ (PDF)",
        "View the document to be signed (PDF)",
    ),
    "item.button": (
        "NCALayer арқылы қол қою",
        "Подписать через NCALayer",
        "Sign with NCALayer",
    ),
    "item.hint": (
        "NCALayer іске қосылған болуы керек; қол қою кілтін таңдаңыз (AUTH емес).",
        "NCALayer должен быть запущен; выберите ключ для подписи (не AUTH).",
        "NCALayer must be running; choose your signing key (not the AUTH one).",
    ),
    "item.signed": (
        "Қолыңыз қабылданды: құжатқа қол қойылды.",
        "Подпись принята: документ подписан.",
        "Your signature was accepted: the document is signed.",
    ),
    "item.refused": (
        "Қолтаңба қабылданбады; сұрау ашық қалды:",
        "Подпись не принята; запрос остаётся открытым:",
        "The signature was refused; the request stays open:",
    ),
    "login.title": ("Кілтпен кіру", "Вход по ключу ЭЦП", "Log in with your key"),
    "login.hint": (
        "NCALayer арқылы аутентификация кілтіңізбен (AUTH) бір реттік кодқа қол қойыңыз.",
        "Подпишите одноразовый код ключом аутентификации (AUTH) через NCALayer.",
        "Sign a one-time code with your authentication (AUTH) key through NCALayer.",
    ),
    "login.button": ("NCALayer арқылы кіру", "Войти через NCALayer", "Log in with NCALayer"),
    "login.password": ("Құпиясөзбен кіру", "Вход по паролю", "Log in with a password"),
    "login.nonce": (
        "Бір реттік код ескірген немесе қолданылған; қайталап көріңіз.",
        "Одноразовый код устарел или уже использован; попробуйте ещё раз.",
        "The one-time code expired or was used; try again.",
    ),
    "login.unknown": (
        "Бұл ЖСН ешбір пайдаланушыға байланбаған.",
        "Этот ИИН не связан ни с одним пользователем.",
        "This IIN is not linked to any user.",
    ),
    "batch.title": (
        "Топтаманың барлық құжатына қол қою",
        "Подписать все документы пакета",
        "Sign every document of the batch",
    ),
    "batch.count": ("Құжаттар саны", "Документов", "Documents"),
    "batch.link": ("Барлығына бір рет қол қою", "Подписать все разом", "Sign all at once"),
    "batch.button": (
        "NCALayer арқылы барлығына қол қою",
        "Подписать все через NCALayer",
        "Sign all with NCALayer",
    ),
    "batch.signed": ("Қол қойылды", "Подписано", "Signed"),
    "batch.checking": (
        "Қолтаңбалар қабылданды, docflow оларды тексеріп жатыр. Бетті жаңартыңыз: әлі күтіп "
        "тұрған сұраулар төменде; қабылданбағанының себебі оның бетінде.",
        "Подписи получены, docflow их проверяет. Обновите страницу: ниже остаются ещё "
        "ожидающие запросы; причина отказа — на странице запроса.",
        "The signatures arrived and docflow is checking them. Reload the page: the requests "
        "still waiting stay listed below; a refusal's reason is on its request's page.",
    ),
    "batch.refused": ("Қабылданбады", "Не принято", "Refused"),
    "js.connecting": ("NCALayer-ге қосылу…", "Подключение к NCALayer…", "Connecting to NCALayer…"),
    "js.signing": ("NCALayer-де қол қойыңыз…", "Подпишите в NCALayer…", "Sign in NCALayer…"),
    "js.cancelled": ("Қол қою тоқтатылды.", "Подписание отменено.", "Signing was cancelled."),
    "js.error": ("NCALayer қатесі:", "Ошибка NCALayer:", "NCALayer error:"),
    "js.unreachable": (
        "NCALayer-ге қосылу мүмкін болмады: NCALayer іске қосылғанын тексеріп, қайталап көріңіз.",
        "Не удалось подключиться к NCALayer: проверьте, что NCALayer запущен, и повторите.",
        "Could not connect to NCALayer: check that NCALayer is running and try again.",
    ),
    "js.closed": (
        "NCALayer байланысты үзді: NCALayer-ді қайта іске қосып, қайталап көріңіз.",
        "NCALayer закрыл соединение: перезапустите NCALayer и повторите.",
        "NCALayer closed the connection: start NCALayer again and retry.",
    ),
    "js.no_data": (
        "Қол қойылатын деректер алынбады: сұрау жабылған болуы мүмкін. Бетті жаңартыңыз.",
        "Не удалось получить данные для подписи: возможно, запрос уже закрыт. Обновите страницу.",
        "Could not get the data to sign: the request may be closed. Reload the page.",
    ),
}
_INDEX = {"kk": 0, "ru": 1, "en": 2}


def texts(locale: str) -> Callable[[str], str]:
    i = _INDEX.get(locale, 1)
    return lambda key: TEXTS[key][i] if key in TEXTS else key


def store_of(ctx: WebContext) -> SignRequests:
    store = ctx.extras.get("signreq")
    if store is None:
        store = ctx.extras["signreq"] = SignRequests(ctx.home)
    return store


def signature_waits(ctx: WebContext) -> list[WaitingOn]:
    """For the dashboard: on whom signatures wait, how many, since when, and how many are
    reminded (older than ``[signing] request_days``) or flagged to the officer (twice)."""
    days = signing_modes(ctx.home).request_days
    return store_of(ctx).waiting(request_days=days)


def submit(ctx: WebContext, request_id: str, signed: bytes) -> SubmitResult:
    """Check and complete, with the home's trust anchors and TSA (run it off the event loop)."""
    store = store_of(ctx)
    trust = ctx.extras.get("signreq.trust") or home_trust(ctx.home)
    with home_services(ctx.home) as services:
        return store.submit(request_id, signed, trust=trust, services=services)


def submit_many(ctx: WebContext, pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Check and complete each ``(request id, CMS text)`` on its own (one trust-services
    start for all): ``[{"id", "accepted", "refusals"}]``. A refused one stays open."""
    store = store_of(ctx)
    trust = ctx.extras.get("signreq.trust") or home_trust(ctx.home)
    results: list[dict[str, Any]] = []
    with home_services(ctx.home) as services:
        for request_id, cms_text in pairs:
            try:
                result = store.submit(
                    request_id, cms_text.encode("ascii"), trust=trust, services=services
                )
            except (DocflowError, UnicodeEncodeError) as exc:
                log.warning("signature for request %s not completed: %s", request_id, exc)
                results.append({"id": request_id, "accepted": False, "refusals": []})
                continue
            results.append(
                {
                    "id": request_id,
                    "accepted": result.accepted,
                    "refusals": [r.to_json() for r in result.check.refusals],
                }
            )
    return results


def _complete_in_background(ctx: WebContext, token: str, pairs: list[tuple[str, str]]) -> None:
    """``submit_many`` on a thread of its own (one per batch at a time): the page returns at
    once. Each request's outcome is on its row (signed, or open with ``last_refusal``)."""
    running: dict[str, threading.Thread] = ctx.extras.setdefault("signreq.batches", {})
    alive = running.get(token)
    if alive is not None and alive.is_alive():
        return  # the same batch posted twice: the first answers are being checked

    def work() -> None:
        results = submit_many(ctx, pairs)
        log.info(
            "batch %s: %d of %d signatures accepted",
            token,
            sum(1 for r in results if r["accepted"]),
            len(results),
        )

    thread = threading.Thread(target=work, name=f"docflow-sign-batch-{token}", daemon=True)
    running[token] = thread
    thread.start()


def _plain_refusal(key: str) -> dict[str, str]:
    kk, ru, en = TEXTS[key]
    return {"code": key.split(".")[-1], "kk": kk, "ru": ru, "en": en, "detail": ""}


def login_with_key(ctx: WebContext, nonce: str, cms_text: str) -> tuple[str | None, list[Any]]:
    """(user name, refusals) for a signed login nonce; the nonce is used up either way."""
    from docflow.sign import SignedBytes, check_cms

    store = store_of(ctx)
    if not store.use_login_nonce(nonce):
        return None, [_plain_refusal("login.nonce")]
    trust = ctx.extras.get("signreq.trust") or home_trust(ctx.home)
    with home_services(ctx.home):  # the demo OCSP/CRL responders, for the revocation check
        status = check_cms(
            cms_text.encode("ascii"),
            SignedBytes(base64.b64decode(nonce)),
            expected_iin=None,
            trust=trust,
            purpose="login",
        )
    if not status.accepted:
        return None, [r.to_json() for r in status.refusals]
    name = store.user_for_iin(status.signer_iin)
    if name is None and status.signer_iin:
        # Not linked yet: an enrolled officer, or a consultant of a roster (issue 15).
        person = person_for_iin(ctx.home, status.signer_iin)
        if person is not None:
            name = web_user_for(person, ctx.auth, store)
    if name is None or name not in {u.name for u in ctx.auth.users()}:
        return None, [_plain_refusal("login.unknown")]
    return name, []


def install(app: FastAPI, ctx: WebContext) -> None:
    def own_request(request: Request, request_id: str) -> SignRequestRecord | None:
        user = ctx.require(request)
        iin = store_of(ctx).user_iin(user.name)
        try:
            record = store_of(ctx).get(request_id)
        except UnknownSignRequest:
            return None
        # someone else's request is as good as absent (no hint that it exists)
        return record if iin is not None and record.expected_iin == iin else None

    def not_found(request: Request) -> Response:
        return ctx.render(
            request, "error.html", 404, title_key="error.not_found", message_key="error.not_found"
        )

    def page(request: Request, record: SignRequestRecord, **extra: Any) -> Response:
        response = ctx.render(
            request,
            "sign_item.html",
            req=record,
            s=texts(ctx.locale(request)),
            role_name=role_name,
            ncalayer_url=NCALAYER_URL,
            accepted=extra.get("accepted", False),
            refusals=extra.get("refusals") or [],
        )
        response.headers["content-security-policy"] = SIGN_PAGE_CSP
        return response

    def login_page(
        request: Request, next_path: str, refusals: list[Any], status: int = 200
    ) -> Response:
        response = ctx.render(
            request,
            "login_key.html",
            status,
            s=texts(ctx.locale(request)),
            nonce=store_of(ctx).new_login_nonce(),
            next=next_path,
            refusals=refusals,
            ncalayer_url=NCALAYER_URL,
        )
        response.headers["content-security-policy"] = SIGN_PAGE_CSP
        return response

    @app.get("/login/key")
    def login_key_form(request: Request, next: str | None = None) -> Response:
        return login_page(request, safe_next(next, ""), [])

    @app.post("/login/key")
    async def login_key(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=10)
        ctx.check_csrf(request, form)
        nonce = str(form.get("nonce") or "")[:100]
        cms_text = str(form.get("cms") or "")
        next_path = safe_next(str(form.get("next") or ""), "")
        if not nonce or not cms_text or len(cms_text) > MAX_CMS_CHARS:
            return login_page(request, next_path, [_plain_refusal("login.nonce")], 400)
        try:
            name, refusals = await run_in_threadpool(login_with_key, ctx, nonce, cms_text)
        except (DocflowError, ValueError) as exc:
            log.info("key login failed: %s", exc)
            name, refusals = None, [_plain_refusal("login.nonce")]
        user = next((u for u in ctx.auth.users() if u.name == name), None) if name else None
        if user is None:
            log.info("key login refused: %s", [r.get("code") for r in refusals])
            return login_page(request, next_path, refusals, 401)
        ctx.auth.close_session(request.cookies.get(SESSION_COOKIE))
        token = ctx.auth.open_session(user)
        response = RedirectResponse(next_path or "/sign", status_code=303)
        ctx.set_cookie(response, SESSION_COOKIE, token)
        log.info("user %s logged in with a key", user.name)
        return response

    def own_batch(request: Request, token: str) -> list[SignRequestRecord]:
        """The open requests of batch ``token`` that wait for the logged-in person."""
        user = ctx.require(request)
        store = store_of(ctx)
        iin = store.user_iin(user.name)
        if iin is None:
            return []
        return [r for r in store.of_batch(token) if r.expected_iin == iin]

    def batch_page(
        request: Request, token: str, records: list[SignRequestRecord], **extra: Any
    ) -> Response:
        response = ctx.render(
            request,
            "sign_batch.html",
            token=token,
            reqs=records,
            s=texts(ctx.locale(request)),
            role_name=role_name,
            ncalayer_url=NCALAYER_URL,
            results=extra.get("results") or [],
            checking=extra.get("checking", 0),
        )
        response.headers["content-security-policy"] = SIGN_PAGE_CSP
        return response

    @app.get("/sign/batch/{token}")
    def sign_batch(request: Request, token: str) -> Response:
        records = own_batch(request, token)
        if not records:
            return not_found(request)
        return batch_page(request, token, records)

    @app.get("/sign/batch/{token}/data")
    def sign_batch_data(request: Request, token: str) -> Response:
        records = own_batch(request, token)
        if not records:
            return PlainTextResponse("not found", status_code=404)
        store = store_of(ctx)
        body = {
            "ids": [r.id for r in records],
            "data": [
                base64.b64encode(store.prepared(r.id).signed_bytes()).decode("ascii")
                for r in records
            ],
        }
        return Response(
            json.dumps(body), media_type="application/json", headers={"cache-control": "no-store"}
        )

    @app.post("/sign/batch/{token}")
    async def sign_batch_post(request: Request, token: str) -> Response:
        records = {r.id: r for r in own_batch(request, token)}
        if not records:
            return not_found(request)
        form = await request.form(max_files=0, max_fields=10)
        ctx.check_csrf(request, form)
        answers = form.get("answers")
        if not isinstance(answers, str) or len(answers) > MAX_CMS_CHARS * (len(records) + 1):
            return RedirectResponse(f"/sign/batch/{token}", status_code=303)
        try:
            parsed = json.loads(answers)
            pairs = list(zip(parsed["ids"], parsed["cms"], strict=True))
        except (ValueError, KeyError, TypeError):
            return RedirectResponse(f"/sign/batch/{token}", status_code=303)
        # only this person's open requests of this batch; anything else is ignored
        pairs = [(str(i), c) for i, c in pairs if str(i) in records and isinstance(c, str)]
        if len(pairs) > int(ctx.extras.get("signreq.batch_inline", BATCH_INLINE)):
            _complete_in_background(ctx, token, pairs)
            return batch_page(request, token, list(records.values()), checking=len(pairs))
        results = await run_in_threadpool(submit_many, ctx, pairs)
        log.info(
            "batch %s: %d of %d signatures accepted",
            token,
            sum(1 for r in results if r["accepted"]),
            len(results),
        )
        return batch_page(request, token, own_batch(request, token), results=results)

    @app.get("/sign")
    def sign_list(request: Request) -> Response:
        user = ctx.require(request)
        store = store_of(ctx)
        iin = store.user_iin(user.name)
        records = store.list(iin=iin) if iin else []
        days = signing_modes(ctx.home).request_days
        now = datetime.now(UTC)
        batches: dict[str, int] = {}
        for r in records:
            batch = batch_of(r.document)
            if batch is not None:
                batches[batch] = batches.get(batch, 0) + 1
        return ctx.render(
            request,
            "sign_list.html",
            batches={b: n for b, n in batches.items() if n > 1},
            requests=records,
            due={r.id: due(r, request_days=days, now=now) for r in records},
            iin=iin,
            s=texts(ctx.locale(request)),
            role_name=role_name,
        )

    @app.get("/sign/{request_id}")
    def sign_item(request: Request, request_id: str) -> Response:
        record = own_request(request, request_id)
        if record is None:
            return not_found(request)
        done = request.query_params.get("done") == "1" and record.state == "signed"
        return page(request, record, accepted=done, refusals=record.last_refusal)

    @app.get("/sign/{request_id}/data")
    def sign_data(request: Request, request_id: str) -> Response:
        record = own_request(request, request_id)
        if record is None or record.state != "open":
            return PlainTextResponse("not found", status_code=404)
        prepared = store_of(ctx).prepared(record.id)
        body = base64.b64encode(prepared.signed_bytes())
        return Response(body, media_type="text/plain", headers={"cache-control": "no-store"})

    @app.get("/sign/{request_id}/pdf")
    def sign_pdf(request: Request, request_id: str) -> Response:
        record = own_request(request, request_id)
        if record is None:
            return not_found(request)
        store = store_of(ctx)
        data = store.signed_pdf(record.id) if record.state == "signed" else None
        if data is None:
            data = store.prepared(record.id).pdf
        return Response(
            data,
            media_type="application/pdf",
            headers={
                "content-disposition": f'inline; filename="{record.id}.pdf"',
                "cache-control": "no-store",
            },
        )

    @app.post("/sign/{request_id}")
    async def sign_post(request: Request, request_id: str) -> Response:
        record = own_request(request, request_id)
        if record is None:
            return not_found(request)
        form = await request.form()
        ctx.check_csrf(request, form)
        cms_text = form.get("cms")
        if not isinstance(cms_text, str) or not cms_text.strip() or len(cms_text) > MAX_CMS_CHARS:
            return RedirectResponse(f"/sign/{record.id}", status_code=303)
        try:
            result = await run_in_threadpool(submit, ctx, record.id, cms_text.encode("ascii"))
        except RequestClosed:
            return RedirectResponse(f"/sign/{record.id}", status_code=303)
        except (DocflowError, UnicodeEncodeError) as exc:
            log.warning("signature for request %s not completed: %s", record.id, exc)
            return RedirectResponse(f"/sign/{record.id}", status_code=303)
        if result.accepted:
            log.info("request %s signed by IIN %s", record.id, result.check.signer_iin)
            return RedirectResponse(f"/sign/{record.id}?done=1", status_code=303)
        return page(request, result.request, refusals=[r.to_json() for r in result.check.refusals])

"""``docflow sign-requests …`` (requests waiting for a person's own signature) and
``docflow users token|iin`` (API tokens, and the IIN a web user signs as)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from docflow.config import Home
from docflow.i18n import cli_locale, message, role_label


def _lang() -> str:
    return cli_locale(click.get_current_context().meta.get("docflow.lang"))


def _write(output: Path, data: bytes) -> None:
    tmp = output.with_name(f".{output.name}.part")
    tmp.write_bytes(data)
    tmp.replace(output)


@click.group(name="sign-requests")
def sign_requests_group() -> None:
    """Requests waiting for a person's own signature (kk: қол қою сұраулары; ru: запросы на
    подпись)."""


@sign_requests_group.command(name="list")
@click.option("--iin", default=None, help="Only the requests waiting for this IIN.")
@click.option("--all", "every", is_flag=True, help="Signed and cancelled ones too.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_cmd(home: Home, iin: str | None, every: bool, as_json: bool) -> None:
    """Open signing requests, oldest first: the flow's (``document`` is the submission's
    token, with ``-commented`` for the form with the officer's comment) and any other.
    ``due``: ``remind`` after [signing] request_days, ``flag`` (to the officer) after twice."""
    from datetime import UTC, datetime

    from docflow.signreq import SignRequests, due, signing_modes

    days = signing_modes(home).request_days
    now = datetime.now(UTC)
    store = SignRequests(home.ensure())
    try:
        records = store.list(iin=iin, state=None if every else "open")
    finally:
        store.close()
    if as_json:
        rows = [{**r.to_json(), "due": due(r, request_days=days, now=now)} for r in records]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    lang = _lang()
    if not records:
        click.echo(message("signreq.none", lang))
        return
    for r in records:
        when = due(r, request_days=days, now=now)
        mark = "  " + message(f"signreq.{when}", lang) if when else ""
        click.echo(message(
            "signreq.line", lang, id=r.id, request_state=message(f"signreq.state.{r.state}", lang),
            role=role_label(r.role or r.field, lang), iin=r.expected_iin, name=r.signer_name,
            document=r.document, until=f"{r.expires:%Y-%m-%d %H:%M}", mark=mark,
        ))  # fmt: skip


@sign_requests_group.command(name="waiting")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def waiting_cmd(home: Home, as_json: bool) -> None:
    """On whom signatures wait, how many, since when; overdue after [signing] request_days."""
    from docflow.signreq import SignRequests, signing_modes

    days = signing_modes(home).request_days
    store = SignRequests(home.ensure())
    try:
        rows = store.waiting(request_days=days)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([w.to_json() for w in rows], ensure_ascii=False, indent=2))
        return
    lang = _lang()
    for w in rows:
        flag = "  " + message("signreq.overdue", lang, count=w.overdue) if w.overdue else ""
        if w.flagged:
            flag += "  " + message("signreq.flagged", lang, count=w.flagged)
        line = message("signreq.waiting", lang, iin=w.iin, name=w.signer_name, count=w.count,
                       since=f"{w.oldest:%Y-%m-%d}")  # fmt: skip
        click.echo(line + flag)


@sign_requests_group.command(name="renew")
@click.argument("request_id")
@click.pass_obj
def renew_cmd(home: Home, request_id: str) -> None:
    """Close an open request (expired, flagged, lost) so that the flow asks the same person
    again with a new one (kk: сұрауды жаңарту; ru: обновить запрос)."""
    from docflow.signreq import SignRequests

    store = SignRequests(home.ensure())
    try:
        record = store.get(request_id)
        store.cancel(request_id)
    finally:
        store.close()
    click.echo(message("signreq.renewed", _lang(), id=record.id, name=record.signer_name,
                       iin=record.expected_iin))  # fmt: skip


@sign_requests_group.command(name="export")
@click.argument("request_ids", nargs=-1)
@click.option(
    "--batch",
    default=None,
    help="Every open request of this batch (the token `certificates issue` prints).",
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="A JSON package instead of a ZIP.")
@click.pass_obj
def export_cmd(
    home: Home, request_ids: tuple[str, ...], batch: str | None, output: Path, as_json: bool
) -> None:
    """Write a self-contained package to sign offline (`docflow sign-package`): one request,
    or several of one person (REQUEST_ID…, or --batch TOKEN) in one package signed in one go."""
    from docflow.signreq import SignRequests, export_batch, export_package

    if not request_ids and batch is None:
        raise click.UsageError("give REQUEST_ID… or --batch TOKEN")
    store = SignRequests(home.ensure())
    try:
        records = [store.get(i) for i in request_ids]
        if batch is not None:
            records += [r for r in store.of_batch(batch) if r.id not in request_ids]
        if not records:
            raise click.ClickException(f"no open signing request in batch {batch!r}")
        if len(records) == 1 and batch is None:
            (record,) = records
            data = export_package(
                record, store.prepared(record.id), as_json=as_json or output.suffix == ".json"
            )
        else:
            if as_json or output.suffix == ".json":
                raise click.UsageError("a package of several requests is a ZIP")
            closed = [r.id for r in records if r.state != "open"]
            if closed:
                raise click.ClickException(f"not open: {', '.join(closed)}")
            data = export_batch([(r, store.prepared(r.id)) for r in records])
    finally:
        store.close()
    _write(output, data)
    first = records[0]
    click.echo(message("signreq.exported", _lang(), count=len(records), name=first.signer_name,
                       iin=first.expected_iin, output=output))  # fmt: skip


@sign_requests_group.command(name="complete")
@click.argument("arguments", nargs=-1, required=True, metavar="[REQUEST_ID] SIGNED")
@click.pass_obj
def complete_cmd(home: Home, arguments: tuple[str, ...]) -> None:
    """Check a returned signature (CMS or signed package) and complete the PDF (B-LTA); a
    signed batch package (no REQUEST_ID) completes each of its requests, each signature
    checked on its own.

    Exit 0 when every signature was accepted; 1 when one was refused (that request stays open,
    each reason printed; the others of a batch are completed).
    """
    from docflow.errors import DocflowError
    from docflow.signreq import SignRequests, home_services, home_trust, read_signed_batch

    if len(arguments) > 2:
        raise click.UsageError("give [REQUEST_ID] SIGNED")
    request_id = arguments[0] if len(arguments) == 2 else None
    signed = Path(arguments[-1])
    if not signed.is_file():
        raise click.BadParameter(f"{signed} is not a file", param_hint="SIGNED")
    data = signed.read_bytes()
    answers: list[tuple[str, bytes]] | None = read_signed_batch(data)
    if answers is None:
        if request_id is None:
            from docflow.signreq import read_signed

            named, _ = read_signed(data)
            if named is None:
                raise click.UsageError("a bare CMS needs its REQUEST_ID")
            request_id = named
        answers = [(request_id, data)]
    elif request_id is not None and request_id not in {i for i, _ in answers}:
        raise click.ClickException(f"the signed batch holds no signature for {request_id}")
    refused = 0
    lang = _lang()
    store = SignRequests(home.ensure())
    try:
        with home_services(home) as services:
            trust = home_trust(home)
            for rid, answer in answers:
                if request_id is not None and rid != request_id:
                    continue
                try:
                    result = store.submit(rid, answer, trust=trust, services=services)
                except DocflowError as exc:
                    if len(answers) == 1:
                        raise
                    refused += 1  # one closed request does not stop the rest of a batch
                    click.echo(f"{rid}: {exc}", err=True)
                    continue
                if not result.accepted:
                    refused += 1
                    click.echo(message("signreq.refused", lang, id=rid), err=True)
                    for r in result.check.refusals:
                        click.echo(f"  - {r.message(lang)}", err=True)
                    continue
                click.echo(message("signreq.signed", lang, id=rid, name=result.check.signer_name,
                                   iin=result.check.signer_iin))  # fmt: skip
    finally:
        store.close()
    if refused:
        raise SystemExit(1)


def add_user_commands(users: click.Group) -> None:
    """Add ``token`` and ``iin`` to the ``docflow users`` group (called by docflow.cli.serve)."""

    @users.command("token")
    @click.argument("name")
    @click.option(
        "--days", type=click.FloatRange(min=0, min_open=True), default=90.0, show_default=True,
        help="Days the token is valid.",
    )  # fmt: skip
    @click.option("--revoke", is_flag=True, help="Revoke every token of NAME instead.")
    @click.pass_obj
    def users_token(home: Home, name: str, days: float, revoke: bool) -> None:
        """Make an API token for NAME (shown once; send it as `Authorization: Bearer …`),
        valid --days; or, with --revoke, revoke every token of NAME."""
        from docflow.signreq import SignRequests
        from docflow.web.auth import AuthStore

        auth = AuthStore.for_home(home.ensure())
        try:
            if name not in {u.name for u in auth.users()}:
                raise click.ClickException(f"no user {name!r}: add it with `docflow users add`")
        finally:
            auth.close()
        store = SignRequests(home)
        try:
            if revoke:
                count = store.revoke_tokens(name)
                click.echo(message("signreq.tokens_revoked", _lang(), name=name, count=count))
                return
            token = store.new_token(name, days=days)
        finally:
            store.close()
        click.echo(token)

    @users.command("iin")
    @click.argument("name")
    @click.argument("iin")
    @click.pass_obj
    def users_iin(home: Home, name: str, iin: str) -> None:
        """Say which IIN user NAME signs as (their requests appear on /sign)."""
        from docflow.signreq import SignRequests

        store = SignRequests(home.ensure())
        try:
            store.set_user_iin(name, iin)
        finally:
            store.close()
        click.echo(message("signreq.user_iin", _lang(), name=name, iin=iin))


def register(group: click.Group) -> None:
    group.add_command(sign_requests_group)

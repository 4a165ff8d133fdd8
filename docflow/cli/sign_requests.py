"""``docflow sign-requests …`` (requests waiting for a person's own signature) and
``docflow users token|iin`` (API tokens, and the IIN a web user signs as)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from docflow.config import Home


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
    """Open signing requests, oldest first."""
    from docflow.signreq import SignRequests

    store = SignRequests(home.ensure())
    try:
        records = store.list(iin=iin, state=None if every else "open")
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([r.to_json() for r in records], ensure_ascii=False, indent=2))
        return
    if not records:
        click.echo("қол қоюды күтетін сұрау жоқ / нет запросов на подпись / no signing requests")
        return
    for r in records:
        click.echo(
            f"{r.id}  {r.state:9}  {r.field:11}  IIN {r.expected_iin}  {r.signer_name}  "
            f"{r.document}  until {r.expires:%Y-%m-%d %H:%M}"
        )


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
    for w in rows:
        flag = f"  OVERDUE {w.overdue}" if w.overdue else ""
        click.echo(
            f"IIN {w.iin}  {w.signer_name}  {w.count} waiting since {w.oldest:%Y-%m-%d}{flag}"
        )


@sign_requests_group.command(name="export")
@click.argument("request_id")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="A JSON package instead of a ZIP.")
@click.pass_obj
def export_cmd(home: Home, request_id: str, output: Path, as_json: bool) -> None:
    """Write a self-contained package to sign offline (`docflow sign-package`)."""
    from docflow.signreq import SignRequests, export_package

    store = SignRequests(home.ensure())
    try:
        record = store.get(request_id)
        data = export_package(
            record, store.prepared(request_id), as_json=as_json or output.suffix == ".json"
        )
    finally:
        store.close()
    _write(output, data)
    click.echo(
        f"{record.id}: package for {record.signer_name} (IIN {record.expected_iin}): {output}"
    )


@sign_requests_group.command(name="complete")
@click.argument("request_id")
@click.argument("signed", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def complete_cmd(home: Home, request_id: str, signed: Path) -> None:
    """Check a returned signature (CMS or signed package) and complete the PDF (B-LTA).

    Exit 0 when accepted; 1 when refused (the request stays open, each reason printed).
    """
    from docflow.signreq import SignRequests, home_services, home_trust

    store = SignRequests(home.ensure())
    try:
        with home_services(home) as services:
            result = store.submit(
                request_id, signed.read_bytes(), trust=home_trust(home), services=services
            )
    finally:
        store.close()
    if not result.accepted:
        click.echo(f"{request_id}: қабылданбады / отклонено / refused:", err=True)
        for r in result.check.refusals:
            click.echo(
                f"  - {r.message('kk')}\n    {r.message('ru')}\n    {r.message('en')}", err=True
            )
        raise SystemExit(1)
    click.echo(
        f"{request_id}: қол қойылды / подписано / signed by {result.check.signer_name} "
        f"(IIN {result.check.signer_iin})"
    )


def add_user_commands(users: click.Group) -> None:
    """Add ``token`` and ``iin`` to the ``docflow users`` group (called by docflow.cli.serve)."""

    @users.command("token")
    @click.argument("name")
    @click.pass_obj
    def users_token(home: Home, name: str) -> None:
        """Make an API token for NAME (shown once; send it as `Authorization: Bearer …`)."""
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
            token = store.new_token(name)
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
        click.echo(f"{name}: IIN {iin}")


def register(group: click.Group) -> None:
    group.add_command(sign_requests_group)

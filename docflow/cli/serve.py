"""``docflow serve`` (the web page) and ``docflow users`` (who may log in to it).

A password is read from a hidden prompt or from ``DOCFLOW_PASSWORD``, never from the command
line, where other users of the machine could read it in the process list.
"""

from __future__ import annotations

import logging
import os

import click

from docflow.config import Home

PASSWORD_ENV = "DOCFLOW_PASSWORD"


def register(group: click.Group) -> None:
    @group.command()
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
    @click.pass_obj
    def serve(home: Home, host: str, port: int) -> None:
        """Serve the web page: verify, QR targets, archive, review, dashboard."""
        import uvicorn

        from docflow.cli._storage import open_archive_or_refuse
        from docflow.i18n import cli_locale
        from docflow.web import create_app

        # Issue 18: an archive that cannot be used is refused before the page starts.
        locale = cli_locale(click.get_current_context().meta.get("docflow.lang"))
        open_archive_or_refuse(home.ensure(), locale)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        app = create_app(home.ensure())
        click.echo(f"docflow: serving {home.root} on http://{host}:{port}/", err=True)
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)

    @group.group()
    def users() -> None:
        """People who may log in to the web page (archivist, officer, admin)."""

    from docflow.cli.sign_requests import add_user_commands  # users token / users iin

    add_user_commands(users)

    @users.command("add")
    @click.option("--name", required=True, help="Login name (no spaces).")
    @click.option(
        "--role",
        required=True,
        type=click.Choice(["archivist", "officer", "admin", "consultant"]),
    )
    @click.option(
        "--replace", is_flag=True, help="Set a new password and role for an existing user."
    )
    @click.pass_obj
    def users_add(home: Home, name: str, role: str, replace: bool) -> None:
        """Add a user; the password comes from a prompt or from DOCFLOW_PASSWORD."""
        from docflow.web.auth import AuthStore, UserError

        password = os.environ.get(PASSWORD_ENV)
        if not password:
            password = click.prompt(
                f"Password for {name}", hide_input=True, confirmation_prompt=True
            )
        store = AuthStore.for_home(home.ensure())
        try:
            user = store.add_user(name, role, password, replace=replace)
        except UserError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            store.close()
        click.echo(f"user {user.name} ({user.role}) saved")

    @users.command("list")
    @click.pass_obj
    def users_list(home: Home) -> None:
        """Every user and role."""
        from docflow.web.auth import AuthStore

        store = AuthStore.for_home(home.ensure())
        try:
            for user in store.users():
                click.echo(f"{user.name}\t{user.role}")
        finally:
            store.close()

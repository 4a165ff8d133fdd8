"""The ``docflow`` command: a thin door onto the service layer.

Each command group lives in its own module with a ``register(group)`` function, so the
subsystems stay independent; this module only assembles them.
"""

from __future__ import annotations

import importlib
import sys

import click

from docflow.config import Home
from docflow.errors import DocflowError

#: Modules under docflow.cli that contribute commands, in help order.
_COMMAND_MODULES = (
    "check",
    "render",
    "pki",
    "verify",
    "watch",
    "review",
    "archive",
    "certificates",
    "serve",
    "summary",
    "trust",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="DOCFLOW_HOME",
    default=".",
    show_default=True,
    help="The docflow home: inbox/, outbox/, certs/ and docflow.toml live here.",
)
@click.pass_context
def main(ctx: click.Context, home: str) -> None:
    """docflow: professional-development reports, certificates, signatures and archive."""
    ctx.obj = Home.resolve(home)


for _name in _COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"docflow.cli.{_name}")
    except ModuleNotFoundError as exc:  # a subsystem not built yet
        if exc.name != f"docflow.cli.{_name}":
            raise
        continue
    _module.register(main)


def run() -> None:
    """Entry point that turns expected errors into one plain line instead of a traceback."""
    try:
        main(standalone_mode=True)
    except DocflowError as exc:
        click.echo(f"docflow: {exc}", err=True)
        sys.exit(2)


__all__ = ["main", "run"]

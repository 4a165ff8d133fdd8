"""The ``docflow`` command: a thin door onto the service layer.

Each command group lives in its own module with a ``register(group)`` function, so the
subsystems stay independent; this module only assembles them. A module is imported only when
one of its commands runs: ``docflow --help`` and ``docflow check`` never pay for pyHanko,
LibreOffice's bridge or the web stack (start-up under 0.3 s instead of ~1 s).

Command modules import the heavy subsystems (pyHanko, LibreOffice's converter, FastAPI,
matplotlib behind them) inside the command function that needs them, so that
``docflow --help`` and the light commands do not pay for every other command's imports. That is
the only reason for an import inside a function in docflow; never to dodge a cycle.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import click

from docflow.errors import DocflowError

# pyHanko imports cryptography's DSA types, which cryptography marks deprecated on import: a
# warning about a library's internals that every command printed, with nothing to act on.
warnings.filterwarnings("ignore", message=r"DSA is deprecated", category=UserWarning)

#: Command name -> (module under docflow.cli, one-line help shown by ``docflow --help``), in
#: help order. tests/cli/test_cli_startup.py checks it against what the modules register.
_COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("check", "Apply the rules to FILE (JSON, YAML or ZIP) and render nothing."),
    "render": ("render", "Render FILE (a report or event certificates) to DOCX and PDF/A-3b."),
    "chambers": ("chambers", "Chambers and the Collegium: ids, names in kk and ru, aliases."),
    "pki": ("pki", "The demo PKI in certs/ (for demonstration only) and its loopback services."),
    "sign": ("pki", "Sign FILE into FIELD with a demo key, timestamped, with revocation info."),
    "verify": ("verify", "Check every signature in FILE.pdf...: 0 valid, 1 invalid, 2 unreadable."),
    "watch": ("watch", "Watch inbox/ and take every submission to its outcome."),
    "status": ("watch", "Every submission received, with its state."),
    "worker": ("worker", "Run the shared queue's submissions (the scaled-out [queue])."),
    "review": ("review", "Reports waiting for the chamber's responsible officer (R-4.6)."),
    "archive": ("archive", "The archive in outbox/: signed PDFs, records, index and audit log."),
    "certificates": ("certificates", "Event certificates: one signed PDF per participant (R-5.4)."),
    "serve": ("serve", "Serve the web page: verify, QR targets, archive, review, dashboard."),
    "users": ("serve", "People who may log in to the web page (archivist, officer, admin)."),
    "roster": ("summary", "A chamber's member roster (who must report: R-7.4)."),
    "summary": ("summary", "The chamber's (R-4.7) and the Collegium's (R-5.5) annual summaries."),
    "sanctions": ("summary", "R-9.1: warnings (one month to reach the norm), then suspensions."),
    "reminders": ("summary", "Before 15 February (R-3.2d): members who have not filed yet."),
    "sign-requests": ("sign_requests", "Requests waiting for a person's own signature (own mode)."),
    "sign-package": ("sign_package", "Sign an exported request offline with your own key."),
    "trust": ("trust", "The trust list: NCA RK roots and other anchors and intermediates."),
    "roadmap": ("roadmap", "The Bar's roadmap (Part M): directions, collegia's support, reports."),
}


def _load(module: str) -> dict[str, click.Command]:
    """The commands ``docflow.cli.<module>`` registers (empty if the subsystem is not built)."""
    try:
        mod = importlib.import_module(f"docflow.cli.{module}")
    except ModuleNotFoundError as exc:  # a subsystem not built yet
        if exc.name != f"docflow.cli.{module}":
            raise
        return {}
    scratch = click.Group()
    mod.register(scratch)
    return dict(scratch.commands)


class _LazyGroup(click.Group):
    """Imports a command's module when the command is looked up, not at start-up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*_COMMANDS, *sorted(set(super().list_commands(ctx)) - set(_COMMANDS))]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = _COMMANDS.get(cmd_name)
        modules = [entry[0]] if entry else sorted({m for m, _ in _COMMANDS.values()})
        for module in modules:
            for name, command in _load(module).items():
                self.commands.setdefault(name, command)
            if cmd_name in self.commands:
                return self.commands[cmd_name]
        return None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, help_) in _COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="DOCFLOW_HOME",
    default=".",
    show_default=True,
    help="The docflow home: inbox/, outbox/, certs/ and docflow.toml live here.",
)
@click.option(
    "--lang",
    type=click.Choice(["kk", "ru", "en"]),
    default=None,
    help="Language of messages (default: DOCFLOW_LANG, else the system locale, else en).",
)
@click.pass_context
def main(ctx: click.Context, home: str, lang: str | None) -> None:
    """docflow: professional-development reports, certificates, signatures and archive."""
    from docflow.config import Home

    ctx.obj = Home.resolve(home)
    if lang:
        ctx.meta["docflow.lang"] = lang


def run() -> None:
    """Entry point that turns expected errors into one plain line instead of a traceback."""
    try:
        main(standalone_mode=True)
    except DocflowError as exc:
        click.echo(f"docflow: {exc}", err=True)
        sys.exit(2)


__all__ = ["main", "run"]

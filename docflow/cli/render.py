"""``docflow render FILE --out DIR``: the DOCX and the unsigned PDF/A-3b of one submission."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from docflow.config import Home
from docflow.errors import SubmissionInvalid

__all__ = ["register"]


def _parse_today(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()  # the CLI is the edge where the clock is read
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


def register(group: click.Group) -> None:
    @group.command("render")
    @click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
    @click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder for the DOCX and the PDF.",
    )
    @click.option(
        "--locale",
        type=click.Choice(["kk", "ru"]),
        default=None,
        help="Language of the documents (default: the submission's `locale`).",
    )
    @click.option("--today", callback=_parse_today, metavar="YYYY-MM-DD", help="Day of arrival.")
    @click.pass_obj
    def render(home: Home, file: Path, out_dir: Path, locale: str | None, today: date) -> None:
        """Render FILE (a report or event certificates) to DOCX and unsigned PDF/A-3b."""
        from docflow.render.service import render_submission

        try:
            done = render_submission(
                file, out_dir, today=today, settings=home.settings(), locale=locale
            )
        except SubmissionInvalid as exc:
            click.echo(f"{file.name}: invalid submission:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(2)
        for document in done:
            click.echo(f"{document.docx}\n{document.pdf}")

"""``docflow render FILE --out DIR``: the DOCX and the unsigned PDF/A-3b of one submission."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from docflow.cli._options import today_option
from docflow.config import Clock, Home
from docflow.errors import SubmissionInvalid

__all__ = ["register"]


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
    @today_option("Day of arrival (default: DOCFLOW_TODAY, else the real date).")
    @click.pass_obj
    def render(home: Home, file: Path, out_dir: Path, locale: str | None, clock: Clock) -> None:
        """Render FILE (a report or event certificates) to DOCX and unsigned PDF/A-3b."""
        from docflow.render.service import render_submission

        try:
            done = render_submission(
                file, out_dir, today=clock.today(), settings=home.settings(), locale=locale
            )
        except SubmissionInvalid as exc:
            click.echo(f"{file.name}: invalid submission:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(2)
        for document in done:
            click.echo(f"{document.docx}\n{document.pdf}")

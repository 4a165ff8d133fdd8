"""Opening the archive when a long-running command starts (issue 18).

``docflow watch`` and ``docflow serve`` open the archive before anything else, so a scaled-out
home whose bucket has no Object Lock, or whose database or object store cannot be reached, is
refused at start with one line in the reader's language and a non-zero exit, not at the first
submission (where a worker would only log it) or the first archive page.
"""

from __future__ import annotations

import click

from docflow.config import Home
from docflow.i18n import message


def open_archive_or_refuse(home: Home, locale: str) -> None:
    """Open ``home``'s archive once and close it; a ``click.ClickException`` (exit 1) naming
    the problem when it cannot be opened. Recovers nothing (the writers heal their archive)."""
    from sqlalchemy.exc import SQLAlchemyError

    from docflow.archive import Archive
    from docflow.errors import ConfigError, ObjectLockMissing
    from docflow.storage import StorageSettings, parse_s3_url

    try:
        Archive(home, recover=False).close()
    except ObjectLockMissing:
        objects = StorageSettings.from_home(home.root).objects or "s3://?"
        bucket = parse_s3_url(objects)[0]
        raise click.ClickException(message("storage.unlocked", locale, bucket=bucket)) from None
    except (ConfigError, SQLAlchemyError) as exc:
        # A database error's first line names the server, never the password.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise click.ClickException(message("storage.unusable", locale, reason=reason)) from None

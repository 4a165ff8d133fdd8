"""Options shared by several commands, defined once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from docflow.config import Clock

__all__ = ["today_option"]

F = TypeVar("F", bound=Callable[..., Any])


def _clock(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Clock:
    if value is None:
        return Clock.from_env()  # DOCFLOW_TODAY, else the real date
    try:
        return Clock(date.fromisoformat(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


def today_option(
    help: str = "Replay a past day (default: DOCFLOW_TODAY, else the real date).",
    *,
    dest: str = "clock",
) -> Callable[[F], F]:
    """``--today YYYY-MM-DD``: the command receives ``dest`` (a ``Clock``), the only source of
    "today" for what it does."""
    return click.option("--today", dest, callback=_clock, metavar="YYYY-MM-DD", help=help)

"""``docflow roadmap``: the Bar's roadmap (RULES.md Part M) — where each direction stands, the
bodies and the chair's letters to the territorial collegia, the reminders of M-qr."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click

from docflow.cli._options import today_option
from docflow.config import Clock, Home
from docflow.i18n import cli_locale, message

__all__ = ["register", "status_lines"]


def status_lines(statuses: list[Any], *, today: date, locale: str = "kk") -> list[str]:
    """The status as text, one block per direction, in ``locale`` (kk, ru, en)."""
    from docflow.i18n import message
    from docflow.roadmap.status import DEADLINE_NAMES, STAGE_NAMES

    lines = [message("roadmap.status.title", locale, today=today.isoformat())]
    for s in statuses:
        d = s.direction
        overdue = "  " + message("roadmap.status.overdue", locale) if s.overdue else ""
        lines.append(f"{d.id}  {d.name(locale)}")
        lines.append(f"  {_pick(STAGE_NAMES[s.stage], locale)}")
        what = _pick(DEADLINE_NAMES[s.deadline_kind], locale)
        lines.append(f"  {what}: {s.deadline.isoformat()}{overdue}")
        if s.support is not None:
            lines.append(f"  {s.support.text(locale)}")
        for q in s.quarters:
            line = message(
                "roadmap.status.quarter", locale, label=q.label, consultations=q.consultations,
                share=f"{q.agreed_share:g}", ready=q.proposals_ready, total=q.proposals_total,
            )  # fmt: skip
            late = f" ({message('roadmap.status.late', locale)})" if q.late else ""
            lines.append(f"  {line}{late}")
    return lines


def _pick(texts: dict[str, str], locale: str) -> str:
    """A text of the roadmap's data in ``locale``: Russian where the data has no English."""
    return texts.get(locale) or texts.get("ru") or next(iter(texts.values()))


def register(group: click.Group) -> None:
    @group.group("roadmap")
    def roadmap() -> None:
        """The Bar's roadmap (Part M): directions, support of the collegia, reports."""

    @roadmap.command("status")
    @click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
    @today_option("The day the status is for (default: today).")
    @click.pass_obj
    def status(home: Home, as_json: bool, clock: Clock) -> None:
        """Each direction: its stage, next deadline, support "k of N (need M)", indicators."""
        from docflow.archive import Archive
        from docflow.roadmap.status import roadmap_status

        today = clock.today()
        with Archive(home) as archive:
            statuses = roadmap_status(archive, home, today=today)
        if as_json:
            doc = {"today": today.isoformat(), "directions": [s.to_json() for s in statuses]}
            click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
            return
        locale = cli_locale(click.get_current_context().meta.get("docflow.lang"))
        click.echo("\n".join(status_lines(statuses, today=today, locale=locale)))

    @roadmap.command("bodies")
    @click.pass_obj
    def bodies(home: Home) -> None:
        """Register the Bar Association and the territorial collegia as bodies (their chairs
        are then enrolled: docflow pki enroll --role chair --chamber ID)."""
        from docflow.roadmap.flow import register_bodies

        for body in register_bodies(home):
            click.echo(body)

    @roadmap.command("letters")
    @click.argument("direction")
    @click.option("--decision", "decision_no", required=True, help="The Presidium decision's No.")
    @click.option("--answer-by", required=True, help="The date positions are due (YYYY-MM-DD).")
    @click.option("--locale", type=click.Choice(["kk", "ru"]), default="kk", show_default=True)
    @today_option("The letters' date (default: today).")
    @click.pass_obj
    def letters(
        home: Home, direction: str, decision_no: str, answer_by: str, locale: str, clock: Clock
    ) -> None:
        """Write the chair's letter to every territorial collegium into the inbox (M-2.6q)."""
        from docflow.roadmap.inputs import support_letters, write_support_letters

        made = support_letters(
            direction,
            decision_no=decision_no,
            sent_on=clock.today(),
            answer_by=date.fromisoformat(answer_by),
            locale=locale,
        )
        for path in write_support_letters(home.inbox, made):
            click.echo(path.name)

    @roadmap.command("reminders")
    @today_option("The day (default: today).")
    @click.pass_obj
    def reminders(home: Home, clock: Clock) -> None:
        """The quarterly reports due before this quarter's end and not yet filed (M-qr)."""
        from docflow.archive import Archive
        from docflow.roadmap.status import due_reminders, roadmap_status

        today = clock.today()
        with Archive(home) as archive:
            statuses = roadmap_status(archive, home, today=today)
        locale = cli_locale(click.get_current_context().meta.get("docflow.lang"))
        due = due_reminders(statuses, today=today)
        if not due:
            click.echo(message("roadmap.reminders.none", locale))
        for reminder in due:
            click.echo(reminder.text(locale))

"""``docflow roadmap``: the Bar's roadmap (RULES.md Part M) — where each direction stands, the
bodies and the chair's letters to the territorial collegia, the reminders of M-qr."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click

from docflow.cli._options import today_option
from docflow.config import Clock, Home

__all__ = ["register", "status_lines"]


def status_lines(statuses: list[Any], *, today: date) -> list[str]:
    """The status as text, one block per direction (Kazakh / Russian)."""
    from docflow.roadmap.status import DEADLINE_NAMES, STAGE_NAMES

    lines = [f"Жол картасы / Дорожная карта — {today.isoformat()}"]
    for s in statuses:
        d = s.direction
        stage = STAGE_NAMES[s.stage]
        what = DEADLINE_NAMES[s.deadline_kind]
        overdue = "  МЕРЗІМІ ӨТТІ / ПРОСРОЧЕНО" if s.overdue else ""
        lines.append(f"{d.id}  {d.title['kk']} / {d.title['ru']}")
        lines.append(f"  {stage['kk']} / {stage['ru']}")
        lines.append(f"  {what['kk']} / {what['ru']}: {s.deadline.isoformat()}{overdue}")
        if s.support is not None:
            lines.append(f"  {s.support.text('kk')} / {s.support.text('ru')}")
        for q in s.quarters:
            late = " (кешікті / с опозданием)" if q.late else ""
            lines.append(
                f"  {q.label}: {q.consultations} консульт., {q.agreed_share:g} %, "
                f"{q.proposals_ready}/{q.proposals_total}{late}"
            )
    return lines


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
        click.echo("\n".join(status_lines(statuses, today=today)))

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
        for reminder in due_reminders(statuses, today=today):
            click.echo(f"{reminder.text('kk')} / {reminder.text('ru')}")

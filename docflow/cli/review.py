"""``docflow review``: the officer's queue (list, approve, return).

Activities are numbered as the officer sees them on the form, from 1: ``--points 4=0`` gives
activity 4 zero points (R-3.1b). A number the report does not have, or one of an Appendix 2
activity, is an error (exit 2); an "other" activity the officer gives no points gets 0.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

from docflow.config import Home
from docflow.i18n import cli_locale, finding_text, message

__all__ = ["parse_points", "points_problems", "register"]


def parse_points(values: tuple[str, ...], locale: str = "en") -> dict[int, int]:
    """``("4=0", "5=2")`` -> ``{4: 0, 5: 2}`` (activity number from 1 -> points)."""
    decided: dict[int, int] = {}
    for value in values:
        number, sep, points = value.partition("=")
        if not sep or not number.strip().isdigit() or not points.strip().isdigit():
            raise click.BadParameter(message("review.points_syntax", locale, value=repr(value)))
        decided[int(number)] = int(points)
    return decided


def points_problems(
    activities: Sequence[Mapping[str, Any]], decided: Mapping[int, int], locale: str
) -> list[str]:
    """R-3.1b: what is wrong with the officer's points for the listed activities (as the
    review item shows them, in order): unknown numbers, or activities of Appendix 2."""
    problems = []
    for number in sorted(decided):
        if not 1 <= number <= len(activities):
            problems.append(
                message(
                    "review.points_unknown_activity", locale, number=number, count=len(activities)
                )
            )
        elif activities[number - 1].get("form") != "other":
            form = activities[number - 1].get("form")
            problems.append(message("review.points_not_other", locale, number=number, form=form))
    return problems


def _home(ctx: click.Context) -> Home:
    home = ctx.find_object(Home)
    assert home is not None, "the docflow group sets the home"
    return home


def _locale(ctx: click.Context, lang: str | None) -> str:
    return cli_locale(lang or ctx.meta.get("docflow.lang"))


_LANG = click.option(
    "--lang",
    type=click.Choice(["kk", "ru", "en"]),
    default=None,
    help="Language of the messages (default: DOCFLOW_LANG, else the system locale).",
)


def register(group: click.Group) -> None:
    @group.group()
    def review() -> None:
        """Reports waiting for the chamber's responsible officer (R-4.6)."""

    @review.command("list")
    @click.option("--json", "as_json", is_flag=True)
    @_LANG
    @click.pass_context
    def list_(ctx: click.Context, as_json: bool, lang: str | None) -> None:
        """Reports waiting for the officer, with each "other" activity's justification."""
        from docflow.workflow.build import build_flow
        from docflow.workflow.review import ReviewQueue
        from docflow.workflow.services import build_services

        locale = _locale(ctx, lang)
        with build_services(_home(ctx)) as services:
            items = ReviewQueue(build_flow(services)).items()
        if as_json:
            click.echo(json.dumps([i.to_json() for i in items], ensure_ascii=False, indent=2))
            return
        if not items:
            click.echo(message("review.nothing", locale))
        for i in items:
            click.echo(
                message("review.item", locale, id=i.id, name=i.full_name, iin=i.iin, year=i.year)
            )
            for reason in i.reasons:
                click.echo(message("review.reason", locale, text=finding_text(reason, locale)))
            for number, act in enumerate(i.verdict.get("activities", []), start=1):
                if act.get("form") != "other":
                    continue
                click.echo(
                    message(
                        "review.other_activity",
                        locale,
                        number=number,
                        title=act.get("title", ""),
                        claimed=act.get("claimed_points") or 0,
                        justification=act.get("justification") or "—",
                    )
                )

    @review.command()
    @click.argument("item_id", metavar="ID")
    @click.option(
        "--points",
        multiple=True,
        metavar="ACTIVITY=POINTS",
        help="Points for an 'other' activity, by its number on the form (from 1), e.g. 4=0. "
        "An 'other' activity given no points gets 0 (R-3.1b).",
    )
    @click.option(
        "--comment",
        default=None,
        help="The officer's comment for the form's comment section (A1).",
    )
    @click.option(
        "--exemption",
        type=click.Choice(["accept", "refuse"]),
        default=None,
        help="The officer's decision on a claimed exemption the roster does not confirm "
        "(R-7.4): accept (exempt, stated on the form) or refuse (the duty stands).",
    )
    @_LANG
    @click.pass_context
    def approve(
        ctx: click.Context,
        item_id: str,
        points: tuple[str, ...],
        comment: str | None,
        exemption: str | None,
        lang: str | None,
    ) -> None:
        """Approve: the officer countersigns and the report is archived."""
        locale = _locale(ctx, lang)
        decided = parse_points(points, locale)
        accepted = None if exemption is None else exemption == "accept"
        _decide(
            _home(ctx), item_id, "approve", locale, decided=decided, comment=comment,
            exemption_accepted=accepted,
        )  # fmt: skip

    @review.command("return")
    @click.argument("item_id", metavar="ID")
    @click.option("--remarks", required=True, help="What the consultant must correct (R-3.2e).")
    @_LANG
    @click.pass_context
    def return_(ctx: click.Context, item_id: str, remarks: str, lang: str | None) -> None:
        """Return the report to the consultant with remarks (R-3.2e)."""
        locale = _locale(ctx, lang)
        _decide(_home(ctx), item_id, "return", locale, remarks=remarks)


def _exemption_waits(verdict: Mapping[str, Any]) -> bool:
    from docflow.workflow.review import exemption_waits

    return exemption_waits(verdict)


def _decide(
    home: Home,
    item_id: str,
    action: str,
    locale: str,
    *,
    decided: dict[int, int] | None = None,
    remarks: str = "",
    comment: str | None = None,
    exemption_accepted: bool | None = None,
) -> None:
    from docflow.workflow.build import build_flow
    from docflow.workflow.review import NotInReview, ReviewQueue
    from docflow.workflow.services import build_services

    with build_services(home) as services:
        queue = ReviewQueue(build_flow(services))
        try:
            if action == "approve":
                item = queue.get(item_id)
                problems = points_problems(
                    item.verdict.get("activities", []), decided or {}, locale
                )
                if problems:
                    for problem in problems:
                        click.echo(f"docflow: {problem}", err=True)
                    sys.exit(2)
                if exemption_accepted is None and _exemption_waits(item.verdict):
                    click.echo(
                        f"docflow: {message('review.exemption_undecided', locale)}", err=True
                    )
                    sys.exit(2)
                outcome = queue.approve(
                    item_id,
                    decided_points=decided,
                    comment=comment,
                    exemption_accepted=exemption_accepted,
                )
            else:
                outcome = queue.return_(item_id, remarks=remarks)
        except NotInReview:
            click.echo(
                f"docflow: {message('review.not_in_review', locale, id=repr(item_id))}", err=True
            )
            sys.exit(1)
    key = "review.decided_record" if outcome.record else "review.decided"
    if outcome.state == "processing":  # scaled out: recorded, a worker host goes on (issue 18)
        key = "review.handed"
    click.echo(message(key, locale, id=item_id, state=outcome.state, record=outcome.record))

"""``docflow review``: the officer's queue (list, approve, return)."""

from __future__ import annotations

import json
import sys

import click

from docflow.config import Home


def _points(values: tuple[str, ...]) -> dict[int, int]:
    decided: dict[int, int] = {}
    for value in values:
        index, sep, points = value.partition("=")
        if not sep or not index.strip().isdigit() or not points.strip().isdigit():
            raise click.BadParameter(f"{value!r}: expected ACTIVITY=POINTS, e.g. 3=2")
        decided[int(index)] = int(points)
    return decided


def register(group: click.Group) -> None:
    @group.group()
    def review() -> None:
        """Reports waiting for the chamber's responsible officer (R-4.6)."""

    @review.command("list")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def list_(home: Home, as_json: bool) -> None:
        """Reports waiting for the officer."""
        from docflow.workflow.build import build_flow
        from docflow.workflow.review import ReviewQueue
        from docflow.workflow.services import build_services

        with build_services(home) as services:
            items = ReviewQueue(build_flow(services)).items()
        if as_json:
            click.echo(json.dumps([i.to_json() for i in items], ensure_ascii=False, indent=2))
            return
        if not items:
            click.echo("Nothing waits for review.")
        for i in items:
            click.echo(f"{i.id}  {i.full_name} ({i.iin}), {i.year}")
            for reason in i.reasons:
                click.echo(f"    - {reason}")

    @review.command()
    @click.argument("item_id", metavar="ID")
    @click.option(
        "--points",
        multiple=True,
        metavar="ACTIVITY=POINTS",
        help="Points granted to an 'other' activity (0-based index); default: as claimed.",
    )
    @click.option(
        "--comment",
        default=None,
        help="The officer's comment for the form's comment section (A1).",
    )
    @click.pass_obj
    def approve(home: Home, item_id: str, points: tuple[str, ...], comment: str | None) -> None:
        """Approve: the officer countersigns and the report is archived."""
        _decide(home, item_id, "approve", decided=_points(points), comment=comment)

    @review.command("return")
    @click.argument("item_id", metavar="ID")
    @click.option("--remarks", required=True, help="What the consultant must correct (R-3.2e).")
    @click.pass_obj
    def return_(home: Home, item_id: str, remarks: str) -> None:
        """Return the report to the consultant with remarks (R-3.2e)."""
        _decide(home, item_id, "return", remarks=remarks)


def _decide(
    home: Home,
    item_id: str,
    action: str,
    *,
    decided: dict[int, int] | None = None,
    remarks: str = "",
    comment: str | None = None,
) -> None:
    from docflow.workflow.build import build_flow
    from docflow.workflow.review import NotInReview, ReviewQueue
    from docflow.workflow.services import build_services

    with build_services(home) as services:
        queue = ReviewQueue(build_flow(services))
        try:
            if action == "approve":
                outcome = queue.approve(item_id, decided_points=decided, comment=comment)
            else:
                outcome = queue.return_(item_id, remarks=remarks)
        except NotInReview as exc:
            click.echo(f"docflow: {exc}", err=True)
            sys.exit(1)
    click.echo(
        f"{item_id}: {outcome.state}" + (f", record {outcome.record}" if outcome.record else "")
    )

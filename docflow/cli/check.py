"""``docflow check FILE``: apply the rules to one submission and render nothing.

Exit codes (CONTRACT.md): 0 compliant or exempt, 1 non_compliant or needs_review, 2 invalid input.
The day of arrival is today (or ``--today``/``DOCFLOW_TODAY`` to replay a past season): it is
the filing day of R-3.2d, whatever date the file itself states. Messages are in ``--lang``,
``DOCFLOW_LANG`` or the system's language (kk, ru, else en).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from docflow.cli._options import today_option
from docflow.config import Clock
from docflow.i18n import cli_locale, field_label, format_date, message

if TYPE_CHECKING:
    from docflow.errors import Problem
    from docflow.rules import CpdVerdict

__all__ = ["EXIT_CODES", "check_text", "problem_lines", "register", "run_check"]

EXIT_CODES = {
    "compliant": 0, "exempt": 0, "valid": 0, "non_compliant": 1, "needs_review": 1, "invalid": 2,
}  # fmt: skip


def problem_json(problem: Problem, locale: str) -> dict[str, Any]:
    """A problem of an input as ``check --json`` prints it: the field path as written (for
    scripts), and ``label``/``message``/``expected`` in ``locale`` for people."""
    from docflow.intake.messages import problem_text

    text, expected = problem_text(problem, locale)
    return {
        "field": problem.field,
        "label": field_label(problem.field, locale),
        "message": text,
        "expected": expected,
        "key": problem.key,
    }


def run_check(
    path: Path, *, today: date, locale: str = "en"
) -> tuple[int, dict[str, Any], CpdVerdict | None]:
    """The exit code, the ``--json`` document and the verdict (None unless a valid report).

    ``today`` is the day of arrival and so the filing day (R-3.2d)."""
    from docflow.errors import SubmissionInvalid
    from docflow.intake.judge import judge
    from docflow.intake.parse import load_submission
    from docflow.kinds import KindRegistry
    from docflow.rules import CpdVerdict, filing_day

    kinds = KindRegistry.load()
    try:
        loaded = load_submission(path, today=today, models=kinds.inbox_models())
    except SubmissionInvalid as exc:
        doc = {
            "verdict": "invalid",
            "problems": [problem_json(p, locale) for p in exc.problems],
        }
        return EXIT_CODES["invalid"], doc, None
    model = loaded.model
    kind = kinds.find(model.kind)
    verdict = judge(kind, loaded, today=filing_day(today)) if kind is not None else None
    if verdict is not None and not isinstance(verdict, CpdVerdict):
        # A kind's own verdict (the roadmap's): ``verdict`` is valid or non_compliant.
        own: dict[str, Any] = verdict.to_json()
        return EXIT_CODES.get(str(own["verdict"]), 1), own, None
    if not isinstance(verdict, CpdVerdict):
        # Certificates and rosters have no points to judge: a readable input is all check says.
        return 0, {"verdict": "valid", "kind": model.kind}, None
    return EXIT_CODES[verdict.verdict], verdict.to_json(locale), verdict


def problem_lines(problems: list[dict[str, Any]], locale: str) -> list[str]:
    lines = []
    for p in problems:
        key = "check.problem_expected" if p.get("expected") else "check.problem"
        lines.append(
            message(
                key,
                locale,
                field=p.get("label") or p["field"],
                message=p["message"],
                expected=p.get("expected") or "",
            )
        )
    return lines


def check_text(doc: dict[str, Any], verdict: CpdVerdict | None, source: str, locale: str) -> str:
    """What ``docflow check`` prints for a person, in ``locale``."""
    if doc["verdict"] == "invalid":
        lines = [message("check.invalid", locale, source=source, count=len(doc["problems"]))]
        lines += problem_lines(doc["problems"], locale)
        return "\n".join(lines)
    if verdict is None and "findings" in doc:
        # A kind's own verdict: its findings (Kazakh / Russian / English), one a line.
        late = ", LATE" if doc.get("late") else ""
        lines = [f"{source}: {doc['verdict'].upper()} {doc['kind']}{late}"]
        for f in doc["findings"]:
            where = f" {f['field']}:" if f.get("field") else ""
            lines.append(f"  {f['clause']} [{f['severity']}]{where} {f['message']}")
        return "\n".join(lines)
    if verdict is None:
        return message("check.valid_kind", locale, source=source, kind=doc["kind"])
    lines = [
        message("check.verdict", locale, source=source, verdict=verdict.verdict),
        message(
            "check.points_late" if verdict.late else "check.points",
            locale,
            total=verdict.total_points,
            required=verdict.required_points,
            version=verdict.rule_version,
            filed=verdict.filed_on or verdict.deadline,
            deadline=verdict.deadline,
        ),
        message("check.activities", locale),
    ]
    if not verdict.activities:
        lines.append(message("check.none", locale))
    for a in verdict.activities:
        form = f"A2-{a.form}" if a.form != "other" else message("check.other_form", locale)
        lines.append(
            message(
                "check.activity" if a.counted else "check.activity_not_counted",
                locale,
                number=a.number,
                form=form,
                title=a.title,
                date=format_date(a.date, locale),
                points=a.points,
            )
        )
    if verdict.findings:
        lines.append(message("check.findings", locale))
        for f in verdict.findings:
            lines.append(
                message(
                    "check.finding",
                    locale,
                    clause=f.clause,
                    severity=f.severity,
                    text=f.text(locale),
                )
            )
    if verdict.defects:
        lines.append(message("check.returnable", locale, count=len(verdict.defects)))
    return "\n".join(lines)


def register(group: click.Group) -> None:
    @group.command("check")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
    @today_option(
        "The day of arrival, which is the filing day (R-3.2d); default: DOCFLOW_TODAY, else today."
    )
    @click.option(
        "--lang",
        type=click.Choice(["kk", "ru", "en"]),
        default=None,
        help="Language of the messages (default: DOCFLOW_LANG, else the system locale).",
    )
    @click.pass_context
    def check(
        ctx: click.Context, file: Path, as_json: bool, clock: Clock, lang: str | None
    ) -> None:
        """Apply the rules to FILE (JSON, YAML or ZIP) and render nothing."""
        locale = cli_locale(lang or ctx.meta.get("docflow.lang"))
        if not file.exists():
            doc: dict[str, Any] = {
                "verdict": "invalid",
                "problems": [
                    {
                        "field": str(file),
                        "label": str(file),
                        "message": message("check.no_such_file", locale),
                        "expected": message("check.expected_file", locale),
                        "key": None,
                    }
                ],
            }
            code, verdict = 2, None
        else:
            code, doc, verdict = run_check(file, today=clock.today(), locale=locale)
        if as_json:
            click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        else:
            click.echo(check_text(doc, verdict, file.name, locale), err=code == 2)
        sys.exit(code)

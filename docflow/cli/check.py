"""``docflow check FILE``: apply the rules to one submission and render nothing.

Exit codes (CONTRACT.md): 0 compliant or exempt, 1 non_compliant or needs_review, 2 invalid input.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from docflow.cli._options import today_option
from docflow.config import Clock
from docflow.errors import SubmissionInvalid
from docflow.intake.parse import load_submission
from docflow.kinds import KindRegistry
from docflow.rules import CpdVerdict

__all__ = ["EXIT_CODES", "register", "run_check"]

EXIT_CODES = {
    "compliant": 0, "exempt": 0, "valid": 0, "non_compliant": 1, "needs_review": 1, "invalid": 2,
}  # fmt: skip


def run_check(path: Path, *, today: date) -> tuple[int, dict[str, Any], CpdVerdict | None]:
    """The exit code, the ``--json`` document and the verdict (None unless a valid report)."""
    kinds = KindRegistry.load()
    try:
        loaded = load_submission(path, today=today, models=kinds.inbox_models())
    except SubmissionInvalid as exc:
        doc = {"verdict": "invalid", "problems": [p.to_json() for p in exc.problems]}
        return EXIT_CODES["invalid"], doc, None
    from docflow.workflow.flow import judge  # heavy (the flow's services): not at start-up

    model = loaded.model
    kind = kinds.find(model.kind)
    verdict = judge(kind, loaded, today=today) if kind is not None else None
    if verdict is not None and not isinstance(verdict, CpdVerdict):
        # A kind's own verdict (the roadmap's): ``verdict`` is valid or non_compliant.
        doc = verdict.to_json()
        return EXIT_CODES.get(doc["verdict"], 1), doc, None
    if not isinstance(verdict, CpdVerdict):
        # Certificates and rosters have no points to judge: a readable input is all check says.
        return 0, {"verdict": "valid", "kind": model.kind}, None
    return EXIT_CODES[verdict.verdict], verdict.to_json(), verdict


def _human(doc: dict[str, Any], verdict: CpdVerdict | None, source: str) -> str:
    if doc["verdict"] == "invalid":
        lines = [f"{source}: invalid submission, {len(doc['problems'])} problem(s):"]
        for p in doc["problems"]:
            line = f"  {p['field']}: {p['message']}"
            if p.get("expected"):
                line += f" (expected {p['expected']})"
            lines.append(line)
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
        return f"{source}: valid {doc['kind']} submission"
    lines = [
        f"{source}: {verdict.verdict.upper()}",
        f"  points: {verdict.total_points} of {verdict.required_points} required"
        f"  (rules {verdict.rule_version}, deadline {verdict.deadline.isoformat()}"
        f"{', LATE' if verdict.late else ''})",
        "  activities:",
    ]
    if not verdict.activities:
        lines.append("    (none)")
    for a in verdict.activities:
        form = f"A2-{a.form}" if a.form != "other" else "other"
        note = "" if a.counted else "  (not counted)"
        lines.append(
            f"    {a.index + 1}. [{form}] {a.title} ({a.date.isoformat()}): {a.points} pt{note}"
        )
    if verdict.findings:
        lines.append("  findings:")
        for f in verdict.findings:
            lines.append(f"    {f.clause} [{f.severity}] {f.message}")
    if verdict.defects:
        lines.append("  to be returned for correction (R-3.2e): " + str(len(verdict.defects)))
    return "\n".join(lines)


def register(group: click.Group) -> None:
    @group.command("check")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
    @today_option("The day of arrival (default: today); decides lateness (R-3.2d).")
    def check(file: Path, as_json: bool, clock: Clock) -> None:
        """Apply the rules to FILE (JSON, YAML or ZIP) and render nothing."""
        if not file.exists():
            doc: dict[str, Any] = {
                "verdict": "invalid",
                "problems": [
                    {"field": str(file), "message": "no such file", "expected": "an existing file"}
                ],
            }
            code, verdict = 2, None
        else:
            code, doc, verdict = run_check(file, today=clock.today())
        if as_json:
            click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        else:
            click.echo(_human(doc, verdict, file.name), err=code == 2)
        sys.exit(code)

"""``docflow review approve ID --exemption accept|refuse`` (R-7.4): a claimed exemption the
roster does not confirm cannot be approved without the officer's decision (exit 2, in the
CLI's language); ``review list`` shows why the report waits, in that language."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import yaml
from click.testing import CliRunner

from docflow.cli import main
from docflow.config import Home
from docflow.inbox.journal import Journal
from docflow.intake.parse import load_submission_bytes
from docflow.rules import evaluate_cpd

TOKEN = "S20260210093000-cli00001"


def _seed(home: Home) -> None:
    data = {
        "kind": "cpd-report", "year": 2025, "locale": "kk",
        "consultant": {"full_name": "Әбенова Гүлнар Серікқызы", "iin": "820130409335",
                       "chamber": "Алматы қаласының заң консультанттары палатасы",
                       "member_since": "2019-03-01"},
        "exemption": {"reason": "childcare_leave", "from": "2024-06-01", "to": "2027-06-01"},
        "activities": [],
    }  # fmt: skip
    raw = yaml.safe_dump(data, allow_unicode=True).encode("utf-8")
    loaded = load_submission_bytes("claim.yaml", raw, base_dir=None, today=date(2026, 2, 10))
    verdict = evaluate_cpd(
        loaded.model,  # type: ignore[arg-type]
        filed_on=date(2026, 2, 10),
        evidence_names=set(),
    )
    workdir = home.state / "work" / TOKEN
    workdir.mkdir(parents=True)
    (workdir / "input.yaml").write_bytes(raw)
    (workdir / "verdict.json").write_text(json.dumps(verdict.to_json()), encoding="utf-8")
    reasons = [f.to_json() for f in verdict.findings if f.clause == "R-7.4"]
    (workdir / "review.json").write_text(json.dumps({"reasons": reasons}), encoding="utf-8")
    journal = Journal(home.state / "journal.sqlite")
    try:
        journal.add(TOKEN, "claim.yaml", hashlib.sha256(raw).hexdigest())
        journal.update(TOKEN, state="review", kind="cpd-report", year=2025,
                       full_name="Әбенова Гүлнар Серікқызы", iin="820130409335")  # fmt: skip
    finally:
        journal.close()


def test_R_7_4_an_undecided_exemption_cannot_be_approved(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    _seed(home)
    runner = CliRunner()
    base = ["--home", str(home.root)]
    result = runner.invoke(main, [*base, "--lang", "kk", "review", "approve", TOKEN])
    assert result.exit_code == 2, result.output
    assert "--exemption accept" in result.output and "шешіміңізді күтуде" in result.output
    listed = runner.invoke(main, [*base, "--lang", "ru", "review", "list"])
    assert listed.exit_code == 0 and "реестр" in listed.output.casefold(), listed.output
    assert "roster" not in listed.output  # the reason in Russian, not the log's English
    helped = runner.invoke(main, [*base, "review", "approve", "--help"])
    assert "--exemption [accept|refuse]" in helped.output

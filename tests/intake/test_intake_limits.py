"""Issue 19, input limits checked before expensive work: a huge (sparse) file is refused by
``stat`` unread, deep nesting is refused before the parser builds it, and a report's
activities and evidence are bounded in the model."""

from __future__ import annotations

import copy
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from docflow.errors import SubmissionInvalid
from docflow.intake.parse import (
    input_sha256,
    input_size_problem,
    load_submission,
    load_submission_bytes,
)
from docflow.model import MAX_ACTIVITIES, MAX_EVIDENCE_PER_ACTIVITY

TODAY = date(2026, 2, 10)


def _problems(exc: pytest.ExceptionInfo[SubmissionInvalid]) -> str:
    return " | ".join(str(p) for p in exc.value.problems)


def test_limit_sparse_768_mb_file_is_refused_unread(tmp_path: Path) -> None:
    import resource

    sparse = tmp_path / "report.yaml"
    with sparse.open("wb") as handle:
        handle.truncate(768 * 1024 * 1024)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(SubmissionInvalid) as raised:
        load_submission(sparse, today=TODAY)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert "too large" in _problems(raised)
    assert grown_kb < 50 * 1024  # nothing near 768 MB was read into memory
    assert input_size_problem(sparse) is not None


def test_limit_text_over_5_mb_is_refused_by_stat(tmp_path: Path) -> None:
    big = tmp_path / "report.json"
    big.write_bytes(b" " * (6 * 1024 * 1024))
    problem = input_size_problem(big)
    assert problem is not None and "5 MB" in str(problem)


def test_limit_input_hash_is_streamed(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "x.bin"
    path.write_bytes(b"abc" * 1_000_000)
    assert input_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "text",
    [
        "kind: cpd-report\nx: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "kind: cpd-report\nx:\n" + "- " * 50_000 + "1\n",
        "kind: cpd-report\nx: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n",
    ],
    ids=["flow-sequences", "block-sequences", "flow-mappings"],
)
def test_limit_deeply_nested_yaml_is_refused_fast(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(SubmissionInvalid) as raised:
        load_submission_bytes("deep.yaml", text.encode(), base_dir=None, today=TODAY)
    assert time.monotonic() - started < 3
    assert "nested too deeply" in _problems(raised)


def test_limit_deeply_nested_json_is_refused() -> None:
    text = '{"kind": "cpd-report", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(SubmissionInvalid) as raised:
        load_submission_bytes("deep.json", text.encode(), base_dir=None, today=TODAY)
    assert "nested too deeply" in _problems(raised)
    assert raised.value.problems[0].key == "intake.too_deep"  # shown in kk/ru by its key


def test_limit_brackets_inside_strings_are_not_nesting(report: dict[str, Any]) -> None:
    report["activities"][0]["title"] = "[" * 100 + " O'Brien {" * 50
    loaded = load_submission_bytes(
        "r.json", json.dumps(report).encode(), base_dir=None, today=TODAY
    )
    assert loaded.model.activities[0].title.startswith("[[[")  # type: ignore[union-attr]


def _with_activities(report: dict[str, Any], count: int, evidence: int = 1) -> dict[str, Any]:
    one = report["activities"][0]
    one["title"], one["organizer"] = "Семинар", "ЗКП"
    one["evidence"] = [f"evidence/e{i}.pdf" for i in range(evidence)]
    report["activities"] = [copy.deepcopy(one) for _ in range(count)]
    return report


def test_limit_ten_thousand_activities_are_refused_plainly(report: dict[str, Any]) -> None:
    raw = json.dumps(_with_activities(report, 10_000)).encode()
    started = time.monotonic()
    with pytest.raises(SubmissionInvalid) as raised:
        load_submission_bytes("many.json", raw, base_dir=None, today=TODAY)
    assert time.monotonic() - started < 3
    text = _problems(raised)
    assert f"at most {MAX_ACTIVITIES} activities" in text and "10000" in text


def test_limit_activities_at_the_bound_are_accepted(report: dict[str, Any]) -> None:
    raw = json.dumps(_with_activities(report, MAX_ACTIVITIES)).encode()
    loaded = load_submission_bytes("ok.json", raw, base_dir=None, today=TODAY)
    assert len(loaded.model.activities) == MAX_ACTIVITIES  # type: ignore[union-attr]


def test_limit_evidence_files_per_activity(report: dict[str, Any]) -> None:
    raw = json.dumps(_with_activities(report, 1, evidence=MAX_EVIDENCE_PER_ACTIVITY + 1)).encode()
    with pytest.raises(SubmissionInvalid) as raised:
        load_submission_bytes("ev.json", raw, base_dir=None, today=TODAY)
    assert "evidence files per activity" in _problems(raised)

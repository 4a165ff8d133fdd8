"""The shared corpus of other projects' signed PDFs: docflow verify must reach the verdict their
own test suites expect (tests/verify/corpus_expected.json names the upstream test per file),
and must never crash on any of them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from docflow.verify import load_certificates, verify_pdf

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).with_name("corpus_expected.json")).read_text(encoding="utf-8")
)["files"]
PYHANKO_AT = datetime(2020, 11, 1, tzinfo=UTC)

pytestmark = pytest.mark.slow


def _judge(name: str) -> Any:
    path = CORPUS / name
    if name.startswith("pyhanko/"):
        roots = load_certificates(CORPUS / "pyhanko" / "testing-ca-root.cert.pem")
        return verify_pdf(path.read_bytes(), trust_roots=roots, at=PYHANKO_AT, file_name=name)
    return verify_pdf(path.read_bytes(), trust_roots=[], file_name=name)


def test_every_corpus_file_has_an_expectation() -> None:
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*.pdf")}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) == 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_verdict(name: str) -> None:
    expected = EXPECTED[name]
    report = _judge(name)

    assert report.verdict == expected["verdict"], report.to_json()
    if "intact" in expected:
        assert [s.intact for s in report.signatures] == expected["intact"]
    if "trusted" in expected:
        assert [s.trusted for s in report.signatures] == expected["trusted"]
    if "modified_after" in expected:
        assert report.signatures[0].modified_after == expected["modified_after"]
    if "coverage" in expected:
        assert report.signatures[0].coverage == expected["coverage"]
    # every verdict that is not "valid" says why
    if report.verdict != "valid":
        assert report.reasons


def test_cli_never_crashes_on_the_corpus(tmp_path: Path) -> None:
    """The command itself, over the whole corpus: exit 0/1 only, JSON on stdout, no traceback."""
    root = CORPUS / "pyhanko" / "testing-ca-root.cert.pem"
    for name, expected in sorted(EXPECTED.items()):
        args = [sys.executable, "-c", "from docflow.cli import run; run()"]
        args += ["--home", str(tmp_path), "verify", "--json", str(CORPUS / name)]
        if name.startswith("pyhanko/"):
            args += ["--trust-root", str(root), "--at", "2020-11-01T00:00:00+00:00"]
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert "Traceback" not in done.stderr, (name, done.stderr)
        assert done.returncode == (0 if expected["verdict"] == "valid" else 1), (name, done)
        assert json.loads(done.stdout)["verdict"] == expected["verdict"]

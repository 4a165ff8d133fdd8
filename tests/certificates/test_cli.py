"""``docflow certificates issue|show|revoke``, and a batch killed with SIGKILL mid-way that a
second run finishes without issuing anyone a second certificate."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.archive import Archive
from docflow.bodies import ChamberRegistry
from docflow.certificates import load_secret, serial_for
from docflow.cli import main
from docflow.pki.testing import make_test_pki
from docflow.verify import verify_pdf

from .conftest import CHAMBER, CHAMBER_RU, ISSUE_DAY, World, batch, make_iins, new_home, yaml_bytes

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def run(home: Path, *args: str) -> tuple[int, str]:
    """Exit code and stdout (stderr, where the progress bar goes, in ``run.stderr``)."""
    result = CliRunner().invoke(main, ["--home", str(home), *args])
    run.stderr = result.stderr  # type: ignore[attr-defined]
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        run.stderr += "".join(traceback.format_exception(result.exception))  # type: ignore[attr-defined]
    return result.exit_code, result.stdout


def roster(count: int, born: str) -> list[dict[str, str]]:
    return [
        {"full_name": f"Қатысушы {i + 1}", "iin": iin}
        for i, iin in enumerate(make_iins(count, born=born))
    ]


def test_show_and_revoke_refuse_unknown_serials(world: World) -> None:
    code, _ = run(world.home.root, "certificates", "show", "KZC-AAAAAAAAAAAAAAAA")
    assert code == 1 and "no archived certificate" in run.stderr  # type: ignore[attr-defined]
    code, _out = run(
        world.home.root, "certificates", "revoke", "KZC-AAAAAAAAAAAAAAAA", "--reason", "x"
    )
    assert code == 1
    code, _ = run(world.home.root, "certificates", "show", "../../etc/passwd")
    assert code == 1


def test_issue_refuses_a_report_and_a_home_without_an_issuer(tmp_path: Path) -> None:
    home, _ = new_home(tmp_path / "h")
    report = tmp_path / "report.yaml"
    report.write_text("kind: cpd-report\n", encoding="utf-8")
    code, _ = run(home.root, "certificates", "issue", str(report))
    assert code == 2 and "not valid" in run.stderr  # type: ignore[attr-defined]

    bare = tmp_path / "bare"
    make_test_pki(bare)  # officer and consultant only
    ChamberRegistry(bare).add("almaty", kk=CHAMBER, ru=CHAMBER_RU)  # a chamber with no issuer
    source = tmp_path / "event.yaml"
    source.write_bytes(yaml_bytes(batch("kk", roster(1, "910101"))))
    code, _out = run(bare, "certificates", "issue", str(source), "--today", "2025-06-02")
    assert code == 1 and "enroll" in run.stderr  # type: ignore[attr-defined]


def test_issue_show_revoke(tmp_path: Path, world: World) -> None:
    source = tmp_path / "webinar.yaml"
    source.write_bytes(
        yaml_bytes(batch("ru", roster(2, "920202"), title="Вебинар: арбитраж", on="2025-11-20"))
    )
    code, out = run(world.home.root, "certificates", "issue", str(source), "--today", "2025-11-21")
    assert code == 0, run.stderr  # type: ignore[attr-defined]
    assert "2/2" in run.stderr  # type: ignore[attr-defined]  # the progress bar's last state
    serials = [line.split()[0] for line in out.splitlines() if line.startswith("KZC-")]
    assert len(serials) == 2
    code, out = run(world.home.root, "certificates", "show", serials[0], "--json")
    record = json.loads(out)
    assert record["issued_on"] == "2025-11-21" and record["status"] == "active"
    assert not (world.home.state / "certificates").exists() or not any(
        (world.home.state / "certificates").iterdir()
    )  # checkpoints removed once everything is archived
    code, out = run(world.home.root, "certificates", "revoke", serials[1], "--reason", "duplicate")
    assert code == 0 and "revoked" in out
    code, out = run(world.home.root, "certificates", "show", serials[1])
    assert code == 0 and "revoked: duplicate" in out
    # Issuing the same file again gives the same serials and nothing new.
    code, out = run(world.home.root, "certificates", "issue", str(source), "--json")
    assert code == 0
    again = json.loads(out)
    assert [c["serial"] for c in again] == serials and not any(c["new"] for c in again)


def _certificates(home: Path) -> list[dict[str, object]]:
    from docflow.config import Home

    with Archive(Home(home), recover=False) as archive:
        return archive.search(kind="certificate")


def test_a_batch_killed_mid_way_is_finished_by_the_next_run(tmp_path: Path) -> None:
    home, pki = new_home(tmp_path / "home")
    people = roster(4, "930303")
    source = tmp_path / "course.yaml"
    source.write_bytes(
        yaml_bytes(batch("kk", people, form=3, title="Курс: салық құқығы", on="2025-09-08"))
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "docflow",
            "--home",
            str(home.root),
            "certificates",
            "issue",
            str(source),
            "--today",
            ISSUE_DAY.isoformat(),
            "--workers",
            "1",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            if (home.outbox / ".index" / "log.jsonl").exists() and _certificates(home.root):
                break
            time.sleep(0.1)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI, its LibreOffice and its TSA: all at once
    finally:
        proc.wait(timeout=30)
    before = {r["serial"] for r in _certificates(home.root)}
    assert 1 <= len(before) < 4
    (workdir,) = list((home.state / "certificates").iterdir())
    checkpoints = {
        p.name.split("-", 1)[1].split(".")[0]: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in workdir.glob("*.signed.pdf")
    }

    code, out = run(home.root, "certificates", "issue", str(source), "--json")
    assert code == 0, run.stderr  # type: ignore[attr-defined]
    issued = json.loads(out)
    secret = load_secret(home)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    assert [c["serial"] for c in issued] == [
        serial_for(secret, sha, i, p["iin"]) for i, p in enumerate(people)
    ]
    assert {c["serial"] for c in issued if not c["new"]} == before
    records = _certificates(home.root)
    assert sorted(str(r["serial"]) for r in records) == sorted(c["serial"] for c in issued)
    for record in records:
        if record["serial"] in checkpoints and record["serial"] not in before:
            assert record["sha256"] == checkpoints[record["serial"]]  # the signed copy reused
    from docflow.config import Home

    with Archive(Home(home.root), recover=False) as archive:
        for c in issued:
            report = verify_pdf(archive.pdf_bytes(c["serial"]), trust_roots=pki.trust_roots())
            assert report.verdict == "valid", report.to_json()


def test_issue_refuses_a_repeated_participant_and_an_event_before_the_rules(
    tmp_path: Path,
) -> None:
    home, _ = new_home(tmp_path / "h")
    people = roster(2, "950505")
    source = tmp_path / "twice.yaml"
    source.write_bytes(yaml_bytes(batch("kk", [*people, dict(people[0])])))
    code, _ = run(home.root, "certificates", "issue", str(source))
    assert code == 2 and "participants[2].iin" in run.stderr  # type: ignore[attr-defined]
    old = tmp_path / "old.yaml"
    old.write_bytes(yaml_bytes(batch("kk", people, on="2021-12-30")))
    code, _ = run(home.root, "certificates", "issue", str(old))
    assert code == 2 and "R-10.1" in run.stderr  # type: ignore[attr-defined]
    assert not list((home.outbox).rglob("*.pdf"))


def test_issue_12_without_worker_processes_the_same_flow_runs_on_threads(tmp_path: Path) -> None:
    """``worker_processes = false``: `certificates issue` runs the same flow in its own
    process (as `watch` does then); the result is the same."""
    home, pki = new_home(tmp_path / "home")
    with (home.root / "docflow.toml").open("a", encoding="utf-8") as toml:
        toml.write("worker_processes = false\n")
    source = tmp_path / "threads.yaml"
    source.write_bytes(yaml_bytes(batch("kk", roster(2, "970707"), on="2025-10-02")))
    code, out = run(home.root, "certificates", "issue", str(source), "--json")
    assert code == 0, run.stderr  # type: ignore[attr-defined]
    issued = json.loads(out)
    assert [c["state"] for c in issued] == ["issued"] * 2 and all(c["new"] for c in issued)
    with Archive(home, recover=False) as archive:
        report = verify_pdf(archive.pdf_bytes(issued[1]["serial"]), trust_roots=pki.trust_roots())
    assert report.verdict == "valid", report.to_json()
